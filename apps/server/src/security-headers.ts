import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * Helmet's security headers, worked out once: a JSON API sends the same ones on every answer.
 * (@fastify/helmet builds helmet's middleware anew for every request, which cost a bare route a
 * quarter of its throughput here; these are the same headers for the price of one assignment.)
 * The set is OWASP's for REST services (REST Security Cheat Sheet, "Security headers"): nothing may
 * load, frame, sniff or run anything from this service. Helmet's headers for HTML pages (prefetch,
 * downloads, Flash policies, the XSS auditor, agent clusters, opener isolation) are left out.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader() {},
  };
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    xFrameOptions: { action: "deny" },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * What every answer carries, errors included: helmet's headers, and no-store (answers carry
 * sessions, codes and tokens: no cache may keep them).
 */
export function everyAnswerHeaders(): Record<string, string> {
  return { ...securityHeaders(), "cache-control": "no-store" };
}
