import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import type { IdentityProvider } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOktaProvider } from "./okta-provider.js";
import { API_TOKEN, ada, failure, Harness } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const SOME_USER = "00uSomeUser000000000";
const SOME_SESSION = "102SomeSession000000000000";

/** Every port method, each called once. */
function everyMethod(provider: IdentityProvider): [string, () => Promise<unknown>][] {
  const check = { userId: SOME_USER, login: ada.email, mfaActive: true, sessionToken: "20111SomeToken" };
  return [
    ["createUser", () => provider.createUser(ada)],
    ["deleteUser", () => provider.deleteUser(SOME_USER)],
    ["getUser", () => provider.getUser(SOME_USER)],
    ["checkPassword", () => provider.checkPassword(ada.email, ada.password)],
    ["createSession", () => provider.createSession(check)],
    ["getSession", () => provider.getSession(SOME_SESSION)],
    ["endSession", () => provider.endSession(SOME_SESSION)],
    ["enrollEmailFactor", () => provider.enrollEmailFactor(SOME_USER)],
    ["activateEmailFactor", () => provider.activateEmailFactor(SOME_USER, "123456")],
    ["challengeEmailFactor", () => provider.challengeEmailFactor(SOME_USER)],
    ["verifyEmailFactor", () => provider.verifyEmailFactor(SOME_USER, "123456")],
    ["ping", () => provider.ping()],
  ];
}

async function expectUnavailableWithin(call: () => Promise<unknown>, ms: number) {
  const started = performance.now();
  const error = await failure(call());
  const elapsed = performance.now() - started;
  expect(error.toBody()).toEqual({
    error: "SERVICE_UNAVAILABLE",
    reason: "service_unavailable",
    message: "The identity provider is unreachable; try again",
  });
  expect(error).toMatchObject({ status: 503, retryAfter: 5 });
  expect(elapsed).toBeLessThan(ms);
}

describe("Okta unavailable", () => {
  it("answers SERVICE_UNAVAILABLE when Okta answers 5xx", async () => {
    for (const [name, call] of everyMethod(h.newProvider({ profileCacheSeconds: 0 }))) {
      h.emulator.configure({ failNext: { status: 503, count: 1 } });
      await expectUnavailableWithin(call, 2000).catch((error: Error) => {
        throw new Error(`${name}: ${error.message}`);
      });
    }
    h.emulator.configure({ failNext: { status: 500, count: 1 } });
    await expectUnavailableWithin(() => h.provider.ping(), 2000);
  });

  it("answers SERVICE_UNAVAILABLE at once when nothing listens on the org's port", async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const provider = createOktaProvider({ orgUrl: `http://127.0.0.1:${port}`, apiToken: API_TOKEN });

    for (const [, call] of everyMethod(provider)) await expectUnavailableWithin(call, 1000);
  });

  it("refuses a requestTimeoutMs that bounds nothing", () => {
    for (const requestTimeoutMs of [0, -1, Number.NaN]) {
      expect(() =>
        createOktaProvider({ orgUrl: h.emulator.url, apiToken: API_TOKEN, requestTimeoutMs }),
      ).toThrow(/requestTimeoutMs/);
    }
  });

  describe("when Okta accepts the connection and never answers", () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeEach(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      silent.listen(0, "127.0.0.1");
      await once(silent, "listening");
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it("gives up after requestTimeoutMs, for every method", async () => {
      const { port } = silent.address() as AddressInfo;
      const provider = createOktaProvider({
        orgUrl: `http://127.0.0.1:${port}`,
        apiToken: API_TOKEN,
        requestTimeoutMs: 300,
      });

      const calls = everyMethod(provider);
      await Promise.all(calls.map(([, call]) => expectUnavailableWithin(call, 1500)));
    });
  });
});

describe("Okta's rate limit", () => {
  it("keeps Okta's E0000047 and status 429, with Retry-After from X-Rate-Limit-Reset", async () => {
    const provider = h.newProvider({ maxRetries: 0 });
    h.emulator.configure({ rateLimit: { limit: 1, windowSeconds: 60 } });
    await provider.ping();

    const error = await failure(provider.ping());

    expect(error).toMatchObject({ code: "OKTA_ERROR", status: 429, okta: { errorCode: "E0000047" } });
    expect(error.retryAfter).toBeGreaterThan(0);
    expect(error.retryAfter).toBeLessThanOrEqual(61);
  });

  it("answers E0000047 at once when waiting for the reset would overrun requestTimeoutMs", async () => {
    const provider = h.newProvider({ requestTimeoutMs: 2000 });
    h.emulator.configure({ rateLimit: { limit: 1, windowSeconds: 60 } });
    await provider.ping();

    const started = performance.now();
    const error = await failure(provider.ping());

    expect(error).toMatchObject({ code: "OKTA_ERROR", status: 429, okta: { errorCode: "E0000047" } });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("a call refused by Okta's concurrency limit is retried after the estimated reset, and succeeds", async () => {
    const provider = h.newProvider({ requestTimeoutMs: 5000 });
    h.emulator.configure({ concurrencyLimit: 1, latencyMs: 300 });

    await Promise.all([provider.ping(), provider.ping()]);

    // Three requests: both calls, and the retry of the one refused while the other was in process.
    expect(h.emulator.stats()["GET /api/v1/users/{id}"]).toBe(3);
  });

  it("lets the SDK wait for the reset and retry when that fits in requestTimeoutMs", async () => {
    const provider = h.newProvider({ requestTimeoutMs: 5000 });
    h.emulator.configure({ rateLimit: { limit: 1, windowSeconds: 1 } });
    await provider.ping();

    await provider.ping();
  });
});
