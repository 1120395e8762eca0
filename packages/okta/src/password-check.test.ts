import { AuthError } from "@authsvc/core";
import { describe, expect, it } from "vitest";
import { readAuthnAnswer } from "./password-check.js";

const user = { id: "00uAda", profile: { login: "ada@example.com" } };

function failsWithE0000004(answer: Parameters<typeof readAuthnAnswer>[0]) {
  let caught: unknown;
  try {
    readAuthnAnswer(answer);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthError);
  expect((caught as AuthError).okta?.errorCode).toBe("E0000004");
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

  it("anything else fails as a wrong password does, saying nothing more", () => {
    failsWithE0000004({ status: "LOCKED_OUT" });
    failsWithE0000004({ status: "LOCKED_OUT", _embedded: { user } });
    failsWithE0000004({ status: "PASSWORD_RESET", _embedded: { user } });
    failsWithE0000004({ status: "SUCCESS", _embedded: { user } });
    failsWithE0000004({ status: "SUCCESS", sessionToken: "201abc" });
  });
});
