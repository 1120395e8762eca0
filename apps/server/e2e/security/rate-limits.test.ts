import { randomUUID } from "node:crypto";
import { redisForTests } from "@authsvc/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "../../src/trpc/router.js";
import {
  type Answer,
  call,
  limitSettings,
  newPerson,
  PROVIDERS,
  post,
  type RunningService,
  startService,
  trpc,
  wrongCode,
} from "../harness.js";

const wrongLogin = (email: string) => ({ email, password: "Wrong-Password-1" });

/**
 * The tests' windows last a day: windows start on the clock's multiples of their length (as Okta's
 * do), and one that ended in the middle of a test would start its count again.
 */
const DAY = 86_400;

/** A tRPC call refused by a rate limit: 429 and the service's code in `error.data`. */
function expectTrpcRefused(answer: Awaited<ReturnType<typeof trpc>>) {
  expect(answer.status).toBe(429);
  expect(answer.body.error?.data).toMatchObject({ error: "RATE_LIMITED", httpStatus: 429 });
}

/** The headers of a 429 in Okta's manner: Retry-After and X-Rate-Limit-*. */
function expectRateLimitHeaders(answer: Answer, limit: number, windowSeconds: number) {
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(answer.headers.get("x-rate-limit-limit")).toBe(String(limit));
  expect(answer.headers.get("x-rate-limit-remaining")).toBe("0");
  const reset = Number(answer.headers.get("x-rate-limit-reset"));
  expect(reset - Date.now() / 1000).toBeGreaterThan(0);
  expect(reset - Date.now() / 1000).toBeLessThanOrEqual(windowSeconds + 1);
}

/** A REST call refused by a rate limit, with its headers. */
function expectRateLimited(answer: Answer, limit: number, windowSeconds = DAY) {
  expect(answer).toMatchObject({ status: 429, body: { error: "RATE_LIMITED" } });
  expectRateLimitHeaders(answer, limit, windowSeconds);
}

