import type { FastifyReply, FastifyRequest } from "fastify";

const ALLOWED_METHODS = "GET, POST";
const ALLOWED_HEADERS = "content-type, authorization, trpc-accept";
const EXPOSED_HEADERS = "retry-after, x-rate-limit-limit, x-rate-limit-remaining, x-rate-limit-reset";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * CORS by allow-list, answered as @fastify/cors answered it, but only for requests that name an
 * `Origin` (and preflights): the plugin's hook ran on every request and added `Vary: Origin` and
 * `Access-Control-Expose-Headers` to answers for callers that are not browsers. Leaving `Vary` off
 * those answers is safe because every answer is `Cache-Control: no-store`: no cache keeps one to
 * serve to another origin.
 *
 * @fastify/cors stays the reference: cors.test.ts holds every browser request's answer to the plugin's.
 *
 * Returns true when it answered the request itself (a preflight).
 */
export function corsAllowList(origins: readonly (string | RegExp)[]) {
  const allowed = (origin: string) =>
    origins.some((entry) => {
      if (typeof entry === "string") return entry === origin;
      entry.lastIndex = 0;
      return entry.test(origin);
    });
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    const { origin } = request.headers;
    const preflight = request.raw.method === "OPTIONS";
    if (origin === undefined && !preflight) return false;
    const vary = reply.getHeader("vary");
    reply.header("vary", vary ? `${vary}, Origin` : "Origin");
    if (origin !== undefined && allowed(origin)) reply.header("access-control-allow-origin", origin);
    reply.header("access-control-expose-headers", EXPOSED_HEADERS);
    if (!preflight) return false;
    // A preflight is answered here, whatever its path, before any route or 404.
    reply
      .header("access-control-allow-methods", ALLOWED_METHODS)
      .header("access-control-allow-headers", ALLOWED_HEADERS)
      .header("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS)
      .header("content-length", "0")
      .code(204)
      .send();
    return true;
  };
}
