import { join } from "node:path";
import {
  createOperations,
  type EphemeralStore,
  type IdentityProvider,
  IdTokens,
  type Mailer,
  MemoryStore,
  OneTimeCodes,
  type Operations,
  systemClock,
} from "@authsvc/core";
import { createDirectory } from "@authsvc/directory";
import { OutboxMailer, SmtpMailer } from "@authsvc/mail";
import { createRedisStore } from "@authsvc/redis-store";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.js";
import { loadSecrets } from "./secrets.js";

export interface Services {
  ops: Operations;
  idp: IdentityProvider;
  store: EphemeralStore;
  mailer: Mailer;
  /** Each dependency the service needs to answer, by the name /readyz reports. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

/** Wires the ports to the adapters the configuration names. */
export async function createServices(config: Config, log: FastifyBaseLogger): Promise<Services> {
  const clock = systemClock;
  const secrets = await loadSecrets(config);
  const store: EphemeralStore = config.redisUrl
    ? await createRedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix })
    : new MemoryStore(clock);
  const mailer: Mailer = config.smtpUrl
    ? new SmtpMailer(config.smtpUrl, config.mailFrom)
    : new OutboxMailer({
        directory: join(config.dataDir, "outbox"),
        onWritten: (file) =>
          log.info({ file }, `development mail (no SMTP_URL set): read the code in ${file}`),
      });
  const codes = new OneTimeCodes({
    store,
    mailer,
    clock,
    ttlSeconds: config.otpTtlSeconds,
    resendIntervalSeconds: config.otpResendSeconds,
    hashKey: secrets.codeHashKey,
    serviceName: config.serviceName,
  });
  const idp = await createDirectory({
    ...(config.postgresUrl ? { postgresUrl: config.postgresUrl } : { databaseFile: config.databaseFile }),
    codes,
    clock,
    orgUrl: config.publicUrl,
    sessionTtlSeconds: config.sessionTtlSeconds,
  });
  const idTokens = new IdTokens({
    secret: secrets.idTokenKey,
    issuer: config.publicUrl,
    audience: config.tokenAudience,
  });
  const ops = createOperations({
    idp,
    store,
    clock,
    idTokens,
    grantTtlSeconds: config.authCodeTtlSeconds,
    requireMfaForGrant: config.requireMfaForGrant,
  });
  return {
    ops,
    idp,
    store,
    mailer,
    readiness: {
      directory: () => idp.ping(),
      ...(config.redisUrl ? { redis: () => store.ping() } : {}),
    },
    async close() {
      await Promise.allSettled([idp.close(), store.close(), mailer.close()]);
    },
  };
}
