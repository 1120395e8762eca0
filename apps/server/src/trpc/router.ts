import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createCallerFactory, router } from "./init.js";
import { authRouter } from "./routers/auth.js";
import { mfaRouter } from "./routers/mfa.js";
import { ssoRouter } from "./routers/sso.js";
import { userRouter } from "./routers/user.js";

export const appRouter = router({ auth: authRouter, mfa: mfaRouter, user: userRouter, sso: ssoRouter });

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const createCaller = createCallerFactory(appRouter);
