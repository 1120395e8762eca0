import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthError } from "../errors.js";
import { DEFAULT_RATE_LIMITS } from "../rate-limiter.js";
import { activated, ada, grace, operationsAtTestClock, wrongCode } from "../test-doubles.js";

/** The service's code of a refusal, with Okta's code for OKTA_ERROR. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error.okta?.errorCode ?? error.code;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the operations, below any door", () => {
  it("run the documented flow: register, activate, login, code check, user, grant, token, verify, logout", async () => {
    const s = operationsAtTestClock();
    const { userId } = await s.ops.register(ada);
    expect(s.mailer.sent.map((mail) => mail.to)).toEqual([ada.email]);
    expect(await s.ops.login({ email: ada.email, password: ada.password })).toEqual({ userId });

    await s.ops.activate({ userId, otp: s.mailer.lastCode() });
    const session = await s.ops.login({ email: ada.email, password: ada.password });
    if (!("id" in session)) throw new Error("expected a session");
    await s.ops.verifyMfa({ userId });
    await s.ops.verifyMfa({ userId, otp: s.mailer.lastCode(), sessionId: session.id });

    expect(await s.ops.currentUser({ sessionId: session.id })).toMatchObject({ id: userId });
    const { code } = await s.ops.issueAuthorizationCode({ sessionId: session.id });
    const { token } = await s.ops.exchangeCodeForToken({ code });
    expect(await s.ops.verifyIdToken({ token })).toMatchObject({ sub: userId, email: ada.email, aud: "app" });
    expect(await s.ops.logout({ sessionId: session.id })).toEqual({ success: true });
    expect(await refusal(s.ops.currentUser({ sessionId: session.id }))).toBe("E0000007");
  });

  it("hands the caller's IP and User-Agent to the provider's password check, code send and code check", async () => {
    const s = operationsAtTestClock();
    const person = await activated(s);
    const caller = { clientIp: "198.51.100.7", userAgent: "Browser/1.0" };
    await s.ops.login({ email: ada.email, password: ada.password }, caller);
    await s.ops.verifyMfa({ userId: person.userId }, caller);
    await s.ops.verifyMfa({ userId: person.userId, otp: s.mailer.lastCode() }, caller);
    expect(s.idp.callers.slice(-3)).toEqual([
      { call: "checkPassword", caller },
      { call: "challengeEmailFactor", caller },
      { call: "verifyEmailFactor", caller },
    ]);
  });

  it("leaves no user behind when the first code cannot be mailed", async () => {
    const s = operationsAtTestClock();
    s.mailer.failNext = true;
    expect(await refusal(s.ops.register(ada))).toBe("SERVICE_UNAVAILABLE");
    expect(await s.ops.register(ada)).toEqual({ userId: expect.any(String) });
  });

  it("voids the old activation code when a fresh one is asked for", async () => {
    const s = operationsAtTestClock();
    const { userId } = await s.ops.register(ada);
    const first = s.mailer.lastCode();
    await s.ops.activate({ userId });
    expect(await refusal(s.ops.activate({ userId, otp: first }))).toBe("E0000068");
    expect(await s.ops.activate({ userId, otp: s.mailer.lastCode() })).toEqual({ success: true });
  });

  describe("step-up (SSO_REQUIRE_MFA=session, the default)", () => {
    it("grants only to the session a passed code check named", async () => {
      const s = operationsAtTestClock();
      const person = await activated(s);
      const attackers = await person.logIn();
      const owners = await person.logIn();
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId: owners }))).toBe("MFA_REQUIRED");

      await s.ops.verifyMfa({ userId: person.userId, otp: await person.mailedCode(), sessionId: owners });

      expect(await s.ops.issueAuthorizationCode({ sessionId: owners })).toEqual({ code: expect.any(String) });
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId: attackers }))).toBe("MFA_REQUIRED");
      const later = await person.logIn();
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId: later }))).toBe("MFA_REQUIRED");
    });

    it("counts a check that names no session for none", async () => {
      const s = operationsAtTestClock();
      const person = await activated(s);
      const sessionId = await person.logIn();
      await s.ops.verifyMfa({ userId: person.userId, otp: await person.mailedCode() });
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId }))).toBe("MFA_REQUIRED");
    });

    it("answers another user's session as unknown, before the code is spent", async () => {
      const s = operationsAtTestClock();
      const adas = await activated(s, ada);
      const graces = await activated(s, grace);
      const graceSession = await graces.logIn();
      const otp = await adas.mailedCode();
      expect(await refusal(s.ops.verifyMfa({ userId: adas.userId, otp, sessionId: graceSession }))).toBe(
        "E0000007",
      );
      expect(await refusal(s.ops.verifyMfa({ userId: adas.userId, otp, sessionId: "102unknown" }))).toBe(
        "E0000007",
      );
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId: graceSession }))).toBe("MFA_REQUIRED");
      const adaSession = await adas.logIn();
      await s.ops.verifyMfa({ userId: adas.userId, otp, sessionId: adaSession });
      expect(await s.ops.issueAuthorizationCode({ sessionId: adaSession })).toEqual({
        code: expect.any(String),
      });
    });

    it("does not step up a session on a wrong code", async () => {
      const s = operationsAtTestClock();
      const person = await activated(s);
      const sessionId = await person.logIn();
      const otp = await person.mailedCode();
      const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, "0");
      expect(await refusal(s.ops.verifyMfa({ userId: person.userId, otp: wrong, sessionId }))).toBe(
        "E0000068",
      );
      expect(await refusal(s.ops.issueAuthorizationCode({ sessionId }))).toBe("MFA_REQUIRED");
    });
  });

  it("under the user rule, counts a check for the user's sessions opened before it, not after", async () => {
    const s = operationsAtTestClock({ stepUp: "user" });
    const person = await activated(s);
    const older = await person.logIn();
    s.advance(1000);
    await s.ops.verifyMfa({ userId: person.userId, otp: await person.mailedCode() });
    s.advance(1000);
    const newer = await person.logIn();
    expect(await s.ops.issueAuthorizationCode({ sessionId: older })).toEqual({ code: expect.any(String) });
    expect(await refusal(s.ops.issueAuthorizationCode({ sessionId: newer }))).toBe("MFA_REQUIRED");
  });

  it("with step-up off, grants to a password-only session", async () => {
    const s = operationsAtTestClock({ stepUp: "off" });
    const sessionId = await (await activated(s)).logIn();
    expect(await s.ops.issueAuthorizationCode({ sessionId })).toEqual({ code: expect.any(String) });
  });

  it("redeems a grant code once, within its lifetime, for the session's user", async () => {
    const s = operationsAtTestClock({ stepUp: "off" });
    const sessionId = await (await activated(s)).logIn();
    const { code } = await s.ops.issueAuthorizationCode({ sessionId });
    await s.ops.exchangeCodeForToken({ code });
    expect(await refusal(s.ops.exchangeCodeForToken({ code }))).toBe("INVALID_GRANT");
    const late = await s.ops.issueAuthorizationCode({ sessionId });
    s.advance(61_000);
    expect(await refusal(s.ops.exchangeCodeForToken(late))).toBe("INVALID_GRANT");
  });

  describe("a code bound to a client, a redirect URI and a PKCE challenge (RFC 6749 4.1.3, RFC 7636)", () => {
    const verifier = "a-verifier-of-forty-three-characters-or-more-0123456789";
    const binding = {
      clientId: "app",
      redirectUri: "https://app.example/cb",
      codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
      codeChallengeMethod: "S256" as const,
    };
    const redemption = { clientId: "app", redirectUri: "https://app.example/cb", codeVerifier: verifier };

    it("is redeemed only with the same client, redirect URI and the challenge's verifier", async () => {
      const s = operationsAtTestClock({ stepUp: "off" });
      const sessionId = await (await activated(s)).logIn();
      const boundCode = async () => (await s.ops.issueAuthorizationCode({ sessionId, ...binding })).code;
      for (const wrong of [
        { ...redemption, clientId: "other" },
        { ...redemption, clientId: undefined },
        { ...redemption, redirectUri: "https://app.example/other" },
        { ...redemption, codeVerifier: undefined },
        { ...redemption, codeVerifier: `${verifier}x` },
      ]) {
        expect(await refusal(s.ops.exchangeCodeForToken({ code: await boundCode(), ...wrong }))).toBe(
          "INVALID_GRANT",
        );
      }
      const { token } = await s.ops.exchangeCodeForToken({ code: await boundCode(), ...redemption });
      expect(await s.ops.verifyIdToken({ token })).toMatchObject({ azp: "app" });
      // A verifier for a code that had no challenge: a PKCE downgrade (RFC 9700 2.1.1).
      const unbound = await s.ops.issueAuthorizationCode({ sessionId });
      expect(await refusal(s.ops.exchangeCodeForToken({ ...unbound, codeVerifier: verifier }))).toBe(
        "INVALID_GRANT",
      );
    });

    it("voids the token issued from it when the code is replayed (RFC 6749 4.1.2)", async () => {
      const s = operationsAtTestClock({ stepUp: "off" });
      const sessionId = await (await activated(s)).logIn();
      const { code } = await s.ops.issueAuthorizationCode({ sessionId, ...binding });
      const { token } = await s.ops.exchangeCodeForToken({ code, ...redemption });
      expect(await s.ops.verifyIdToken({ token })).toMatchObject({ azp: "app" });

      expect(await refusal(s.ops.exchangeCodeForToken({ code, ...redemption }))).toBe("INVALID_GRANT");
      expect(await refusal(s.ops.verifyIdToken({ token }))).toBe("INVALID_TOKEN");
    });
  });

  it("refuses an ID token once its ten hours are over", async () => {
    const s = operationsAtTestClock({ stepUp: "off" });
    const sessionId = await (await activated(s)).logIn();
    const { token } = await s.ops.exchangeCodeForToken(await s.ops.issueAuthorizationCode({ sessionId }));
    s.advance(10 * 3600 * 1000);
    expect(await refusal(s.ops.verifyIdToken({ token }))).toBe("INVALID_TOKEN");
  });

  it("counts only the sends that mailed: a resend refused as too soon is not charged", async () => {
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      codeSend: { perIp: null, perAccount: { limit: 2, windowSeconds: 86_400 } },
    };
    const s = operationsAtTestClock({ resendSeconds: 5, limits });
    const { userId } = await s.ops.register(ada);
    s.advance(5000);
    await s.ops.activate({ userId });
    for (let click = 0; click < 5; click++)
      expect(await refusal(s.ops.activate({ userId }))).toBe("E0000118");
    s.advance(5000);
    await s.ops.activate({ userId });
    s.advance(5000);
    expect(await refusal(s.ops.activate({ userId }))).toBe("RATE_LIMITED");
    expect(s.mailer.sent).toHaveLength(3);
  });

  it("limits in-process callers per account, as the doors are", async () => {
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      login: { perIp: null, perAccount: { limit: 2, windowSeconds: 60 } },
    };
    const s = operationsAtTestClock({ limits });
    const wrong = { email: ada.email, password: "Wrong-Password-1" };
    expect(await refusal(s.ops.login(wrong))).toBe("E0000004");
    expect(await refusal(s.ops.login(wrong))).toBe("E0000004");
    expect(await refusal(s.ops.login({ ...wrong, email: "ADA@example.com" }))).toBe("RATE_LIMITED");
  });
});

describe("security events", () => {
  const caller = { clientIp: "198.51.100.7", requestId: "req-1", door: "rest" };

  it("tells one event per step of the documented flow, with the caller, and no secret", async () => {
    const s = operationsAtTestClock();
    const { userId } = await s.ops.register(ada, caller);
    await s.ops.login({ email: ada.email, password: ada.password }, caller);
    await s.ops.activate({ userId, otp: s.mailer.lastCode() }, caller);
    const session = await s.ops.login({ email: ada.email, password: ada.password }, caller);
    if (!("id" in session)) throw new Error("expected a session");
    await s.ops.verifyMfa({ userId }, caller);
    await s.ops.verifyMfa({ userId, otp: s.mailer.lastCode(), sessionId: session.id }, caller);
    const { code } = await s.ops.issueAuthorizationCode({ sessionId: session.id }, caller);
    const { token } = await s.ops.exchangeCodeForToken({ code }, caller);
    await s.ops.verifyIdToken({ token }, caller);
    await s.ops.currentUser({ sessionId: session.id }, caller);
    await s.ops.logout({ sessionId: session.id }, caller);
    expect(s.events.recorded.map(({ event }) => event)).toEqual([
      { event: "registered", userId },
      { event: "code.sent", userId, purpose: "activation" },
      { event: "login.succeeded", userId, sessionOpened: false },
      { event: "activated", userId },
      { event: "login.succeeded", userId, sessionOpened: true },
      { event: "code.sent", userId, purpose: "verification" },
      { event: "code.passed", userId, purpose: "verification", sessionSteppedUp: true },
      { event: "grant.issued", userId },
      { event: "token.issued", userId },
      { event: "session.ended" },
    ]);
    expect(s.events.recorded.every((recorded) => recorded.caller === caller)).toBe(true);
    const told = JSON.stringify(s.events.recorded);
    for (const secret of [ada.password, session.id, code, token]) expect(told).not.toContain(secret);
  });

  it("tells each refusal: wrong password, wrong and voided code, step-up, replayed grant, rate limit", async () => {
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      login: { perIp: { limit: 2, windowSeconds: 60 }, perAccount: null },
    };
    const s = operationsAtTestClock({ limits });
    const person = await activated(s);
    const sessionId = await person.logIn();
    await s.ops.login({ email: ada.email, password: "Wrong-Password-1" }, caller).catch(() => undefined);
    await s.ops.issueAuthorizationCode({ sessionId }, caller).catch(() => undefined);
    const otp = await person.mailedCode();
    for (let i = 0; i < 6; i++) {
      await s.ops
        .verifyMfa({ userId: person.userId, otp: wrongCode(otp), sessionId }, caller)
        .catch(() => undefined);
    }
    await s.ops.exchangeCodeForToken({ code: "never-issued" }, caller).catch(() => undefined);
    await s.ops.login({ email: ada.email, password: ada.password }, caller).catch(() => undefined);
    await s.ops.login({ email: ada.email, password: ada.password }, caller).catch(() => undefined);
    const { userId } = person;
    expect(s.events.recorded.filter((r) => r.caller === caller).map(({ event }) => event)).toEqual([
      { event: "login.failed" },
      { event: "stepup.refused", userId },
      ...Array(5).fill({ event: "code.failed", userId, purpose: "verification", reason: "invalid_code" }),
      { event: "code.voided", userId, purpose: "verification" },
      { event: "grant.replayed" },
      { event: "login.succeeded", userId, sessionOpened: true },
      { event: "rate.limited", action: "login", scope: "ip" },
    ]);
  });
});
