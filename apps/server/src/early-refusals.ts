import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AuthError } from "@authsvc/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { answerOnSocket, toAuthError } from "./errors.js";

/** Where refusals made before routing are sent again: a path no route has. */
const REFUSED_PATH = "/.refused";

/**
 * Refusals made before any route matched: a path that is not valid percent-encoding, one too
 * long for the router (Fastify's `frameworkErrors`), an Expect header other than 100-continue
 * (Node's). Left alone, Fastify and Node answer them in their own shapes and without the usual
 * headers. Here they are routed again, to the not-found handler, so that they pass the hooks
 * every answer passes (security headers, CORS) and answer in the service's shape.
 */
export class EarlyRefusals {
  private readonly refused = new WeakMap<IncomingMessage, AuthError>();
  private server: FastifyInstance | undefined;

  /** Fastify's `frameworkErrors` option. */
  readonly frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    this.refuse(request.raw, reply.raw, toAuthError(error));

  /** Takes over the refusals the server's Node listener would make. */
  watch(server: FastifyInstance): void {
    this.server = server;
    server.server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) =>
      this.refuse(request, response, EXPECTATION_FAILED),
    );
    // Node drops a CONNECT (a proxy's method) without a word unless told otherwise.
    server.server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
      answerOnSocket(socket, new AuthError("404", "No such endpoint"));
      socket.destroy();
    });
  }

  /** The refusal a request was routed again for, if it was. */
  of(request: FastifyRequest): AuthError | undefined {
    return this.refused.get(request.raw);
  }

  private refuse(request: IncomingMessage, response: ServerResponse, failure: AuthError): void {
    this.refused.set(request, failure);
    request.url = REFUSED_PATH;
    this.server?.routing(request, response);
  }
}

const EXPECTATION_FAILED = new AuthError("VALIDATION_ERROR", "Only Expect: 100-continue is supported", {
  status: 417,
  details: [],
});
