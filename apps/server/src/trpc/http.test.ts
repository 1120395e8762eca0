import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthError } from "@authsvc/core";
import { createTRPCClient, httpBatchLink, httpBatchStreamLink, httpLink } from "@trpc/client";
import { lazy } from "@trpc/server";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { longestBatchPath, trpcHttp } from "./http.js";
import { publicProcedure, router } from "./init.js";

/** The router's longest path: ten calls to it are longer than Fastify's default path parameter. */
const LONGEST_PATH = "nested.theLongestPathOfTheRouter";
const MAX_BATCH_SIZE = 10;
const BODY_LIMIT = 1024;

/**
 * A router with one procedure per kind of answer. Each server gets its own, so that none
 * sees another's state (a lazy router already loaded, a call already counted).
 */
function createTestRouter() {
  let counted = 0;
  return router({
    echo: publicProcedure.input(z.object({ n: z.number() })).query(({ input }) => ({ doubled: input.n * 2 })),
    add: publicProcedure
      .input(z.object({ a: z.number(), b: z.number() }))
      .mutation(({ input }) => input.a + input.b),
    noInput: publicProcedure.query(() => "fine"),
    counted: publicProcedure.query(() => ++counted),
    refuse: publicProcedure.mutation(() => {
      throw new AuthError("INVALID_GRANT", "The code is unknown, used or expired");
    }),
    crash: publicProcedure.query(() => {
      throw new Error("internal detail that must not leak");
    }),
    nested: router({
      ping: publicProcedure.query(() => "pong"),
      theLongestPathOfTheRouter: publicProcedure.query(() => "long"),
    }),
    // A middleware of our own: this procedure takes tRPC's own call path.
    guarded: publicProcedure
      .use(({ next }) => next({ ctx: { checked: true } }))
      .input(z.object({ n: z.number() }))
      .output(z.object({ n: z.number(), checked: z.boolean() }))
      .query(({ ctx, input }) => ({ n: input.n, checked: (ctx as { checked: boolean }).checked })),
    badOutput: publicProcedure
      .output(z.object({ n: z.number() }))
      .query(() => ({ n: "not a number" }) as never),
    // zod's synchronous parse throws on this schema: it must be parsed asynchronously.
    asyncRefined: publicProcedure
      .input(z.object({ name: z.string().refine(async (name) => name !== "taken", "That name is taken") }))
      .mutation(({ input }) => `hello ${input.name}`),
    later: lazy(async () => router({ ping: publicProcedure.query(() => "lazy pong") })),
  });
}
type TestRouter = ReturnType<typeof createTestRouter>;

/** Our handler both ways, each beside an official adapter of its own. */
const MODES = [
  ["fast path", "/fast", true],
  ["tRPC only", "/trpc-only", false],
] as const;

