import { AuthError, type Caller } from "@authsvc/core";
import { callerOf } from "../caller.js";
import { errorHeaders } from "../errors.js";
import { publicProcedure } from "./init.js";

/**
 * The procedures whose operations are rate-limited (login, registration, code sends and checks):
 * they hand the operation the caller's IP and User-Agent, and put a refusal's Retry-After and X-Rate-Limit-*
 * headers on the HTTP answer. Other procedures (token checks, user reads) do neither.
 */
export const limitedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const caller: Caller = ctx.request ? callerOf(ctx.request) : {};
  const result = await next({ ctx: { caller } });
  if (!result.ok && ctx.reply && result.error.cause instanceof AuthError) {
    for (const [name, value] of Object.entries(errorHeaders(result.error.cause)))
      ctx.reply.header(name, value);
  }
  return result;
});
