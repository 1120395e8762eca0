export { type Config, ConfigError, loadConfig } from "./config.js";
export { type AuthServer, createServer } from "./server.js";
export type { ServiceErrorData } from "./trpc/init.js";
export {
  type AppRouter,
  appRouter,
  createCaller,
  type RouterInputs,
  type RouterOutputs,
} from "./trpc/router.js";
