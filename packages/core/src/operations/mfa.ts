import { AuthError, unknownSession } from "../errors.js";
import type { CodePurpose } from "../one-time-codes.js";
import type { OktaSession } from "../ports.js";
import type { Caller, CountedCall } from "../rate-limiter.js";
import type { ActivateInput, MfaVerifyInput } from "../schemas.js";
import { codeRefusal } from "../security-events.js";
import { type OperationsContext, STEP_UP_TTL_MS, sessionStepUpKey, userStepUpKey } from "./context.js";

/** With a code, activates the email factor; without, enrols it again and mails a fresh code. */
export async function activate(
  ctx: OperationsContext,
  input: ActivateInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  const counted = await countCodeCall(ctx, input, caller);
  const { userId } = input;
  if (input.otp === undefined) {
    await mailing(counted, ctx.idp.enrollEmailFactor(userId, caller));
    ctx.events?.record({ event: "code.sent", userId, purpose: "activation" }, caller);
  } else {
    await checking(ctx, caller, userId, "activation", ctx.idp.activateEmailFactor(userId, input.otp, caller));
    ctx.events?.record({ event: "activated", userId }, caller);
  }
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
  const { userId } = input;
  if (input.otp === undefined) {
    await mailing(counted, ctx.idp.challengeEmailFactor(userId, caller));
    ctx.events?.record({ event: "code.sent", userId, purpose: "verification" }, caller);
    return { success: true };
  }
  await checking(ctx, caller, userId, "verification", ctx.idp.verifyEmailFactor(userId, input.otp, caller));
  const now = ctx.clock.now();
  await Promise.all([
    // As long as the session lives (by the provider's clock, which may be a little behind ours).
    session &&
      ctx.store.set(sessionStepUpKey(session.id), "1", Math.max(1000, Date.parse(session.expiresAt) - now)),
    ctx.stepUp === "user" && ctx.store.set(userStepUpKey(input.userId), String(now), STEP_UP_TTL_MS),
  ]);
  const passed = {
    event: "code.passed",
    userId,
    purpose: "verification",
    sessionSteppedUp: !!session,
  } as const;
  ctx.events?.record(passed, caller);
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

/** A code check; a refused one is told to the events as a failed or a voided code. */
async function checking(
  ctx: OperationsContext,
  caller: Caller,
  userId: string,
  purpose: CodePurpose,
  check: Promise<unknown>,
): Promise<void> {
  try {
    await check;
  } catch (error) {
    const refusal = codeRefusal(error, userId, purpose);
    if (refusal) ctx.events?.record(refusal, caller);
    throw error;
  }
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
