import { afterEach, describe, expect, it, vi } from "vitest";
import { postgresForTests, redisForTests } from "./services.js";

/** A loopback port nothing listens on (below 1024, and not a service's). */
const NOWHERE = "127.0.0.1:1";

describe.each([
  { service: "Redis", variable: "REDIS_URL", find: redisForTests, url: `redis://${NOWHERE}` },
  {
    service: "PostgreSQL",
    variable: "TEST_POSTGRES_URL",
    find: postgresForTests,
    url: `postgres://postgres@${NOWHERE}/postgres`,
  },
])("the $service the tests run against", ({ variable, find, url }) => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("is skipped, saying which URL was tried, when nothing answers and no variable names one", async () => {
    vi.stubEnv(variable, "");
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const start = performance.now();
    await expect(find("Some suite", url)).resolves.toBeUndefined();
    expect(performance.now() - start).toBeLessThan(2000);
    expect(log).toHaveBeenCalledWith(
      expect.stringContaining(`Some suite skipped: nothing answered at ${url}`),
    );
    expect(log).toHaveBeenCalledWith(expect.stringContaining(variable));
  });

  it("fails, naming the variable but not its password, when the variable names one that does not answer", async () => {
    const withPassword = new URL(url);
    withPassword.username = "tester";
    withPassword.password = "hunter2";
    vi.stubEnv(variable, withPassword.toString());
    const failure = find("Some suite").then(
      () => "answered",
      (error: Error) => error.message,
    );
    await expect(failure).resolves.toMatch(
      new RegExp(`^${variable}=.*tester:\\*\\*\\*@127\\.0\\.0\\.1:1.* does not answer: .*ECONNREFUSED`),
    );
    await expect(failure).resolves.not.toContain("hunter2");
  });
});
