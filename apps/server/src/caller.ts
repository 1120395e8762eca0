import { type OperationName, userAgentOf } from "@authsvc/core";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** The front doors, as the audit log and the metrics name them (`oidc`: the OpenID Provider's sign-in pages). */
export type Door = "rest" | "trpc" | "oidc";

declare module "fastify" {
  /** Every request is the `Caller` of the operation it asks for: the operations read these. */
  interface FastifyRequest {
    /** The client IP as TRUST_PROXY decides it: the peer, or a trusted proxy's X-Forwarded-For. */
    readonly clientIp: string;
    /** The User-Agent, made safe to forward (see userAgentOf). */
    readonly userAgent: string | undefined;
    /** The request's id (X-Request-Id): a trusted proxy's, or generated. */
    readonly requestId: string;
    /** The door the request came through; undefined outside the API (health checks, 404s). */
    readonly door: Door | undefined;
  }
  /** A REST route's operation, for the metrics of requests refused before it. */
  interface FastifyContextConfig {
    operation?: OperationName;
  }
}

/**
 * Makes every request a `Caller`: getters on Fastify's request prototype, so that the hot path
 * (a token check) hands its request to the operation without building an object, and a
 * User-Agent is cleaned only when an operation reads it.
 */
export function requestsAreCallers(server: FastifyInstance): void {
  server.decorateRequest("clientIp", {
    getter(this: FastifyRequest) {
      return this.ip;
    },
  });
  server.decorateRequest("userAgent", {
    getter(this: FastifyRequest) {
      return userAgentOf(this.headers["user-agent"]);
    },
  });
  server.decorateRequest("requestId", {
    getter(this: FastifyRequest) {
      return this.id;
    },
  });
}

/** Names the door of the requests of one plugin's routes (Fastify's decorations are per plugin). */
export function throughDoor(app: FastifyInstance, door: Door): void {
  app.decorateRequest("door", door);
}
