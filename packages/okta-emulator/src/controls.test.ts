import type { Client } from "@okta/okta-sdk-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  bodyOf,
  createUser,
  type Harness,
  oktaErrorOf,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
} from "./test-harness.js";

describe("the emulator's HTTP, test controls, rate limits and outages", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.close());
  afterEach(() => h.emulator.reset());

  it("sends Okta's headers on every API answer", async () => {
    for (const answer of [
      await h.fetch("/api/v1/users/00uNobody"),
      await h.fetch("/api/v1/users", { json: { profile: {} } }),
      await h.fetch("/api/v1/users/00uNobody", { headers: { Authorization: "SSWS wrong" } }),
    ]) {
      expect(answer.headers.get("content-type")).toBe("application/json");
      expect(answer.headers.get("x-okta-request-id")).toMatch(/^\w{27}$/);
      expect(answer.headers.get("x-rate-limit-limit")).toBe("600");
      expect(Number(answer.headers.get("x-rate-limit-remaining"))).toBeLessThan(600);
      expect(Number(answer.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000);
      expect(answer.headers.get("date")).toBeTruthy();
    }
  });

  it("answers an unknown path 404 E0000008, a wrong method 405 E0000022, bad JSON 400 E0000003", async () => {
    const unknown = await h.fetch("/api/v1/no-such-resource");
    expect([unknown.status, (await bodyOf(unknown)).errorCode]).toEqual([404, "E0000008"]);
    const method = await h.fetch("/api/v1/authn", { method: "GET" });
    expect([method.status, (await bodyOf(method)).errorCode]).toEqual([405, "E0000022"]);
    const malformed = await h.fetch("/api/v1/users", { method: "POST", body: "{not json" });
    expect([malformed.status, (await bodyOf(malformed)).errorCode]).toEqual([400, "E0000003"]);
  });

  it("counts requests per endpoint, by path template", async () => {
    const user = await createUser(client);
    await client.userApi.getUser({ userId: user.id as string });
    await client.userApi.getUser({ userId: user.profile?.login as string });
    await oktaErrorOf(client.userApi.getUser({ userId: "00uNobody" }));
    await h.fetch("/__emulator/stats");
    expect(h.emulator.stats()).toEqual({ "POST /api/v1/users": 1, "GET /api/v1/users/{id}": 3 });
    expect(await (await h.fetch("/__emulator/stats")).json()).toEqual(h.emulator.stats());
  });

  it("forgets users, counters and settings on reset, in process or over HTTP", async () => {
    const user = await createUser(client);
    h.emulator.configure({ mfaRequiredOnAuthn: true, failNext: { status: 500, count: 5 } });
    h.emulator.reset();
    expect(h.emulator.stats()).toEqual({});
    expect((await oktaErrorOf(client.userApi.getUser({ userId: user.id as string }))).status).toBe(404);

    const again = await createUser(client);
    expect((await h.fetch("/__emulator/reset", { method: "POST" })).status).toBe(204);
    expect((await oktaErrorOf(client.userApi.getUser({ userId: again.id as string }))).status).toBe(404);
  });

  it("records what each API request said of its client (X-Forwarded-For, User-Agent), and forgets it on reset", async () => {
    const user = await createUser(client);
    await client.userApi.getUser({ userId: user.id as string });
    await h.fetch("/api/v1/authn", {
      json: { username: user.profile?.login, password: "wrong" },
      headers: { "X-Forwarded-For": "198.51.100.7", "User-Agent": "Browser/1.0 (test)" },
    });
    await h.fetch("/__emulator/stats");
    const requests = h.emulator.requests();
    expect(requests.map(({ route }) => route)).toEqual([
      "POST /api/v1/users",
      "GET /api/v1/users/{id}",
      "POST /api/v1/authn",
    ]);
    expect(requests[2]).toEqual({
      route: "POST /api/v1/authn",
      forwardedFor: "198.51.100.7",
      userAgent: "Browser/1.0 (test)",
      peerIp: expect.stringMatching(/127\.0\.0\.1$/),
    });
    expect(requests[0]).toMatchObject({
      forwardedFor: null,
      userAgent: expect.stringMatching(/^@okta\/okta-sdk-nodejs\//),
    });
    expect(await (await h.fetch("/__emulator/requests")).json()).toEqual(requests);
    h.emulator.reset();
    expect(h.emulator.requests()).toEqual([]);
  });

  it("answers the next requests with an outage, configured over HTTP", async () => {
    const config = await h.fetch("/__emulator/config", { json: { failNext: { status: 503, count: 2 } } });
    expect(config.status).toBe(204);
    for (let i = 0; i < 2; i++) {
      const outage = await oktaErrorOf(createUser(client));
      expect([outage.status, outage.errorCode]).toEqual([503, "E0000010"]);
    }
    expect((await createUser(client)).status).toBe("ACTIVE");

    h.emulator.configure({ failNext: { status: 500, count: 1 } });
    const failure = await oktaErrorOf(createUser(client));
    expect([failure.status, failure.errorCode, failure.errorSummary]).toEqual([
      500,
      "E0000009",
      "Internal Server Error",
    ]);
  });

  it("refuses a malformed configuration", async () => {
    for (const json of [
      { failNext: { status: 200, count: 1 } },
      { rateLimit: { limit: 0 } },
      { rateLimit: { limit: 4, windowSeconds: 60, tokenPercent: 0 } },
      { concurrencyLimit: 0 },
      { latencyMs: -1 },
      { showLockoutFailures: "yes" },
      { colour: "red" },
    ]) {
      const answer = await h.fetch("/__emulator/config", { json });
      expect(answer.status).toBe(400);
      expect((await bodyOf(answer)).error).toEqual(expect.any(String));
    }
    expect(() => h.emulator.configure({ failNext: { status: 503, count: 0 } })).toThrow(/failNext/);
  });

  it("rate-limits per endpoint with 429 E0000047 and one X-Rate-Limit-Reset", async () => {
    h.emulator.configure({ rateLimit: { limit: 1, windowSeconds: 60 } });
    expect((await h.fetch("/api/v1/users/00uNobody")).status).toBe(404);
    const limited = await h.fetch("/api/v1/users/00uNobody");
    expect(limited.status).toBe(429);
    expect((await bodyOf(limited)).errorCode).toBe("E0000047");
    expect(limited.headers.get("x-rate-limit-limit")).toBe("1");
    expect(limited.headers.get("x-rate-limit-remaining")).toBe("0");
    expect(limited.headers.get("x-rate-limit-reset")).toMatch(/^\d+$/);
    // Another endpoint has a bucket of its own.
    expect((await h.fetch("/api/v1/sessions/102nope")).status).toBe(404);
  });

  it("lets one API token use half of an endpoint's bucket (Okta's default), callers without one the whole", async () => {
    h.emulator.configure({ rateLimit: { limit: 4, windowSeconds: 60 } });
    const seen = async (answer: Promise<Response>) => {
      const { status, headers } = await answer;
      return [status, headers.get("x-rate-limit-limit"), headers.get("x-rate-limit-remaining")];
    };
    const byToken = [];
    for (let i = 0; i < 3; i++) byToken.push(await seen(h.fetch("/api/v1/users/00uNobody")));
    expect(byToken).toEqual([
      [404, "4", "3"],
      [404, "4", "2"],
      [429, "2", "0"],
    ]);
    // authn takes no token: only the bucket limits it (distinct usernames, clear of the per-username limit).
    const authn = [];
    for (let i = 0; i < 5; i++) {
      const json = { username: `nobody${i}@example.com`, password: "x" };
      authn.push(await seen(h.fetch("/api/v1/authn", { json, headers: { Authorization: "" } })));
    }
    expect(authn.map(([status]) => status)).toEqual([401, 401, 401, 401, 429]);

    h.emulator.configure({ rateLimit: { limit: 4, windowSeconds: 60, tokenPercent: 100 } });
    const whole = [];
    for (let i = 0; i < 5; i++) whole.push((await h.fetch("/api/v1/users/00uNobody")).status);
    expect(whole).toEqual([404, 404, 404, 404, 429]);
  });

  it("answers 429 E0000047 with the concurrency values past the org's concurrency limit", async () => {
    h.emulator.configure({ concurrencyLimit: 2, latencyMs: 300 });
    const answers = await Promise.all([1, 2, 3].map(() => h.fetch("/api/v1/users/00uNobody")));
    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.map((answer) => answer.status).sort()).toEqual([404, 404, 429]);
    expect((await bodyOf(refused[0] as Response)).errorCode).toBe("E0000047");
    expect(refused[0]?.headers.get("x-rate-limit-limit")).toBe("2");
    expect(refused[0]?.headers.get("x-rate-limit-remaining")).toBe("0");
    expect(Number(refused[0]?.headers.get("x-rate-limit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1);
    // Once they are answered, the org takes requests again; the headers report the bucket again.
    const after = await h.fetch("/api/v1/users/00uNobody");
    expect([after.status, after.headers.get("x-rate-limit-limit")]).toEqual([404, "600"]);
  });

  it("lets the SDK wait for X-Rate-Limit-Reset and retry successfully", { timeout: 15_000 }, async () => {
    h.emulator.configure({ rateLimit: { limit: 1, windowSeconds: 1 } });
    const patient = h.client({ maxRetries: 2 });
    const user = await createUser(patient);
    const started = Date.now();
    const again = await patient.userApi.getUser({ userId: user.id as string });
    const second = await patient.userApi.getUser({ userId: user.id as string });
    expect([again.id, second.id]).toEqual([user.id, user.id]);
    const waited = Date.now() - started;
    const statuses = h
      .recorded()
      .filter((a) => a.path === `/api/v1/users/${user.id}`)
      .map((a) => a.status);
    expect(statuses).toEqual([200, 429, 200]);
    // The SDK waits until the reset second, by the Date header, plus one second.
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(h.emulator.stats()["GET /api/v1/users/{id}"]).toBe(3);
  });

  it("answered every request as management.yaml declares", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
