import type { Server } from "node:http";
import type { FastifyHttpOptions, FastifyInstance } from "fastify";
import type { Config } from "./config.js";

/**
 * A socket silent both ways this long is given up: a client that stopped reading its answer.
 * Longer than any handler takes (each dependency call is bounded at 10 s), since a handler's
 * wait is silence too.
 */
const SILENT_CONNECTION_MS = 120_000;
/**
 * Node looks for late requests this often (30 s by default): a stalled one is cut at most this
 * long after its limit.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * How long a client may hold a connection: to send its headers, its whole request, and idle
 * between requests. Fastify's default was no limit on the request: headers and part of a body,
 * then silence, held a socket until the process ran out of them.
 */
export function connectionOptions(http: Config["http"]): FastifyHttpOptions<Server> {
  return {
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: SILENT_CONNECTION_MS,
    http: {
      // Also here, where Node checks that the headers' limit does not exceed it.
      requestTimeout: http.requestTimeoutMs,
      headersTimeout: http.headersTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      // Node would refuse a Host-less HTTP/1.1 request itself, with an empty 400 and none of the
      // service's headers; the server's onRequest hook refuses it in the service's shape.
      requireHostHeader: false,
    },
    // Requests read while the server drains come on connections it waits for anyway: answer them
    // (each then closes its connection) rather than with a 503 in Fastify's own shape.
    return503OnClosing: false,
  };
}

/**
 * Node's close() ends the connections idle at that moment; one busy answering would then stay
 * open for the keep-alive time after its answer, and the process with it. While the server
 * drains, the connections that have become idle are closed every DRAIN_SWEEP_MS.
 */
export function closeConnectionsOnceAnswered(server: FastifyInstance): void {
  let sweeping: NodeJS.Timeout | undefined;
  server.addHook("preClose", (done) => {
    sweeping = setInterval(() => server.server.closeIdleConnections(), DRAIN_SWEEP_MS).unref();
    done();
  });
  server.addHook("onClose", (_instance, done) => {
    clearInterval(sweeping);
    done();
  });
}

const DRAIN_SWEEP_MS = 100;
