import { AuthError } from "@authsvc/core";
import {
  type AnyRouter,
  getErrorShape,
  getTRPCErrorFromUnknown,
  type inferRouterContext,
  TRPCError,
} from "@trpc/server";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { toAuthError } from "../errors.js";
import { MAX_JSON_DEPTH, nestsDeeperThan, withJsonDepthLimit } from "../json-depth.js";
import { createInvoker, type Procedure } from "./invoke.js";

/**
 * tRPC's HTTP protocol (queries and mutations, single and batched, JSON), served
 * straight from Fastify's parsed request.
 *
 * tRPC 11's own Fastify adapter turns every request into a Fetch `Request` with a
 * streamed body, two `AbortSignal`s and a `Response` piped back through a web
 * stream; on Node 20 that plumbing, not the procedure, is most of the cost of a
 * call (see bench/RESULTS.md). This handler speaks the same wire format, checked
 * against the official adapter by http.test.ts and by the official client in e2e.
 * Subscriptions and streamed (jsonl) batches are not offered: the router has none.
 */
export interface TrpcHttpOptions<TRouter extends AnyRouter> {
  router: TRouter;
  /** The request and reply: a procedure may read the caller's IP and set headers of the answer. */
  createContext: (request: FastifyRequest, reply: FastifyReply) => inferRouterContext<TRouter>;
  onError?: (failure: { error: TRPCError; path: string | undefined }) => void;
  /** Most calls one batch may carry. */
  maxBatchSize: number;
}

interface Call {
  path: string;
  /** Read when the call runs, so that a bad input fails that call, with its path, as in tRPC. */
  input: () => unknown;
}

type CallResult =
  | { result: { data: unknown } }
  | { error: Record<string, unknown> & { data?: { httpStatus?: number } } };

