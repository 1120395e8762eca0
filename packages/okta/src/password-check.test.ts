import { AuthError } from "@authsvc/core";
import { describe, expect, it } from "vitest";
import { readAuthnAnswer } from "./password-check.js";

const user = { id: "00uAda", profile: { login: "ada@example.com" } };

/** The refusal, which must be E0000004; answers it, for what only the audit log may read. */
function failsWithE0000004(answer: Parameters<typeof readAuthnAnswer>[0]): AuthError {
  let caught: unknown;
  try {
    readAuthnAnswer(answer);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthError);
  expect((caught as AuthError).okta?.errorCode).toBe("E0000004");
  return caught as AuthError;
}

/** The statuses of Okta's Authentication API the emulator does not produce. */
describe("reading an authn answer", () => {
  it("SUCCESS: the sessionToken", () => {
    expect(readAuthnAnswer({ status: "SUCCESS", sessionToken: "201abc", _embedded: { user } })).toEqual({
      kind: "success",
      userId: "00uAda",
      login: "ada@example.com",
      sessionToken: "201abc",
    });
  });

  it("MFA_REQUIRED: whether an email factor is among the user's active ones", () => {
    const factors = [{ factorType: "token:software:totp" }, { factorType: "email" }];
    expect(readAuthnAnswer({ status: "MFA_REQUIRED", _embedded: { user, factors } })).toMatchObject({
      kind: "mfa-required",
      emailFactorActive: true,
    });
    expect(
      readAuthnAnswer({ status: "MFA_REQUIRED", _embedded: { user, factors: [{ factorType: "sms" }] } }),
    ).toMatchObject({ kind: "mfa-required", emailFactorActive: false });
  });

  it("MFA_ENROLL: the password is right and no factor is active", () => {
    expect(readAuthnAnswer({ status: "MFA_ENROLL", _embedded: { user } })).toEqual({
      kind: "mfa-enroll",
      userId: "00uAda",
      login: "ada@example.com",
    });
  });

  it("an expired password (told only after the right one) answers password_expired", () => {
    expect(() => readAuthnAnswer({ status: "PASSWORD_EXPIRED", _embedded: { user } })).toThrow(
      expect.objectContaining({ status: 403, reason: "password_expired" }),
    );
  });

  it("marks LOCKED_OUT as a lock for the audit log, and nothing else as one, in an answer that is the same", () => {
    const locked = failsWithE0000004({ status: "LOCKED_OUT", _embedded: { user } });
    const other = failsWithE0000004({ status: "PASSWORD_RESET", _embedded: { user } });
    expect([locked.lockedOut, other.lockedOut]).toEqual([true, false]);
    const { errorId: _a, ...lockedBody } = locked.toBody() as { errorId: string };
    const { errorId: _b, ...otherBody } = other.toBody() as { errorId: string };
    expect(lockedBody).toEqual(otherBody);
  });

  it("anything else fails as a wrong password does, saying nothing more", () => {
    failsWithE0000004({ status: "LOCKED_OUT" });
    failsWithE0000004({ status: "LOCKED_OUT", _embedded: { user } });
    failsWithE0000004({ status: "PASSWORD_RESET", _embedded: { user } });
    failsWithE0000004({ status: "SUCCESS", _embedded: { user } });
    failsWithE0000004({ status: "SUCCESS", sessionToken: "201abc" });
  });
});
