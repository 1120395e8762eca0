import { createHash } from "node:crypto";
import type { IdTokens } from "../id-tokens.js";
import type { Clock, EphemeralStore, IdentityProvider } from "../ports.js";
import type { RateLimiter } from "../rate-limiter.js";
import type { SecurityEvents } from "../security-events.js";

export interface OperationsContext {
  idp: IdentityProvider;
  store: EphemeralStore;
  clock: Clock;
  idTokens: IdTokens;
  /** Limits login, registration, code sends and code checks, whichever door the call came through. */
  limiter: RateLimiter;
  /** Lifetime of an SSO authorization code (AUTH_CODE_TTL_SECONDS, 60 by default). */
  grantTtlSeconds: number;
  /** What a grant needs when the user has MFA active (SSO_REQUIRE_MFA). */
  stepUp: StepUpRule;
  /** Told of every security event (the audit log, the metrics); nobody when absent. */
  events?: SecurityEvents;
}

/**
 * - `session`: a code check that named this very session (mfa/verify with its sessionId).
 * - `user`: a code check of the user since the session began, whichever session it named or none;
 *   it lets a password-only session through once the real user passes her own check (SECURITY.md).
 * - `off`: no check.
 */
export type StepUpRule = "session" | "user" | "off";

/** How long a passed code check counts for the `user` rule; Okta's default session lives 2 hours. */
export const STEP_UP_TTL_MS = 12 * 60 * 60 * 1000;

/** The `user` rule's mark: when the user last passed a code check. */
export function userStepUpKey(userId: string): string {
  return `mfa-verified:${userId}`;
}

/** The `session` rule's mark: this session passed a code check that named it. */
export function sessionStepUpKey(sessionId: string): string {
  return `mfa-verified-session:${digest(sessionId)}`;
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