const app = Fastify({
  bodyLimit: BODY_LIMIT,
  routerOptions: { maxParamLength: longestBatchPath(createTestRouter(), MAX_BATCH_SIZE) },
});
/** tRPC's adapter with nothing in front: it reads the body itself, so it answers the refusals Fastify makes for the others. */
const bare = createServer(
  createHTTPHandler({
    router: createTestRouter(),
    createContext: () => ({}) as never,
    allowMethodOverride: true,
    maxBatchSize: MAX_BATCH_SIZE,
    maxBodySize: BODY_LIMIT,
  }),
);
let base = "";
let bareBase = "";
beforeAll(async () => {
  app.removeContentTypeParser("text/plain");
  for (const [, prefix, fastPath] of MODES) {
    await app.register(fastifyTRPCPlugin, {
      prefix: `/official${prefix}`,
      trpcOptions: {
        router: createTestRouter(),
        createContext: () => ({}) as never,
        allowMethodOverride: true,
        maxBatchSize: MAX_BATCH_SIZE,
      },
    });
    await app.register(trpcHttp<TestRouter>, {
      prefix,
      router: createTestRouter(),
      createContext: () => ({}) as never,
      maxBatchSize: MAX_BATCH_SIZE,
      fastPath,
    });
  }
  base = await app.listen({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  bareBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await new Promise((resolve) => bare.close(resolve));
});

const json = { "content-type": "application/json" };
const enc = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const post = (body: string, headers: Record<string, string> = json): RequestInit => ({
  method: "POST",
  headers,
  body,
});
const tooLarge = JSON.stringify({ 0: { a: "x".repeat(BODY_LIMIT) } });

interface Case {
  name: string;
  /** Sent one after another; the answers are compared in order. */
  requests: [path: string, init: RequestInit][];
  /** Where the reference answer comes from: the official Fastify adapter, or tRPC's bare adapter for requests Fastify refuses before any adapter. */
  reference?: "bare";
}
const one = (name: string, path: string, init: RequestInit = {}, reference?: "bare"): Case => ({
  name,
  requests: [[path, init]],
  ...(reference ? { reference } : {}),
});

/** Requests of every shape the protocol has: single and batch, GET and POST, right and wrong. */
const corpus: Case[] = [
  one("query by GET", `/echo?input=${enc({ n: 2 })}`),
  one("query by POST (method override)", "/echo", post(JSON.stringify({ n: 3 }))),
  one("query without input", "/noInput"),
  one("nested path", "/nested.ping"),
  one("mutation", "/add", post(JSON.stringify({ a: 1, b: 2 }))),
  one("mutation by GET", `/add?input=${enc({ a: 1, b: 2 })}`),
  one("invalid input", "/add", post(JSON.stringify({ a: "1" }))),
  one("null input", "/add", post("null")),
  one("service error", "/refuse", post("{}")),
  one("unexpected error", "/crash"),
  one("unknown procedure", "/nothing"),
  one("procedure with a middleware", `/guarded?input=${enc({ n: 7 })}`),
  one("procedure with a middleware, invalid input", `/guarded?input=${enc({ n: "7" })}`),
  one("output that fails its schema", "/badOutput"),
  one("batch of queries", `/echo,noInput,nested.ping?batch=1&input=${enc({ 0: { n: 5 } })}`),
  one("batch, mixed outcomes", "/add,refuse?batch=1", post(JSON.stringify({ 0: { a: 2, b: 2 } }))),
  one("batch, all failing alike", "/refuse,refuse?batch=1", post("{}")),
  one("batch with a non-object input", "/add?batch=1", post("[1]")),
  one("batch with a null input", "/add?batch=1", post("null")),
  one("batch mixing queries and mutations", "/add,echo?batch=1", post("{}")),
  one(
    "batch of the router's longest path, as long as a batch may be",
    `/${Array(MAX_BATCH_SIZE).fill(LONGEST_PATH).join(",")}?batch=1`,
  ),
  one(
    "batch over the limit",
    `/${Array(MAX_BATCH_SIZE + 1)
      .fill("noInput")
      .join(",")}?batch=1`,
  ),
  one("batch whose body is not JSON", "/add,add?batch=1", post("{oops")),
  one("batch whose body is not JSON, calls without input", "/noInput,noInput?batch=1", post("{oops")),
  one("batch whose body is too large", "/add,add?batch=1", post(tooLarge), "bare"),
  one(
    "batch whose body is not JSON-typed",
    "/add,add?batch=1",
    post("{}", { "content-type": "text/plain" }),
    "bare",
  ),
  one("body without a content type", "/add", post("{}", {}), "bare"),
  {
    name: "HEAD, then GET: the HEAD ran nothing",
    requests: [
      ["/counted", { method: "HEAD" }],
      ["/counted", {}],
    ],
  },
  one("HEAD of a mutation", "/add", { method: "HEAD" }),
  one("streamed batch (httpBatchStreamLink)", `/echo,noInput,crash?batch=1&input=${enc({ 0: { n: 4 } })}`, {
    headers: { "trpc-accept": "application/jsonl" },
  }),
  one("input refined asynchronously", "/asyncRefined", post(JSON.stringify({ name: "Ada" }))),
  one("input refused asynchronously", "/asyncRefined", post(JSON.stringify({ name: "taken" }))),
  one("procedure of a lazy router", "/later.ping"),
  one("batch with a lazy router's procedure", "/later.ping,noInput?batch=1"),
  one("query with connection parameters", `/noInput?connectionParams=${enc({ a: "b" })}`),
];

/** Status, headers that matter and body of an answer; jsonl bodies line by line. */
async function answerOf(response: Response) {
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    }
  }
  return { status: response.status, allow: response.headers.get("allow"), body };
}

