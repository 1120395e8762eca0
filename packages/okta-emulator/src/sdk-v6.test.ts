import { Client, DefaultRequestExecutor } from "okta-sdk-v6";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  API_TOKEN,
  type Harness,
  PASSWORD,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

/**
 * The service this one replaces ran on Okta SDK 6 (@okta/okta-sdk-nodejs 6.x, installed here as
 * `okta-sdk-v6`) against a Classic org. Its flow, with SDK 6's own calls, must still complete against
 * the emulator as `classic`: sign-up with a password, the email factor enrolled and activated by the
 * mailed code, authn, a verify challenge and its code, a session from the sessionToken, the user, and
 * the session ended.
 */
describe("the original service's flow on Okta SDK 6, against the emulator as a Classic org", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness("classic");
    client = new Client({
      orgUrl: h.orgUrl,
      token: API_TOKEN,
      cacheMiddleware: null,
      requestExecutor: new DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
    });
  });
  afterAll(() => h.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  it("signs up, proves the mailbox, signs in with a verified code, reads the user and signs out", async () => {
    const email = uniqueEmail("sdk6");
    const user = await client.createUser(
      {
        profile: { firstName: "Ada", lastName: "Lovelace", email, login: email },
        credentials: { password: { value: PASSWORD } },
      },
      { activate: true },
    );
    expect(user.status).toBe("ACTIVE");

    // SDK 6 types a factor's body without `profile`, which Okta's email factor takes (the address to mail).
    const factor = { factorType: "email", provider: "OKTA", profile: { email } };
    const enrolled = await client.enrollFactor(user.id, factor as Parameters<Client["enrollFactor"]>[1]);
    expect(enrolled.status).toBe("PENDING_ACTIVATION");
    const activation = await h.inbox.nextCode(email, 0);
    const active = await client.activateFactor(user.id, enrolled.id, { passCode: activation });
    expect(active.status).toBe("ACTIVE");

    // SDK 6 has no Authentication API client: the service posted to /api/v1/authn through its http.
    const authn = (await client.http.postJson(`${h.orgUrl}/api/v1/authn`, {
      body: { username: email, password: PASSWORD },
    } as never)) as unknown as { status: string; sessionToken: string };
    expect(authn.status).toBe("SUCCESS");

    // Okta mails one code per user every 5 s: let them pass at once (the emulator runs in this process).
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 6000 });
    const challenge = await client.verifyFactor(user.id, enrolled.id, {});
    expect(challenge.factorResult).toBe("CHALLENGE");
    const code = await h.inbox.nextCode(email, 1);
    const verified = await client.verifyFactor(user.id, enrolled.id, { passCode: code });
    expect(verified.factorResult).toBe("SUCCESS");

    const session = await client.createSession({ sessionToken: authn.sessionToken });
    expect([session.userId, session.status]).toEqual([user.id, "ACTIVE"]);
    expect((await client.getUser(user.id)).profile.login).toBe(email);
    await client.endSession(session.id);
    const ended = await client.getSession(session.id).catch((error: { status?: number }) => error);
    expect(ended).toMatchObject({ status: 404 });
  });

  it("got only answers Okta could give", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
