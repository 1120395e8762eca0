import {
  createOperations,
  type IdentityProvider,
  IdTokens,
  MemoryStore,
  type OktaSession,
  type Operations,
  RateLimiter,
  systemClock,
} from "@authsvc/core";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOktaProvider } from "./okta-provider.js";
import type { OktaCall } from "./request-executor.js";
import { ada, type Calls, ENGINE, Harness } from "./test-harness.js";

/**
 * Okta calls per operation, read from the emulator's counters, through core's real
 * operations. "warm": one instance serving a whole sign-in, as its users' requests arrive;
 * "cold": each operation on another instance, one that has not seen the user before
 * (instances share the ephemeral store, as they share Redis). Each instance asks Okta once for
 * the org's engine (GET /.well-known/okta-organization), on the first call that needs it; a cold
 * count includes that. An Identity Engine org's register costs a factor list and a verify challenge
 * instead of an enrolment (Okta enrolled the email factor itself).
 */

let h: Harness;
let store: MemoryStore;
beforeEach(async () => {
  h = await Harness.start();
  store = new MemoryStore();
});
afterEach(async () => {
  await h.close();
  await store.close();
});

function operationsOver(idp: IdentityProvider): Operations {
  return createOperations({
    idp,
    store,
    clock: systemClock,
    idTokens: new IdTokens({
      secret: new Uint8Array(32).fill(9),
      issuer: "http://test",
      audience: "authsvc",
    }),
    limiter: new RateLimiter({ store, clock: systemClock }),
    grantTtlSeconds: 60,
    stepUp: "session",
  });
}

const total = (calls: Calls) => Object.values(calls).reduce((sum, count) => sum + count, 0);

const ORIGINAL: Record<string, number> = { login: 3, "user.me": 2, "sso.grant": 2, "sso.token": 1 };
const rows: { operation: string; warm?: Calls; cold?: Calls }[] = [];

function record(operation: string, kind: "warm" | "cold", calls: Calls): number {
  const row = rows.find((r) => r.operation === operation) ?? { operation };
  if (!rows.includes(row)) rows.push(row);
  row[kind] = calls;
  return total(calls);
}

afterAll(() => {
  const lines = rows.map(({ operation, warm, cold }) => {
    const count = (calls?: Calls) => (calls ? String(total(calls)) : "-");
    const routes = Object.entries(cold ?? warm ?? {})
      .map(([route, n]) => (n > 1 ? `${n}× ${route}` : route))
      .join(", ");
    return `${operation.padEnd(22)} ${count(warm).padStart(4)} ${count(cold).padStart(4)} ${String(ORIGINAL[operation] ?? "-").padStart(8)}   ${routes}`;
  });
  console.log(
    ["Okta calls per operation", `${"operation".padEnd(22)} warm cold original   calls`, ...lines].join("\n"),
  );
});

