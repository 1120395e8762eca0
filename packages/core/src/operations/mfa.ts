import type { Caller } from "../rate-limiter.js";
import type { ActivateInput, MfaVerifyInput } from "../schemas.js";
import { type OperationsContext, STEP_UP_TTL_MS, stepUpKey } from "./context.js";

/** With a code, activates the email factor; without, enrols it again and mails a fresh code. */
export async function activate(
  ctx: OperationsContext,
  input: ActivateInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  await countCodeCall(ctx, input, caller);
  if (input.otp === undefined) await ctx.idp.enrollEmailFactor(input.userId);
  else await ctx.idp.activateEmailFactor(input.userId, input.otp);
  return { success: true };
}

/** Without a code, mails one; with a code, checks it and marks the user's sessions as stepped up. */
export async function verifyMfa(
  ctx: OperationsContext,
  input: MfaVerifyInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  await countCodeCall(ctx, input, caller);
  if (input.otp === undefined) {
    await ctx.idp.challengeEmailFactor(input.userId);
  } else {
    await ctx.idp.verifyEmailFactor(input.userId, input.otp);
    await ctx.store.set(stepUpKey(input.userId), String(ctx.clock.now()), STEP_UP_TTL_MS);
  }
  return { success: true };
}

/** A call without a code mails one, a call with a code checks it: each counts against its own limits. */
function countCodeCall(ctx: OperationsContext, input: { userId: string; otp?: string }, caller: Caller) {
  return ctx.limiter.hit(input.otp === undefined ? "codeSend" : "codeCheck", caller, input.userId);
}
