import { describe, expect, it } from "vitest";
import { AuthError } from "./errors.js";
import { MemoryStore } from "./memory-store.js";
import {
  DEFAULT_RATE_LIMITS,
  RateLimiter,
  type RateLimits,
  USER_AGENT_MAX_LENGTH,
  userAgentOf,
} from "./rate-limiter.js";

const LIMITS: RateLimits = {
  ...DEFAULT_RATE_LIMITS,
  login: { perIp: { limit: 5, windowSeconds: 60 }, perAccount: { limit: 3, windowSeconds: 60 } },
  register: { perIp: null, perAccount: null },
};

function setup(limits = LIMITS) {
  // A minute's start, so that windows line up with the test's steps.
  let now = 1_700_000_040_000;
  const clock = { now: () => now };
  const store = new MemoryStore(clock);
  return { limiter: new RateLimiter({ store, clock, limits }), store, advance: (ms: number) => (now += ms) };
}

/** "ok", or the refusal's code with what the 429's headers would say. */
async function outcome(call: Promise<unknown>) {
  try {
    await call;
    return "ok";
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    return {
      code: error.code,
      status: error.status,
      retryAfter: error.retryAfter,
      rateLimit: error.rateLimit,
    };
  }
}

describe("RateLimiter", () => {
  it("lets the limit through per account, then refuses with Okta's 429 and its headers", async () => {
    const { limiter } = setup();
    for (let i = 0; i < 3; i++) expect(await outcome(limiter.hit("login", {}, "ada@example.com"))).toBe("ok");
    expect(await outcome(limiter.hit("login", {}, "ada@example.com"))).toEqual({
      code: "RATE_LIMITED",
      status: 429,
      retryAfter: 60,
      rateLimit: { limit: 3, remaining: 0, reset: 1_700_000_100 },
    });
    expect(await outcome(limiter.hit("login", {}, "grace@example.com"))).toBe("ok");
  });

  it("counts per client IP across accounts", async () => {
    const { limiter } = setup();
    for (let i = 0; i < 5; i++)
      await limiter.hit("login", { clientIp: "203.0.113.7" }, `user${i}@example.com`);
    expect(await outcome(limiter.hit("login", { clientIp: "203.0.113.7" }, "new@example.com"))).toMatchObject(
      {
        code: "RATE_LIMITED",
        rateLimit: { limit: 5 },
      },
    );
    expect(await outcome(limiter.hit("login", { clientIp: "203.0.113.8" }, "new@example.com"))).toBe("ok");
  });

  it("starts again when the window ends, and says so in Retry-After", async () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 3; i++) await limiter.hit("login", {}, "ada@example.com");
    advance(45_000);
    expect(await outcome(limiter.hit("login", {}, "ada@example.com"))).toMatchObject({ retryAfter: 15 });
    advance(15_000);
    expect(await outcome(limiter.hit("login", {}, "ada@example.com"))).toBe("ok");
  });

  it("lets exactly the limit through of many concurrent calls", async () => {
    const { limiter } = setup();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => outcome(limiter.hit("login", {}, "ada@example.com"))),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(3);
  });

  it("takes a call back from every window it was counted in, and from no other", async () => {
    const { limiter } = setup();
    const caller = { clientIp: "203.0.113.7" };
    for (let i = 0; i < 3; i++) await limiter.hit("login", caller, "ada@example.com");
    const fourth = limiter.hit("login", caller, "ada@example.com");
    expect(await outcome(fourth)).toMatchObject({ code: "RATE_LIMITED" });
    // The IP has spent four of its five (the refused call counts); a call taken back spends none.
    await (await limiter.hit("login", caller, "grace@example.com")).takeBack();
    await (await limiter.hit("login", caller, "grace@example.com")).takeBack();
    expect(await outcome(limiter.hit("login", caller, "grace@example.com"))).toBe("ok");
    expect(await outcome(limiter.hit("login", caller, "other@example.com"))).toMatchObject({
      rateLimit: { limit: 5 },
    });
    expect(await outcome(limiter.hit("login", { clientIp: "203.0.113.8" }, "ada@example.com"))).toMatchObject(
      {
        rateLimit: { limit: 3 },
      },
    );
  });

  it("counts nothing for a limit that is off", async () => {
    const { limiter, store } = setup();
    for (let i = 0; i < 100; i++)
      await limiter.hit("register", { clientIp: "203.0.113.7" }, "ada@example.com");
    expect(store.size).toBe(0);
  });

  it("names no email and no address in its keys", async () => {
    const keys: string[] = [];
    const store = new (class extends MemoryStore {
      override increment(key: string, ttlMs: number) {
        keys.push(key);
        return super.increment(key, ttlMs);
      }
    })();
    await new RateLimiter({ store, clock: Date, limits: LIMITS }).hit(
      "login",
      { clientIp: "203.0.113.7" },
      "ada@example.com",
    );
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).not.toMatch(/ada|203\.0/);
    await store.close();
  });
});

describe("userAgentOf", () => {
  it("keeps a browser's User-Agent as it came", () => {
    const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    expect(userAgentOf(firefox)).toBe(firefox);
  });

  it("drops what would split or break a header it is forwarded in, and bounds its length", () => {
    expect(userAgentOf("Evil/1.0\r\nX-Injected: yes")).toBe("Evil/1.0 X-Injected: yes");
    expect(userAgentOf("Caf\u00e9/1.0\u0000")).toBe("Caf /1.0");
    expect(userAgentOf("A".repeat(5000))).toHaveLength(USER_AGENT_MAX_LENGTH);
    expect(userAgentOf(["First/1", "Second/2"])).toBe("First/1");
    for (const nothing of [undefined, "", " \t ", "\r\n"]) expect(userAgentOf(nothing)).toBeUndefined();
  });
});
