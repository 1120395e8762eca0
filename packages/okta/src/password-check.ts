import { type ErrorReason, fromOktaBody, newErrorId, oktaError } from "@authsvc/core";

/**
 * The part of an answer of Okta's Authentication API (POST /api/v1/authn) this service
 * reads. The SDK has no model for it (the API has no OpenAPI spec), so it is read here.
 */
export interface AuthnAnswer {
  status?: string;
  sessionToken?: string;
  _embedded?: {
    user?: { id?: string; profile?: { login?: string } };
    factors?: { factorType?: string; status?: string }[];
  };
}

/** What an authn answer says, before the email factor is looked at. */
export type AuthnOutcome =
  /** Password right, a sessionToken to open a session with. */
  | { kind: "success"; userId: string; login: string; sessionToken: string }
  /**
   * Password right, but the org's sign-on policy asks for a factor inside authn before
   * any sessionToken: `_embedded.factors` lists the user's active factors.
   */
  | { kind: "mfa-required"; userId: string; login: string; emailFactorActive: boolean }
  /** Password right; the policy asks the user to enrol a factor first: none is active. */
  | { kind: "mfa-enroll"; userId: string; login: string };

/**
 * Reads an authn answer (statuses: Okta's Authentication API reference, "Transaction state").
 * LOCKED_OUT (which Okta sends only when the org shows lockout failures; by default a locked user
 * gets E0000004) fails as a wrong password does, as the embedded directory answers a locked login:
 * the answer must not tell an attacker that guessing has locked the account (SECURITY.md, account
 * enumeration). PASSWORD_EXPIRED comes only after the right password: see passwordExpired.
 * Any other status (PASSWORD_RESET, RECOVERY, ...) fails as E0000004, as a user who is not active.
 */
export function readAuthnAnswer(answer: AuthnAnswer): AuthnOutcome {
  if (answer.status === "LOCKED_OUT") throw oktaError("E0000004", { lockedOut: true });
  const user = answer._embedded?.user;
  const userId = user?.id;
  const login = user?.profile?.login;
  if (!userId || !login) throw oktaError("E0000004");
  switch (answer.status) {
    case "PASSWORD_EXPIRED":
      throw passwordExpired();
    case "SUCCESS":
      if (!answer.sessionToken) throw oktaError("E0000004");
      return { kind: "success", userId, login, sessionToken: answer.sessionToken };
    case "MFA_REQUIRED": {
      const factors = answer._embedded?.factors ?? [];
      const emailFactorActive = factors.some(
        (factor) => factor.factorType === "email" && (factor.status ?? "ACTIVE") === "ACTIVE",
      );
      return { kind: "mfa-required", userId, login, emailFactorActive };
    }
    case "MFA_ENROLL":
      return { kind: "mfa-enroll", userId, login };
    default:
      throw oktaError("E0000004");
  }
}

/**
 * The password was right but Okta says it has expired (an admin expired it, or the password
 * policy's maximum age passed). This service has no password change: the user changes it in
 * Okta (its sign-in page or the app the org uses), then logs in. Told only to whoever knew the
 * password, so it reveals nothing to a guesser.
 */
export function passwordExpired() {
  return notAllowedInAuthnState("The password has expired: change it in Okta, then log in again.", {
    reason: "password_expired",
  });
}

/**
 * This service checks the email code itself (mfa/verify) after login; an org whose
 * sign-on policy also asks for a factor inside authn never hands out the sessionToken a
 * session is opened with, and the user's code cannot be asked for at that point of login.
 */
export function mfaRequiredAtAuthn() {
  return notAllowedInAuthnState(
    "The Okta org's sign-on policy requires a second factor at password check (authn answered MFA_REQUIRED). " +
      "This service verifies the email factor itself after login: the policy for this service must not require MFA at authn.",
  );
}

/**
 * The org's policy asks a user whose email factor is active and proven to enrol another factor
 * inside authn (MFA_ENROLL): no sessionToken comes of it, and this service cannot enrol one.
 */
export function mfaEnrollAtAuthn() {
  return notAllowedInAuthnState(
    "The Okta org's enrolment policy requires enrolling another factor at password check (authn answered MFA_ENROLL). " +
      "This service uses the email factor only: the policy for this service must not require other factors.",
  );
}

/** Okta's E0000079 (403), with the cause that says what this service needs of the org. */
function notAllowedInAuthnState(cause: string, options: { reason?: ErrorReason } = {}) {
  return fromOktaBody(
    {
      errorCode: "E0000079",
      errorSummary: "This operation is not allowed in the current authentication state.",
      errorLink: "E0000079",
      errorId: newErrorId(),
      errorCauses: [{ errorSummary: cause }],
    },
    403,
    options,
  );
}