describe.each(PROVIDERS)("rate limits over %s", (provider) => {
  const started: RunningService[] = [];
  const start = async (env: Record<string, string>) => {
    const svc = await startService(env, provider);
    started.push(svc);
    return svc;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((svc) => svc.stop()));
  });

  it("counts one account's logins through REST, tRPC and in-process calls together", async () => {
    const svc = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: `4/${DAY}` });
    const { email } = newPerson();
    const inProcess = createCaller({ ops: svc.service.services.ops });

    expect((await post(svc.url, "/api/login", wrongLogin(email))).status).toBe(401);
    expect((await trpc(svc.url, "auth.login", wrongLogin(email))).status).toBe(401);
    await expect(inProcess.auth.login(wrongLogin(email))).rejects.toMatchObject({
      cause: { okta: { errorCode: "E0000004" } },
    });
    // Logins are case-insensitive, and so is their count.
    expect((await post(svc.url, "/api/login", wrongLogin(email.toUpperCase()))).status).toBe(401);

    expectRateLimited(await post(svc.url, "/api/login", wrongLogin(email)), 4);
    expectTrpcRefused(await trpc(svc.url, "auth.login", wrongLogin(email)));
    await expect(inProcess.auth.login(wrongLogin(email))).rejects.toMatchObject({
      cause: { code: "RATE_LIMITED", status: 429 },
    });
    expect((await post(svc.url, "/api/login", wrongLogin(newPerson().email))).status).toBe(401);
  });

  it("carries the wait in the typed client's error data too", async () => {
    const svc = await start({ RATE_LIMIT_LOGIN_PER_ACCOUNT: `1/${DAY}` });
    const { email } = newPerson();
    await trpc(svc.url, "auth.login", wrongLogin(email));
    const refused = await trpc(svc.url, "auth.login", wrongLogin(email));
    expect(refused.body.error?.data).toMatchObject({
      error: "RATE_LIMITED",
      httpStatus: 429,
      retryAfter: expect.any(Number),
    });
  });

  it("tRPC: counts per client IP, trusted proxies included, and answers with the 429's headers", async () => {
    const svc = await start({ RATE_LIMIT_LOGIN_PER_IP: `2/${DAY}`, TRUST_PROXY: "127.0.0.1" });
    const from = (ip: string) => ({ "x-forwarded-for": ip });
    for (const ip of ["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"]) {
      expect((await trpc(svc.url, "auth.login", wrongLogin(newPerson().email), from(ip))).status).toBe(401);
    }
    const refused = await trpc(svc.url, "auth.login", wrongLogin(newPerson().email), from("198.51.100.1"));
    expectTrpcRefused(refused);
    expectRateLimitHeaders(refused, 2, DAY);
    // REST and tRPC count the same address together.
    expectRateLimited(
      await post(svc.url, "/api/login", wrongLogin(newPerson().email), from("198.51.100.2")),
      2,
    );
  });

  it("counts per client IP, and does not believe X-Forwarded-For unless told to", async () => {
    const svc = await start({ RATE_LIMIT_LOGIN_PER_IP: `3/${DAY}` });
    for (let i = 0; i < 3; i++) {
      const spoofed = { "x-forwarded-for": `198.51.100.${i}` };
      expect((await post(svc.url, "/api/login", wrongLogin(newPerson().email), spoofed)).status).toBe(401);
    }
    const spoofed = { "x-forwarded-for": "198.51.100.99" };
    expectRateLimited(await post(svc.url, "/api/login", wrongLogin(newPerson().email), spoofed), 3);
  });

  it("takes the client IP from X-Forwarded-For when the peer is a trusted proxy", async () => {
    const svc = await start({ RATE_LIMIT_LOGIN_PER_IP: `2/${DAY}`, TRUST_PROXY: "127.0.0.1" });
    const from = (ip: string) => ({ "x-forwarded-for": ip });
    for (const ip of ["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"]) {
      expect((await post(svc.url, "/api/login", wrongLogin(newPerson().email), from(ip))).status).toBe(401);
    }
    expectRateLimited(
      await post(svc.url, "/api/login", wrongLogin(newPerson().email), from("198.51.100.1")),
      2,
    );
    expect(
      (await post(svc.url, "/api/login", wrongLogin(newPerson().email), from("198.51.100.3"))).status,
    ).toBe(401);
  });

  it("limits registrations per IP and per email", async () => {
    const svc = await start({
      RATE_LIMIT_REGISTER_PER_IP: `3/${DAY}`,
      RATE_LIMIT_REGISTER_PER_ACCOUNT: `1/${DAY}`,
    });
    const person = newPerson();
    expect((await post(svc.url, "/api/register", { ...person, password: "weak" })).status).toBe(400);
    expectRateLimited(await post(svc.url, "/api/register", person), 1);
    expect((await post(svc.url, "/api/register", newPerson())).status).toBe(200);
    expectRateLimited(await post(svc.url, "/api/register", newPerson()), 3);
  });

  it("bounds the mails one address gets in an hour, so nobody can mail-bomb a victim", async () => {
    const svc = await start({ RATE_LIMIT_CODE_SEND_PER_ACCOUNT: `3/${DAY}` });
    const person = newPerson();
    const { body } = await post(svc.url, "/api/register", person);
    const userId = body.userId as string;
    await svc.inbox.nextCode(person.email, 0);
    const sends = [
      () => post(svc.url, "/api/activate", { userId }),
      () => trpc(svc.url, "mfa.activate", { userId }),
      () => post(svc.url, "/api/activate", { userId }),
    ];
    for (const send of sends) expect((await send()).status).toBe(200);
    expectTrpcRefused(await trpc(svc.url, "mfa.activate", { userId }));
    expectRateLimited(await post(svc.url, "/api/activate", { userId }), 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The registration's code and the three resends: no more.
    expect(svc.inbox.mailsTo(person.email)).toHaveLength(4);
  });

  it("does not count the sends the resend throttle refused (a double click) against the hourly limit", async () => {
    const svc = await start({ OTP_RESEND_SECONDS: "1", RATE_LIMIT_CODE_SEND_PER_ACCOUNT: `3/${DAY}` });
    const person = newPerson();
    const { userId } = (await post(svc.url, "/api/register", person)).body as { userId: string };
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const send = () => post(svc.url, "/api/mfa/verify", { userId });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

    await pause();
    expect((await send()).status).toBe(200);
    for (let click = 0; click < 6; click++) {
      expect(await send()).toMatchObject({ status: 429, body: { errorCode: "E0000118" } });
    }
    await pause();
    expect((await send()).status).toBe(200);
    await pause();
    expect((await send()).status).toBe(200);
    await pause();
    expectRateLimited(await send(), 3);
    // The registration's code and the three sends: the throttled clicks mailed nothing.
    expect(svc.inbox.mailsTo(person.email)).toHaveLength(4);
  }, 20_000);

  it("limits code checks per account, whichever door", async () => {
    const svc = await start({ RATE_LIMIT_CODE_CHECK_PER_ACCOUNT: `2/${DAY}` });
    const person = newPerson();
    const { body } = await post(svc.url, "/api/register", person);
    const userId = body.userId as string;
    const otp = await svc.inbox.nextCode(person.email, 0);
    const wrong = wrongCode(otp);
    expect((await post(svc.url, "/api/activate", { userId, otp: wrong })).status).toBe(403);
    expect((await trpc(svc.url, "mfa.activate", { userId, otp: wrong })).status).toBe(403);
    // The right code, once the limit is reached, is refused like any other: the limit holds.
    expectRateLimited(await post(svc.url, "/api/activate", { userId, otp }), 2);
    expectTrpcRefused(await trpc(svc.url, "mfa.verify", { userId, otp }));
  });

  it("never counts token checks and user reads, however tight the limits", async () => {
    const tightest = Object.fromEntries(
      [...limitSettings("PER_IP"), ...limitSettings("PER_ACCOUNT")].map((name) => [name, `1/${DAY}`]),
    );
    const svc = await start(tightest);
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        i % 3 === 0
          ? post(svc.url, "/api/sso/verify", { token: "not-a-token" })
          : i % 3 === 1
            ? call(svc.url, "GET", "/api/user?sessionId=102NoSuchSession")
            : trpc(svc.url, "sso.verify", { token: "not-a-token" }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 429)).toEqual([]);
  });
});

const redisUrl = (await redisForTests("Rate limits shared over Redis")) ?? "";

describe.skipIf(!redisUrl)("rate limits shared by two instances over one Redis", () => {
  let one: RunningService;
  let two: RunningService;
  beforeAll(async () => {
    const shared = {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `e2e-limits-${randomUUID()}:`,
      RATE_LIMIT_LOGIN_PER_ACCOUNT: `3/${DAY}`,
    };
    [one, two] = await Promise.all([startService(shared), startService(shared)]);
  });
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it("counts an account's logins on both instances together", async () => {
    const { email } = newPerson();
    for (const svc of [one, two, one])
      expect((await post(svc.url, "/api/login", wrongLogin(email))).status).toBe(401);
    expectRateLimited(await post(two.url, "/api/login", wrongLogin(email)), 3);
  });
});
