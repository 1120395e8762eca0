import type { Writable } from "node:stream";
import { AuthError } from "@authsvc/core";
import { MAX_CALLS_PER_BATCH } from "@authsvc/core/batching";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { requestsAreCallers, throughDoor } from "./caller.js";
import type { Config } from "./config.js";
import { closeConnectionsOnceAnswered, connectionOptions } from "./connections.js";
import { corsAllowList } from "./cors.js";
import { EarlyRefusals } from "./early-refusals.js";
import { answerClientError, errorHeaders, toAuthError } from "./errors.js";
import { withJsonDepthLimit } from "./json-depth.js";
import { lazyRequestLogger, loggerOptions } from "./logger.js";
import { metricsServer, serveMetrics } from "./metrics-endpoint.js";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-ids.js";
import { apiDocs } from "./rest/docs.js";
import { restRoutes } from "./rest/routes.js";
import { everyAnswerHeaders } from "./security-headers.js";
import { createServices } from "./services.js";
import { longestBatchPath, trpcHttp } from "./trpc/http.js";
import { type Context, serviceError } from "./trpc/init.js";
import { type AppRouter, appRouter, PROCEDURE_OPERATIONS } from "./trpc/router.js";
import { serveWebApp } from "./web-app.js";
import { withTimeout } from "./with-timeout.js";

/** Large enough for any request of the API (a tRPC batch included), small enough to refuse floods early. */
export const BODY_LIMIT_BYTES = 32 * 1024;

