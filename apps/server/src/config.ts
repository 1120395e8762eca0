import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_PENDING_USER_TTL_SECONDS,
  DEFAULT_RATE_LIMITS,
  type RateLimitRule,
  type RateLimits,
  type StepUpRule,
  type TokenAlgorithm,
} from "@authsvc/core";
import { DEFAULT_LOCKOUT_SECONDS } from "@authsvc/directory";
import { DEFAULT_SCOPES, readPrivateKey, type ServiceAppCredential } from "@authsvc/okta/credential";
import { z } from "zod";
import { type OidcClient, oidcClients, oidcJwks, type PrivateJwks } from "./oidc/settings.js";
import { estimatedEntropyBits, MIN_SECRET_ENTROPY_BITS } from "./secret-strength.js";

const flag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");
const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** "LIMIT/SECONDS" (10/60: ten a minute) or "off". */
const rateLimit = (fallback: RateLimitRule | null) =>
  z
    .string()
    .regex(/^(off|[1-9]\d*\/[1-9]\d*)$/, 'must be "LIMIT/SECONDS" (e.g. 10/60) or "off"')
    .optional()
    .transform((value): RateLimitRule | null => {
      if (value === undefined) return fallback;
      if (value === "off") return null;
      const [limit, windowSeconds] = value.split("/").map(Number) as [number, number];
      return { limit, windowSeconds };
    });
/**
 * Whose X-Forwarded-For to believe: "false" (the default: nobody's, the client is the peer),
 * "true" (everyone's: only behind a proxy that overwrites the header), or the proxies'
 * addresses and CIDR ranges, comma-separated (the safe choice behind a proxy).
 */
const trustProxy = z
  .string()
  .default("false")
  .transform((value, ctx): boolean | string[] => {
    if (value === "true" || value === "false") return value === "true";
    const proxies = value.split(",").map((entry) => entry.trim());
    for (const proxy of proxies) {
      const [address = "", prefix] = proxy.split("/");
      if (!isIP(address) || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) {
        ctx.addIssue({ code: "custom", message: 'must be "true", "false", or IP addresses and CIDR ranges' });
      }
    }
    return proxies;
  });
/** Browser origins allowed to call the service, comma-separated; each exactly an origin, no "*". */
const origins = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const list = value
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean);
    for (const origin of list) {
      if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
        ctx.addIssue({ code: "custom", message: "must list origins such as https://app.example.com" });
      }
    }
    return list;
  });
/** "session" (the default), "user" or "false"; "true" and "1" mean "session", "0" means "false". */
const stepUpRule = z
  .enum(["session", "user", "false", "true", "1", "0"], 'must be "session", "user" or "false"')
  .default("session")
  .transform((value): StepUpRule => {
    if (value === "user") return "user";
    return value === "false" || value === "0" ? "off" : "session";
  });
/** A PEM file of CA certificates (SMTP_TLS_CA), read once: its text, or an issue that never repeats the path. */
const pemCertificates = z
  .string()
  .min(1)
  .optional()
  .transform((path, ctx) => {
    if (path === undefined) return undefined;
    let pem: string;
    try {
      pem = readFileSync(path, "utf8");
    } catch {
      ctx.addIssue({ code: "custom", message: "names a file that cannot be read" });
      return z.NEVER;
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    try {
      if (blocks.length === 0) throw new Error("no certificate");
      for (const block of blocks) new X509Certificate(block);
    } catch {
      ctx.addIssue({ code: "custom", message: "must name a PEM file of CA certificates" });
      return z.NEVER;
    }
    return pem;
  });
/**
 * OKTA_PRIVATE_KEY: the key itself (PEM, or a JWK in JSON), or the path of a file holding it. An
 * inline PEM may have its line breaks written as `\n`, as many secret stores keep one-line values.
 * The issue never repeats the value or the path.
 */
const oktaPrivateKey = z
  .string()
  .min(1)
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const inline = /^\s*(-----BEGIN|\{)/.test(value);
    let key = value;
    if (inline) {
      if (!value.includes("\n")) key = value.replaceAll("\\n", "\n");
    } else {
      try {
        key = readFileSync(value, "utf8");
      } catch {
        ctx.addIssue({ code: "custom", message: "is neither a PEM or JWK key nor a file that can be read" });
        return z.NEVER;
      }
    }
    try {
      readPrivateKey(key);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
    return key;
  });
/** OKTA_SCOPES: Okta API scopes separated by spaces or commas. */
const scopes = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return DEFAULT_SCOPES;
    const list = value.split(/[\s,]+/).filter(Boolean);
    if (list.length === 0 || !list.every((scope) => /^okta\.\w+\.\w+$/.test(scope))) {
      ctx.addIssue({ code: "custom", message: "must list Okta API scopes such as okta.users.manage" });
    }
    return list;
  });
