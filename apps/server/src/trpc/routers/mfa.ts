import { activateInput, mfaVerifyInput, success } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { limitedProcedure } from "../limited.js";

export const mfaRouter = {
  activate: limitedProcedure
    .input(activateInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.activate(input, ctx.caller)),
  verify: limitedProcedure
    .input(mfaVerifyInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.verifyMfa(input, ctx.caller)),
} satisfies TRPCRouterRecord;
