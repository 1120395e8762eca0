import { type AuthError, oktaError } from "@authsvc/core";

/** Okta's E0000001, its summary naming the field as Okta's does ("Api validation failed: login"). */
export function validationFailed(field: string, cause: string): AuthError {
  return oktaError("E0000001", { summary: `Api validation failed: ${field}`, causes: [cause] });
}

/**
 * Okta's E0000007: "Not found: Resource not found: {id} ({type})". A session id is a
 * bearer secret, so unlike Okta the summary never repeats it.
 */
export function notFound(id: string, type: "User" | "Session" | "Factor"): AuthError {
  const shown = type === "Session" ? "session" : id;
  return oktaError("E0000007", { summary: `Not found: Resource not found: ${shown} (${type})` });
}
