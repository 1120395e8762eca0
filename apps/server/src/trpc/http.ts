import { AuthError } from "@authsvc/core";
import {
  type AnyRouter,
  getErrorShape,
  getTRPCErrorFromUnknown,
  type inferRouterContext,
  TRPCError,
} from "@trpc/server";
import { incomingMessageToRequest, type NodeHTTPRequest } from "@trpc/server/adapters/node-http";
import { resolveResponse } from "@trpc/server/http";
import { defaultTransformer } from "@trpc/server/unstable-core-do-not-import";
import fastJson from "fast-json-stringify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { answerSchema } from "../answer-schema.js";
import { toAuthError } from "../errors.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../json-depth.js";
import { createInvoker, type Procedure, type ProcedureType } from "./invoke.js";

/**
 * tRPC's HTTP protocol over Fastify, in two parts.
 *
 * Calls as httpLink and httpBatchLink send them (JSON queries and mutations, single or
 * batched, to the procedures the router has at start, with input that parses) are served
 * straight from Fastify's request. tRPC 11's own adapter turns every request into a Fetch
 * `Request` with a streamed body, two `AbortSignal`s and a `Response` piped back through a
 * web stream; on Node 20 that plumbing, not the procedure, is most of the cost of a call
 * (see bench/RESULTS.md).
 *
 * Everything else goes to tRPC's own request handler, as its Fastify adapter runs it:
 * streamed batches, lazy routers, unknown procedures, wrong methods, HEAD, batches over
 * the limit, input that is not JSON, and requests refused before the handler. With
 * `fastPath: false`, every request does. http.test.ts holds both settings equal to the
 * official adapter, case by case; the e2e suite runs the official client both ways.
 */
export interface TrpcHttpOptions<TRouter extends AnyRouter> {
  router: TRouter;
  /** The request and reply: a procedure may read the caller's IP and set headers of the answer. */
  createContext: (request: FastifyRequest, reply: FastifyReply) => inferRouterContext<TRouter>;
  /** `ctx`: the call's context, when one was made (not for a request refused whole). */
  onError?: (failure: { error: TRPCError; path: string | undefined; ctx?: unknown }) => void;
  /** Most calls one batch may carry. */
  maxBatchSize: number;
  /** Serve plain calls here; false: every request through tRPC's own handler. */
  fastPath: boolean;
}

/**
 * The longest `:path` a batch of the router's procedures can have: `maxBatchSize` times its
 * longest path, with commas between. Fastify refuses a longer path parameter (414, its
 * `maxParamLength`, 100 by default: less than ten calls to `sso.verify`) before any handler
 * runs. Procedures of lazy routers are unknown until they load, so they are not counted.
 */
export function longestBatchPath(router: AnyRouter, maxBatchSize: number): number {
  const longest = Math.max(0, ...Object.keys(router._def.procedures).map((path) => path.length));
  return maxBatchSize * (longest + 1) - 1;
}

type TrpcRequest = FastifyRequest<{
  Params: { path: string };
  Querystring: Record<string, string | string[] | undefined>;
}>;

interface PlainCall {
  path: string;
  type: ProcedureType;
  invoke: ReturnType<typeof createInvoker>;
  /** The procedure's output as JSON, written by its zod schema (as REST answers are); else JSON.stringify. */
  writeOutput: ((data: unknown) => string) | undefined;
  input: unknown;
}

type CallResult =
  | { result: { data: unknown } }
  | { error: Record<string, unknown> & { data?: { httpStatus?: number } } };

const NOT_JSON = Symbol("not JSON");