/** Builds the whole service; `start` listens, `stop` drains and closes everything. Tests use the same. */
export async function createServer(config: Config, options: { logStream?: Writable } = {}) {
  const earlyRefusals = new EarlyRefusals();
  const server = Fastify({
    logger: { ...loggerOptions(config), ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: BODY_LIMIT_BYTES,
    logController: new LogController({
      disableRequestLogging: !config.logRequests,
      requestIdLogLabel: "requestId",
    }),
    // Every log line of a request carries its id (Fastify's request logger), as the answer does.
    genReqId: requestIdOf(config.trustProxy),
    // With request logs on, every request writes lines: its logger is made at once.
    ...(config.logRequests ? {} : { childLoggerFactory: lazyRequestLogger }),
    // request.ip: the peer unless TRUST_PROXY names proxies whose X-Forwarded-For to believe.
    trustProxy: config.trustProxy,
    clientErrorHandler: answerClientError,
    // The longest batch the server takes fits in a path; Fastify's default (100) does not.
    routerOptions: { maxParamLength: longestBatchPath(appRouter, MAX_CALLS_PER_BATCH) },
    ...connectionOptions(config.http),
    frameworkErrors: earlyRefusals.frameworkErrors,
  });
  earlyRefusals.watch(server);
  requestsAreCallers(server);
  // JSON only: a text/plain body would otherwise reach the operations as a string.
  server.removeContentTypeParser("text/plain");
  const parseJson = server.getDefaultJsonParser("error", "error");
  server.removeContentTypeParser("application/json");
  server.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) =>
    parseJson(request, body as string, withJsonDepthLimit(done)),
  );
  const services = await createServices(config, server.log);
  const { ops } = services;

  server.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = earlyRefusals.of(request) ?? toAuthError(error);
    if (failure.code === "SERVER_ERROR") request.log.error({ err: error }, "request failed");
    const { operation } = request.routeOptions.config;
    if (operation) services.metrics?.refused(operation, "rest", error, failure.code);
    sendError(reply, failure, config.errorsAs200);
  });
  server.setNotFoundHandler((request, reply) => {
    const failure = earlyRefusals.of(request) ?? new AuthError("404", "No such endpoint");
    sendError(reply, failure, config.errorsAs200);
  });
  const everyAnswer = everyAnswerHeaders();
  // Browsers may call only from the listed origins; with none listed, no CORS header is ever sent.
  const cors = config.corsOrigins.length > 0 ? corsAllowList(config.corsOrigins) : undefined;
  // Set as the request arrives, so that every answer has them, errors and 404s included; one
  // callback hook, not an async one nor one per concern, because it runs on every request.
  server.addHook("onRequest", (request, reply, done) => {
    reply.headers(everyAnswer);
    reply.header(REQUEST_ID_HEADER, request.id);
    // HTTP/1.1 requires Host; Node's own check is off (connections.ts) since it answers in no shape.
    const { httpVersion, headers } = request.raw;
    if (headers.host === undefined && httpVersion === "1.1") {
      done(
        new AuthError("VALIDATION_ERROR", "An HTTP/1.1 request must carry a Host header", { details: [] }),
      );
      return;
    }
    if (cors?.(request, reply)) return;
    done();
  });

  server.get("/healthz", async () => ({ status: "ok" }));
  server.get("/readyz", async (request, reply) => {
    const checks = Object.entries(services.readiness);
    const results = await Promise.allSettled(
      checks.map(([, check]) => withTimeout(check(), READINESS_TIMEOUT_MS)),
    );
    const failing = checks.filter((_, index) => results[index]?.status === "rejected").map(([name]) => name);
    if (failing.length === 0) return { status: "ready", checked: checks.map(([name]) => name) };
    reply.status(503);
    const message = `Not ready: ${failing.join(", ")} unreachable`;
    return { error: "SERVICE_UNAVAILABLE", message, failing, requestId: request.id };
  });
  const metricsRoute = config.metrics?.served && config.metrics.port === undefined && services.metrics;
  if (metricsRoute) serveMetrics(server, metricsRoute, config.metrics?.token);
  if (config.metrics && !config.metrics.served) {
    server.log.warn("METRICS_PORT and METRICS_TOKEN are unset: /metrics is not served in production");
  }
  await server.register(restRoutes, { prefix: "/api", ops, errorsAs200: config.errorsAs200 });
  await server.register(apiDocs, { prefix: "/api", errorsAs200: config.errorsAs200 });
  if (services.oidc) {
    const { oidcRoutes } = await import("./oidc/routes.js");
    await oidcRoutes(server, { provider: services.oidc, ops });
  } else if (services.signingJwks) {
    (await import("./oidc/routes.js")).publishKeys(server, services.signingJwks);
  }
  await server.register(
    async (trpcDoor) => {
      throughDoor(trpcDoor, "trpc");
      await trpcDoor.register(trpcHttp<AppRouter>, {
        router: appRouter,
        // The request is the operations' caller (its IP, User-Agent, request id and door).
        createContext: (request: FastifyRequest, reply: FastifyReply) => ({ ops, caller: request, reply }),
        maxBatchSize: MAX_CALLS_PER_BATCH,
        fastPath: config.trpcFastPath,
        onError: ({ error, path, ctx }) => {
          if (!(error.cause instanceof AuthError) && error.code === "INTERNAL_SERVER_ERROR") {
            const requestId = (ctx as Context | undefined)?.caller?.requestId;
            server.log.error({ err: error.cause ?? error, path, requestId }, "procedure failed");
          }
          const operation = path === undefined ? undefined : PROCEDURE_OPERATIONS[path];
          if (operation) services.metrics?.refused(operation, "trpc", error.cause, serviceError(error).code);
        },
      });
    },
    { prefix: "/trpc" },
  );
  if (config.webAppDir && !(await serveWebApp(server, config.webAppDir))) {
    server.log.warn(
      { dir: config.webAppDir },
      "WEB_APP is on but the web app is not built (npm run build -w apps/web): / is not served",
    );
  }
  closeConnectionsOnceAnswered(server);
  const metricsListener =
    config.metrics?.served && config.metrics.port !== undefined && services.metrics
      ? metricsServer(services.metrics, config.metrics.token)
      : undefined;
  server.addHook("onClose", async () => {
    await metricsListener?.close();
    await services.close();
  });

  return {
    server,
    services,
    /** Listens on PORT (and METRICS_PORT, when set); answers the main address. */
    async start(): Promise<string> {
      const address = await server.listen({ port: config.port, host: config.host });
      if (metricsListener && config.metrics?.port !== undefined) {
        const metricsAddress = await metricsListener.listen(config.metrics.port, config.host);
        server.log.info(`Metrics at ${metricsAddress}/metrics`);
      }
      return address;
    },
    /** Where /metrics is served on its own listener (METRICS_PORT), once started. */
    metricsUrl: () => metricsListener?.url(),
    async stop(): Promise<void> {
      await server.close();
    },
  };
}

/** A readiness probe answers within a load balancer's patience, whatever a dependency does. */
const READINESS_TIMEOUT_MS = 2000;

export type AuthServer = Awaited<ReturnType<typeof createServer>>;

/** `requestId`: the id the answer's X-Request-Id gives, in the body too, for a caller to quote. */
function sendError(reply: FastifyReply, failure: AuthError, errorsAs200: boolean): void {
  reply.headers(errorHeaders(failure));
  reply.status(errorsAs200 ? 200 : failure.status).send({ ...failure.toBody(), requestId: reply.request.id });
}