describe("Okta calls per operation", () => {
  it("one instance through a whole sign-in", async () => {
    const ops = operationsOver(h.provider);
    const count = (operation: string, action: () => Promise<unknown>) =>
      h.callsOf(action).then((calls) => record(operation, "warm", calls));

    let userId = "";
    expect(await count("register", async () => ({ userId } = await ops.register(ada)))).toBe(
      ENGINE === "classic" ? 3 : 4,
    );
    const code = await h.nextCode(ada.email, 0);
    expect(await count("activate (code)", () => ops.activate({ userId, otp: code }))).toBe(2);
    let session = {} as OktaSession;
    expect(
      await count("login", async () => {
        session = (await ops.login({ email: ada.email, password: ada.password })) as OktaSession;
      }),
    ).toBe(2);
    h.passResendInterval();
    expect(await count("mfa.verify (send)", () => ops.verifyMfa({ userId }))).toBe(1);
    const otp = await h.nextCode(ada.email, 1);
    // Naming the session costs a session read: it must be this user's.
    expect(
      await count("mfa.verify (code)", () => ops.verifyMfa({ userId, otp, sessionId: session.id })),
    ).toBe(2);
    let grant = "";
    expect(
      await count("sso.grant", async () => {
        grant = (await ops.issueAuthorizationCode({ sessionId: session.id })).code;
      }),
    ).toBe(1);
    expect(await count("sso.token", () => ops.exchangeCodeForToken({ code: grant }))).toBe(0);
    expect(await count("user.me", () => ops.currentUser({ sessionId: session.id }))).toBe(1);
    expect(await count("logout", () => ops.logout({ sessionId: session.id }))).toBe(1);
  });

  it("each operation on an instance that has not seen the user", async () => {
    const { userId } = await h.pendingUser();
    const fresh = () => operationsOver(h.newProvider());
    const count = (operation: string, action: () => Promise<unknown>) =>
      h.callsOf(action).then((calls) => record(operation, "cold", calls));

    expect(
      await count("login (not activated)", () => fresh().login({ email: ada.email, password: ada.password })),
    ).toBe(ENGINE === "classic" ? 2 : 3);
    h.passResendInterval();
    expect(await count("activate (resend)", () => fresh().activate({ userId }))).toBe(
      ENGINE === "classic" ? 3 : 4,
    );
    const otp = await h.nextCode(ada.email, 1);
    expect(await count("activate (code)", () => fresh().activate({ userId, otp }))).toBe(
      ENGINE === "classic" ? 2 : 3,
    );
    let session = {} as OktaSession;
    expect(
      await count("login", async () => {
        session = (await fresh().login({ email: ada.email, password: ada.password })) as OktaSession;
      }),
    ).toBe(4);
    h.passResendInterval();
    expect(await count("mfa.verify (send)", () => fresh().verifyMfa({ userId }))).toBe(3);
    const stepUp = await h.nextCode(ada.email, 2);
    expect(
      await count("mfa.verify (code)", () =>
        fresh().verifyMfa({ userId, otp: stepUp, sessionId: session.id }),
      ),
    ).toBe(4);
    let grant = "";
    expect(
      await count("sso.grant", async () => {
        grant = (await fresh().issueAuthorizationCode({ sessionId: session.id })).code;
      }),
    ).toBe(2);
    expect(await count("sso.token", () => fresh().exchangeCodeForToken({ code: grant }))).toBe(0);
    expect(await count("user.me", () => fresh().currentUser({ sessionId: session.id }))).toBe(2);
    expect(await count("logout", () => fresh().logout({ sessionId: session.id }))).toBe(1);
  });
});

describe("the call observer (the service's Okta metrics)", () => {
  it("is told each call's endpoint with ids hidden, its status and X-Rate-Limit-Remaining", async () => {
    const observed: OktaCall[] = [];
    const ops = operationsOver(h.newProvider({ observeCalls: (call) => observed.push(call) }));
    const { userId } = await ops.register(ada);
    await ops.login({ email: ada.email, password: "Wrong-Password-1" }).catch(() => undefined);
    const endpoints = observed.map((call) => `${call.method} ${call.endpoint} ${call.status}`);
    expect(endpoints).toContain("POST /api/v1/users 200");
    expect(endpoints).toContain("POST /api/v1/authn 401");
    expect(endpoints.join()).not.toContain(userId);
    expect(endpoints.join()).not.toContain(ada.email);
    expect(observed.every((call) => Number.isInteger(call.rateLimitRemaining))).toBe(true);
  });

  it("is told of a call that got no answer, as status error", async () => {
    const observed: OktaCall[] = [];
    const provider = createOktaProvider({
      orgUrl: "http://127.0.0.1:9",
      apiToken: "t",
      observeCalls: (call) => observed.push(call),
    });
    await provider.getUser("00uabc").catch(() => undefined);
    await provider.close();
    expect(observed).toEqual([
      { method: "GET", endpoint: "/api/v1/users/{id}", status: "error", rateLimitRemaining: undefined },
    ]);
  });
});
