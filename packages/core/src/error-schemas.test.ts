import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { defaultReason } from "./error-reasons.js";
import { oktaErrorBody, plainErrorBody, validationErrorBody } from "./error-schemas.js";
import { AuthError, ERROR_CODES, type ErrorBody, type ErrorCode, oktaError } from "./errors.js";

type SchemaBody =
  | z.output<typeof validationErrorBody>
  | z.output<typeof oktaErrorBody>
  | z.output<ReturnType<typeof plainErrorBody>>;

/**
 * Every body the schemas allow is an ErrorBody (checked by the compiler). The other way round,
 * the schemas are narrower: they fix each plain code's reason, as AuthError's constructor does.
 */
const asErrorBody = (body: SchemaBody): ErrorBody => body;

function schemaOf(code: ErrorCode) {
  if (code === "VALIDATION_ERROR") return validationErrorBody;
  if (code === "OKTA_ERROR") return oktaErrorBody;
  return plainErrorBody(code, defaultReason(code, undefined));
}

describe("the error body schemas", () => {
  it("hold every body AuthError sends, field for field", () => {
    const failures = ERROR_CODES.map((code) =>
      code === "OKTA_ERROR"
        ? oktaError("E0000004", { causes: ["a cause"] })
        : new AuthError(code, "refused", code === "VALIDATION_ERROR" ? { details: [] } : {}),
    );
    for (const failure of failures) {
      const body = failure.toBody();
      expect(asErrorBody(schemaOf(failure.code).strict().parse(body))).toEqual(body);
    }
  });

  it("refuse a body of another code, or without its reason", () => {
    const body = new AuthError("INVALID_GRANT", "refused").toBody();
    expect(schemaOf("INVALID_TOKEN").safeParse(body).success).toBe(false);
    expect(schemaOf("INVALID_GRANT").safeParse({ ...body, reason: undefined }).success).toBe(false);
  });
});
