import type { ErrorCode, OktaErrorBody, OktaErrorCode } from "./errors.js";

/**
 * What an app can act on, beside the error code: one stable name per thing the user or the app
 * should do differently. Only ever added to; a reason once answered keeps its meaning.
 */
export const ERROR_REASONS = [
  /** The input broke its schema, or was not JSON: fix the request (`details` says where). */
  "invalid_request",
  "payload_too_large",
  "unsupported_media_type",
  /** No such endpoint or procedure. */
  "not_found",
  /** Wrong password, unknown email, or a locked login: one answer for all three, on purpose. */
  "invalid_credentials",
  /** The code is wrong, used, or replaced by a newer one (with Okta: or expired). */
  "invalid_code",
  /** The code's lifetime is over: ask for a new one (embedded directory only: Okta does not say). */
  "code_expired",
  /** Too many wrong codes: ask for a new code, or wait for Retry-After. */
  "too_many_attempts",
  /** A code was mailed moments ago: wait for it, or for Retry-After. */
  "resend_too_soon",
  "email_taken",
  /** The password breaks the password policy (`errorCauses` says how). */
  "weak_password",
  /** The user id is unknown (deleted, or never existed). */
  "user_not_found",
  /** The user has no email factor in the state asked for: activate it first. */
  "factor_not_found",
  /** The email factor is already active: log in. */
  "factor_already_active",
  /** The session is unknown, ended or expired: log in again. */
  "session_not_found",
  /** The session has not passed a code check: mfa/verify with its sessionId. */
  "mfa_required",
  /** The authorization code is unknown, used or expired: ask for a new grant. */
  "invalid_grant",
  /** The ID token is forged, altered, expired or not this service's. */
  "invalid_token",
  /** Too many requests: wait for Retry-After. */
  "rate_limited",
  /** A dependency failed: retry after Retry-After. */
  "service_unavailable",
  /** Anything the app cannot act on: the service, or its Okta org, is at fault. */
  "server_error",
  /** With Okta: the password was right but has expired; change it in Okta, then log in. */
  "password_expired",
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number];

/** The reason of every code but OKTA_ERROR, whose reason depends on what Okta refused. */
const REASON_BY_CODE: Record<Exclude<ErrorCode, "OKTA_ERROR">, ErrorReason> = {
  VALIDATION_ERROR: "invalid_request",
  INVALID_JSON: "invalid_request",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
  INVALID_GRANT: "invalid_grant",
  INVALID_TOKEN: "invalid_token",
  MFA_REQUIRED: "mfa_required",
  RATE_LIMITED: "rate_limited",
  SERVICE_UNAVAILABLE: "service_unavailable",
  SERVER_ERROR: "server_error",
  "404": "not_found",
};

/**
 * The reason of an Okta error code when nothing more precise is known. E0000001 and E0000007 cover
 * several reasons (login taken, weak password, factor already set up; user, session or factor not
 * found): whoever raises them names the reason (`oktaError`'s `reason`), and the Okta provider reads
 * it from Okta's words. Any other code Okta answers (a sign-on policy this service cannot work
 * with, a permission the API token lacks) is the org's or the service's fault: server_error.
 */
const REASON_BY_OKTA_CODE: Record<OktaErrorCode, ErrorReason> = {
  E0000001: "invalid_request",
  E0000004: "invalid_credentials",
  E0000007: "not_found",
  // Okta refused the service's API token: nothing the app can fix.
  E0000011: "server_error",
  E0000047: "rate_limited",
  E0000068: "invalid_code",
  E0000082: "invalid_code",
  E0000118: "resend_too_soon",
};

export function defaultReason(code: ErrorCode, okta: OktaErrorBody | undefined): ErrorReason {
  if (code !== "OKTA_ERROR") return REASON_BY_CODE[code];
  if (!okta || !Object.hasOwn(REASON_BY_OKTA_CODE, okta.errorCode)) return "server_error";
  return REASON_BY_OKTA_CODE[okta.errorCode as OktaErrorCode];
}