async function run(prefix: string, requests: Case["requests"]) {
  const answers = [];
  for (const [path, init] of requests) answers.push(await answerOf(await fetch(`${prefix}${path}`, init)));
  return answers;
}

describe.each(MODES)("tRPC over Fastify, our handler (%s) against tRPC's own adapter", (_, prefix) => {
  for (const { name, requests, reference } of corpus) {
    it(`answers "${name}" alike`, async () => {
      const [official, ours] = await Promise.all([
        run(reference === "bare" ? bareBase : `${base}/official${prefix}`, requests),
        run(`${base}${prefix}`, requests),
      ]);
      expect(ours).toEqual(official);
    });
  }

  it("answers JSON, or nothing to a HEAD", async () => {
    for (const { requests } of corpus) {
      for (const [path, init] of requests) {
        const answer = await fetch(`${base}${prefix}${path}`, init);
        if (init.method === "HEAD") expect(answer.status).toBe(204);
        else expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
        await answer.arrayBuffer();
      }
    }
  });

  it("takes the longest batch of the router's paths, and no path longer", async () => {
    expect(longestBatchPath(createTestRouter(), MAX_BATCH_SIZE)).toBe(
      MAX_BATCH_SIZE * LONGEST_PATH.length + MAX_BATCH_SIZE - 1,
    );
    const tooLong = await fetch(
      `${base}${prefix}/${Array(MAX_BATCH_SIZE).fill(LONGEST_PATH).join(",")},x?batch=1`,
    );
    expect(tooLong.status).toBe(414);
  });

  it("never shows an unexpected error's message or stack", async () => {
    const body = JSON.stringify(await (await fetch(`${base}${prefix}/crash`)).json());
    expect(body).not.toContain("internal detail");
    expect(body).not.toContain("stack");
  });

  it("refuses a body that is not JSON in tRPC's shape", async () => {
    const answer = await fetch(`${base}${prefix}/add`, post("{oops"));
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      error: { data: { error: "INVALID_JSON", httpStatus: 400, path: "add" } },
    });
  });

  it("refuses input nested too deep, each call of a batch with its path", async () => {
    const deep = `{"0":{"n":${"[".repeat(8)}${"]".repeat(8)}}}`;
    const answer = await fetch(`${base}${prefix}/echo,noInput?batch=1`, post(deep));
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject(
      ["echo", "noInput"].map((path) => ({ error: { data: { error: "INVALID_JSON", path } } })),
    );
  });

  it("serves the official client's links: batched, streamed and one call per request", async () => {
    const url = `${base}${prefix}`;
    for (const link of [
      httpLink({ url }),
      httpBatchLink({ url, methodOverride: "POST" }),
      httpBatchStreamLink({ url }),
      httpBatchStreamLink({ url, methodOverride: "POST" }),
    ]) {
      const client = createTRPCClient<TestRouter>({ links: [link] });
      const [echoed, sum, ping, greeting, lazyPing] = await Promise.all([
        client.echo.query({ n: 21 }),
        client.add.mutate({ a: 40, b: 2 }),
        client.nested.ping.query(),
        client.asyncRefined.mutate({ name: "Ada" }),
        client.later.ping.query(),
      ]);
      expect([echoed, sum, ping, greeting, lazyPing]).toEqual([
        { doubled: 42 },
        42,
        "pong",
        "hello Ada",
        "lazy pong",
      ]);
      await expect(client.refuse.mutate()).rejects.toMatchObject({
        data: { error: "INVALID_GRANT", httpStatus: 400 },
      });
      await expect(client.asyncRefined.mutate({ name: "taken" })).rejects.toMatchObject({
        data: { error: "VALIDATION_ERROR", httpStatus: 400 },
      });
    }
  });

  it("fails every call of a batch refused whole with the refusal, none with a missing result", async () => {
    const client = createTRPCClient<TestRouter>({ links: [httpBatchLink({ url: `${base}${prefix}` })] });
    const results = await Promise.allSettled([
      client.add.mutate({ a: 1, b: 2 }),
      client.add.mutate({ a: 1, b: "x".repeat(BODY_LIMIT) as never }),
      client.refuse.mutate(),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: "rejected",
        reason: { data: { error: "PAYLOAD_TOO_LARGE", httpStatus: 413 } },
      });
    }
  });
});
