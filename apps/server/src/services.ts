import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  allOf,
  createOperations,
  type EphemeralStore,
  type IdentityProvider,
  IdTokens,
  type Mailer,
  MemoryStore,
  OneTimeCodes,
  type Operations,
  RateLimiter,
  type SecurityEvents,
  systemClock,
} from "@authsvc/core";
import { createDirectory } from "@authsvc/directory";
import { OutboxMailer, SmtpMailer } from "@authsvc/mail";
import type { FastifyBaseLogger } from "fastify";
import type Provider from "oidc-provider";
import { auditLog } from "./audit-log.js";
import { type Config, ConfigError } from "./config.js";
import { ServiceMetrics } from "./metrics.js";
import type { PrivateJwks } from "./oidc/settings.js";
import { loadSecrets, type Secrets } from "./secrets.js";

export interface Services {
  ops: Operations;
  idp: IdentityProvider;
  store: EphemeralStore;
  /** The OpenID Provider, when OIDC_CLIENTS registers clients. */
  oidc: Provider | undefined;
  /** The signing keys (OIDC_JWKS or generated), when the provider or an asymmetric TOKEN_ALG needs them. */
  signingJwks: PrivateJwks | undefined;
  /** Each dependency the service needs to answer, by the name /readyz reports. */
  readiness: Record<string, () => Promise<void>>;
  /** The Prometheus metrics; undefined with METRICS=off. */
  metrics: ServiceMetrics | undefined;
  close(): Promise<void>;
}

/** Wires the ports to the adapters the configuration names. */
export async function createServices(config: Config, log: FastifyBaseLogger): Promise<Services> {
  await createDataFolders(config);
  const secrets = await loadSecrets(config);
  const store: EphemeralStore = config.redisUrl
    ? await (await import("@authsvc/redis-store")).createRedisStore({
        url: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
      })
    : new MemoryStore(systemClock);
  // With Okta, Okta mails the codes; the embedded directory has this service mail them.
  const mailer = config.okta ? undefined : developmentOrSmtpMailer(config, log);
  // The probes of the dependencies' health, made once the providers exist (the metrics need them first).
  const health: Record<string, () => Promise<void>> = {};
  const metrics = config.metrics ? new ServiceMetrics(health) : undefined;
  const idp = config.okta
    ? await oktaProvider(config.okta, config.pendingUserTtlSeconds, store, metrics)
    : await embeddedDirectory(config, store, mailer as Mailer, secrets);
  const signingJwks =
    config.oidc || config.tokenAlg !== "HS256"
      ? await (await import("./oidc/keys.js")).signingKeys(config.signingJwks, config.dataDir)
      : undefined;
  const readiness = {
    [config.okta ? "okta" : "directory"]: () => idp.ping(),
    ...(config.redisUrl ? { redis: () => store.ping() } : {}),
  };
  Object.assign(health, readiness, mailer instanceof SmtpMailer ? { smtp: () => mailer.ping() } : {});
  const events: SecurityEvents = metrics ? allOf(auditLog(log), metrics) : auditLog(log);
  const idTokens = new IdTokens({
    ...(config.tokenAlg === "HS256" || !signingJwks
      ? { secret: secrets.idTokenKey }
      : { keys: { alg: config.tokenAlg, jwks: signingJwks } }),
    issuer: config.publicUrl,
    audience: config.tokenAudience,
  });
  const ops = createOperations({
    idp,
    store,
    clock: systemClock,
    idTokens,
    limiter: new RateLimiter({ store, clock: systemClock, limits: config.rateLimits, events }),
    grantTtlSeconds: config.authCodeTtlSeconds,
    stepUp: config.stepUp,
    events,
  });
  return {
    ops: metrics ? metrics.measure(ops) : ops,
    idp,
    store,
    oidc:
      config.oidc && signingJwks && (await openIdProvider(config, signingJwks, { store, idp, log }, secrets)),
    signingJwks,
    readiness,
    metrics,
    async close() {
      await Promise.allSettled([idp.close(), store.close(), mailer?.close()]);
    },
  };
}

/** DATA_DIR, and the SQLite file's folder, made at start: a fresh machine needs no mkdir first. */
async function createDataFolders(config: Config): Promise<void> {
  const folders: [string, string][] = [["DATA_DIR", config.dataDir]];
  if (!config.okta && !config.postgresUrl) folders.push(["DATABASE_URL", dirname(config.databaseFile)]);
  for (const [variable, folder] of folders) {
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration: ${variable} cannot be created: ${(error as Error).message}`,
      );
    }
  }
}

function developmentOrSmtpMailer(config: Config, log: FastifyBaseLogger): Mailer {
  if (config.smtpUrl) {
    if (config.smtpTls.insecure) {
      log.warn("SMTP_TLS_INSECURE=true: the SMTP server's certificate is not verified (development only)");
    }
    return new SmtpMailer(config.smtpUrl, config.mailFrom, config.smtpTls);
  }
  return new OutboxMailer({
    directory: join(config.dataDir, "outbox"),
    onWritten: (file) => log.info({ file }, `development mail (no SMTP_URL set): read the code in ${file}`),
  });
}

/** The default provider: users in SQLite (or PostgreSQL), codes mailed by this service. */
async function embeddedDirectory(config: Config, store: EphemeralStore, mailer: Mailer, secrets: Secrets) {
  const codes = new OneTimeCodes({
    store,
    mailer,
    clock: systemClock,
    ttlSeconds: config.otpTtlSeconds,
    resendIntervalSeconds: config.otpResendSeconds,
    hashKey: secrets.codeHashKey,
    serviceName: config.serviceName,
  });
  return createDirectory({
    ...(config.postgresUrl ? { postgresUrl: config.postgresUrl } : { databaseFile: config.databaseFile }),
    codes,
    store,
    clock: systemClock,
    orgUrl: config.publicUrl,
    sessionTtlSeconds: config.sessionTtlSeconds,
    pendingUserTtlSeconds: config.pendingUserTtlSeconds,
    lockoutSeconds: config.lockoutSeconds,
  });
}

/**
 * Okta's SDK (like ioredis above and pg in the directory) is loaded only when used: it is a
 * large part of the start-up time and memory otherwise.
 */
async function oktaProvider(
  okta: NonNullable<Config["okta"]>,
  pendingUserTtlSeconds: number,
  store: EphemeralStore,
  metrics: ServiceMetrics | undefined,
) {
  const { createOktaProvider } = await import("@authsvc/okta");
  // The store keeps which users proved their mailbox on an Identity Engine org (see MailboxProofs).
  return createOktaProvider({
    ...okta,
    pendingUserTtlSeconds,
    store,
    ...(metrics ? { observeCalls: metrics.observeOktaCall } : {}),
  });
}

/** Loaded only when clients are registered, as Okta's SDK is. */
async function openIdProvider(
  config: Config,
  jwks: PrivateJwks,
  parts: { store: EphemeralStore; idp: IdentityProvider; log: FastifyBaseLogger },
  secrets: Secrets,
) {
  const { createOidcProvider } = await import("./oidc/provider.js");
  return createOidcProvider({
    config: { ...config, oidc: config.oidc as NonNullable<Config["oidc"]> },
    jwks,
    cookieKey: secrets.oidcCookieKey,
    ...parts,
  });
}
