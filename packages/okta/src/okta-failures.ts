import { AuthError, fromOktaBody, type OktaErrorBody } from "@authsvc/core";
import { OktaApiError } from "@okta/okta-sdk-nodejs";

/** Seconds a caller should wait before retrying when Okta cannot be reached. */
const RETRY_AFTER_SECONDS = 5;

export function unavailable(): AuthError {
  return new AuthError("SERVICE_UNAVAILABLE", "The identity provider is unreachable; try again", {
    retryAfter: RETRY_AFTER_SECONDS,
  });
}

/**
 * Turns whatever the SDK threw into the service's errors: Okta's refusals keep Okta's
 * body and status (OKTA_ERROR); anything that says Okta could not answer (network,
 * timeout, 5xx) becomes SERVICE_UNAVAILABLE; the rest is left as it is (SERVER_ERROR).
 */
export function toAuthError(error: unknown): unknown {
  if (error instanceof AuthError) return error;
  if (error instanceof OktaApiError) {
    if (error.status >= 500) return unavailable();
    return fromOktaBody(oktaBody(error), error.status, retryAfterOf(error));
  }
  if (error instanceof Error && isUnreachable(error)) return unavailable();
  return error;
}

function oktaBody(error: OktaApiError): OktaErrorBody {
  const errorCode = String(error.errorCode);
  return {
    errorCode,
    errorSummary: error.errorSummary,
    errorLink: error.errorLink ?? errorCode,
    errorId: error.errorId,
    errorCauses: (error.errorCauses ?? []).map((cause) => ({ errorSummary: cause.errorSummary ?? "" })),
  };
}

/** Okta's X-Rate-Limit-Reset (epoch seconds) as a Retry-After, for 429s. */
function retryAfterOf(error: OktaApiError): number | undefined {
  if (error.status !== 429) return undefined;
  const reset = Number(error.headers?.get?.("x-rate-limit-reset"));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  return Math.max(1, Math.ceil(reset - Date.now() / 1000));
}

/**
 * node-fetch's FetchError (refused or reset connections, DNS, its request and body
 * timeouts) and the SDK's HttpError for a 5xx whose body is not JSON (a proxy or load
 * balancer in front of Okta).
 */
function isUnreachable(error: Error & { status?: unknown }): boolean {
  if (error.name === "FetchError") return true;
  return error.name === "HttpError" && typeof error.status === "number" && error.status >= 500;
}
