import type { Client } from "@okta/okta-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createUser,
  type Harness,
  oktaErrorOf,
  PASSWORD,
  postJson,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

interface Transaction {
  status: string;
  stateToken?: string;
  sessionToken?: string;
  expiresAt: string;
  _embedded: {
    user: { id: string; profile: Record<string, string> };
    factors?: {
      id: string;
      factorType: string;
      status?: string;
      enrollment?: string;
      profile: { email: string };
      _links: { verify: { href: string } };
    }[];
    factor?: { id: string };
  };
  _links?: { next?: { href: string } };
}

describe("the Authentication API, through the SDK's http client", () => {
  let h: Harness;
  let client: Client;
  let authnUrl: string;
  const authn = async (body: unknown) => (await postJson(client, authnUrl, body)) as unknown as Transaction;

  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
    authnUrl = `${h.orgUrl}/api/v1/authn`;
  });
  afterAll(() => h.close());

  async function userWithActiveFactor(email = uniqueEmail("mfa")) {
    const user = await createUser(client, email);
    await client.userFactorApi.enrollFactor({
      userId: user.id as string,
      body: { factorType: "email", provider: "OKTA" },
      activate: true,
    });
    return user;
  }

  it("answers SUCCESS with a one-time sessionToken and the user", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const answer = await authn({ username: email.toUpperCase(), password: PASSWORD });
    expect(answer.status).toBe("SUCCESS");
    expect(answer.sessionToken).toMatch(/^20111/);
    expect(Date.parse(answer.expiresAt) - Date.now()).toBeGreaterThan(4 * 60 * 1000);
    expect(answer._embedded.user).toEqual({
      id: user.id,
      passwordChanged: user.passwordChanged?.toISOString(),
      profile: {
        login: email,
        firstName: "Ada",
        lastName: "Lovelace",
        locale: "en_US",
        timeZone: "America/Los_Angeles",
      },
    });
    expect((await client.userApi.getUser({ userId: user.id as string })).lastLogin).toBeInstanceOf(Date);
  });

  it("answers the same 401 E0000004 to a wrong password, an unknown login and an inactive user", async () => {
    const email = uniqueEmail();
    await createUser(client, email);
    const staged = uniqueEmail();
    await client.userApi.createUser({
      body: {
        profile: { firstName: "Ada", lastName: "Lovelace", email: staged, login: staged },
        credentials: { password: { value: PASSWORD } },
      },
      activate: false,
    });
    const errors = await Promise.all(
      [
        { username: email, password: "Wrong-Horse-9" },
        { username: uniqueEmail("nobody"), password: PASSWORD },
        { username: staged, password: PASSWORD },
      ].map((body) => oktaErrorOf(authn(body))),
    );
    for (const error of errors) {
      expect([error.status, error.errorCode, error.errorSummary, error.errorCauses]).toEqual([
        401,
        "E0000004",
        "Authentication failed",
        [],
      ]);
    }
    expect(new Set(errors.map((e) => e.errorId)).size).toBe(3);
  });

  it("answers MFA_REQUIRED when the sign-on policy asks for it, then verifies the emailed code", async () => {
    h.emulator.configure({ mfaRequiredOnAuthn: true });
    try {
      const email = uniqueEmail("mfa");
      const user = await userWithActiveFactor(email);
      const required = await authn({ username: email, password: PASSWORD });
      expect(required.status).toBe("MFA_REQUIRED");
      expect(required.sessionToken).toBeUndefined();
      const [factor] = required._embedded.factors ?? [];
      expect(factor?.factorType).toBe("email");
      const [local] = email.split("@") as [string];
      expect(factor?.profile.email).toBe(`${local[0]}...${local.at(-1)}@example.com`);
      expect(factor?._links.verify.href).toBe(`${h.emulator.url}/api/v1/authn/factors/${factor?.id}/verify`);

      const verifyUrl = `${h.orgUrl}/api/v1/authn/factors/${factor?.id}/verify`;
      const challenge = (await postJson(client, verifyUrl, {
        stateToken: required.stateToken,
      })) as unknown as Transaction;
      expect(challenge.status).toBe("MFA_CHALLENGE");
      expect(challenge._embedded.factor?.id).toBe(factor?.id);
      expect(challenge._links?.next?.href).toBe(factor?._links.verify.href);
      const passCode = await h.inbox.nextCode(email, 0);

      const done = (await postJson(client, verifyUrl, {
        stateToken: required.stateToken,
        passCode,
      })) as unknown as Transaction;
      expect(done.status).toBe("SUCCESS");
      const session = await client.sessionApi.createSession({
        createSessionRequest: { sessionToken: done.sessionToken as string },
      });
      expect(session.userId).toBe(user.id);
      expect(session.amr).toEqual(["pwd", "otp", "mfa"]);
      expect(session.lastFactorVerification).toBeInstanceOf(Date);

      const spent = await oktaErrorOf(
        postJson(client, verifyUrl, { stateToken: required.stateToken, passCode }),
      );
      expect([spent.status, spent.errorCode]).toEqual([401, "E0000011"]);
    } finally {
      h.emulator.configure({ mfaRequiredOnAuthn: false });
    }
  });

  it("answers SUCCESS without MFA when the policy is off or the user has no active factor", async () => {
    const email = uniqueEmail("mfa");
    await userWithActiveFactor(email);
    expect((await authn({ username: email, password: PASSWORD })).status).toBe("SUCCESS");
    h.emulator.configure({ mfaRequiredOnAuthn: true });
    try {
      const plain = uniqueEmail();
      await createUser(client, plain);
      expect((await authn({ username: plain, password: PASSWORD })).status).toBe("SUCCESS");
    } finally {
      h.emulator.configure({ mfaRequiredOnAuthn: false });
    }
  });

  it("answers LOCKED_OUT after 10 wrong passwords when the org shows lockout failures, E0000004 when not", async () => {
    const email = uniqueEmail("locked");
    await createUser(client, email);
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    try {
      // Okta's 4 authn requests per second per username: each try in a second of its own.
      const tryPassword = (password: string) => {
        vi.setSystemTime(Date.now() + 1000);
        return h.fetch("/api/v1/authn", { json: { username: email, password } });
      };
      for (let attempt = 0; attempt < 10; attempt++) expect((await tryPassword("wrong")).status).toBe(401);
      expect((await tryPassword(PASSWORD)).status).toBe(401);
      h.emulator.configure({ showLockoutFailures: true });
      for (const password of [PASSWORD, "wrong"]) {
        const locked = await tryPassword(password);
        expect([locked.status, await locked.json()]).toEqual([200, { status: "LOCKED_OUT" }]);
      }
    } finally {
      h.emulator.configure({ showLockoutFailures: false });
      vi.useRealTimers();
    }
  });

  it("answers MFA_ENROLL, no sessionToken, when the enrolment policy requires a factor the user lacks", async () => {
    h.emulator.configure({ mfaEnrollOnAuthn: true });
    try {
      const email = uniqueEmail("enrol");
      await createUser(client, email);
      const without = await authn({ username: email, password: PASSWORD });
      expect(without).toMatchObject({ status: "MFA_ENROLL", stateToken: expect.any(String) });
      expect(without.sessionToken).toBeUndefined();
      expect(without._embedded.factors).toEqual([
        expect.objectContaining({ factorType: "email", status: "NOT_SETUP", enrollment: "REQUIRED" }),
      ]);
      const withEmail = await userWithActiveFactor();
      const other = await authn({ username: withEmail.profile?.login, password: PASSWORD });
      expect(other._embedded.factors?.map((factor) => factor.factorType)).toEqual(["token:software:totp"]);
    } finally {
      h.emulator.configure({ mfaEnrollOnAuthn: false });
    }
  });

  it("answers 401 E0000011 to an unknown stateToken", async () => {
    const error = await oktaErrorOf(
      postJson(client, `${h.orgUrl}/api/v1/authn/factors/emfWhatever/verify`, { stateToken: "00nope" }),
    );
    expect([error.status, error.errorCode, error.errorSummary]).toEqual([
      401,
      "E0000011",
      "Invalid token provided",
    ]);
  });

  it("takes no API token: the Authentication API is public", async () => {
    const email = uniqueEmail();
    await createUser(client, email);
    const anonymous = await h.fetch("/api/v1/authn", {
      headers: { Authorization: "" },
      json: { username: email, password: PASSWORD },
    });
    expect(anonymous.status).toBe(200);
  });

  it("answered every request as management.yaml and Okta's authn docs declare", {
    timeout: SPEC_CHECK_TIMEOUT_MS,
  }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
