import { AuthError, type ErrorReason, fromOktaBody, type OktaErrorBody } from "@authsvc/core";
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
    const body = oktaBody(error);
    return fromOktaBody(body, error.status, {
      retryAfter: retryAfterOf(error),
      reason: reasonOf(body, error.url),
    });
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

/** Okta's words for a login taken, and the field a password refusal names (policy, common or reused password). */
const LOGIN_TAKEN = /^login: An object with this field already exists/;
const PASSWORD_CAUSE = /^password: /;
/** "A factor of this type is already set up." (enrol), "factor: Factor is already active" (activate). */
const FACTOR_ALREADY_ACTIVE = /already set up|already active/;
/** The resource type Okta's E0000007 summary ends with: "Not found: Resource not found: 00u… (User)". */
const NOT_FOUND_REASON = new Map<string, ErrorReason>([
  ["User", "user_not_found"],
  ["Session", "session_not_found"],
  ["UserFactor", "factor_not_found"],
]);

/**
 * What Okta's refusal means to an app, where Okta's errorCode alone does not say it: E0000001 and
 * E0000007 by Okta's own words, E0000047 on a factor's endpoints (Okta stopping the code checks or
 * sends of one user) as too many attempts. Okta answers E0000068 for a wrong and an expired code
 * alike: both are `invalid_code` here. Undefined: the errorCode's reason (see @authsvc/core).
 */
export function reasonOf(body: OktaErrorBody, url: string | undefined): ErrorReason | undefined {
  const causes = body.errorCauses.map((cause) => cause.errorSummary);
  switch (body.errorCode) {
    case "E0000001":
      if (causes.some((cause) => LOGIN_TAKEN.test(cause))) return "email_taken";
      if (causes.some((cause) => PASSWORD_CAUSE.test(cause))) return "weak_password";
      if ([body.errorSummary, ...causes].some((text) => FACTOR_ALREADY_ACTIVE.test(text))) {
        return "factor_already_active";
      }
      return undefined;
    case "E0000007":
      return NOT_FOUND_REASON.get(/\((\w+)\)$/.exec(body.errorSummary)?.[1] ?? "");
    case "E0000047":
      return url?.includes("/factors") ? "too_many_attempts" : undefined;
  }
  return undefined;
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
