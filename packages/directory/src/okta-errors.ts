import { type AuthError, type ErrorReason, oktaError } from "@authsvc/core";

/** Okta's E0000001, its summary naming the field as Okta's does ("Api validation failed: login"). */
export function validationFailed(field: string, cause: string, reason: ErrorReason): AuthError {
  return oktaError("E0000001", { summary: `Api validation failed: ${field}`, causes: [cause], reason });
}

const NOT_FOUND_REASON = {
  User: "user_not_found",
  Session: "session_not_found",
  Factor: "factor_not_found",
} as const satisfies Record<string, ErrorReason>;

/**
 * Okta's E0000007: "Not found: Resource not found: {id} ({type})". A session id is a
 * bearer secret, so unlike Okta the summary never repeats it.
 */
export function notFound(id: string, type: keyof typeof NOT_FOUND_REASON): AuthError {
  const shown = type === "Session" ? "session" : id;
  return oktaError("E0000007", {
    summary: `Not found: Resource not found: ${shown} (${type})`,
    reason: NOT_FOUND_REASON[type],
  });
}
