import { AuthError, unknownSession } from "../errors.js";
import type { OktaSession } from "../ports.js";
import type { Caller, CountedCall } from "../rate-limiter.js";
import type { ActivateInput, MfaVerifyInput } from "../schemas.js";
import { type OperationsContext, STEP_UP_TTL_MS, sessionStepUpKey, userStepUpKey } from "./context.js";

/** With a code, activates the email factor; without, enrols it again and mails a fresh code. */
export async function activate(
  ctx: OperationsContext,
  input: ActivateInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  const counted = await countCodeCall(ctx, input, caller);
  if (input.otp === undefined) await mailing(counted, ctx.idp.enrollEmailFactor(input.userId, caller));
  else await ctx.idp.activateEmailFactor(input.userId, input.otp, caller);
  return { success: true };
}

/**
 * Without a code, mails one; with a code, checks it. A passed check steps up the session it names
 * (and, under the `user` rule, every session of the user); a session of another user, or none,
 * answers as an unknown session does, before the code is looked at.
 */
export async function verifyMfa(
  ctx: OperationsContext,
  input: MfaVerifyInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  const counted = await countCodeCall(ctx, input, caller);
  const session =
    input.sessionId === undefined ? undefined : await sessionOf(ctx, input.sessionId, input.userId);
  if (input.otp === undefined) {
    await mailing(counted, ctx.idp.challengeEmailFactor(input.userId, caller));
    return { success: true };
  }
  await ctx.idp.verifyEmailFactor(input.userId, input.otp, caller);
  const now = ctx.clock.now();
  await Promise.all([
    // As long as the session lives (by the provider's clock, which may be a little behind ours).
    session &&
      ctx.store.set(sessionStepUpKey(session.id), "1", Math.max(1000, Date.parse(session.expiresAt) - now)),
    ctx.stepUp === "user" && ctx.store.set(userStepUpKey(input.userId), String(now), STEP_UP_TTL_MS),
  ]);
  return { success: true };
}

async function sessionOf(ctx: OperationsContext, sessionId: string, userId: string): Promise<OktaSession> {
  const session = await ctx.idp.getSession(sessionId);
  if (session.userId !== userId) throw unknownSession();
  return session;
}

/** A call without a code mails one, a call with a code checks it: each counts against its own limits. */
function countCodeCall(ctx: OperationsContext, input: { userId: string; otp?: string }, caller: Caller) {
  return ctx.limiter.hit(input.otp === undefined ? "codeSend" : "codeCheck", caller, input.userId);
}

/**
 * A send refused because a code was mailed moments ago (E0000118: a double click) mailed nothing:
 * it does not count against the hourly send limits.
 */
async function mailing(counted: CountedCall, send: Promise<unknown>): Promise<void> {
  try {
    await send;
  } catch (error) {
    if (error instanceof AuthError && error.okta?.errorCode === "E0000118") await counted.takeBack();
    throw error;
  }
}