/** apps/web's build, from this file in src/ (tests) or dist/ alike. */
const WEB_APP_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));
/** Development's default: any page served from this machine. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** The environment, validated once at start-up. Names and defaults are documented in the README. */
const environment = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).optional(),
    // A request is at most 32 KiB: a slow mobile link sends it in a few seconds, so 30 s is ample,
    // and a sender that stalls frees its socket then instead of never. Headers fit in one packet:
    // 10 s. Idle keep-alive: 72 s, longer than the 60 s idle timeout of common load balancers, so
    // that the balancer closes first and never sends a request down a connection being closed.
    HTTP_REQUEST_TIMEOUT_SECONDS: seconds(30),
    HTTP_HEADERS_TIMEOUT_SECONDS: seconds(10),
    HTTP_KEEP_ALIVE_SECONDS: seconds(72),
    PUBLIC_URL: z.url().optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    IDP: z.enum(["local", "okta"]).default("local"),
    OKTA_ORG_URL: z.url().optional(),
    OKTA_API_TOKEN: z.string().min(1).optional(),
    OKTA_CLIENT_ID: z.string().min(1).optional(),
    OKTA_PRIVATE_KEY: oktaPrivateKey,
    OKTA_KEY_ID: z.string().min(1).optional(),
    OKTA_SCOPES: scopes,
    OKTA_GROUP_IDS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const ids = (value ?? "")
          .split(",")
          .map((id) => id.trim())
          .filter(Boolean);
        if (!ids.every((id) => /^00g\w{17}$/.test(id))) {
          ctx.addIssue({ code: "custom", message: "must list Okta group ids (00g…), comma-separated" });
        }
        return ids;
      }),
    DATABASE_URL: z.string().min(1).optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
    REDIS_KEY_PREFIX: z.string().min(1).default("authsvc:"),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
      .refine(
        (url) => URL.canParse(url) && new URL(url).search === "",
        "must be smtp[s]://[user:password@]host[:port], without a query: TLS is set by SMTP_TLS_CA and SMTP_TLS_INSECURE",
      )
      .optional(),
    SMTP_TLS_CA: pemCertificates,
    SMTP_TLS_INSECURE: flag.default(false),
    MAIL_FROM: z.string().min(3).default("Auth service <no-reply@localhost>"),
    SERVICE_NAME: z.string().min(1).default("Auth service"),
    JWT_SECRET: z.string().optional(),
    TOKEN_AUDIENCE: z.string().min(1).default("authsvc"),
    OTP_TTL_SECONDS: seconds(300),
    OTP_RESEND_SECONDS: z.coerce.number().int().min(0).default(5),
    AUTH_CODE_TTL_SECONDS: seconds(60),
    SESSION_TTL_SECONDS: seconds(7200),
    PENDING_USER_TTL_SECONDS: seconds(DEFAULT_PENDING_USER_TTL_SECONDS),
    SSO_REQUIRE_MFA: stepUpRule,
    ERRORS_AS_200: flag.default(false),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    LOG_REQUESTS: flag.default(false),
    TRPC_FAST_PATH: flag.default(true),
    METRICS: z.enum(["on", "off"], 'must be "on" or "off"').default("on"),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_TOKEN: z
      .string()
      .min(32, "must be at least 32 characters (e.g. openssl rand -hex 32)")
      .optional(),
    TRUST_PROXY: trustProxy,
    CORS_ORIGINS: origins,
    WEB_APP: z.enum(["on", "off"], 'must be "on" or "off"').optional(),
    RATE_LIMIT_LOGIN_PER_IP: rateLimit(DEFAULT_RATE_LIMITS.login.perIp),
    RATE_LIMIT_LOGIN_PER_ACCOUNT: rateLimit(DEFAULT_RATE_LIMITS.login.perAccount),
    RATE_LIMIT_REGISTER_PER_IP: rateLimit(DEFAULT_RATE_LIMITS.register.perIp),
    RATE_LIMIT_REGISTER_PER_ACCOUNT: rateLimit(DEFAULT_RATE_LIMITS.register.perAccount),
    RATE_LIMIT_CODE_SEND_PER_IP: rateLimit(DEFAULT_RATE_LIMITS.codeSend.perIp),
    RATE_LIMIT_CODE_SEND_PER_ACCOUNT: rateLimit(DEFAULT_RATE_LIMITS.codeSend.perAccount),
    RATE_LIMIT_CODE_CHECK_PER_IP: rateLimit(DEFAULT_RATE_LIMITS.codeCheck.perIp),
    RATE_LIMIT_CODE_CHECK_PER_ACCOUNT: rateLimit(DEFAULT_RATE_LIMITS.codeCheck.perAccount),
    PASSWORD_LOCKOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(
        DEFAULT_LOCKOUT_SECONDS,
        `must be at least ${DEFAULT_LOCKOUT_SECONDS}: shorter locks let more guesses through than NIST allows`,
      )
      .default(DEFAULT_LOCKOUT_SECONDS),
    OIDC_CLIENTS: oidcClients,
    OIDC_JWKS: oidcJwks,
    TOKEN_ALG: z.enum(["HS256", "ES256", "EdDSA"], 'must be "HS256", "ES256" or "EdDSA"').default("HS256"),
  })
  .superRefine((env, ctx) => {
    if (env.IDP === "okta") {
      const issue = (name: string, message: string) =>
        ctx.addIssue({ code: "custom", path: [name], message });
      if (!env.OKTA_ORG_URL) issue("OKTA_ORG_URL", "is required when IDP=okta");
      const serviceApp = env.OKTA_CLIENT_ID !== undefined || env.OKTA_PRIVATE_KEY !== undefined;
      if (env.OKTA_API_TOKEN && serviceApp) {
        issue(
          "OKTA_API_TOKEN",
          "and OKTA_CLIENT_ID/OKTA_PRIVATE_KEY are both set: configure one credential, an API token or an OAuth 2.0 service app",
        );
      } else if (!env.OKTA_API_TOKEN && !serviceApp) {
        issue("OKTA_API_TOKEN", "or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY is required when IDP=okta");
      } else if (serviceApp && !env.OKTA_CLIENT_ID) {
        issue("OKTA_CLIENT_ID", "is required with OKTA_PRIVATE_KEY");
      } else if (serviceApp && !env.OKTA_PRIVATE_KEY) {
        issue("OKTA_PRIVATE_KEY", "is required with OKTA_CLIENT_ID");
      }
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["METRICS_PORT"],
        message: "must differ from PORT (unset it to serve /metrics on the main port)",
      });
    }
    if (env.HTTP_HEADERS_TIMEOUT_SECONDS > env.HTTP_REQUEST_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["HTTP_HEADERS_TIMEOUT_SECONDS"],
        message: "must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)",
      });
    }
    if (
      env.DATABASE_URL &&
      /^(?!file:|sqlite:)[a-z]+:\/\//.test(env.DATABASE_URL) &&
      !isPostgresUrl(env.DATABASE_URL)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message: "must be postgres://, postgresql://, or a SQLite file (path, file: or sqlite: URL)",
      });
    }
    if (env.NODE_ENV === "production" && env.SMTP_TLS_INSECURE) {
      ctx.addIssue({
        code: "custom",
        path: ["SMTP_TLS_INSECURE"],
        message: "is refused in production: set SMTP_TLS_CA to trust a private CA instead",
      });
    }
    if (env.NODE_ENV === "production" && !env.JWT_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message: "is required in production (32 bytes or more)",
      });
    }
    if (env.NODE_ENV === "production" && (env.OIDC_CLIENTS || env.TOKEN_ALG !== "HS256") && !env.OIDC_JWKS) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_JWKS"],
        message:
          "is required in production with OIDC_CLIENTS or an asymmetric TOKEN_ALG (generated keys are for development)",
      });
    }
    if (env.JWT_SECRET !== undefined && Buffer.byteLength(env.JWT_SECRET) < 32) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "must be at least 32 bytes" });
    } else if (
      env.NODE_ENV === "production" &&
      env.JWT_SECRET !== undefined &&
      estimatedEntropyBits(env.JWT_SECRET) < MIN_SECRET_ENTROPY_BITS
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message:
          "looks guessable (repeats or runs of characters): use 32 random bytes, e.g. openssl rand -base64 32",
      });
    }
  });

