import { ConfigError, loadConfig } from "./config.js";
import { createServer } from "./server.js";

try {
  const service = await createServer(loadConfig());
  await service.start();
  const shutdown = async (signal: string) => {
    service.server.log.info(`${signal}: finishing requests in flight, then stopping`);
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
