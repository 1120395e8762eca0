import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, call, newPerson, post, type RunningService, startService, trpc } from "../harness.js";

/** Helmet's headers as a JSON API sends them: nothing may be loaded, framed or sniffed from it. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none';frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

function expectHardened(answer: Answer) {
  const headers = Object.fromEntries(answer.headers);
  expect(headers).toMatchObject(SECURITY_HEADERS);
  expect(headers).not.toHaveProperty("x-powered-by");
  expect(headers).not.toHaveProperty("server");
}

describe("HTTP hardening", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "1/86400" });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("sends helmet's headers and no-store on every answer: success, refusal, 404, 429, tRPC", async () => {
    const { email } = newPerson();
    const wrong = { email, password: "Wrong-Password-1" };
    const answers = [
      await call(svc.url, "GET", "/healthz"),
      await post(svc.url, "/api/login", wrong),
      await post(svc.url, "/api/login", wrong),
      await call(svc.url, "GET", "/nowhere"),
      await post(svc.url, "/api/login", "{not json"),
      await trpc(svc.url, "sso.verify", { token: "x" }),
      await trpc(svc.url, "auth.register", newPerson()),
      await call(svc.url, "GET", "/trpc/nothing"),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 429, 404, 400, 401, 200, 404]);
    for (const answer of answers) expectHardened(answer);
  });

  it("answers an unexpected failure with SERVER_ERROR and nothing of it: no message, no stack", async () => {
    const { idp } = svc.service.services;
    const original = idp.getSession;
    const secret = "postgres://admin:hunter2@db.internal:5432/users";
    idp.getSession = async () => {
      throw new Error(`connection to ${secret} failed`);
    };
    try {
      const rest = await call(svc.url, "GET", "/api/user?sessionId=102abc");
      const viaTrpc = await trpc(svc.url, "user.me", { sessionId: "102abc" });
      expect(rest).toMatchObject({
        status: 500,
        body: { error: "SERVER_ERROR", message: "Something went wrong on our side" },
      });
      expect(viaTrpc.body.error?.data).toMatchObject({ error: "SERVER_ERROR", httpStatus: 500 });
      for (const answer of [rest, viaTrpc]) {
        const text = JSON.stringify(answer.body);
        expect(text).not.toMatch(/hunter2|db\.internal|stack|\.ts:\d|at async/);
        expectHardened(answer);
      }
    } finally {
      idp.getSession = original;
    }
  });
});

describe("CORS", () => {
  const started: RunningService[] = [];
  afterAll(async () => {
    await Promise.all(started.map((svc) => svc.stop()));
  });
  const start = async (env: Record<string, string>) => {
    const svc = await startService(env);
    started.push(svc);
    return svc;
  };
  const from = (origin: string) => ({ origin });
  const preflight = (svc: RunningService, origin: string) =>
    fetch(`${svc.url}/api/login`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("is closed by default outside development: no origin is allowed, no preflight answered", async () => {
    const svc = await start({ NODE_ENV: "production" });
    const answer = await post(svc.url, "/api/sso/verify", { token: "x" }, from("https://app.example.com"));
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const refused = await preflight(svc, "https://app.example.com");
    expect(refused.status).toBe(404);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the listed origins", async () => {
    const svc = await start({ NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com" });
    const allowed = await post(svc.url, "/api/sso/verify", { token: "x" }, from("https://app.example.com"));
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("retry-after");
    expect(allowed.headers.get("vary")).toMatch(/origin/i);
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.io", "null"]) {
      const refused = await post(svc.url, "/api/sso/verify", { token: "x" }, from(origin));
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    }
    const answered = await preflight(svc, "https://app.example.com");
    expect(answered.status).toBe(204);
    expect(answered.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(answered.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(answered.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("allows pages on this machine in development, and no others", async () => {
    const svc = await start({ NODE_ENV: "development" });
    const local = await post(svc.url, "/api/sso/verify", { token: "x" }, from("http://localhost:5173"));
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const remote = await post(svc.url, "/api/sso/verify", { token: "x" }, from("http://localhost.evil.io"));
    expect(remote.headers.get("access-control-allow-origin")).toBeNull();
  });
});
