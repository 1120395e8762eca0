import { createHash } from "node:crypto";
import type { IdTokens } from "../id-tokens.js";
import type { Clock, EphemeralStore, IdentityProvider } from "../ports.js";
import type { RateLimiter } from "../rate-limiter.js";

export interface OperationsContext {
  idp: IdentityProvider;
  store: EphemeralStore;
  clock: Clock;
  idTokens: IdTokens;
  /** Limits login, registration, code sends and code checks, whichever door the call came through. */
  limiter: RateLimiter;
  /** Lifetime of an SSO authorization code (AUTH_CODE_TTL_SECONDS, 60 by default). */
  grantTtlSeconds: number;
  /** Step-up rule: a grant needs a code checked after the session began (users with MFA active). */
  requireMfaForGrant: boolean;
}

/** How long a passed code check counts for the step-up rule; Okta's default session lives 2 hours. */
export const STEP_UP_TTL_MS = 12 * 60 * 60 * 1000;

export function stepUpKey(userId: string): string {
  return `mfa-verified:${userId}`;
}

/**
 * When this service opened the session, by its own clock: the provider's `createdAt`
 * comes from another clock (Okta's), which may be seconds apart from ours.
 */
export function sessionStartKey(sessionId: string): string {
  return `session-start:${digest(sessionId)}`;
}

/** Secrets (session ids, grant codes) name keys only by their hash, so a look at the store yields none. */
export function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
