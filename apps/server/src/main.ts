import { ConfigError, loadConfig } from "./config.js";
import { createServer } from "./server.js";

/** Longest a stop may wait for requests in flight before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

try {
  const service = await createServer(loadConfig());
  await service.start();
  const shutdown = async (signal: string) => {
    service.server.log.info(
      `${signal}: no new connections; finishing requests in flight, then closing pools`,
    );
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    await service.stop();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
