import { randomBytes } from "node:crypto";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  newPerson,
  post,
  type RunningService,
  rawExchange,
  rawRequest,
  startService,
  trpc,
  wrongCode,
} from "./harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The service's log lines, parsed. */
function logLines(svc: RunningService): Record<string, unknown>[] {
  return svc.logs.flatMap((chunk) =>
    chunk
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

/** The audit lines written since `from` (an index into the parsed lines). */
function auditLines(svc: RunningService, from = 0) {
  return logLines(svc)
    .slice(from)
    .filter((line) => line.msg === "security event");
}

describe("request ids", () => {
  let svc: RunningService;
  let behindProxy: RunningService;
  beforeAll(async () => {
    svc = await startService();
    behindProxy = await startService({ TRUST_PROXY: "127.0.0.1" });
  });
  afterAll(async () => {
    await svc?.stop();
    await behindProxy?.stop();
  });

  it("generates one per request and echoes it on answers, error bodies of both doors included", async () => {
    const ok = await post(svc.url, "/api/sso/verify", { token: "not-a-token" });
    const id = ok.headers.get("x-request-id") ?? "";
    expect(id).toMatch(UUID);
    expect(ok.body).toMatchObject({ error: "INVALID_TOKEN", requestId: id });
    const healthy = await call(svc.url, "GET", "/healthz");
    expect(healthy.headers.get("x-request-id")).toMatch(UUID);
    expect(healthy.headers.get("x-request-id")).not.toBe(id);
    const viaTrpc = await trpc(svc.url, "sso.verify", { token: "not-a-token" });
    expect(viaTrpc.body.error?.data).toMatchObject({
      error: "INVALID_TOKEN",
      requestId: viaTrpc.headers.get("x-request-id"),
    });
    const invalidTrpc = await trpc(svc.url, "sso.verify", { token: 7 });
    expect(invalidTrpc.body.error?.data).toMatchObject({
      error: "VALIDATION_ERROR",
      requestId: invalidTrpc.headers.get("x-request-id"),
    });
  });

  it("answers one on a 404, a 413, a refusal before routing and a request that is not HTTP", async () => {
    const answers = [
      await call(svc.url, "GET", "/api/nowhere"),
      await post(svc.url, "/api/login", JSON.stringify({ email: "x".repeat(40_000) })),
      await post(svc.url, "/trpc/auth.login", JSON.stringify({ email: "x".repeat(40_000) })),
    ];
    const early = await rawRequest(svc.url, "GET", "/api/%zz");
    const notHttp = await rawExchange(svc.url, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
    expect([...answers.map((a) => a.status), early.status, notHttp.status]).toEqual([
      404, 413, 413, 400, 400,
    ]);
    for (const answer of answers) {
      const id = answer.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      const body = answer.body as { requestId?: string; error?: { data?: { requestId?: string } } };
      expect(body.requestId ?? body.error?.data?.requestId).toBe(id);
    }
    for (const raw of [early, notHttp]) {
      expect(raw.headers.get("x-request-id")).toMatch(UUID);
      expect(JSON.parse(raw.text)).toMatchObject({ requestId: raw.headers.get("x-request-id") });
    }
  });

  it("replaces an untrusted caller's id; keeps a trusted proxy's when it is valid", async () => {
    const sent = { "x-request-id": "proxy-id-1234" };
    const untrusted = await call(svc.url, "GET", "/healthz", undefined, sent);
    expect(untrusted.headers.get("x-request-id")).toMatch(UUID);
    const trusted = await call(behindProxy.url, "GET", "/healthz", undefined, sent);
    expect(trusted.headers.get("x-request-id")).toBe("proxy-id-1234");
    for (const invalid of ["x".repeat(129), "two words", "a\u00e9b", ""]) {
      const answer = await rawRequest(behindProxy.url, "GET", "/healthz", {
        headers: { "x-request-id": Buffer.from(invalid, "utf8").toString("latin1") },
      });
      expect(answer.headers.get("x-request-id")).toMatch(UUID);
    }
  });

  it("puts the id in every log line of the request: request lines, errors and audit lines", async () => {
    const from = logLines(svc).length;
    const answer = await post(svc.url, "/api/login", {
      email: "nobody@example.com",
      password: "Wrong-Pass-1",
    });
    const id = answer.headers.get("x-request-id");
    const lines = logLines(svc)
      .slice(from)
      .filter((line) => line.requestId === id);
    expect(lines.map((line) => line.msg)).toEqual([
      "incoming request",
      "security event",
      "request completed",
    ]);
  });
});

describe("request ids of unexpected failures", () => {
  it("are on the error's log line and in the answer, through either door", async () => {
    const svc = await startService();
    try {
      // The directory closed under the service: its reads fail with an error no table names.
      await svc.service.services.idp.close();
      const rest = await call(svc.url, "GET", "/api/user?sessionId=102abc");
      const viaTrpc = await trpc(svc.url, "user.me", { sessionId: "102abc" });
      expect([rest.status, viaTrpc.status]).toEqual([500, 500]);
      const failures = logLines(svc).filter((line) => line.level === 50);
      expect(failures.map((line) => [line.msg, line.requestId])).toEqual([
        ["request failed", rest.headers.get("x-request-id")],
        ["procedure failed", viaTrpc.headers.get("x-request-id")],
      ]);
      expect(rest.body.requestId).toBe(rest.headers.get("x-request-id"));
    } finally {
      await svc.stop();
    }
  });
});

describe("audit log", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "12/3600",
      RATE_LIMIT_CODE_CHECK_PER_ACCOUNT: "off",
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("writes one line per security event of a whole sign-in, through either door", async () => {
    const from = logLines(svc).length;
    const person = newPerson();
    const registered = await post(svc.url, "/api/register", person);
    const userId = registered.body.userId as string;
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const login = await trpc(svc.url, "auth.login", person);
    const sessionId = (login.body.result as { data: { id: string } }).data.id;
    await post(svc.url, "/api/mfa/verify", { userId, sessionId });
    const otp = await svc.inbox.nextCode(person.email, 1);
    await post(svc.url, "/api/mfa/verify", { userId, otp, sessionId });
    const grant = await trpc(svc.url, "sso.grant", { sessionId });
    const { code } = (grant.body.result as { data: { code: string } }).data;
    await post(svc.url, "/api/sso/token", { code });
    await post(svc.url, "/api/sso/verify", { token: "ignored-by-the-audit" });
    await post(svc.url, "/api/logout", { sessionId });

    const lines = auditLines(svc, from);
    const common = { clientIp: "127.0.0.1", outcome: "success", level: 30 };
    expect(lines.map(({ time: _t, pid: _p, hostname: _h, requestId: _r, ...line }) => line)).toEqual([
      { ...common, msg: "security event", event: "registered", userId, door: "rest" },
      { ...common, msg: "security event", event: "code.sent", userId, purpose: "activation", door: "rest" },
      { ...common, msg: "security event", event: "activated", userId, door: "rest" },
      {
        ...common,
        msg: "security event",
        event: "login.succeeded",
        userId,
        sessionOpened: true,
        door: "trpc",
      },
      { ...common, msg: "security event", event: "code.sent", userId, purpose: "verification", door: "rest" },
      {
        ...common,
        msg: "security event",
        event: "code.passed",
        userId,
        purpose: "verification",
        sessionSteppedUp: true,
        door: "rest",
      },
      { ...common, msg: "security event", event: "grant.issued", userId, door: "trpc" },
      { ...common, msg: "security event", event: "token.issued", userId, door: "rest" },
      { ...common, msg: "security event", event: "session.ended", door: "rest" },
    ]);
    expect(lines[0]?.requestId).toBe(registered.headers.get("x-request-id"));
    expect(lines[3]?.requestId).toBe(login.headers.get("x-request-id"));
    const text = JSON.stringify(lines);
    for (const secret of [person.password, person.email, sessionId, code, otp])
      expect(text).not.toContain(secret);
  });

  it("writes one line per refusal: password, lock, code, voided code, step-up, replayed grant, rate limit", async () => {
    const person = newPerson();
    const { userId } = (await post(svc.url, "/api/register", person)).body as { userId: string };
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const session = await post(svc.url, "/api/login", person);
    const sessionId = session.body.id as string;
    const from = logLines(svc).length;
    const wrong = { email: person.email, password: "Wrong-Password-1" };
    for (let i = 0; i < 10; i++) await post(svc.url, "/api/login", wrong);
    await trpc(svc.url, "auth.login", person);
    await post(svc.url, "/api/login", person);
    await post(svc.url, "/api/sso/grant", { sessionId });
    await post(svc.url, "/api/mfa/verify", { userId });
    const otp = await svc.inbox.nextCode(person.email, 1);
    for (let i = 0; i < 6; i++) await post(svc.url, "/api/mfa/verify", { userId, otp: wrongCode(otp) });
    await post(svc.url, "/api/sso/token", { code: "never-issued-code" });

    const events = auditLines(svc, from).map(({ event, outcome, door, userId: id }) => ({
      event,
      outcome,
      door,
      id,
    }));
    const failed = { event: "login.failed", outcome: "failure", door: "rest" };
    expect(events).toEqual([
      ...Array.from({ length: 10 }, () => failed),
      { event: "login.locked", outcome: "failure", door: "trpc" },
      { event: "rate.limited", outcome: "failure", door: "rest" },
      { event: "stepup.refused", outcome: "failure", door: "rest", id: userId },
      { event: "code.sent", outcome: "success", door: "rest", id: userId },
      ...Array.from({ length: 5 }, () => ({
        event: "code.failed",
        outcome: "failure",
        door: "rest",
        id: userId,
      })),
      { event: "code.voided", outcome: "failure", door: "rest", id: userId },
      { event: "grant.replayed", outcome: "failure", door: "rest" },
    ]);
    const rateLimited = auditLines(svc, from).find((line) => line.event === "rate.limited");
    expect(rateLimited).toMatchObject({ action: "login", scope: "account", clientIp: "127.0.0.1" });
  });
});

/** A scrape: the families as the parser read them (it throws on a line that is not Prometheus text), and its lines. */
interface Scrape {
  families: ReturnType<typeof parsePrometheusTextFormat>;
  lines: string[];
}

/**
 * The value of one sample (a counter, a gauge, a histogram's `_count`), 0 when absent. Read from
 * the lines: the parser flattens a histogram's labels away.
 */
function sampleOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of scrape.lines) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  // A plain fetch: a metrics listener (METRICS_PORT) serves no OpenAPI document for the harness to hold it to.
  const answer = await fetch(`${url}/metrics`, { headers });
  expect(answer.status).toBe(200);
  expect(answer.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await answer.text();
  return { families: parsePrometheusTextFormat(text), lines: text.split("\n") };
}

describe("metrics", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "4/3600" });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("parse as Prometheus text and move as a sign-in runs", async () => {
    const before = await scrape(svc.url);
    const person = newPerson();
    const { userId } = (await post(svc.url, "/api/register", person)).body as { userId: string };
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const wrong = { email: person.email, password: "Wrong-Password-1" };
    await post(svc.url, "/api/login", wrong);
    await trpc(svc.url, "auth.login", wrong);
    const sessionId = (await post(svc.url, "/api/login", person)).body.id as string;
    await post(svc.url, "/api/mfa/verify", { userId, sessionId });
    await post(svc.url, "/api/mfa/verify", {
      userId,
      sessionId,
      otp: await svc.inbox.nextCode(person.email, 1),
    });
    const { code } = (await post(svc.url, "/api/sso/grant", { sessionId })).body as { code: string };
    const { token } = (await post(svc.url, "/api/sso/token", { code })).body as { token: string };
    await post(svc.url, "/api/sso/verify", { token });
    await trpc(svc.url, "sso.verify", { token });
    await post(svc.url, "/api/login", person);
    expect((await post(svc.url, "/api/login", person)).status).toBe(429);
    await post(svc.url, "/api/login", { email: person.email });
    await trpc(svc.url, "auth.login", { email: 7 });
    await post(svc.url, "/api/sso/verify", "{not json");
    const after = await scrape(svc.url);

    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleOf(after, name, labels) - sampleOf(before, name, labels);
    expect({
      registered: moved("authsvc_security_events_total", { event: "registered" }),
      activationSent: moved("authsvc_codes_total", { purpose: "activation", result: "sent" }),
      activationPassed: moved("authsvc_codes_total", { purpose: "activation", result: "passed" }),
      loginsFailed: moved("authsvc_logins_total", { result: "failed" }),
      loginsSucceeded: moved("authsvc_logins_total", { result: "succeeded" }),
      verificationSent: moved("authsvc_codes_total", { purpose: "verification", result: "sent" }),
      verificationPassed: moved("authsvc_codes_total", { purpose: "verification", result: "passed" }),
      grants: moved("authsvc_security_events_total", { event: "grant.issued" }),
      tokens: moved("authsvc_security_events_total", { event: "token.issued" }),
      rateLimited: moved("authsvc_rate_limited_total", { action: "login", scope: "account" }),
      restVerifies: moved("authsvc_operation_duration_seconds_count", {
        operation: "verifyIdToken",
        door: "rest",
        outcome: "ok",
      }),
      trpcVerifies: moved("authsvc_operation_duration_seconds_count", {
        operation: "verifyIdToken",
        door: "trpc",
        outcome: "ok",
      }),
      restLoginsRefused: moved("authsvc_operation_duration_seconds_count", {
        operation: "login",
        door: "rest",
        outcome: "OKTA_ERROR",
      }),
      loginsRateLimited: moved("authsvc_operation_duration_seconds_count", {
        operation: "login",
        door: "rest",
        outcome: "RATE_LIMITED",
      }),
      restInvalidLogins: moved("authsvc_refused_requests_total", {
        operation: "login",
        door: "rest",
        outcome: "VALIDATION_ERROR",
      }),
      restLoginsRefusedTwice: moved("authsvc_refused_requests_total", { outcome: "OKTA_ERROR" }),
      trpcInvalidLogins: moved("authsvc_refused_requests_total", {
        operation: "login",
        door: "trpc",
        outcome: "VALIDATION_ERROR",
      }),
      restBadJson: moved("authsvc_refused_requests_total", {
        operation: "verifyIdToken",
        door: "rest",
        outcome: "INVALID_JSON",
      }),
    }).toEqual({
      registered: 1,
      activationSent: 1,
      activationPassed: 1,
      loginsFailed: 2,
      loginsSucceeded: 2,
      verificationSent: 1,
      verificationPassed: 1,
      grants: 1,
      tokens: 1,
      rateLimited: 1,
      restVerifies: 1,
      trpcVerifies: 1,
      restLoginsRefused: 1,
      loginsRateLimited: 1,
      // Only the request refused before the operation: the operation's own refusals are counted above.
      restInvalidLogins: 1,
      restLoginsRefusedTwice: 0,
      trpcInvalidLogins: 1,
      restBadJson: 1,
    });
    expect(sampleOf(after, "authsvc_dependency_up", { dependency: "directory" })).toBe(1);
    expect(sampleOf(after, "authsvc_dependency_up", { dependency: "smtp" })).toBe(1);
    expect(sampleOf(after, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    const types = Object.fromEntries(after.families.map((family) => [family.name, family.type]));
    expect(types).toMatchObject({
      authsvc_operation_duration_seconds: "HISTOGRAM",
      authsvc_logins_total: "COUNTER",
      authsvc_dependency_up: "GAUGE",
      nodejs_eventloop_lag_seconds: "GAUGE",
    });
  });
});

