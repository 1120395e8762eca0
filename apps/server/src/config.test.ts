import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("runs on its defaults with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      env: "development",
      otpTtlSeconds: 300,
      authCodeTtlSeconds: 60,
      requireMfaForGrant: true,
      errorsAs200: false,
      redisUrl: undefined,
      postgresUrl: undefined,
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
  ])("refuses %o with a message naming the variable", (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it("never repeats a secret's value in its message", () => {
    expect(() => loadConfig({ JWT_SECRET: "hunter2-hunter2" })).toThrow(/^(?!.*hunter2)/s);
  });

  it("stops the process with one clear line and exit code 78", () => {
    const main = join(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [main], {
        env: { PATH: process.env.PATH, PORT: "not-a-port" },
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(78);
    expect(failure?.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^Invalid configuration: PORT /),
    ]);
  });
});
