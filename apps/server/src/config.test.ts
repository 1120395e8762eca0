import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { DEFAULT_RATE_LIMITS } from "@authsvc/core";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

/** Files for SMTP_TLS_CA: a real CA certificate (Node's first root), and two files that hold none. */
const caFiles = (() => {
  const directory = mkdtempSync(join(tmpdir(), "config-test-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(directory, name), text);
    return join(directory, name);
  };
  const ca = rootCertificates[0] as string;
  return {
    valid: write("ca.pem", ca),
    text: write("notes.txt", "not a certificate"),
    damaged: write("damaged.pem", ca.replace(/\n[A-Za-z0-9+/]{20}/, "\n")),
  };
})();
const productionSecret = randomBytes(32).toString("base64");

/** An OAuth service app's key: PEM, JWK and a file holding the PEM; and a public key, which is no credential. */
const serviceAppKeys = (() => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const file = join(mkdtempSync(join(tmpdir(), "config-key-")), "okta.pem");
  writeFileSync(file, pem);
  return {
    pem,
    jwk: JSON.stringify(privateKey.export({ format: "jwk" })),
    file,
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
})();
const OKTA = { IDP: "okta", OKTA_ORG_URL: "https://example.okta.com" };

describe("loadConfig", () => {
  it("serves /metrics in production only on METRICS_PORT or with METRICS_TOKEN", () => {
    const production = { NODE_ENV: "production", JWT_SECRET: productionSecret };
    const token = "t".repeat(16) + randomBytes(16).toString("hex");
    expect(loadConfig({}).metrics).toEqual({ port: undefined, token: undefined, served: true });
    expect(loadConfig(production).metrics).toMatchObject({ served: false });
    expect(loadConfig({ ...production, METRICS_PORT: "9100" }).metrics).toMatchObject({
      port: 9100,
      served: true,
    });
    expect(loadConfig({ ...production, METRICS_TOKEN: token }).metrics).toMatchObject({
      token,
      served: true,
    });
    expect(loadConfig({ METRICS: "off" }).metrics).toBeUndefined();
  });

  it("runs on its defaults with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      env: "development",
      otpTtlSeconds: 300,
      authCodeTtlSeconds: 60,
      stepUp: "session",
      pendingUserTtlSeconds: 86_400,
      errorsAs200: false,
      trpcFastPath: true,
      redisUrl: undefined,
      postgresUrl: undefined,
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000 },
    });
    expect(config.databaseFile).toMatch(/data\/directory\.sqlite$/);
  });

  it("tells PostgreSQL from SQLite in DATABASE_URL", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@db:5432/auth" }).postgresUrl).toBe(
      "postgres://u@db:5432/auth",
    );
    expect(loadConfig({ DATABASE_URL: "file:///var/lib/auth.sqlite" })).toMatchObject({
      postgresUrl: undefined,
      databaseFile: "/var/lib/auth.sqlite",
    });
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ IDP: "ldap" }, "IDP"],
    [{ NODE_ENV: "production" }, "JWT_SECRET is required in production"],
    [{ JWT_SECRET: "short-secret" }, "JWT_SECRET must be at least 32 bytes"],
    [{ DATABASE_URL: "mysql://db/auth" }, "DATABASE_URL"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL"],
    [{ SSO_REQUIRE_MFA: "maybe" }, "SSO_REQUIRE_MFA"],
    [{ TRPC_FAST_PATH: "off" }, "TRPC_FAST_PATH"],
    [{ RATE_LIMIT_LOGIN_PER_IP: "10" }, 'RATE_LIMIT_LOGIN_PER_IP must be "LIMIT/SECONDS"'],
    [{ RATE_LIMIT_CODE_SEND_PER_ACCOUNT: "0/60" }, "RATE_LIMIT_CODE_SEND_PER_ACCOUNT"],
    [{ TRUST_PROXY: "the load balancer" }, "TRUST_PROXY"],
    [{ CORS_ORIGINS: "*" }, "CORS_ORIGINS"],
    [{ CORS_ORIGINS: "https://app.example.com/login" }, "CORS_ORIGINS"],
    [{ PASSWORD_LOCKOUT_SECONDS: "60" }, "PASSWORD_LOCKOUT_SECONDS must be at least 900"],
    [{ PENDING_USER_TTL_SECONDS: "0" }, "PENDING_USER_TTL_SECONDS"],
    [{ HTTP_REQUEST_TIMEOUT_SECONDS: "0" }, "HTTP_REQUEST_TIMEOUT_SECONDS"],
    [
      { HTTP_REQUEST_TIMEOUT_SECONDS: "5", HTTP_HEADERS_TIMEOUT_SECONDS: "10" },
      "HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS",
    ],
    [{ NODE_ENV: "production", JWT_SECRET: "a".repeat(64) }, "JWT_SECRET looks guessable"],
    [{ NODE_ENV: "production", JWT_SECRET: "secret".repeat(8) }, "JWT_SECRET looks guessable"],
    [{ SMTP_URL: "smtps://mail.example.com?tls.rejectUnauthorized=false" }, "SMTP_URL must be"],
    [{ SMTP_URL: "smtp://mail.example.com?requireTLS=false" }, "SMTP_URL must be"],
    [{ SMTP_TLS_CA: join(tmpdir(), "no-such-ca.pem") }, "SMTP_TLS_CA names a file that cannot be read"],
    [{ SMTP_TLS_CA: caFiles.text }, "SMTP_TLS_CA must name a PEM file of CA certificates"],
    [{ SMTP_TLS_CA: caFiles.damaged }, "SMTP_TLS_CA must name a PEM file of CA certificates"],
    [{ SMTP_TLS_INSECURE: "yes" }, "SMTP_TLS_INSECURE"],
    [{ WEB_APP: "true" }, 'WEB_APP must be "on" or "off"'],
    [{ METRICS: "false" }, 'METRICS must be "on" or "off"'],
    [{ METRICS_TOKEN: "short-token" }, "METRICS_TOKEN must be at least 32 characters"],
    [{ PORT: "9100", METRICS_PORT: "9100" }, "METRICS_PORT must differ from PORT"],
    [
      { NODE_ENV: "production", JWT_SECRET: productionSecret, SMTP_TLS_INSECURE: "true" },
      "SMTP_TLS_INSECURE is refused in production",
    ],
  ])("refuses %o with a message naming the variable", (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it("never repeats a secret's value in its message", () => {
    expect(() => loadConfig({ JWT_SECRET: "hunter2-hunter2" })).toThrow(/^(?!.*hunter2)/s);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "hunter2".repeat(6) })).toThrow(
      /^(?!.*hunter2)/s,
    );
    expect(() => loadConfig({ SMTP_URL: "http://mailer:hunter2@mail:587" })).toThrow(/^(?!.*hunter2)/s);
    expect(() => loadConfig({ IDP: "okta", OKTA_ORG_URL: "not a url", OKTA_API_TOKEN: "hunter2" })).toThrow(
      /^(?!.*hunter2)/s,
    );
  });

  describe("the Okta credential", () => {
    it("takes an API token, or an OAuth service app whose key is PEM, PEM with \\n, JWK or a file", () => {
      expect(loadConfig({ ...OKTA, OKTA_API_TOKEN: "00token" }).okta).toEqual({
        orgUrl: "https://example.okta.com",
        apiToken: "00token",
        groupIds: [],
      });
      const oneLinePem = serviceAppKeys.pem.trim().replaceAll("\n", "\\n");
      for (const key of [serviceAppKeys.pem, oneLinePem, serviceAppKeys.jwk, serviceAppKeys.file]) {
        const config = loadConfig({
          ...OKTA,
          OKTA_CLIENT_ID: "0oaApp",
          OKTA_PRIVATE_KEY: key,
          OKTA_KEY_ID: "k1",
        });
        expect(config.okta?.serviceApp).toMatchObject({ clientId: "0oaApp", keyId: "k1" });
        expect(config.okta?.serviceApp?.privateKey).toContain(
          key === serviceAppKeys.jwk ? '"d":' : "PRIVATE KEY-----\n",
        );
        expect(config.okta?.apiToken).toBeUndefined();
      }
    });

    it("creates users in OKTA_GROUP_IDS' groups", () => {
      const config = loadConfig({
        ...OKTA,
        OKTA_API_TOKEN: "00token",
        OKTA_GROUP_IDS: "00gAuthSvcUsers00001, 00gAuthSvcUsers00002",
      });
      expect(config.okta?.groupIds).toEqual(["00gAuthSvcUsers00001", "00gAuthSvcUsers00002"]);
    });

    it("asks for the provider's least scopes unless OKTA_SCOPES says otherwise", () => {
      const app = { ...OKTA, OKTA_CLIENT_ID: "0oaApp", OKTA_PRIVATE_KEY: serviceAppKeys.pem };
      expect(loadConfig(app).okta?.serviceApp?.scopes).toEqual([
        "okta.users.read",
        "okta.users.manage",
        "okta.sessions.read",
        "okta.sessions.manage",
      ]);
      expect(
        loadConfig({ ...app, OKTA_SCOPES: "okta.users.manage, okta.sessions.manage" }).okta?.serviceApp
          ?.scopes,
      ).toEqual(["okta.users.manage", "okta.sessions.manage"]);
    });

    it.each([
      [
        "no credential",
        { ...OKTA },
        "OKTA_API_TOKEN or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY is required when IDP=okta",
      ],
      [
        "both credentials",
        {
          ...OKTA,
          OKTA_API_TOKEN: "00token",
          OKTA_CLIENT_ID: "0oaApp",
          OKTA_PRIVATE_KEY: serviceAppKeys.pem,
        },
        "OKTA_API_TOKEN and OKTA_CLIENT_ID/OKTA_PRIVATE_KEY are both set: configure one credential",
      ],
      [
        "a client id alone",
        { ...OKTA, OKTA_CLIENT_ID: "0oaApp" },
        "OKTA_PRIVATE_KEY is required with OKTA_CLIENT_ID",
      ],
      [
        "a key alone",
        { ...OKTA, OKTA_PRIVATE_KEY: serviceAppKeys.pem },
        "OKTA_CLIENT_ID is required with OKTA_PRIVATE_KEY",
      ],
      [
        "a key file that is not there",
        { ...OKTA, OKTA_CLIENT_ID: "0oaApp", OKTA_PRIVATE_KEY: "/no/such/okta-key.pem" },
        "OKTA_PRIVATE_KEY is neither a PEM or JWK key nor a file that can be read",
      ],
      [
        "a public key",
        { ...OKTA, OKTA_CLIENT_ID: "0oaApp", OKTA_PRIVATE_KEY: serviceAppKeys.publicPem },
        "OKTA_PRIVATE_KEY is not a private key in PEM or JWK form",
      ],
      [
        "a group name for a group id",
        { ...OKTA, OKTA_API_TOKEN: "00token", OKTA_GROUP_IDS: "Everyone" },
        "OKTA_GROUP_IDS must list Okta group ids",
      ],
      [
        "scopes that are not Okta's",
        { ...OKTA, OKTA_CLIENT_ID: "0oaApp", OKTA_PRIVATE_KEY: serviceAppKeys.pem, OKTA_SCOPES: "users" },
        "OKTA_SCOPES must list Okta API scopes",
      ],
    ])("refuses %s with one clear line", (_, env, expected) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${expected}[^\\n]*$`));
    });

    it("says every problem, one line each, and never the key", () => {
      const key = serviceAppKeys.publicPem;
      const lines = (() => {
        try {
          loadConfig({ IDP: "okta", OKTA_CLIENT_ID: "0oaApp", OKTA_PRIVATE_KEY: key, PORT: "eighty" });
        } catch (error) {
          return (error as Error).message.split("\n");
        }
        return [];
      })();
      expect(lines).toEqual([
        expect.stringMatching(/^Invalid configuration: PORT /),
        "Invalid configuration: OKTA_PRIVATE_KEY is not a private key in PEM or JWK form",
      ]);
      expect(lines.join("\n")).not.toContain(key.split("\n")[1]);
    });
  });

  it("takes a random JWT_SECRET in production", () => {
    const secret = randomBytes(32).toString("base64");
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: secret }).jwtSecret).toBe(secret);
  });

  it("verifies SMTP certificates by default, against SMTP_TLS_CA's certificates when set", () => {
    expect(loadConfig({}).smtpTls).toEqual({ ca: undefined, insecure: false });
    expect(loadConfig({ SMTP_TLS_CA: caFiles.valid }).smtpTls).toEqual({
      ca: rootCertificates[0],
      insecure: false,
    });
    expect(loadConfig({ NODE_ENV: "development", SMTP_TLS_INSECURE: "true" }).smtpTls.insecure).toBe(true);
  });

  it("limits, trusts no proxy and allows no origin by default outside development", () => {
    const production = loadConfig({ NODE_ENV: "production", JWT_SECRET: randomBytes(32).toString("hex") });
    expect(production).toMatchObject({
      rateLimits: DEFAULT_RATE_LIMITS,
      trustProxy: false,
      corsOrigins: [],
      lockoutSeconds: 900,
    });
    const development = loadConfig({});
    expect(development.corsOrigins).toHaveLength(1);
    const [local] = development.corsOrigins as [RegExp];
    expect(["http://localhost:5173", "http://127.0.0.1:3000"].every((o) => local.test(o))).toBe(true);
    expect(["http://localhost.evil.io", "https://example.com"].some((o) => local.test(o))).toBe(false);
  });

  it("serves the web app outside production unless WEB_APP=off, and in production only with WEB_APP=on", () => {
    const production = { NODE_ENV: "production", JWT_SECRET: productionSecret };
    expect(loadConfig({}).webAppDir).toMatch(/apps[/\\]web[/\\]dist$/);
    expect(loadConfig({ NODE_ENV: "test" }).webAppDir).toBeDefined();
    expect(loadConfig({ WEB_APP: "off" }).webAppDir).toBeUndefined();
    expect(loadConfig(production).webAppDir).toBeUndefined();
    expect(loadConfig({ ...production, WEB_APP: "on" }).webAppDir).toBeDefined();
  });

  it("reads the limits, the trusted proxies and the allowed origins", () => {
    const config = loadConfig({
      RATE_LIMIT_LOGIN_PER_IP: "5/10",
      RATE_LIMIT_CODE_CHECK_PER_ACCOUNT: "off",
      TRUST_PROXY: "10.0.0.0/8, 127.0.0.1",
      CORS_ORIGINS: "https://app.example.com, http://localhost:3000",
      PASSWORD_LOCKOUT_SECONDS: "1800",
    });
    expect(config.rateLimits.login).toEqual({
      perIp: { limit: 5, windowSeconds: 10 },
      perAccount: DEFAULT_RATE_LIMITS.login.perAccount,
    });
    expect(config.rateLimits.codeCheck.perAccount).toBeNull();
    expect(config.trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(config.lockoutSeconds).toBe(1800);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
  });

  it.each([
    [{ PORT: "not-a-port" }, "PORT"],
    [{ SMTP_TLS_CA: caFiles.text }, "SMTP_TLS_CA"],
    [
      { NODE_ENV: "production", JWT_SECRET: productionSecret, SMTP_TLS_INSECURE: "true" },
      "SMTP_TLS_INSECURE",
    ],
  ])("stops the process on %o with one clear line and exit code 78", (env, variable) => {
    const main = join(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [main], {
        env: { PATH: process.env.PATH, ...env },
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(78);
    expect(failure?.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `)),
    ]);
  });
});
