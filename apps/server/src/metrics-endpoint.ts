import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthError } from "@authsvc/core";
import type { FastifyInstance } from "fastify";
import { METRICS_CONTENT_TYPE, type ServiceMetrics } from "./metrics.js";

/**
 * `GET /metrics` on the main port: in development, or in production with METRICS_TOKEN, which
 * it then requires as a bearer token.
 */
export function serveMetrics(server: FastifyInstance, metrics: ServiceMetrics, token: string | undefined) {
  const authorized = bearerCheck(token);
  server.get("/metrics", async (request, reply) => {
    if (!authorized(request.headers)) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      throw new AuthError("INVALID_TOKEN", "The metrics need Authorization: Bearer <METRICS_TOKEN>");
    }
    reply.header("content-type", METRICS_CONTENT_TYPE);
    return metrics.registry.metrics();
  });
}

/**
 * `/metrics` on a listener of its own (METRICS_PORT), for a scraper inside the network: nothing
 * else is served there, and the main port does not serve it. METRICS_TOKEN applies here too, when set.
 */
export function metricsServer(metrics: ServiceMetrics, token: string | undefined) {
  const authorized = bearerCheck(token);
  const listener = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"404"}');
      return;
    }
    if (!authorized(request.headers)) {
      response.writeHead(401, { "www-authenticate": 'Bearer realm="metrics"' }).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  return {
    listen(port: number, host: string): Promise<string> {
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, host, () => resolve(urlOf(listener.address() as AddressInfo)));
      });
    },
    url: () => (listener.listening ? urlOf(listener.address() as AddressInfo) : undefined),
    close: () =>
      new Promise<void>((resolve) => {
        if (!listener.listening) return resolve();
        listener.close(() => resolve());
        listener.closeAllConnections();
      }),
  };
}

function urlOf({ address, family, port }: AddressInfo): string {
  const host = address === "0.0.0.0" ? "127.0.0.1" : address;
  return `http://${family === "IPv6" ? `[${host}]` : host}:${port}`;
}

/** Whether a request carries the token (compared in constant time); always true when none is set. */
function bearerCheck(token: string | undefined): (headers: IncomingHttpHeaders) => boolean {
  if (token === undefined) return () => true;
  const expected = sha256(token);
  return (headers) => {
    const given = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
    // Hashes of equal length: the comparison takes the same time whatever was sent.
    return given !== undefined && timingSafeEqual(sha256(given), expected);
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
