import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, LoggerOptions } from "pino";
import type { Config } from "./config.js";

/** Every place a secret could sit in a logged object; pino replaces them before writing. */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  ...["password", "otp", "passCode", "token", "sessionId", "sessionToken", "code", "secret"].flatMap(
    (key) => [key, `*.${key}`],
  ),
];

export function loggerOptions(config: Pick<Config, "logLevel">): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    serializers: {
      // The query string may carry a session id (GET /api/user?sessionId=...): log the path only.
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: request.url.split("?")[0],
        remoteAddress: request.ip,
      }),
    },
  };
}

type Log = (...args: unknown[]) => void;

/**
 * A request's logger that makes its pino child on the first line written: with request logs off,
 * most requests write none, and a child (bindings serialized, redaction set up) costs about as much
 * as the rest of a token check's own code (issue 14's profile). Its lines carry the request id
 * all the same. Fastify's `childLoggerFactory`.
 */
class RequestLogger {
  #child: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}
  private get made(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }
  get level(): string {
    return this.made.level;
  }
  set level(level: string) {
    this.made.level = level;
  }
  fatal(...args: unknown[]) {
    (this.made.fatal as Log)(...args);
  }
  error(...args: unknown[]) {
    (this.made.error as Log)(...args);
  }
  warn(...args: unknown[]) {
    (this.made.warn as Log)(...args);
  }
  info(...args: unknown[]) {
    (this.made.info as Log)(...args);
  }
  debug(...args: unknown[]) {
    (this.made.debug as Log)(...args);
  }
  trace(...args: unknown[]) {
    (this.made.trace as Log)(...args);
  }
  silent(...args: unknown[]) {
    (this.made.silent as Log)(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.made.child(bindings, options);
  }
}

export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(parent, bindings, options) as unknown as FastifyBaseLogger;
}
