import type { OktaUser } from "../ports.js";
import type { SessionInput } from "../schemas.js";
import type { OperationsContext } from "./context.js";

export async function currentUser(ctx: OperationsContext, input: SessionInput): Promise<OktaUser> {
  const session = await ctx.idp.getSession(input.sessionId);
  return ctx.idp.getUser(session.userId);
}