export async function trpcHttp<TRouter extends AnyRouter>(
  app: FastifyInstance,
  options: TrpcHttpOptions<TRouter>,
) {
  const { router } = options;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, Procedure | undefined>;
  const invokers = new Map(
    Object.entries(procedures).map(([path, procedure]) => [path, createInvoker(procedure as Procedure)]),
  );

  // What transformTRPCResponse does, without its per-call object spreads (see invoke.ts).
  const serialize = (value: unknown) => config.transformer.output.serialize(value);
  const onTheWire = (result: CallResult) =>
    "error" in result
      ? { error: serialize(result.error) }
      : { result: { data: serialize(result.result.data) } };

  const errorResult = (
    cause: unknown,
    path: string | undefined,
    input: unknown,
    ctx: unknown,
  ): CallResult => {
    const error = getTRPCErrorFromUnknown(cause);
    options.onError?.({ error, path });
    const type = (path && procedures[path]?._def.type) || "unknown";
    return { error: getErrorShape({ config, error, type, path, input, ctx }) };
  };

  const callOne = async (
    request: FastifyRequest,
    call: Call,
    batchIndex: number,
    ctx: unknown,
  ): Promise<CallResult> => {
    let input: unknown;
    try {
      const procedure = procedures[call.path];
      if (!procedure)
        throw new TRPCError({ code: "NOT_FOUND", message: `No procedure found on path "${call.path}"` });
      const type = procedure._def.type;
      // Queries by POST too (tRPC's allowMethodOverride): ids and tokens stay out of URLs.
      if (type === "subscription" || (type === "mutation" && request.method !== "POST")) {
        throw new TRPCError({
          code: "METHOD_NOT_SUPPORTED",
          message: `Unsupported ${request.method}-request to ${type} procedure at path "${call.path}"`,
        });
      }
      input = call.input();
      const invoke = invokers.get(call.path) ?? procedure;
      const data = await invoke({
        path: call.path,
        getRawInput: async () => config.transformer.input.deserialize(input),
        ctx,
        type,
        signal: undefined,
        batchIndex,
      });
      return { result: { data } };
    } catch (cause) {
      return errorResult(cause, call.path, input, ctx);
    }
  };

  const handle = async (
    request: FastifyRequest<{ Params: { path: string }; Querystring: TrpcQuery }>,
    reply: FastifyReply,
  ) => {
    reply.header("vary", "trpc-accept, accept");
    const isBatch = request.query.batch === "1";
    // Fastify has decoded the path already: decoding again would throw on a literal "%".
    const paths = request.params.path.split(",");
    let answer: CallResult | CallResult[];
    if (request.headers["trpc-accept"] === "application/jsonl") {
      const refusal = new TRPCError({
        code: "BAD_REQUEST",
        message: "Streamed batches are not offered; use httpBatchLink",
      });
      answer = errorResult(refusal, undefined, undefined, undefined);
    } else if (isBatch && paths.length > options.maxBatchSize) {
      answer = errorResult(
        new TRPCError({ code: "BAD_REQUEST", message: "Batch call exceeds maximum size" }),
        undefined,
        undefined,
        undefined,
      );
    } else {
      const ctx = options.createContext(request, reply);
      const inputs = once(() => readInputs(request));
      const calls: Call[] = isBatch
        ? paths.map((path, index) => ({ path, input: () => batchInput(inputs(), index) }))
        : [{ path: paths.join(","), input: inputs }];
      const results = await Promise.all(calls.map((call, index) => callOne(request, call, index, ctx)));
      answer = isBatch ? results : (results[0] as CallResult);
    }
    reply
      .status(statusOf(answer))
      .header("content-type", "application/json")
      .send(JSON.stringify(Array.isArray(answer) ? answer.map(onTheWire) : onTheWire(answer)));
  };

  // tRPC's httpLink sends a call without input as an empty JSON body; Fastify's own parser refuses that.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "") done(null, undefined);
    else parseJson(request, body as string, withJsonDepthLimit(done));
  });
  // Refusals before the handler (body not JSON, too large, wrong type) answer in tRPC's shape too.
  app.setErrorHandler((cause, request: FastifyRequest<{ Querystring: TrpcQuery }>, reply) => {
    const failure = toAuthError(cause);
    const error = new TRPCError({
      code: failure.status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST",
      cause: failure,
    });
    const shaped = errorResult(error, undefined, undefined, undefined);
    const answer = request.query.batch === "1" ? [shaped] : shaped;
    reply
      .status(statusOf(answer))
      .header("content-type", "application/json")
      .send(JSON.stringify(Array.isArray(answer) ? answer.map(onTheWire) : onTheWire(answer)));
  });
  app.get("/:path", handle);
  app.post("/:path", handle);
}

interface TrpcQuery {
  batch?: string;
  input?: string;
}

/** GET carries the input as JSON in `?input=`; POST as the JSON body Fastify has parsed. */
function readInputs(request: FastifyRequest<{ Querystring: TrpcQuery }>): unknown {
  if (request.method === "POST") return request.body ?? undefined;
  if (request.query.input === undefined) return undefined;
  let input: unknown;
  try {
    input = JSON.parse(request.query.input);
  } catch (cause) {
    throw new TRPCError({ code: "PARSE_ERROR", message: "The input is not valid JSON", cause });
  }
  if (nestsDeeperThan(input, MAX_JSON_DEPTH)) {
    const cause = new AuthError("INVALID_JSON", `The input nests deeper than ${MAX_JSON_DEPTH} levels`);
    throw new TRPCError({ code: "BAD_REQUEST", cause });
  }
  return input;
}

/** Runs `read` at the first call only; later calls get its value, or its error again. */
function once<T>(read: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    if (!outcome) {
      try {
        outcome = { value: read() };
      } catch (error) {
        outcome = { error };
      }
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  };
}

function batchInput(inputs: unknown, index: number): unknown {
  if (inputs === undefined) return undefined;
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: '"input" needs to be an object when doing a batch call',
    });
  }
  return (inputs as Record<string, unknown>)[index];
}

/** One status for the answer; a batch whose calls differ answers 207, as tRPC does. */
function statusOf(answer: CallResult | CallResult[]): number {
  const statuses = new Set(
    (Array.isArray(answer) ? answer : [answer]).map((result) =>
      "error" in result ? (result.error.data?.httpStatus ?? 500) : 200,
    ),
  );
  return statuses.size === 1 ? (statuses.values().next().value as number) : 207;
}
