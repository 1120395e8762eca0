import { join } from "node:path";
import { startEmulator } from "./emulator.js";
import { ENGINES, type Engine } from "./settings.js";

/** EX_CONFIG: the server's exit code for a configuration it cannot start with. */
const EXIT_CONFIG = 78;

function fail(message: string): never {
  console.error(`okta-emulator: ${message}`);
  process.exit(EXIT_CONFIG);
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

const engine = process.env.OKTA_ENGINE || "identity";
if (!ENGINES.includes(engine as Engine)) fail(`OKTA_ENGINE must be one of ${ENGINES.join(", ")}`);
const apiToken = process.env.OKTA_API_TOKEN || fail("OKTA_API_TOKEN is required");
const smtpUrl = process.env.SMTP_URL || undefined;
const outboxDir = join(process.env.DATA_DIR || "./data", "okta-emulator-outbox");

const emulator = await startEmulator(
  {
    port: integer("PORT", 8900, 0, 65535),
    host: process.env.HOST || "127.0.0.1",
    apiToken,
    smtpUrl,
    outboxDir,
    otpTtlSeconds: integer("OTP_TTL_SECONDS", 300, 1, 86400),
    mailFrom: process.env.MAIL_FROM || undefined,
    engine: engine as Engine,
  },
  (to, where) => console.log(`okta-emulator: code for ${to} sent to ${where}`),
);
console.log(
  `okta-emulator: ${engine} engine, listening on ${emulator.url}; mail ${smtpUrl ? "over SMTP" : `in ${outboxDir}`}`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
