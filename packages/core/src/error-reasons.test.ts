import { describe, expect, it } from "vitest";
import { AuthError, ERROR_CODES, ERROR_REASONS, type ErrorReason } from "./errors.js";
import {
  EXPIRED_CODE_KEPT_SECONDS,
  MAX_WRONG_CODES_PER_USER,
  MAX_WRONG_TRIES_PER_CODE,
} from "./one-time-codes.js";
import { DEFAULT_RATE_LIMITS, type RateLimits } from "./rate-limiter.js";
import {
  activated,
  ada,
  grace,
  operationsAtTestClock,
  type TestOperations,
  wrongCode,
} from "./test-doubles.js";

const CODE_TTL_MS = 300_000;

/** What a refusal says: the service's code, Okta's code for OKTA_ERROR, and the reason. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; reason: ErrorReason }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError)
      return { code: error.okta?.errorCode ?? error.code, reason: error.reason };
    throw error;
  }
  throw new Error("expected a refusal");
}

/** A registered user whose activation code was mailed. */
async function registered(t: TestOperations) {
  const { userId } = await t.ops.register(ada);
  return { userId, code: t.mailer.lastCode() };
}

const noCodeCheckLimit: RateLimits = {
  ...DEFAULT_RATE_LIMITS,
  codeCheck: { perIp: null, perAccount: null },
};

type Scenario = [
  what: string,
  reason: ErrorReason,
  code: string,
  run: (t: TestOperations) => Promise<unknown>,
  options?: Parameters<typeof operationsAtTestClock>[0],
];

