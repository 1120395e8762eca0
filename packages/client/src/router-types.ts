/**
 * The router as a client sees it: its procedures, their inputs and outputs, and the
 * error shape; not the server's context (its operations, stores and mailers).
 *
 * Types only: the client's code imports nothing from here but types. The call below
 * exists so that TypeScript writes the router's type out in full in this file's
 * declaration (an alias would be kept by name and drag the server's context into the
 * package's `.d.ts`); it never runs.
 */
import type { AppRouter as ServerRouter } from "@authsvc/server";
import type { AnyRouter, inferRouterInputs, inferRouterOutputs, TRPCBuiltRouter } from "@trpc/server";

declare function withoutContext<Router extends AnyRouter>(
  router: Router,
): TRPCBuiltRouter<
  {
    ctx: object;
    meta: Router["_def"]["_config"]["$types"]["meta"];
    errorShape: Router["_def"]["_config"]["$types"]["errorShape"];
    transformer: Router["_def"]["_config"]["$types"]["transformer"];
  },
  Router["_def"]["record"]
>;
declare const serverRouter: ServerRouter;
export const clientRouter = withoutContext(serverRouter);

export type AppRouter = typeof clientRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
