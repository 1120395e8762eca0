import type { IncomingHttpHeaders } from "node:http";
import { type Caller, userAgentOf } from "@authsvc/core";

/** What a door knows of a request's sender: Fastify's request, or what a tRPC context keeps of it. */
export interface CallingRequest {
  /** The client IP as TRUST_PROXY decides it: the peer, or a trusted proxy's X-Forwarded-For. */
  ip: string;
  headers: IncomingHttpHeaders;
}

/** Who sent a request, the same for both doors: its client IP and its User-Agent, made safe to forward. */
export function callerOf(request: CallingRequest): Caller {
  return { clientIp: request.ip, userAgent: userAgentOf(request.headers["user-agent"]) };
}
