import {
  AuthError,
  type Caller,
  type ErrorBody,
  type Operations,
  type ValidationDetail,
} from "@authsvc/core";
import { initTRPC, type TRPCError } from "@trpc/server";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { toAuthError } from "../errors.js";

export interface Context {
  ops: Operations;
  /** The HTTP request a call came in on, as the operations' caller; absent for in-process calls (createCaller). */
  caller?: Caller | undefined;
  reply?: { header(name: string, value: string): unknown } | undefined;
}

/**
 * `retryAfter`: seconds to wait, as the Retry-After header says (a 429 or a 503); `requestId`: the
 * request's X-Request-Id, to quote when reporting the error (absent for in-process calls).
 */
export type ServiceErrorData = ErrorBody & {
  httpStatus: number;
  path?: string;
  retryAfter?: number;
  requestId?: string;
};

/** The service's error, whether an operation threw it or tRPC refused the input or the call. */
export function serviceError(error: TRPCError): AuthError {
  if (error.cause instanceof AuthError) return error.cause;
  const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
  if (error.code === "BAD_REQUEST" && Array.isArray(issues)) {
    return new AuthError("VALIDATION_ERROR", "The request is not valid", { details: issues.map(zodDetail) });
  }
  if (error.cause instanceof SyntaxError) return new AuthError("INVALID_JSON", "The input is not valid JSON");
  switch (error.code) {
    case "PARSE_ERROR":
      return new AuthError("INVALID_JSON", "The input is not valid JSON");
    case "NOT_FOUND":
      return new AuthError("404", "No such procedure");
    case "PAYLOAD_TOO_LARGE":
      return new AuthError("PAYLOAD_TOO_LARGE", "The request body is too large");
    case "UNSUPPORTED_MEDIA_TYPE":
      return new AuthError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
    case "METHOD_NOT_SUPPORTED":
    case "BAD_REQUEST":
      return new AuthError("VALIDATION_ERROR", error.message, {
        status: error.code === "BAD_REQUEST" ? 400 : 405,
        details: [],
      });
  }
  return toAuthError(error.cause ?? error);
}

/** A zod issue in the shape of Joi's detail, so both doors describe bad input alike. */
function zodDetail(issue: { message: string; path?: PropertyKey[]; code?: string }): ValidationDetail {
  const path = (issue.path ?? []).map((key) => (typeof key === "number" ? key : String(key)));
  return {
    message: issue.message,
    path,
    type: issue.code ?? "invalid",
    context: { key: path.at(-1), label: path.join(".") },
  };
}

/** The tRPC error key for each status the service answers. */
const TRPC_KEY_BY_STATUS: Partial<Record<number, TRPC_ERROR_CODE_KEY>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
};

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, path, ctx }): typeof shape & { data: ServiceErrorData } {
    const failure = serviceError(error);
    // tRPC names an error thrown by a procedure INTERNAL_SERVER_ERROR; ours carry their status.
    const key = TRPC_KEY_BY_STATUS[failure.status] ?? shape.data.code;
    return {
      ...shape,
      code: TRPC_ERROR_CODES_BY_KEY[key],
      message: failure.message,
      data: {
        ...failure.toBody(),
        httpStatus: failure.status,
        ...(failure.retryAfter === undefined ? {} : { retryAfter: failure.retryAfter }),
        ...(path === undefined ? {} : { path }),
        ...(ctx?.caller?.requestId === undefined ? {} : { requestId: ctx.caller.requestId }),
        code: key,
      },
    };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
