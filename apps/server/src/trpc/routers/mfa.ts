import { activateInput, mfaVerifyInput, success } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../init.js";

export const mfaRouter = {
  activate: publicProcedure
    .input(activateInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.activate(input)),
  verify: publicProcedure
    .input(mfaVerifyInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.verifyMfa(input)),
} satisfies TRPCRouterRecord;
