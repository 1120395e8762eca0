import { z } from "zod";
import { ERROR_REASONS, type ErrorReason } from "./error-reasons.js";
import type { ErrorCode } from "./errors.js";

/**
 * The error bodies of `AuthError.toBody()` as zod schemas, for the REST shim's OpenAPI document.
 * error-schemas.test.ts holds them and the ErrorBody type to one shape (each assignable to the other).
 */

/**
 * Added by the request-id middleware to every error body (issue 12): declared here, optional, so
 * that a client generated from the document before it lands keeps working after.
 */
const requestId = z.string().optional().describe("The request's X-Request-Id, to quote in a complaint");

export const errorReason = z.enum(ERROR_REASONS).describe("What an app can act on (ERROR_REASONS)");

export const validationDetail = z.object({
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  type: z.string().describe("Joi's error type, e.g. string.pattern.base, any.required"),
  context: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The rule's label, key and limit; never the value sent"),
});

export const validationErrorBody = z.object({
  error: z.literal("VALIDATION_ERROR"),
  reason: z.literal("invalid_request"),
  message: z.string(),
  details: z.array(validationDetail),
  requestId,
});

export const oktaErrorBody = z.object({
  error: z.literal("OKTA_ERROR"),
  reason: errorReason,
  errorCode: z.string().describe("Okta's error code, e.g. E0000004"),
  errorSummary: z.string(),
  errorCauses: z.array(z.object({ errorSummary: z.string() })),
  errorId: z.string(),
  requestId,
});

type PlainCode = Exclude<ErrorCode, "VALIDATION_ERROR" | "OKTA_ERROR">;

/** The body of every other code: its reason is the code's own (see defaultReason). */
export function plainErrorBody<C extends PlainCode, R extends ErrorReason>(code: C, reason: R) {
  return z.object({ error: z.literal(code), reason: z.literal(reason), message: z.string(), requestId });
}
