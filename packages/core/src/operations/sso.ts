import { createHash, randomBytes, randomUUID } from "node:crypto";
import { AuthError } from "../errors.js";
import { ID_TOKEN_LIFETIME_SECONDS, type IdTokenClaims, ISSUED_AT_LEEWAY_SECONDS } from "../id-tokens.js";
import type { OktaSession, UserProfile } from "../ports.js";
import type { Caller } from "../rate-limiter.js";
import type { GrantInput, TokenInput, VerifyInput } from "../schemas.js";
import {
  digest,
  type OperationsContext,
  sessionStartKey,
  sessionStepUpKey,
  userStepUpKey,
} from "./context.js";

/** 256 bits: above the 128 the design requires for grant codes. */
const GRANT_CODE_BYTES = 32;

interface StoredGrant {
  userId: string;
  profile: UserProfile;
  /** What the code is bound to, when sso/grant named it. */
  clientId?: string;
  redirectUri?: string;
  codeChallenge?: string;
}

/** An authorization code for the session's user, once the session has passed a code check. */
export async function issueAuthorizationCode(
  ctx: OperationsContext,
  input: GrantInput,
  caller: Caller = {},
): Promise<{ code: string }> {
  const session = await ctx.idp.getSession(input.sessionId);
  if (session.mfaActive && !(await hasSteppedUp(ctx, session))) {
    ctx.events?.record({ event: "stepup.refused", userId: session.userId }, caller);
    throw new AuthError(
      "MFA_REQUIRED",
      ctx.stepUp === "session"
        ? "This session has not passed a code check yet: call mfa/verify with the emailed code and this sessionId first"
        : "This session has not passed a code check yet: call mfa/verify with the emailed code first",
    );
  }
  const user = await ctx.idp.getUser(session.userId);
  const code = randomBytes(GRANT_CODE_BYTES).toString("base64url");
  const { clientId, redirectUri, codeChallenge } = input;
  const grant: StoredGrant = { userId: user.id, profile: user.profile, clientId, redirectUri, codeChallenge };
  await ctx.store.set(grantKey(code), JSON.stringify(grant), ctx.grantTtlSeconds * 1000);
  ctx.events?.record({ event: "grant.issued", userId: user.id }, caller);
  return { code };
}

/**
 * Redeems an authorization code, once, for an ID token. The first redemption claims the code
 * before taking it, naming the token it will issue; a later one is a replay (RFC 6749 4.1.2):
 * refused, and the token issued from the code is voided, on every instance over the store.
 */
export async function exchangeCodeForToken(
  ctx: OperationsContext,
  input: TokenInput,
  caller: Caller = {},
): Promise<{ token: string }> {
  const jti = randomUUID();
  const redemption = redeemedKey(input.code);
  if (!(await ctx.store.setIfAbsent(redemption, jti, ctx.grantTtlSeconds * 1000))) {
    const issued = await ctx.store.get(redemption);
    if (issued !== null) await ctx.store.set(voidedKey(issued), "1", VOIDED_TTL_MS);
    ctx.events?.record({ event: "grant.replayed" }, caller);
    throw unusableCode();
  }
  const raw = await ctx.store.take(grantKey(input.code));
  if (!raw) {
    ctx.events?.record({ event: "grant.replayed" }, caller);
    throw unusableCode();
  }
  const grant = JSON.parse(raw) as StoredGrant;
  checkBinding(grant, input);
  const token = await ctx.idTokens.issue(grant.userId, grant.profile, ctx.clock.now(), {
    jti,
    azp: grant.clientId,
  });
  ctx.events?.record({ event: "token.issued", userId: grant.userId }, caller);
  return { token };
}

/**
 * A token issued to a client (`azp`: its code was bound) is also checked against the voided ones:
 * one store read, which tokens of unbound codes, never voided, are spared. `_caller`: every
 * operation takes one, so that a door calls them all alike; a check reports nothing.
 */
export async function verifyIdToken(
  ctx: OperationsContext,
  input: VerifyInput,
  _caller?: Caller,
): Promise<Readonly<IdTokenClaims>> {
  const claims = await ctx.idTokens.verify(input.token, ctx.clock.now());
  if (claims.azp !== undefined && (await ctx.store.get(voidedKey(claims.jti))) !== null) {
    throw new AuthError("INVALID_TOKEN", "The token is not valid");
  }
  return claims;
}

/** RFC 6749 4.1.3 and RFC 7636 4.6: the same client and redirect URI, and the challenge's verifier. */
function checkBinding(grant: StoredGrant, input: TokenInput): void {
  if (grant.clientId !== undefined && input.clientId !== grant.clientId) {
    throw new AuthError("INVALID_GRANT", "The code was issued to another client");
  }
  if (grant.redirectUri !== undefined && input.redirectUri !== grant.redirectUri) {
    throw new AuthError("INVALID_GRANT", "The redirect URI differs from the one the code was issued for");
  }
  if (grant.codeChallenge === undefined) {
    // RFC 9700 2.1.1: a verifier for a code that had no challenge is a downgrade attempt.
    if (input.codeVerifier !== undefined) {
      throw new AuthError("INVALID_GRANT", "The code was issued without a code challenge");
    }
    return;
  }
  const computed = input.codeVerifier && createHash("sha256").update(input.codeVerifier).digest("base64url");
  if (computed !== grant.codeChallenge) {
    throw new AuthError("INVALID_GRANT", "The code verifier does not match the code challenge");
  }
}

function unusableCode(): AuthError {
  return new AuthError("INVALID_GRANT", "The code is unknown, used or expired");
}

async function hasSteppedUp(ctx: OperationsContext, session: OktaSession): Promise<boolean> {
  switch (ctx.stepUp) {
    case "off":
      return true;
    case "session":
      return (await ctx.store.get(sessionStepUpKey(session.id))) !== null;
    case "user": {
      const [verified, started] = await Promise.all([
        ctx.store.get(userStepUpKey(session.userId)),
        ctx.store.get(sessionStartKey(session.id)),
      ]);
      const startedAt = started === null ? Date.parse(session.createdAt) : Number(started);
      return Number(verified ?? Number.NaN) >= startedAt;
    }
  }
}

function grantKey(code: string): string {
  return `grant:${digest(code)}`;
}

/** Which token a code's redemption issued, while the code could still be replayed. */
function redeemedKey(code: string): string {
  return `grant-redeemed:${digest(code)}`;
}

/** A voided token, by its jti, for as long as any token lives. */
function voidedKey(jti: string): string {
  return `token-voided:${jti}`;
}

const VOIDED_TTL_MS = (ID_TOKEN_LIFETIME_SECONDS + ISSUED_AT_LEEWAY_SECONDS) * 1000;