/** Each refusal core raises, through the operations, with the real codes, limiter and tokens. */
const SCENARIOS: Scenario[] = [
  [
    "a wrong code",
    "invalid_code",
    "E0000068",
    async (t) => {
      const { userId, code } = await registered(t);
      return t.ops.activate({ userId, otp: wrongCode(code) });
    },
  ],
  [
    "a code used once already",
    "invalid_code",
    "E0000068",
    async (t) => {
      const person = await activated(t);
      const otp = await person.mailedCode();
      await t.ops.verifyMfa({ userId: person.userId, otp });
      return t.ops.verifyMfa({ userId: person.userId, otp });
    },
  ],
  [
    "a code replaced by a newer one",
    "invalid_code",
    "E0000068",
    async (t) => {
      const { userId, code } = await registered(t);
      await t.ops.activate({ userId });
      if (t.mailer.lastCode() === code) return t.ops.activate({ userId, otp: wrongCode(code) });
      return t.ops.activate({ userId, otp: code });
    },
  ],
  [
    "a code past its lifetime",
    "code_expired",
    "E0000068",
    async (t) => {
      const { userId, code } = await registered(t);
      t.advance(CODE_TTL_MS + 1);
      return t.ops.activate({ userId, otp: code });
    },
  ],
  [
    "a wrong code past its lifetime",
    "code_expired",
    "E0000068",
    async (t) => {
      const { userId, code } = await registered(t);
      t.advance(CODE_TTL_MS + EXPIRED_CODE_KEPT_SECONDS * 1000 - 1);
      return t.ops.activate({ userId, otp: wrongCode(code) });
    },
  ],
  [
    "a code so long past its lifetime that it is forgotten",
    "invalid_code",
    "E0000068",
    async (t) => {
      const { userId, code } = await registered(t);
      t.advance(CODE_TTL_MS + EXPIRED_CODE_KEPT_SECONDS * 1000);
      return t.ops.activate({ userId, otp: code });
    },
  ],
  [
    `the right code after ${MAX_WRONG_TRIES_PER_CODE} wrong ones`,
    "too_many_attempts",
    "E0000047",
    async (t) => {
      const { userId, code } = await registered(t);
      for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
        await t.ops.activate({ userId, otp: wrongCode(code) }).catch(() => undefined);
      }
      return t.ops.activate({ userId, otp: code });
    },
  ],
  [
    `a send after ${MAX_WRONG_CODES_PER_USER} wrong codes in the hour`,
    "too_many_attempts",
    "E0000047",
    async (t) => {
      const { userId } = await registered(t);
      for (let wrong = 0; wrong < MAX_WRONG_CODES_PER_USER; wrong += MAX_WRONG_TRIES_PER_CODE) {
        if (wrong > 0) await t.ops.activate({ userId });
        for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
          await t.ops.activate({ userId, otp: wrongCode(t.mailer.lastCode()) }).catch(() => undefined);
        }
      }
      return t.ops.activate({ userId });
    },
    { limits: noCodeCheckLimit },
  ],
  [
    "a second send within OTP_RESEND_SECONDS",
    "resend_too_soon",
    "E0000118",
    async (t) => t.ops.activate({ userId: (await registered(t)).userId }),
    { resendSeconds: 5 },
  ],
  [
    "a send when mail is down",
    "service_unavailable",
    "SERVICE_UNAVAILABLE",
    async (t) => {
      const { userId } = await registered(t);
      t.mailer.failNext = true;
      return t.ops.activate({ userId });
    },
  ],
  [
    "a code check naming another user's session",
    "session_not_found",
    "E0000007",
    async (t) => {
      const adas = await activated(t, ada);
      const graceSession = await (await activated(t, grace)).logIn();
      return t.ops.verifyMfa({ userId: adas.userId, otp: await adas.mailedCode(), sessionId: graceSession });
    },
  ],
  [
    "a grant for a session that passed no code check",
    "mfa_required",
    "MFA_REQUIRED",
    async (t) => t.ops.issueAuthorizationCode({ sessionId: await (await activated(t)).logIn() }),
  ],
  [
    "an authorization code redeemed twice",
    "invalid_grant",
    "INVALID_GRANT",
    async (t) => {
      const sessionId = await (await activated(t)).logIn();
      const grant = await t.ops.issueAuthorizationCode({ sessionId });
      await t.ops.exchangeCodeForToken(grant);
      return t.ops.exchangeCodeForToken(grant);
    },
    { stepUp: "off" },
  ],
  [
    "an ID token past its ten hours",
    "invalid_token",
    "INVALID_TOKEN",
    async (t) => {
      const sessionId = await (await activated(t)).logIn();
      const { token } = await t.ops.exchangeCodeForToken(await t.ops.issueAuthorizationCode({ sessionId }));
      t.advance(10 * 3600 * 1000);
      return t.ops.verifyIdToken({ token });
    },
    { stepUp: "off" },
  ],
  [
    "an ID token not of this service",
    "invalid_token",
    "INVALID_TOKEN",
    async (t) => t.ops.verifyIdToken({ token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiIwMHUxIn0." }),
  ],
  [
    "an eleventh login for one account within the minute",
    "rate_limited",
    "RATE_LIMITED",
    async (t) => {
      const wrong = { email: ada.email, password: "Wrong-Password-1" };
      for (let i = 0; i < 10; i++) await t.ops.login(wrong).catch(() => undefined);
      return t.ops.login(wrong);
    },
  ],
];

describe("error reasons", () => {
  it.each(SCENARIOS)("%s answers %s (%s)", async (_, reason, code, run, options) => {
    expect(await refusal(run(operationsAtTestClock(options)))).toEqual({ code, reason });
  });

  it("name every code's refusal when nothing more precise is known", () => {
    const reasons = Object.fromEntries(ERROR_CODES.map((code) => [code, new AuthError(code, "").reason]));
    expect(reasons).toEqual({
      VALIDATION_ERROR: "invalid_request",
      INVALID_JSON: "invalid_request",
      PAYLOAD_TOO_LARGE: "payload_too_large",
      UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
      OKTA_ERROR: "server_error",
      INVALID_GRANT: "invalid_grant",
      INVALID_TOKEN: "invalid_token",
      MFA_REQUIRED: "mfa_required",
      RATE_LIMITED: "rate_limited",
      SERVICE_UNAVAILABLE: "service_unavailable",
      SERVER_ERROR: "server_error",
      "404": "not_found",
    });
  });

  it("ride beside the documented fields in the body both doors send", async () => {
    const t = operationsAtTestClock();
    const { userId, code } = await registered(t);
    const wrong = await t.ops.activate({ userId, otp: wrongCode(code) }).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(AuthError);
    expect((wrong as AuthError).toBody()).toEqual({
      error: "OKTA_ERROR",
      reason: "invalid_code",
      errorCode: "E0000068",
      errorSummary: "Invalid Passcode/Answer",
      errorCauses: [{ errorSummary: "Your passcode doesn't match our records. Please try again." }],
      errorId: expect.stringMatching(/^oae[A-Za-z0-9]{22}$/),
    });
    const invalid = new AuthError("VALIDATION_ERROR", "The request is not valid", { details: [] });
    expect(invalid.toBody()).toEqual({
      error: "VALIDATION_ERROR",
      reason: "invalid_request",
      message: "The request is not valid",
      details: [],
    });
    expect(new AuthError("INVALID_GRANT", "The code is unknown, used or expired").toBody()).toEqual({
      error: "INVALID_GRANT",
      reason: "invalid_grant",
      message: "The code is unknown, used or expired",
    });
  });

  it("are a stable list: a reason once answered keeps its name", () => {
    expect(ERROR_REASONS).toEqual([
      "invalid_request",
      "payload_too_large",
      "unsupported_media_type",
      "not_found",
      "invalid_credentials",
      "invalid_code",
      "code_expired",
      "too_many_attempts",
      "resend_too_soon",
      "email_taken",
      "weak_password",
      "user_not_found",
      "factor_not_found",
      "factor_already_active",
      "session_not_found",
      "mfa_required",
      "invalid_grant",
      "invalid_token",
      "rate_limited",
      "service_unavailable",
      "server_error",
      "password_expired",
    ]);
  });
});