describe("metrics of Okta calls", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({}, "okta-identity");
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("count calls by endpoint and status, and keep Okta's X-Rate-Limit-Remaining", async () => {
    await post(svc.url, "/api/login", { email: "nobody@example.com", password: "Wrong-Password-1" });
    const after = await scrape(svc.url);
    expect(sampleOf(after, "authsvc_okta_requests_total", { endpoint: "/api/v1/authn", status: "401" })).toBe(
      1,
    );
    expect(
      sampleOf(after, "authsvc_okta_rate_limit_remaining", { endpoint: "/api/v1/authn" }),
    ).toBeGreaterThan(0);
    expect(sampleOf(after, "authsvc_dependency_up", { dependency: "okta" })).toBe(1);
  });
});

describe("/metrics in production", () => {
  const production = {
    NODE_ENV: "production",
    JWT_SECRET: randomBytes(48).toString("base64"),
    HOST: "127.0.0.1",
  };

  it("is not served without METRICS_PORT or METRICS_TOKEN, and says so at start", async () => {
    const svc = await startService(production);
    try {
      expect((await call(svc.url, "GET", "/metrics")).status).toBe(404);
      expect(svc.logs.join("")).toContain("/metrics is not served in production");
    } finally {
      await svc.stop();
    }
  });

  it("with METRICS_TOKEN, answers 401 on the main port unless the bearer token is right", async () => {
    const token = randomBytes(32).toString("hex");
    const svc = await startService({ ...production, METRICS_TOKEN: token });
    try {
      const without = await call(svc.url, "GET", "/metrics");
      expect(without.status).toBe(401);
      expect(without.headers.get("www-authenticate")).toMatch(/^Bearer/);
      const wrong = await call(svc.url, "GET", "/metrics", undefined, { authorization: `Bearer ${token}0` });
      expect(wrong.status).toBe(401);
      await scrape(svc.url, { authorization: `Bearer ${token}` });
    } finally {
      await svc.stop();
    }
  });

  it("with METRICS_PORT, serves it only on that listener", async () => {
    const svc = await startService({ ...production, METRICS_PORT: "0" });
    try {
      expect((await call(svc.url, "GET", "/metrics")).status).toBe(404);
      const metricsUrl = svc.service.metricsUrl() as string;
      expect(metricsUrl).not.toBe(svc.url);
      const scraped = await scrape(metricsUrl);
      expect(sampleOf(scraped, "authsvc_dependency_up", { dependency: "directory" })).toBe(1);
      expect((await fetch(`${metricsUrl}/api/user`)).status).toBe(404);
    } finally {
      await svc.stop();
    }
  });
});