export type Environment = z.infer<typeof environment>;

export interface Config {
  env: Environment["NODE_ENV"];
  port: number;
  host: string;
  /** How long a client may take to send a request and its headers; how long an idle connection stays. */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };
  publicUrl: string;
  dataDir: string;
  idp: Environment["IDP"];
  /** Set when `idp` is "okta", with exactly one credential: an API token or an OAuth 2.0 service app. */
  okta:
    | { orgUrl: string; apiToken?: string; serviceApp?: ServiceAppCredential; groupIds: string[] }
    | undefined;
  /** The embedded directory's SQLite file, unless `postgresUrl` is set. */
  databaseFile: string;
  postgresUrl: string | undefined;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  smtpUrl: string | undefined;
  /** Certificates are always verified: against `ca` (PEM) when set; never when `insecure` (not in production). */
  smtpTls: { ca: string | undefined; insecure: boolean };
  mailFrom: string;
  serviceName: string;
  jwtSecret: string | undefined;
  tokenAudience: string;
  otpTtlSeconds: number;
  otpResendSeconds: number;
  authCodeTtlSeconds: number;
  sessionTtlSeconds: number;
  /** How long a registration whose code was never entered is kept. */
  pendingUserTtlSeconds: number;
  /** What an SSO grant needs of a session whose user has MFA active. */
  stepUp: StepUpRule;
  errorsAs200: boolean;
  logLevel: Environment["LOG_LEVEL"];
  /** Two log lines per request cost as much as answering it: off unless asked for. */
  logRequests: boolean;
  /** Plain tRPC calls served by our handler; false: every tRPC request through tRPC's own. */
  trpcFastPath: boolean;
  /**
   * Prometheus metrics, or undefined when METRICS=off. `/metrics` is on `port` (a listener of its
   * own) when set, else on the main port; `token`, when set, is required as a bearer token. In
   * production, one of the two is needed or `/metrics` is not served (`served` false).
   */
  metrics: { port: number | undefined; token: string | undefined; served: boolean } | undefined;
  /** Fastify's trustProxy: whose X-Forwarded-For gives the client's IP. */
  trustProxy: boolean | string[];
  /** Origins a browser may call from; empty: none (no CORS headers at all). */
  corsOrigins: (string | RegExp)[];
  /** The web app's built files (apps/web/dist), served at `/`; undefined: not served. */
  webAppDir: string | undefined;
  rateLimits: RateLimits;
  /** How long ten failed passwords lock a login of the embedded directory. */
  lockoutSeconds: number;
  /** The OpenID Provider at PUBLIC_URL/oidc, on when clients are registered. */
  oidc: { clients: OidcClient[] } | undefined;
  /** OIDC_JWKS: the keys of the provider and of an asymmetric `tokenAlg`; unset: generated in DATA_DIR. */
  signingJwks: PrivateJwks | undefined;
  /** How /api/sso/token's ID tokens are signed: HS256 with JWT_SECRET, or with `signingJwks`. */
  tokenAlg: TokenAlgorithm;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads the configuration; wrong values throw a ConfigError with one line per problem, each naming
 * the variable, never its value.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues
        .map((issue) => `Invalid configuration: ${issue.path.join(".") || "?"} ${issue.message}`.trim())
        .join("\n"),
    );
  }
  const env = parsed.data;
  const dataDir = resolve(env.DATA_DIR);
  const host = env.HOST ?? (env.NODE_ENV === "production" ? "0.0.0.0" : "127.0.0.1");
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host,
    http: {
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_SECONDS * 1000,
    },
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    dataDir,
    idp: env.IDP,
    okta: env.IDP === "okta" && env.OKTA_ORG_URL ? oktaConfig(env, env.OKTA_ORG_URL) : undefined,
    databaseFile:
      env.DATABASE_URL && !isPostgresUrl(env.DATABASE_URL)
        ? sqlitePath(env.DATABASE_URL)
        : resolve(dataDir, "directory.sqlite"),
    postgresUrl: env.DATABASE_URL && isPostgresUrl(env.DATABASE_URL) ? env.DATABASE_URL : undefined,
    redisUrl: env.REDIS_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    smtpUrl: env.SMTP_URL,
    smtpTls: { ca: env.SMTP_TLS_CA, insecure: env.SMTP_TLS_INSECURE },
    mailFrom: env.MAIL_FROM,
    serviceName: env.SERVICE_NAME,
    jwtSecret: env.JWT_SECRET,
    tokenAudience: env.TOKEN_AUDIENCE,
    otpTtlSeconds: env.OTP_TTL_SECONDS,
    otpResendSeconds: env.OTP_RESEND_SECONDS,
    authCodeTtlSeconds: env.AUTH_CODE_TTL_SECONDS,
    sessionTtlSeconds: env.SESSION_TTL_SECONDS,
    pendingUserTtlSeconds: env.PENDING_USER_TTL_SECONDS,
    stepUp: env.SSO_REQUIRE_MFA,
    errorsAs200: env.ERRORS_AS_200,
    logLevel: env.LOG_LEVEL,
    logRequests: env.LOG_REQUESTS,
    trpcFastPath: env.TRPC_FAST_PATH,
    metrics:
      env.METRICS === "off"
        ? undefined
        : {
            port: env.METRICS_PORT,
            token: env.METRICS_TOKEN,
            served:
              env.NODE_ENV !== "production" ||
              env.METRICS_PORT !== undefined ||
              env.METRICS_TOKEN !== undefined,
          },
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS ?? (env.NODE_ENV === "development" ? [LOCAL_ORIGIN] : []),
    webAppDir:
      (env.WEB_APP ?? (env.NODE_ENV === "production" ? "off" : "on")) === "on" ? WEB_APP_DIR : undefined,
    rateLimits: {
      login: { perIp: env.RATE_LIMIT_LOGIN_PER_IP, perAccount: env.RATE_LIMIT_LOGIN_PER_ACCOUNT },
      register: { perIp: env.RATE_LIMIT_REGISTER_PER_IP, perAccount: env.RATE_LIMIT_REGISTER_PER_ACCOUNT },
      codeSend: { perIp: env.RATE_LIMIT_CODE_SEND_PER_IP, perAccount: env.RATE_LIMIT_CODE_SEND_PER_ACCOUNT },
      codeCheck: {
        perIp: env.RATE_LIMIT_CODE_CHECK_PER_IP,
        perAccount: env.RATE_LIMIT_CODE_CHECK_PER_ACCOUNT,
      },
    },
    lockoutSeconds: env.PASSWORD_LOCKOUT_SECONDS,
    oidc: env.OIDC_CLIENTS ? { clients: env.OIDC_CLIENTS } : undefined,
    signingJwks: env.OIDC_JWKS,
    tokenAlg: env.TOKEN_ALG,
  };
}

function oktaConfig(env: Environment, orgUrl: string): NonNullable<Config["okta"]> {
  const base = { orgUrl: orgUrl.replace(/\/$/, ""), groupIds: env.OKTA_GROUP_IDS };
  if (env.OKTA_API_TOKEN) return { ...base, apiToken: env.OKTA_API_TOKEN };
  return {
    ...base,
    serviceApp: {
      clientId: env.OKTA_CLIENT_ID as string,
      privateKey: env.OKTA_PRIVATE_KEY as string,
      ...(env.OKTA_KEY_ID ? { keyId: env.OKTA_KEY_ID } : {}),
      scopes: env.OKTA_SCOPES,
    },
  };
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

function sqlitePath(url: string): string {
  return resolve(url.replace(/^sqlite:(\/\/)?/, "").replace(/^file:(\/\/)?/, ""));
}
