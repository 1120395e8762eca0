import { oktaUser, sessionInput } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../init.js";

export const userRouter = {
  me: publicProcedure
    .input(sessionInput)
    .output(oktaUser)
    .query(({ ctx, input }) => ctx.ops.currentUser(input, ctx.caller)),
} satisfies TRPCRouterRecord;