export async function trpcHttp<TRouter extends AnyRouter>(
  app: FastifyInstance,
  options: TrpcHttpOptions<TRouter>,
) {
  const { router, maxBatchSize } = options;
  const config = router._def._config;
  // Without a transformer, the data on the wire is the procedure's output as it stands.
  const writesOutputs = config.transformer === defaultTransformer;
  const procedures = new Map(
    Object.entries(router._def.procedures as Record<string, Procedure>).map(([path, procedure]) => {
      const { output } = procedure._def;
      const writeOutput =
        writesOutputs && output instanceof z.ZodType ? fastJson(answerSchema(output)) : undefined;
      return [path, { type: procedure._def.type, invoke: createInvoker(procedure), writeOutput }];
    }),
  );

  /** tRPC's own handler, as its Fastify adapter runs it; `refusal`: why the request was refused before it. */
  const viaTrpc = async (request: TrpcRequest, reply: FastifyReply, refusal: TRPCError | null) => {
    const raw: NodeHTTPRequest = request.raw;
    // tRPC reads the body Fastify has read; a refused request's body is not read at all.
    raw.body = !refusal && typeof request.body === "string" ? request.body : "";
    const response = await resolveResponse({
      router,
      req: incomingMessageToRequest(raw, reply.raw, { maxBodySize: null }),
      path: request.params.path,
      error: refusal,
      createContext: async () => options.createContext(request, reply),
      allowMethodOverride: true,
      maxBatchSize,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    // tRPC answers a request it refuses whole (a batch too long, a body not JSON-typed) as text/plain.
    if (response.headers.get("content-type")?.startsWith("text/plain")) {
      response.headers.set("content-type", "application/json");
    }
    return reply.send(response);
  };

  /** The calls of a request shaped as httpLink and httpBatchLink send it; undefined for anything else. */
  const plainCalls = (request: TrpcRequest, input: unknown): PlainCall[] | undefined => {
    const { method, headers, query } = request;
    // A GET without a body, or a POST whose body is JSON that parses; answered as one JSON document.
    const typed = method === "GET" ? headers["content-type"] === undefined : typeof request.body === "string";
    if (!typed || (method !== "GET" && method !== "POST") || input === NOT_JSON) return undefined;
    if (headers["trpc-accept"] !== undefined || headers.accept?.includes("application/jsonl")) {
      return undefined;
    }
    // No other query parameter (connectionParams, ...), each given once.
    for (const key in query) {
      if ((key !== "batch" && key !== "input") || Array.isArray(query[key])) return undefined;
    }
    const isBatch = query.batch === "1";
    if (!isBatch && query.batch !== undefined) return undefined;
    const paths = isBatch ? request.params.path.split(",") : [request.params.path];
    const inputs = (input === undefined ? {} : input) as Record<number, unknown>;
    if (isBatch && (typeof inputs !== "object" || inputs === null || Array.isArray(inputs))) return undefined;
    if (paths.length > maxBatchSize) return undefined;
    // Procedures the router had at start, all of one type, by a method that type takes.
    const calls: PlainCall[] = [];
    for (const [index, path] of paths.entries()) {
      const procedure = procedures.get(path);
      if (!procedure || procedure.type !== (calls[0]?.type ?? procedure.type)) return undefined;
      // Written out, not spread (V8's generic copy; see invoke.ts).
      const { type, invoke, writeOutput } = procedure;
      calls.push({ path, type, invoke, writeOutput, input: isBatch ? inputs[index] : input });
    }
    const type = calls[0]?.type;
    if (type === "subscription" || (type === "mutation" && method !== "POST")) return undefined;
    return calls;
  };

  // What transformTRPCResponse does, without its per-call object spreads (see invoke.ts).
  const serialize = (value: unknown) => config.transformer.output.serialize(value);
  const onTheWire = (result: CallResult) =>
    "error" in result
      ? { error: serialize(result.error) }
      : { result: { data: serialize(result.result.data) } };

  /** A call's result as tRPC writes it; an output is written by its schema, when it has one. */
  const written = (result: CallResult, call: PlainCall) =>
    "result" in result && call.writeOutput
      ? `{"result":{"data":${call.writeOutput(result.result.data)}}}`
      : JSON.stringify(onTheWire(result));

  const callOne = async (call: PlainCall, batchIndex: number, ctx: unknown): Promise<CallResult> => {
    const { path, type, input } = call;
    try {
      const data = await call.invoke({
        path,
        getRawInput: async () =>
          input === undefined ? undefined : config.transformer.input.deserialize(input),
        ctx,
        type,
        signal: undefined,
        batchIndex,
      });
      return { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      options.onError?.({ error, path, ctx });
      return { error: getErrorShape({ config, error, type, path, input, ctx }) };
    }
  };

  const handle = async (request: TrpcRequest, reply: FastifyReply) => {
    const input = readInput(request);
    if (nestsDeeperThan(input, MAX_JSON_DEPTH)) {
      const cause = new AuthError("INVALID_JSON", `The input nests deeper than ${MAX_JSON_DEPTH} levels`);
      return viaTrpc(request, reply, new TRPCError({ code: "BAD_REQUEST", cause }));
    }
    const calls = options.fastPath ? plainCalls(request, input) : undefined;
    if (!calls) return viaTrpc(request, reply, null);

    reply.header("vary", "trpc-accept, accept");
    const ctx = options.createContext(request, reply);
    // One call (httpLink's, or a batch of one) is awaited alone: no array of promises to settle.
    const [first] = calls;
    const results =
      calls.length === 1 && first
        ? [await callOne(first, 0, ctx)]
        : await Promise.all(calls.map((call, index) => callOne(call, index, ctx)));
    const answers = results.map((result, index) => written(result, calls[index] as PlainCall));
    return reply
      .status(statusOf(results))
      .header("content-type", "application/json")
      .send(request.query.batch === "1" ? `[${answers.join(",")}]` : answers[0]);
  };

  // The body as text, as tRPC's handler reads it; the input is parsed once, in `handle`.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );
  // Refused before the handler (a body too large or not JSON): tRPC answers it as the request's error,
  // as it answers any failed call: one error per call, with its path.
  app.setErrorHandler((cause, request: TrpcRequest, reply) => {
    const failure = toAuthError(cause);
    if (failure.code === "SERVER_ERROR") request.log.error({ err: cause }, "request failed");
    const code = failure.status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
    return viaTrpc(request, reply, new TRPCError({ code, cause: failure }));
  });
  // HEAD named here, so that Fastify adds no HEAD route of its own that would run a query.
  app.route({ method: ["GET", "POST", "HEAD"], url: "/:path", handler: handle });
}

/** The input as tRPC reads it: `?input=` of a GET, else the body; NOT_JSON when it does not parse. */
function readInput(request: TrpcRequest): unknown {
  const { input } = request.query;
  const text = request.method === "GET" ? (Array.isArray(input) ? input[0] : input) : request.body;
  if (typeof text !== "string" || text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** One status for the answer; a batch whose calls differ answers 207, as tRPC does. */
function statusOf(results: CallResult[]): number {
  const statuses = new Set(
    results.map((result) => ("error" in result ? (result.error.data?.httpStatus ?? 500) : 200)),
  );
  return statuses.size === 1 ? (statuses.values().next().value as number) : 207;
}
