import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectHardened,
  parseRawAnswer,
  type RunningService,
  type ServiceProcess,
  spawnService,
  startService,
  TEST_JWT_SECRET,
} from "../harness.js";

/**
 * Slowloris and its kin: clients that open a connection and then send nothing, or their
 * request a byte at a time, or part of a body and then silence. Each holds a socket; with
 * no limit (Fastify's default) they held it forever and, enough of them, the process ran
 * out of sockets. Short limits here; the defaults are in the README.
 */
const LIMITS = {
  HTTP_REQUEST_TIMEOUT_SECONDS: "2",
  HTTP_HEADERS_TIMEOUT_SECONDS: "1",
  HTTP_KEEP_ALIVE_SECONDS: "1",
};
const REQUEST_LIMIT_MS = 2000;
const HEADERS_LIMIT_MS = 1000;
/** Node checks the limits once a second; the rest is room for a loaded machine. */
const CUT_WITHIN_MS = REQUEST_LIMIT_MS + 1000 + 4000;

const HEADERS = "POST /api/sso/verify HTTP/1.1\r\nHost: auth.test\r\nContent-Type: application/json\r\n";
const BODY_OF_100 = `${HEADERS}Content-Length: 100\r\n\r\n`;

interface Held {
  socket: Socket;
  /**
   * When the server closed the connection (ms after it opened) and what it answered;
   * undefined: still open at the deadline.
   */
  closed: Promise<{ ms: number; answer: string } | undefined>;
}

/**
 * A connection that sends `first`, then `trickle` every 200 ms, until the server closes it or
 * the deadline passes.
 */
function holdConnection(url: string, first: string, trickle?: string, deadlineMs = CUT_WITHIN_MS): Held {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const opened = performance.now();
  let answer = "";
  socket.on("data", (chunk) => {
    answer += chunk;
  });
  socket.on("error", () => undefined);
  if (first) socket.write(first);
  const dripping = trickle ? setInterval(() => socket.writable && socket.write(trickle), 200) : undefined;
  const closed = new Promise<{ ms: number; answer: string } | undefined>((resolve) => {
    const deadline = setTimeout(() => {
      resolve(undefined);
      socket.destroy();
    }, deadlineMs);
    socket.on("close", () => {
      clearTimeout(deadline);
      clearInterval(dripping);
      resolve({ ms: performance.now() - opened, answer });
    });
  });
  return { socket, closed };
}

/** A request's answer, or undefined when it gets none within a second. */
async function answerWithinASecond(url: string, path: string, body?: unknown) {
  try {
    const response = await fetch(`${url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(1000),
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return undefined;
  }
}

describe("slow clients", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService(LIMITS);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it.each([
    ["sends nothing at all", "", undefined, HEADERS_LIMIT_MS],
    ["sends its headers a byte every 200 ms", `${HEADERS}X-Slow: `, "a", HEADERS_LIMIT_MS],
    [
      "sends its headers and part of its body, then nothing",
      `${BODY_OF_100}{"token":"ey`,
      undefined,
      REQUEST_LIMIT_MS,
    ],
    ["sends its body a byte every 200 ms", BODY_OF_100, " ", REQUEST_LIMIT_MS],
  ])(
    "cuts a client that %s: 408 in the service's shape, then the connection closed",
    async (_name, first, trickle, limitMs) => {
      const held = holdConnection(svc.url, first, trickle);
      const closed = await held.closed;
      expect(closed, "the connection was still open").toBeDefined();
      expect(closed?.ms).toBeGreaterThanOrEqual(limitMs - 100);
      const answer = parseRawAnswer(closed?.answer ?? "");
      expect(answer.status).toBe(408);
      expectHardened(answer);
      expect(answer.headers.get("connection")).toBe("close");
      expect(JSON.parse(answer.text)).toEqual({
        error: "VALIDATION_ERROR",
        reason: "invalid_request",
        message: "The request took too long to arrive",
        details: [],
        requestId: answer.headers.get("x-request-id"),
      });
    },
  );

  it("closes a keep-alive connection left idle for HTTP_KEEP_ALIVE_SECONDS", async () => {
    const held = holdConnection(svc.url, "GET /healthz HTTP/1.1\r\nHost: auth.test\r\n\r\n");
    const closed = await held.closed;
    expect(closed, "the connection was still open").toBeDefined();
    const answer = parseRawAnswer(closed?.answer ?? "");
    expect(answer).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    expect(answer.headers.get("keep-alive")).toBe("timeout=1");
  });

  it("answers /healthz and sso/verify promptly while 300 stalled clients wait, and cuts all 300", async () => {
    const stalled = Array.from({ length: 300 }, () => holdConnection(svc.url, `${BODY_OF_100}{"tok`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const health = await answerWithinASecond(svc.url, "/healthz");
    const verify = await answerWithinASecond(svc.url, "/api/sso/verify", { token: "not-a-token" });
    expect(health).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(verify).toMatchObject({ status: 401, body: { error: "INVALID_TOKEN" } });
    const closed = await Promise.all(stalled.map((held) => held.closed));
    const answers = closed.map((cut) => (cut ? parseRawAnswer(cut.answer).status : "still open"));
    expect(answers.filter((status) => status !== 408)).toEqual([]);
  }, 30_000);
});

it("starts with limits above Node's defaults (headers 400 s, request 600 s)", async () => {
  const svc = await startService({
    HTTP_REQUEST_TIMEOUT_SECONDS: "600",
    HTTP_HEADERS_TIMEOUT_SECONDS: "400",
  });
  try {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  } finally {
    await svc.stop();
  }
});

describe("stalled clients beyond the open-file limit", () => {
  let instance: ServiceProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), "authsvc-slow-"));
  beforeAll(async () => {
    // 256 open files: the service holds about 30 of its own; 300 stalled clients take the rest.
    instance = spawnService(
      {
        ...LIMITS,
        NODE_ENV: "test",
        PORT: "0",
        DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: "info",
      },
      { fileLimit: 256 },
    );
    url = await instance.listening();
  });
  afterAll(async () => {
    instance?.child.kill("SIGKILL");
    await instance?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("are cut within the request limit, and the service answers again", async () => {
    // Held well past the polling below: only the service may free their sockets.
    const stalled = Array.from({ length: 300 }, () =>
      holdConnection(url, `${BODY_OF_100}{"tok`, undefined, 60_000),
    );
    const start = performance.now();
    let health: Awaited<ReturnType<typeof answerWithinASecond>>;
    while (!health && performance.now() - start < CUT_WITHIN_MS) {
      health = await answerWithinASecond(url, "/healthz");
      if (!health) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health, "/healthz never answered").toMatchObject({ status: 200, body: { status: "ok" } });
    const verify = await answerWithinASecond(url, "/api/sso/verify", { token: "not-a-token" });
    expect(verify).toMatchObject({ status: 401, body: { error: "INVALID_TOKEN" } });
    for (const held of stalled) held.socket.destroy();
  }, 30_000);
});
