import type { Client } from "@okta/okta-sdk-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  bodyOf,
  createUser,
  type Harness,
  oktaErrorOf,
  PASSWORD,
  postJson,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

const TWO_HOURS_MS = 2 * 60 * 60 * 1000;

describe("sessions, through the official SDK", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  async function sessionToken(): Promise<{ token: string; userId: string; login: string }> {
    const login = uniqueEmail();
    const user = await createUser(client, login);
    const answer = await postJson(client, `${h.orgUrl}/api/v1/authn`, {
      username: login,
      password: PASSWORD,
    });
    return { token: answer.sessionToken as string, userId: user.id as string, login };
  }

  const createSession = (token: string) =>
    client.sessionApi.createSession({ createSessionRequest: { sessionToken: token } });

  it("exchanges a sessionToken for Okta's Session, once", async () => {
    const { token, userId, login } = await sessionToken();
    const session = await createSession(token);
    expect(session.id).toMatch(/^102\w{25}$/);
    expect(session).toMatchObject({ userId, login, status: "ACTIVE", amr: ["pwd"] });
    expect(session.idp?.type).toBe("OKTA");
    expect(session.lastPasswordVerification).toBeInstanceOf(Date);
    expect(session.lastFactorVerification).toBeNull();
    const lifetime = (session.expiresAt as Date).getTime() - (session.createdAt as Date).getTime();
    expect(lifetime).toBe(TWO_HOURS_MS);
    expect(session._links?.self?.href).toBe(`${h.emulator.url}/api/v1/sessions/${session.id}`);

    const reused = await oktaErrorOf(createSession(token));
    expect([reused.status, reused.errorCode]).toEqual([401, "E0000004"]);
    const forged = await oktaErrorOf(createSession("20111forged"));
    expect([forged.status, forged.errorCode]).toEqual([401, "E0000004"]);
  });

  it("gets, refreshes and revokes a session", async () => {
    const session = await createSession((await sessionToken()).token);
    const sessionId = session.id as string;
    expect((await client.sessionApi.getSession({ sessionId })).id).toBe(sessionId);

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    const refreshed = await client.sessionApi.refreshSession({ sessionId });
    expect((refreshed.expiresAt as Date).getTime()).toBeGreaterThan((session.expiresAt as Date).getTime());
    vi.useRealTimers();

    await client.sessionApi.revokeSession({ sessionId });
    const gone = await oktaErrorOf(client.sessionApi.getSession({ sessionId }));
    expect([gone.status, gone.errorCode]).toEqual([404, "E0000007"]);
    expect(gone.errorSummary).toBe(`Not found: Resource not found: ${sessionId} (Session)`);
    expect((await oktaErrorOf(client.sessionApi.revokeSession({ sessionId }))).status).toBe(404);
  });

  it("ends a session after two hours", async () => {
    const session = await createSession((await sessionToken()).token);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + TWO_HOURS_MS + 1000 });
    const expired = await oktaErrorOf(client.sessionApi.getSession({ sessionId: session.id as string }));
    expect(expired.errorCode).toBe("E0000007");
  });

  it("ends a user's sessions when the user is deactivated", async () => {
    const { token, userId } = await sessionToken();
    const session = await createSession(token);
    await client.userApi.deactivateUser({ userId });
    expect(
      (await oktaErrorOf(client.sessionApi.getSession({ sessionId: session.id as string }))).status,
    ).toBe(404);
  });

  it("reports mfaActive from the user's factors, as Okta's (deprecated) field does", async () => {
    const { token, userId } = await sessionToken();
    await client.userFactorApi.enrollFactor({
      userId,
      body: { factorType: "email", provider: "OKTA" },
      activate: true,
    });
    const raw = await h.fetch("/api/v1/sessions", { json: { sessionToken: token } });
    expect(await bodyOf(raw)).toMatchObject({ mfaActive: true, lastFactorVerification: null });
  });

  it("answered every request as management.yaml declares", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
