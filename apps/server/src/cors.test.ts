import cors from "@fastify/cors";
import fc from "fast-check";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corsAllowList } from "./cors.js";

/**
 * cors.ts answers browsers as @fastify/cors did, with the options the service gave the plugin;
 * the plugin is the reference. The one intended difference, no CORS header for a request that
 * names no Origin and is no preflight, is left out of the property (http-hardening tests it).
 */
const ORIGINS = ["https://app.example", /^http:\/\/localhost:\d+$/];

const routes = (app: FastifyInstance) => {
  app.get("/x", async () => ({ ok: true }));
  app.post("/x", async () => ({ ok: true }));
};

let reference: FastifyInstance;
let fast: FastifyInstance;
beforeAll(async () => {
  reference = Fastify();
  await reference.register(cors, {
    origin: ORIGINS,
    methods: ["GET", "POST"],
    allowedHeaders: ["content-type", "authorization", "trpc-accept"],
    exposedHeaders: ["retry-after", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"],
    maxAge: 600,
    strictPreflight: false,
  });
  routes(reference);
  fast = Fastify();
  const allowList = corsAllowList(ORIGINS);
  fast.addHook("onRequest", (request, reply, done) => {
    if (allowList(request, reply)) return;
    done();
  });
  routes(fast);
});
afterAll(async () => {
  await reference.close();
  await fast.close();
});

const corsPart = (answer: { statusCode: number; headers: Record<string, unknown> }) => ({
  status: answer.statusCode,
  headers: Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => name.startsWith("access-control-") || name === "vary"),
  ),
});

describe("CORS by allow-list", () => {
  it("answers every browser request as @fastify/cors does", async () => {
    const request = fc.record({
      method: fc.constantFrom("GET" as const, "POST" as const, "OPTIONS" as const),
      url: fc.constantFrom("/x", "/nowhere"),
      origin: fc.constantFrom(
        "https://app.example",
        "http://localhost:5173",
        "https://evil.example",
        "http://localhost:5173.evil.example",
        "null",
        undefined,
      ),
      requestMethod: fc.option(fc.constantFrom("GET", "POST", "DELETE"), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, url, origin, requestMethod }) => {
        if (origin === undefined && method !== "OPTIONS") return;
        const headers: Record<string, string> = {};
        if (origin !== undefined) headers.origin = origin;
        if (requestMethod !== undefined) headers["access-control-request-method"] = requestMethod;
        const options = { method, url, headers };
        expect(corsPart(await fast.inject(options))).toEqual(corsPart(await reference.inject(options)));
      }),
      { numRuns: 200 },
    );
  });
});
