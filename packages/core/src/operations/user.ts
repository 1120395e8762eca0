import type { OktaUser } from "../ports.js";
import type { Caller } from "../rate-limiter.js";
import type { SessionInput } from "../schemas.js";
import type { OperationsContext } from "./context.js";

/** `_caller`: every operation takes one, so that a door calls them all alike; a read reports nothing. */
export async function currentUser(
  ctx: OperationsContext,
  input: SessionInput,
  _caller?: Caller,
): Promise<OktaUser> {
  const session = await ctx.idp.getSession(input.sessionId);
  return ctx.idp.getUser(session.userId);
}
