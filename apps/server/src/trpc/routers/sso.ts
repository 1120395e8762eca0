import { grantAnswer, grantInput, idTokenClaims, tokenAnswer, tokenInput, verifyInput } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../init.js";

export const ssoRouter = {
  grant: publicProcedure
    .input(grantInput)
    .output(grantAnswer)
    .mutation(({ ctx, input }) => ctx.ops.issueAuthorizationCode(input, ctx.caller)),
  token: publicProcedure
    .input(tokenInput)
    .output(tokenAnswer)
    .mutation(({ ctx, input }) => ctx.ops.exchangeCodeForToken(input, ctx.caller)),
  verify: publicProcedure
    .input(verifyInput)
    .output(idTokenClaims)
    .query(({ ctx, input }) => ctx.ops.verifyIdToken(input, ctx.caller)),
} satisfies TRPCRouterRecord;
