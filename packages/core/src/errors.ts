import { defaultReason, type ErrorReason } from "./error-reasons.js";

export { ERROR_REASONS, type ErrorReason } from "./error-reasons.js";

/**
 * The one table of error codes. Both front doors (tRPC and the REST shim) answer
 * `{ error: CODE, ... }` with the status given here; adapters translate their
 * own failures into an `AuthError` at their boundary.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OKTA_ERROR: 400,
  INVALID_GRANT: 400,
  INVALID_TOKEN: 401,
  MFA_REQUIRED: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  SERVER_ERROR: 500,
  "404": 404,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** One entry of `details` in a VALIDATION_ERROR: the shape of Joi's ValidationErrorItem. */
export interface ValidationDetail {
  message: string;
  path: (string | number)[];
  type: string;
  context?: Record<string, unknown>;
}

/** Okta's error object, as Okta's API and the embedded directory answer it. */
export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

/** `reason`: what an app can act on (ERROR_REASONS), beside the code. */
export type ErrorBody =
  | { error: "VALIDATION_ERROR"; reason: ErrorReason; message: string; details: ValidationDetail[] }
  | ({ error: "OKTA_ERROR"; reason: ErrorReason } & Omit<OktaErrorBody, "errorLink">)
  | { error: Exclude<ErrorCode, "VALIDATION_ERROR" | "OKTA_ERROR">; reason: ErrorReason; message: string };

/** Okta's X-Rate-Limit-* headers: the limit, what is left of it, and when it resets (Unix seconds). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  reset: number;
}

export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly reason: ErrorReason;
  readonly status: number;
  readonly details: ValidationDetail[] | undefined;
  readonly okta: OktaErrorBody | undefined;
  /** Seconds after which a retry may succeed (429 and 503). */
  readonly retryAfter: number | undefined;
  /** The limit that refused the call (RATE_LIMITED), for the X-Rate-Limit-* headers. */
  readonly rateLimit: RateLimitState | undefined;
  /**
   * A login refused because failed passwords locked it. Never in the answer, which is a wrong
   * password's (SECURITY.md: the lock must not tell an attacker the account exists); for the audit log.
   */
  readonly lockedOut: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      status?: number;
      details?: ValidationDetail[];
      okta?: OktaErrorBody;
      retryAfter?: number;
      rateLimit?: RateLimitState;
      /** When the code and Okta's errorCode alone do not say it (see defaultReason). */
      reason?: ErrorReason;
      lockedOut?: boolean | undefined;
    } = {},
  ) {
    super(message);
    this.name = "AuthError";
    this.code = code;
    this.reason = options.reason ?? defaultReason(code, options.okta);
    this.status = options.status ?? ERROR_STATUS[code];
    this.details = options.details;
    this.okta = options.okta;
    this.retryAfter = options.retryAfter;
    this.rateLimit = options.rateLimit;
    this.lockedOut = options.lockedOut ?? false;
  }

  /** The body both front doors send; never carries a stack or an internal message. */
  toBody(): ErrorBody {
    const reason = this.reason;
    if (this.code === "VALIDATION_ERROR") {
      return { error: "VALIDATION_ERROR", reason, message: this.message, details: this.details ?? [] };
    }
    if (this.code === "OKTA_ERROR" && this.okta) {
      const { errorCode, errorSummary, errorCauses, errorId } = this.okta;
      return { error: "OKTA_ERROR", reason, errorCode, errorSummary, errorCauses, errorId };
    }
    return {
      error: this.code as Exclude<ErrorCode, "VALIDATION_ERROR" | "OKTA_ERROR">,
      reason,
      message: this.message,
    };
  }
}

/** Okta's error codes that the service raises or expects, with Okta's HTTP status. */
export const OKTA_ERRORS = {
  E0000001: { status: 400, summary: "Api validation failed: {0}" },
  E0000004: { status: 401, summary: "Authentication failed" },
  E0000007: { status: 404, summary: "Not found: Resource not found: {0} ({1})" },
  E0000011: { status: 401, summary: "Invalid token provided" },
  E0000047: { status: 429, summary: "API call exceeded rate limit due to too many requests." },
  E0000068: { status: 403, summary: "Invalid Passcode/Answer" },
  E0000082: {
    status: 403,
    summary: "Each code can only be used once. Please wait for a new code and try again.",
  },
  E0000118: { status: 429, summary: "An email was recently sent. Please wait before trying again." },
} as const;

export type OktaErrorCode = keyof typeof OKTA_ERRORS;

export function oktaError(
  errorCode: OktaErrorCode,
  options: {
    summary?: string;
    causes?: string[];
    errorId?: string;
    retryAfter?: number;
    reason?: ErrorReason;
    lockedOut?: boolean;
  } = {},
): AuthError {
  const okta: OktaErrorBody = {
    errorCode,
    errorSummary: options.summary ?? OKTA_ERRORS[errorCode].summary,
    errorLink: errorCode,
    errorId: options.errorId ?? newErrorId(),
    errorCauses: (options.causes ?? []).map((errorSummary) => ({ errorSummary })),
  };
  const { retryAfter, reason, lockedOut } = options;
  return fromOktaBody(okta, OKTA_ERRORS[errorCode].status, { retryAfter, reason, lockedOut });
}

export function fromOktaBody(
  okta: OktaErrorBody,
  status: number,
  options: {
    retryAfter?: number | undefined;
    reason?: ErrorReason | undefined;
    lockedOut?: boolean | undefined;
  } = {},
): AuthError {
  return new AuthError("OKTA_ERROR", okta.errorSummary, { status, okta, ...options });
}

const ERROR_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Okta's errorId: "oae" followed by 22 random characters. */
export function newErrorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let id = "oae";
  for (const byte of bytes) id += ERROR_ID_ALPHABET[byte % ERROR_ID_ALPHABET.length];
  return id;
}

/**
 * E0000007 for a session that is unknown, ended, or another user's. A session id is a bearer
 * secret: unlike Okta's, the summary never repeats it.
 */
export function unknownSession(errorId?: string): AuthError {
  return oktaError("E0000007", {
    summary: "Not found: Resource not found: session (Session)",
    reason: "session_not_found",
    ...(errorId === undefined ? {} : { errorId }),
  });
}
