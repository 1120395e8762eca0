import { type Caller, SECURITY_EVENT_OUTCOMES, type SecurityEvent, type SecurityEvents } from "@authsvc/core";
import type { FastifyBaseLogger } from "fastify";

/** The message of every audit line; the `event` field says which (docs/AUDIT.md). */
export const AUDIT_MESSAGE = "security event";

/**
 * One log line per security event: the event and its fields, its outcome, the request id, the
 * client IP (as TRUST_PROXY decides it) and the door. Written through the service's logger, so
 * that its redaction applies too; the events themselves carry no secret.
 */
export function auditLog(log: FastifyBaseLogger): SecurityEvents {
  return {
    record(event: SecurityEvent, caller: Caller) {
      log.info(
        {
          ...event,
          outcome: SECURITY_EVENT_OUTCOMES[event.event],
          requestId: caller.requestId,
          clientIp: caller.clientIp,
          door: caller.door ?? "in-process",
        },
        AUDIT_MESSAGE,
      );
    },
  };
}
