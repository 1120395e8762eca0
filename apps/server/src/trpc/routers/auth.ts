import { loginAnswer, loginInput, registerInput, sessionInput, success, userIdAnswer } from "@authsvc/core";
import type { TRPCRouterRecord } from "@trpc/server";
import { publicProcedure } from "../init.js";

export const authRouter = {
  register: publicProcedure
    .input(registerInput)
    .output(userIdAnswer)
    .mutation(({ ctx, input }) => ctx.ops.register(input)),
  login: publicProcedure
    .input(loginInput)
    .output(loginAnswer)
    .mutation(({ ctx, input }) => ctx.ops.login(input)),
  logout: publicProcedure
    .input(sessionInput)
    .output(success)
    .mutation(({ ctx, input }) => ctx.ops.logout(input)),
} satisfies TRPCRouterRecord;
