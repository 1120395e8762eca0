import { AuthError } from "@authsvc/core";
import { createTRPCClient, httpBatchLink, httpLink } from "@trpc/client";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { trpcHttp } from "./http.js";
import { publicProcedure, router } from "./init.js";

/** A router with one procedure per kind of answer, served by tRPC's own adapter and by ours. */
const testRouter = router({
  echo: publicProcedure.input(z.object({ n: z.number() })).query(({ input }) => ({ doubled: input.n * 2 })),
  add: publicProcedure
    .input(z.object({ a: z.number(), b: z.number() }))
    .mutation(({ input }) => input.a + input.b),
  noInput: publicProcedure.query(() => "fine"),
  refuse: publicProcedure.mutation(() => {
    throw new AuthError("INVALID_GRANT", "The code is unknown, used or expired");
  }),
  crash: publicProcedure.query(() => {
    throw new Error("internal detail that must not leak");
  }),
  nested: router({ ping: publicProcedure.query(() => "pong") }),
  // A middleware of our own: this procedure takes tRPC's own call path.
  guarded: publicProcedure
    .use(({ next }) => next({ ctx: { checked: true } }))
    .input(z.object({ n: z.number() }))
    .output(z.object({ n: z.number(), checked: z.boolean() }))
    .query(({ ctx, input }) => ({ n: input.n, checked: (ctx as { checked: boolean }).checked })),
  badOutput: publicProcedure
    .output(z.object({ n: z.number() }))
    .query(() => ({ n: "not a number" }) as never),
});

const app = Fastify();
let base = "";
beforeAll(async () => {
  app.removeContentTypeParser("text/plain");
  await app.register(fastifyTRPCPlugin, {
    prefix: "/official",
    trpcOptions: {
      router: testRouter,
      createContext: () => ({}) as never,
      allowMethodOverride: true,
      maxBatchSize: 10,
    },
  });
  await app.register(trpcHttp<typeof testRouter>, {
    prefix: "/ours",
    router: testRouter,
    createContext: () => ({}) as never,
    maxBatchSize: 10,
  });
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(() => app.close());

const json = { "content-type": "application/json" };
const enc = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/** Requests of every shape the protocol has: single and batch, GET and POST, right and wrong. */
const corpus: [string, string, RequestInit][] = [
  ["query by GET", `/echo?input=${enc({ n: 2 })}`, {}],
  [
    "query by POST (method override)",
    "/echo",
    { method: "POST", headers: json, body: JSON.stringify({ n: 3 }) },
  ],
  ["query without input", "/noInput", {}],
  ["nested path", "/nested.ping", {}],
  ["mutation", "/add", { method: "POST", headers: json, body: JSON.stringify({ a: 1, b: 2 }) }],
  ["mutation by GET", `/add?input=${enc({ a: 1, b: 2 })}`, {}],
  ["invalid input", "/add", { method: "POST", headers: json, body: JSON.stringify({ a: "1" }) }],
  ["service error", "/refuse", { method: "POST", headers: json, body: "{}" }],
  ["unexpected error", "/crash", {}],
  ["unknown procedure", "/nothing", {}],
  ["procedure with a middleware", `/guarded?input=${enc({ n: 7 })}`, {}],
  ["procedure with a middleware, invalid input", `/guarded?input=${enc({ n: "7" })}`, {}],
  ["output that fails its schema", "/badOutput", {}],
  ["batch of queries", `/echo,noInput,nested.ping?batch=1&input=${enc({ 0: { n: 5 } })}`, {}],
  [
    "batch, mixed outcomes",
    "/add,refuse?batch=1",
    { method: "POST", headers: json, body: JSON.stringify({ 0: { a: 2, b: 2 } }) },
  ],
  ["batch, all failing alike", "/refuse,refuse?batch=1", { method: "POST", headers: json, body: "{}" }],
  ["batch with a non-object input", "/add?batch=1", { method: "POST", headers: json, body: "[1]" }],
  ["batch over the limit", `/${Array(11).fill("noInput").join(",")}?batch=1`, {}],
];

describe("tRPC over Fastify, our handler against tRPC's own adapter", () => {
  for (const [name, path, init] of corpus) {
    it(`answers "${name}" alike`, async () => {
      const [official, ours] = await Promise.all([
        fetch(`${base}/official${path}`, init),
        fetch(`${base}/ours${path}`, init),
      ]);
      expect({ status: ours.status, body: await ours.json() }).toEqual({
        status: official.status,
        body: await official.json(),
      });
      expect(ours.headers.get("content-type")).toMatch(/^application\/json/);
    });
  }

  it("never shows an unexpected error's message or stack", async () => {
    const body = JSON.stringify(await (await fetch(`${base}/ours/crash`)).json());
    expect(body).not.toContain("internal detail");
    expect(body).not.toContain("stack");
  });

  it("refuses a body that is not JSON in tRPC's shape", async () => {
    const answer = await fetch(`${base}/ours/add`, { method: "POST", headers: json, body: "{oops" });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      error: { data: { error: "INVALID_JSON", httpStatus: 400 } },
    });
  });

  it("serves the official client, with and without batching", async () => {
    for (const link of [
      httpLink({ url: `${base}/ours` }),
      httpBatchLink({ url: `${base}/ours`, methodOverride: "POST" }),
    ]) {
      const client = createTRPCClient<typeof testRouter>({ links: [link] });
      const [echoed, sum, ping] = await Promise.all([
        client.echo.query({ n: 21 }),
        client.add.mutate({ a: 40, b: 2 }),
        client.nested.ping.query(),
      ]);
      expect([echoed, sum, ping]).toEqual([{ doubled: 42 }, 42, "pong"]);
      await expect(client.refuse.mutate()).rejects.toMatchObject({
        data: { error: "INVALID_GRANT", httpStatus: 400 },
      });
    }
  });
});
