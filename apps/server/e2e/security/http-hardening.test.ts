import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  expectHardened,
  newPerson,
  post,
  type RunningService,
  rawExchange,
  startService,
  trpc,
} from "../harness.js";

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
    expect(answered.headers.get("access-control-allow-headers")).toBe(
      "content-type, authorization, trpc-accept",
    );
    expect(answered.headers.get("access-control-max-age")).toBe("600");
  });

  it("adds no CORS header to the answers of callers that send no Origin (servers, not browsers)", async () => {
    const svc = await start({ NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com" });
    const answer = await post(svc.url, "/api/sso/verify", { token: "x" });
    expect(answer.status).toBe(401);
    expectHardened(answer);
    const cors = [...answer.headers.keys()].filter(
      (name) => name.startsWith("access-control-") || name === "vary",
    );
    expect(cors).toEqual([]);
  });

  it("allows pages on this machine in development, and no others", async () => {
    const svc = await start({ NODE_ENV: "development" });
    const local = await post(svc.url, "/api/sso/verify", { token: "x" }, from("http://localhost:5173"));
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const remote = await post(svc.url, "/api/sso/verify", { token: "x" }, from("http://localhost.evil.io"));
    expect(remote.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("refusals made before any route", () => {
  const ORIGIN = "https://app.example.com";
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ CORS_ORIGINS: ORIGIN });
  });
  afterAll(async () => {
    await svc?.stop();
  });
  const request = (head: string, body = "") =>
    `${head}\r\nHost: auth.test\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n` +
    `${body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : ""}\r\n${body}`;
  const longPath = "a".repeat(8000);

  it.each([
    [
      "a path that is not percent-encoding",
      request("GET /api/% HTTP/1.1"),
      400,
      "not valid percent-encoding",
    ],
    [
      "such a path with a body",
      request("POST /trpc/sso.verify%zz HTTP/1.1", "{not json"),
      400,
      "percent-encoding",
    ],
    ["a path too long for the router", request(`GET /trpc/${longPath} HTTP/1.1`), 414, "too long"],
    [
      "an Expect header other than 100-continue",
      request("POST /api/sso/verify HTTP/1.1\r\nExpect: a-miracle", '{"token":"x"}'),
      417,
      "Expect: 100-continue",
    ],
  ])(
    "answers %s in the service's shape, with the usual headers and CORS",
    async (_name, raw, status, message) => {
      const answer = await rawExchange(svc.url, raw);
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.text)).toEqual({
        error: "VALIDATION_ERROR",
        reason: "invalid_request",
        message: expect.stringContaining(message),
        details: [],
        requestId: answer.headers.get("x-request-id"),
      });
      expectHardened(answer);
      expect(answer.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    },
  );

  it("answers a HEAD of a bad path with the same status and headers, and no body", async () => {
    const answer = await rawExchange(svc.url, request("HEAD /api/% HTTP/1.1"));
    expect(answer).toMatchObject({ status: 400, text: "" });
    expectHardened(answer);
    expect(answer.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it.each([
    [
      "an HTTP/1.1 request without Host",
      "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
      400,
      "VALIDATION_ERROR",
    ],
    [
      "a request that is not HTTP",
      "GET nowhere HTTP/1.1\r\nHost: auth.test\r\n\r\n",
      400,
      "VALIDATION_ERROR",
    ],
    ["a CONNECT, a proxy's method", "CONNECT auth.test:443 HTTP/1.1\r\nHost: auth.test\r\n\r\n", 404, "404"],
  ])("answers %s in the service's shape, with the usual headers", async (_name, raw, status, error) => {
    const answer = await rawExchange(svc.url, raw);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text)).toMatchObject({ error, message: expect.any(String) });
    expectHardened(answer);
  });
});
