import { AuthError } from "../errors.js";
import type { Caller } from "../rate-limiter.js";
import type { LoginAnswer, LoginInput, RegisterInput, SessionInput } from "../schemas.js";
import { type OperationsContext, STEP_UP_TTL_MS, sessionStartKey } from "./context.js";

/** Creates the user, enrols the email factor and mails the first code; leaves no user behind on failure. */
export async function register(
  ctx: OperationsContext,
  input: RegisterInput,
  caller: Caller = {},
): Promise<{ userId: string }> {
  await ctx.limiter.hit("register", caller, accountOf(input.email));
  const user = await ctx.idp.createUser(input);
  try {
    await ctx.idp.enrollEmailFactor(user.id, caller);
  } catch (error) {
    await ctx.idp.deleteUser(user.id).catch(() => undefined);
    throw error;
  }
  ctx.events?.record({ event: "registered", userId: user.id }, caller);
  ctx.events?.record({ event: "code.sent", userId: user.id, purpose: "activation" }, caller);
  return { userId: user.id };
}

/** Until the email factor is active, answers only the user id and opens no session. */
export async function login(
  ctx: OperationsContext,
  input: LoginInput,
  caller: Caller = {},
): Promise<LoginAnswer> {
  await ctx.limiter.hit("login", caller, accountOf(input.email));
  const check = await ctx.idp.checkPassword(input.email, input.password, caller).catch((error: unknown) => {
    if (error instanceof AuthError && error.okta?.errorCode === "E0000004") {
      ctx.events?.record({ event: error.lockedOut ? "login.locked" : "login.failed" }, caller);
    }
    throw error;
  });
  if (!check.mfaActive) {
    ctx.events?.record({ event: "login.succeeded", userId: check.userId, sessionOpened: false }, caller);
    return { userId: check.userId };
  }
  const session = await ctx.idp.createSession(check);
  ctx.events?.record({ event: "login.succeeded", userId: check.userId, sessionOpened: true }, caller);
  // The `user` rule counts code checks after this moment; the `session` rule needs no start.
  if (ctx.stepUp === "user") {
    await ctx.store.set(sessionStartKey(session.id), String(ctx.clock.now()), STEP_UP_TTL_MS);
  }
  return session;
}

export async function logout(
  ctx: OperationsContext,
  input: SessionInput,
  caller: Caller = {},
): Promise<{ success: true }> {
  await ctx.idp.endSession(input.sessionId);
  ctx.events?.record({ event: "session.ended" }, caller);
  return { success: true };
}

/** Logins are case-insensitive: ADA@example.com and ada@example.com are one account to count. */
function accountOf(email: string): string {
  return email.toLowerCase();
}
