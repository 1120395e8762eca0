import { randomBytes } from "node:crypto";
import { fromOktaBody, oktaError } from "@authsvc/core";

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

/** Reads an authn answer. Any other status (LOCKED_OUT, PASSWORD_EXPIRED, ...) fails as the embedded directory fails a user who is not active: E0000004. */
export function readAuthnAnswer(answer: AuthnAnswer): AuthnOutcome {
  const user = answer._embedded?.user;
  const userId = user?.id;
  const login = user?.profile?.login;
  if (!userId || !login) throw oktaError("E0000004");
  switch (answer.status) {
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
 * This service checks the email code itself (mfa/verify) after login; an org whose
 * sign-on policy also asks for a factor inside authn never hands out the sessionToken a
 * session is opened with, and the user's code cannot be asked for at that point of login.
 */
export function mfaRequiredAtAuthn() {
  return fromOktaBody(
    {
      errorCode: "E0000079",
      errorSummary: "This operation is not allowed in the current authentication state.",
      errorLink: "E0000079",
      errorId: `oae${randomBytes(17).toString("base64url").replace(/[-_]/g, "0").slice(0, 22)}`,
      errorCauses: [
        {
          errorSummary:
            "The Okta org's sign-on policy requires a second factor at password check (authn answered MFA_REQUIRED). " +
            "This service verifies the email factor itself after login: the policy for this service must not require MFA at authn.",
        },
      ],
    },
    403,
  );
}
