import { type Config, ConfigError, loadConfig } from "./config.js";
import { createServer } from "./server.js";

/** Longest a stop may wait for requests in flight before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/** A wrong setting (sysexits' EX_CONFIG). */
const EXIT_BAD_CONFIG = 78;
/** The address cannot be listened on: in use, not this machine's, no such host (sysexits' EX_UNAVAILABLE). */
const EXIT_CANNOT_LISTEN = 69;

try {
  const config = loadConfig();
  const service = await createServer(config);
  try {
    await service.start();
  } catch (error) {
    console.error(`Cannot listen on ${hostAndPort(config)}: ${listenFailure(error)}`);
    await service.stop();
    process.exit(EXIT_CANNOT_LISTEN);
  }
  const { log } = service.server;
  const shutdown = async (signal: string) => {
    log.info(`${signal}: no new connections; finishing requests in flight, then closing pools`);
    setTimeout(() => {
      log.warn(`requests still in flight after ${SHUTDOWN_GRACE_MS} ms: exiting without them`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    await service.stop();
    log.info("stopped: requests in flight answered, pools closed");
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(EXIT_BAD_CONFIG);
  }
  throw error;
}

function hostAndPort({ host, port }: Config): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Why listening failed, naming the setting to change. */
function listenFailure(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case "EADDRINUSE":
      return "address in use (PORT)";
    case "EACCES":
      return "permission denied (PORT: one below 1024 needs privileges)";
    case "EADDRNOTAVAIL":
      return "not an address of this machine (HOST)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "no such host (HOST)";
    default:
      return message;
  }
}
