import type { LoggerOptions } from "pino";
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
