import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { AuthError, type ValidationDetail } from "@authsvc/core";
import { REQUEST_ID_HEADER } from "./request-ids.js";
import { everyAnswerHeaders } from "./security-headers.js";

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
    case "FST_ERR_BAD_URL":
      return new AuthError("VALIDATION_ERROR", "The URL's path is not valid percent-encoding", {
        details: [],
      });
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new AuthError("VALIDATION_ERROR", "The URL's path is too long", { status: 414, details: [] });
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

/** The headers a refusal carries: Retry-After, and Okta's X-Rate-Limit-* when a rate limit refused. */
export function errorHeaders(failure: AuthError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (failure.retryAfter !== undefined) headers["retry-after"] = String(failure.retryAfter);
  if (failure.rateLimit) {
    headers["x-rate-limit-limit"] = String(failure.rateLimit.limit);
    headers["x-rate-limit-remaining"] = String(failure.rateLimit.remaining);
    headers["x-rate-limit-reset"] = String(failure.rateLimit.reset);
  }
  return headers;
}

const RAW_ANSWER_HEADERS = Object.entries(everyAnswerHeaders())
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join("");

/**
 * Requests Node cannot parse as HTTP never reach Fastify's handlers; they are answered here, in the
 * service's error shape too, on a connection then closed (Fastify's default answers its own shape).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  answerOnSocket(
    socket,
    error.code === "HPE_HEADER_OVERFLOW"
      ? new AuthError("PAYLOAD_TOO_LARGE", "The request's headers are too large", { status: 431 })
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new AuthError("VALIDATION_ERROR", "The request took too long to arrive", {
            status: 408,
            details: [],
          })
        : new AuthError("VALIDATION_ERROR", "The request is not valid HTTP", { details: [] }),
  );
  socket.destroy(error);
}

/**
 * A refusal written straight to a socket Node's HTTP server no longer answers on; the caller closes
 * it. The request was never parsed, so its id is a new one (no proxy's id can be read).
 */
export function answerOnSocket(socket: Duplex, failure: AuthError): void {
  const requestId = randomUUID();
  const body = JSON.stringify({ ...failure.toBody(), requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status]}\r\ncontent-type: application/json\r\n` +
        `${RAW_ANSWER_HEADERS}${REQUEST_ID_HEADER}: ${requestId}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
}

/** Context keys that describe the rule; others (value, invalids) may hold the password or code sent. */
const SAFE_CONTEXT_KEYS = ["label", "key", "limit"];

function joiDetail(detail: NonNullable<FrameworkError["details"]>[number]): ValidationDetail {
  const context = Object.fromEntries(
    Object.entries(detail.context ?? {}).filter(([key]) => SAFE_CONTEXT_KEYS.includes(key)),
  );
  return { message: detail.message, path: detail.path, type: detail.type, context };
}
