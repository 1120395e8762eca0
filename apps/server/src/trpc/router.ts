import type { OperationName } from "@authsvc/core";
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

/** The operation each procedure calls (README's API table), for the metrics of calls refused before it. */
export const PROCEDURE_OPERATIONS: Record<string, OperationName | undefined> = {
  "auth.register": "register",
  "auth.login": "login",
  "auth.logout": "logout",
  "mfa.activate": "activate",
  "mfa.verify": "verifyMfa",
  "user.me": "currentUser",
  "sso.grant": "issueAuthorizationCode",
  "sso.token": "exchangeCodeForToken",
  "sso.verify": "verifyIdToken",
};
