import { createServer } from "node:net";
import { AuthError } from "@authsvc/core";
import { failureOf, silentServer, TcpProxy } from "@authsvc/test-support";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisStore, RedisStore } from "./redis-store.js";
import { randomPrefix, redisUrl } from "./test-redis.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectUnavailable({ error, ms }: { error: unknown; ms: number }) {
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503, retryAfter: 1 });
  expect(ms).toBeLessThan(1100);
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const opened: RedisStore[] = [];
async function open(options: { url?: string; keyPrefix?: string } = {}): Promise<RedisStore> {
  const store = await createRedisStore({ url: options.url ?? redisUrl, keyPrefix: options.keyPrefix });
  opened.push(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

describe.skipIf(!redisUrl)("RedisStore over a real Redis", () => {
  let raw: Redis;
  beforeAll(() => {
    raw = new Redis(redisUrl);
  });
  afterAll(async () => {
    await raw.quit();
  });

  it("writes every key under its prefix with a TTL, and Redis drops them when it runs out", async () => {
    const prefix = randomPrefix();
    const store = await open({ keyPrefix: prefix });

    await store.set("otp:00u1", "code", 300);
    await store.setIfAbsent("otp-sent:00u1", "1", 300);
    await store.increment("otp-tries:00u1:c1", 300);
    await store.increment("otp-tries:00u1:c1", 300);
    await store.set("grant:abc", "x", 300);
    await store.take("grant:abc");

    const keys = (await raw.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}otp-sent:00u1`, `${prefix}otp-tries:00u1:c1`, `${prefix}otp:00u1`]);
    for (const key of keys) {
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
    }
    await sleep(400);
    expect(await raw.keys(`${prefix}*`)).toEqual([]);
  });

  it('puts keys under "authsvc:" when no prefix is given', async () => {
    const store = await open();
    const key = `test:${randomPrefix()}`;
    await store.set(key, "v", 5000);
    expect(await raw.get(`authsvc:${key}`)).toBe("v");
    await store.delete(key);
    expect(await raw.exists(`authsvc:${key}`)).toBe(0);
  });

  it("hands a value to exactly one of 50 concurrent takers on two connections", async () => {
    const keyPrefix = randomPrefix();
    const [one, two] = [await open({ keyPrefix }), await open({ keyPrefix })];
    await one.set("grant", "the-grant", 5000);

    const taken = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one : two).take("grant")),
    );

    expect(taken.filter((value) => value === "the-grant")).toHaveLength(1);
    expect(taken.filter((value) => value === null)).toHaveLength(49);
  });

  it("counts 50 concurrent increments on two connections as 1 to 50, each once", async () => {
    const keyPrefix = randomPrefix();
    const [one, two] = [await open({ keyPrefix }), await open({ keyPrefix })];

    const counts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one : two).increment("tries", 5000)),
    );

    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await raw.pttl(`${keyPrefix}tries`)).toBeGreaterThan(0);
  });

  it("reports an error that Redis answered as itself, not as an outage", async () => {
    const store = await open({ keyPrefix: randomPrefix() });
    await store.set("text", "not a number", 5000);
    const { error } = await failureOf(() => store.increment("text", 5000));
    expect(error).not.toBeInstanceOf(AuthError);
    expect(String(error)).toMatch(/not an integer/);
  });

  it("fails fast while Redis is cut off, and recovers by itself when it is back", async () => {
    const target = new URL(redisUrl);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    await proxy.start();
    try {
      const store = await open({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: randomPrefix() });
      await store.set("kept", "v", 10_000);

      await proxy.stop();
      expectUnavailable(await failureOf(() => store.get("kept")));
      await sleep(300);
      expectUnavailable(await failureOf(() => store.increment("n", 1000)));
      expectUnavailable(await failureOf(() => store.ping()));

      await proxy.start();
      await store.ready(3000);
      expect(await store.get("kept")).toBe("v");
    } finally {
      await proxy.stop();
    }
  });
});

describe("RedisStore without a Redis", () => {
  it("fails every call within a second with SERVICE_UNAVAILABLE when nothing listens", async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await closedPort()}` });
    try {
      expectUnavailable(await failureOf(() => store.get("k")));
      await sleep(300);
      expectUnavailable(await failureOf(() => store.set("k", "v", 1000)));
      expectUnavailable(await failureOf(() => store.setIfAbsent("k", "v", 1000)));
      expectUnavailable(await failureOf(() => store.take("k")));
      expectUnavailable(await failureOf(() => store.increment("k", 1000)));
      expectUnavailable(await failureOf(() => store.delete("k")));
      expectUnavailable(await failureOf(() => store.ping()));
      expectUnavailable(await failureOf(() => store.ready(200)));
    } finally {
      await store.close();
    }
  });

  it("fails fast too when a server accepts connections but never answers", async () => {
    const silent = await silentServer();
    const store = new RedisStore({ url: `redis://127.0.0.1:${silent.port}` });
    try {
      await sleep(100);
      expectUnavailable(await failureOf(() => store.get("k")));
    } finally {
      await store.close();
      await silent.close();
    }
  });
});
