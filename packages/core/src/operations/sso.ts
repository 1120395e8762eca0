import { randomBytes } from "node:crypto";
import { AuthError } from "../errors.js";
import type { IdTokenClaims } from "../id-tokens.js";
import type { OktaSession, UserProfile } from "../ports.js";
import type { Caller } from "../rate-limiter.js";
import type { SessionInput, TokenInput, VerifyInput } from "../schemas.js";
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
}

/** An authorization code for the session's user, once the session has passed a code check. */
export async function issueAuthorizationCode(
  ctx: OperationsContext,
  input: SessionInput,
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
  const grant: StoredGrant = { userId: user.id, profile: user.profile };
  await ctx.store.set(grantKey(code), JSON.stringify(grant), ctx.grantTtlSeconds * 1000);
  ctx.events?.record({ event: "grant.issued", userId: user.id }, caller);
  return { code };
}

/** Redeems an authorization code, once, for an ID token. */
export async function exchangeCodeForToken(
  ctx: OperationsContext,
  input: TokenInput,
  caller: Caller = {},
): Promise<{ token: string }> {
  const raw = await ctx.store.take(grantKey(input.code));
  if (!raw) {
    ctx.events?.record({ event: "grant.replayed" }, caller);
    throw new AuthError("INVALID_GRANT", "The code is unknown, used or expired");
  }
  const grant = JSON.parse(raw) as StoredGrant;
  const token = await ctx.idTokens.issue(grant.userId, grant.profile, ctx.clock.now());
  ctx.events?.record({ event: "token.issued", userId: grant.userId }, caller);
  return { token };
}

/** `_caller`: every operation takes one, so that a door calls them all alike; a check reports nothing. */
export async function verifyIdToken(
  ctx: OperationsContext,
  input: VerifyInput,
  _caller?: Caller,
): Promise<Readonly<IdTokenClaims>> {
  return ctx.idTokens.verify(input.token, ctx.clock.now());
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
