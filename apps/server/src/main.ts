import { type Config, ConfigError, loadConfig } from "./config.js";
import { createServer } from "./server.js";

/** Longest a stop may wait for requests in flight before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/** A wrong setting (sysexits' EX_CONFIG). */
const EXIT_BAD_CONFIG = 78;
/** The address cannot be listened on: in use, not this machine's, no such host (sysexits' EX_UNAVAILABLE). */
const EXIT_CANNOT_LISTEN = 69;
/** Why listening failed, by the system's error code, naming the setting to change. */
const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: "address in use (PORT)",
  EACCES: "permission denied (PORT: one below 1024 needs privileges)",
  EADDRNOTAVAIL: "not an address of this machine (HOST)",
  EAFNOSUPPORT: "this machine has no network of that address family (HOST)",
  ENOTFOUND: "no such host (HOST)",
  EAI_AGAIN: "no such host, or no name server answered (HOST)",
};

try {
  const config = loadConfig();
  const service = await createServer(config);
  try {
    await service.start();
  } catch (error) {
    const why = LISTEN_FAILURES[(error as NodeJS.ErrnoException).code ?? ""];
    if (!why) throw error;
    console.error(`Cannot listen on ${hostAndPort(config)}: ${why}`);
    await service.stop();
    process.exit(EXIT_CANNOT_LISTEN);
  }
  const { log } = service.server;
  const shutdown = async (signal: string) => {
    log.info(`${signal}: no new connections; finishing requests in flight, then closing pools`);
    // No log line right before an exit: pino writes asynchronously, and its flush at exit spins
    // forever on a stdout whose reader has gone (sonic-boom retries EPIPE). stderr is synchronous.
    setTimeout(() => {
      console.error(`Stopped with requests still in flight after ${SHUTDOWN_GRACE_MS} ms`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    await service.stop();
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
