import { AuthError, type ValidationDetail } from "@authsvc/core";

interface FrameworkError {
  code?: string;
  statusCode?: number;
  isJoi?: boolean;
  details?: { message: string; path: (string | number)[]; type: string; context?: Record<string, unknown> }[];
}

/** Any failure, from an operation, Joi or Fastify, as the service's error; unknown ones become SERVER_ERROR. */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const failure = (error ?? {}) as FrameworkError;
  if (failure.isJoi && failure.details) {
    return new AuthError("VALIDATION_ERROR", "The request is not valid", {
      details: failure.details.map(joiDetail),
    });
  }
  switch (failure.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AuthError("PAYLOAD_TOO_LARGE", "The request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AuthError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AuthError("INVALID_JSON", "The body is empty; send a JSON object");
  }
  if (error instanceof SyntaxError || failure.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return new AuthError("INVALID_JSON", "The body is not valid JSON");
  }
  if (failure.statusCode === 413) return new AuthError("PAYLOAD_TOO_LARGE", "The request body is too large");
  if (failure.statusCode !== undefined && failure.statusCode >= 400 && failure.statusCode < 500) {
    return new AuthError("VALIDATION_ERROR", "The request is not valid", {
      status: failure.statusCode,
      details: [],
    });
  }
  return new AuthError("SERVER_ERROR", "Something went wrong on our side");
}

/** Context keys that describe the rule; others (value, invalids) may hold the password or code sent. */
const SAFE_CONTEXT_KEYS = ["label", "key", "limit"];

function joiDetail(detail: NonNullable<FrameworkError["details"]>[number]): ValidationDetail {
  const context = Object.fromEntries(
    Object.entries(detail.context ?? {}).filter(([key]) => SAFE_CONTEXT_KEYS.includes(key)),
  );
  return { message: detail.message, path: detail.path, type: detail.type, context };
}
