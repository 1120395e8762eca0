import { AuthError } from "@authsvc/core";
import { errorHeaders } from "../errors.js";
import { publicProcedure } from "./init.js";

/**
 * The procedures whose operations are rate-limited (login, registration, code sends and checks):
 * they put a refusal's Retry-After and X-Rate-Limit-* headers on the HTTP answer. Other procedures
 * (token checks, user reads) have no such refusal, and skip the middleware (see invoke.ts).
 */
export const limitedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && ctx.reply && result.error.cause instanceof AuthError) {
    for (const [name, value] of Object.entries(errorHeaders(result.error.cause)))
      ctx.reply.header(name, value);
  }
  return result;
});
