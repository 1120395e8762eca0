import { type AuthError, fromOktaBody } from "@authsvc/core";
import { newErrorId } from "./ids.js";

/** The error codes the emulator answers, with Okta's status and summary (developer.okta.com error codes). */
const CODES = {
  E0000001: [400, "Api validation failed: {0}"],
  E0000003: [400, "The request body was not well-formed."],
  E0000004: [401, "Authentication failed"],
  E0000006: [403, "You do not have permission to perform the requested action"],
  E0000007: [404, "Not found: Resource not found: {0}"],
  E0000008: [404, "The requested path was not found"],
  E0000009: [500, "Internal Server Error"],
  E0000010: [503, "Service is in read only mode"],
  E0000011: [401, "Invalid token provided"],
  E0000022: [405, "The endpoint does not support the provided HTTP method"],
  E0000047: [429, "API call exceeded rate limit due to too many requests."],
  E0000068: [403, "Invalid Passcode/Answer"],
  E0000079: [403, "This operation is not allowed in the current authentication state."],
  E0000118: [429, "An email was recently sent. Please wait 5 seconds before trying again."],
} as const satisfies Record<string, readonly [number, string]>;

export type EmulatedErrorCode = keyof typeof CODES;

export function oktaFailure(
  code: EmulatedErrorCode,
  options: { summary?: string; causes?: string[]; status?: number } = {},
): AuthError {
  const [status, summary] = CODES[code];
  return fromOktaBody(
    {
      errorCode: code,
      errorSummary: options.summary ?? summary,
      errorLink: code,
      errorId: newErrorId(),
      errorCauses: (options.causes ?? []).map((errorSummary) => ({ errorSummary })),
    },
    options.status ?? status,
  );
}

/** E0000001 naming the field as Okta does ("Api validation failed: login"). */
export function validationFailed(field: string, ...causes: string[]): AuthError {
  return oktaFailure("E0000001", { summary: `Api validation failed: ${field}`, causes });
}

export function notFound(id: string, type: "User" | "UserFactor" | "Session"): AuthError {
  return oktaFailure("E0000007", { summary: `Not found: Resource not found: ${id} (${type})` });
}

const OUTAGE_CODES: Record<number, EmulatedErrorCode> = {
  400: "E0000003",
  401: "E0000011",
  403: "E0000006",
  404: "E0000008",
  405: "E0000022",
  429: "E0000047",
  500: "E0000009",
  503: "E0000010",
};

/** What a `failNext` outage answers: the code Okta uses for that status (E0000009 for any other). */
export function outage(status: number): AuthError {
  return oktaFailure(OUTAGE_CODES[status] ?? "E0000009", { status });
}
