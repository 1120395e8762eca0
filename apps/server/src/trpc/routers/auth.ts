import { loginAnswer, loginInput, registerInput, sessionInput, success, userIdAnswer } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../init.js";
import { limitedProcedure } from "../limited.js";

export const authRouter = {
  register: limitedProcedure
    .input(registerInput)
    .output(userIdAnswer)
    .mutation(({ ctx, input }) => ctx.ops.register(input, ctx.caller)),
  login: limitedProcedure
    .input(loginInput)
    .output(loginAnswer)
    .mutation(({ ctx, input }) => ctx.ops.login(input, ctx.caller)),
  logout: publicProcedure
    .input(sessionInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.logout(input, ctx.caller)),
} satisfies TRPCRouterRecord;
