import { AuthError } from "./errors.js";
import type { CodePurpose } from "./one-time-codes.js";
import type { Caller, LimitedAction } from "./rate-limiter.js";

/**
 * What the operations tell of each security event, whichever door the call came through. The
 * audit log and the metrics both observe these (apps/server): one record, two readers. No event
 * carries a secret (password, code, session id, grant code, token) or an email address.
 */
export type SecurityEvent =
  | { event: "registered"; userId: string }
  | { event: "activated"; userId: string }
  /** `sessionOpened`: false while the email factor is not active (login answers only the user id). */
  | { event: "login.succeeded"; userId: string; sessionOpened: boolean }
  | { event: "login.failed" }
  /** Refused because ten failed passwords locked the login; the caller is told only E0000004. */
  | { event: "login.locked" }
  | { event: "code.sent"; userId: string; purpose: CodePurpose }
  | { event: "code.passed"; userId: string; purpose: "verification"; sessionSteppedUp: boolean }
  | { event: "code.failed"; userId: string; purpose: CodePurpose; reason: string }
  /** A check refused because the code (or the user's wrong-code budget) is spent: ask for a new one. */
  | { event: "code.voided"; userId: string; purpose: CodePurpose }
  | { event: "session.ended" }
  | { event: "grant.issued"; userId: string }
  | { event: "token.issued"; userId: string }
  /** A grant code refused: used before, expired or never issued (a used code leaves no trace to tell). */
  | { event: "grant.replayed" }
  | { event: "rate.limited"; action: LimitedAction; scope: "ip" | "account" }
  | { event: "stepup.refused"; userId: string };

export type SecurityEventName = SecurityEvent["event"];

/** Whether the event is something done or something refused: the audit line's `outcome`. */
export const SECURITY_EVENT_OUTCOMES: Record<SecurityEventName, "success" | "failure"> = {
  registered: "success",
  activated: "success",
  "login.succeeded": "success",
  "login.failed": "failure",
  "login.locked": "failure",
  "code.sent": "success",
  "code.passed": "success",
  "code.failed": "failure",
  "code.voided": "failure",
  "session.ended": "success",
  "grant.issued": "success",
  "token.issued": "success",
  "grant.replayed": "failure",
  "rate.limited": "failure",
  "stepup.refused": "failure",
};

/**
 * The port the operations report security events to. `record` is called on the request's path:
 * it must return at once and never throw (an observer's failure is no reason to refuse a login).
 */
export interface SecurityEvents {
  record(event: SecurityEvent, caller: Caller): void;
}

/** For contexts that report to nobody (in-process use, most tests). */
export const unobserved: SecurityEvents = { record: () => undefined };

/** Several observers as one: the audit log and the metrics. */
export function allOf(...observers: SecurityEvents[]): SecurityEvents {
  return {
    record(event, caller) {
      for (const observer of observers) observer.record(event, caller);
    },
  };
}

/** What a refused code check means: a wrong or expired code, or one that may no longer be tried. */
export function codeRefusal(
  error: unknown,
  userId: string,
  purpose: CodePurpose,
): Extract<SecurityEvent, { event: "code.failed" | "code.voided" }> | undefined {
  if (!(error instanceof AuthError)) return undefined;
  if (error.reason === "too_many_attempts") return { event: "code.voided", userId, purpose };
  if (error.reason === "invalid_code" || error.reason === "code_expired")
    return { event: "code.failed", userId, purpose, reason: error.reason };
  return undefined;
}
