import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The ceiling: a bare Fastify route answering the verify endpoint's own bytes, on the Fastify
 * the service itself loads (resolved from apps/server, not from the bench's own dependencies:
 * Fastify versions differ by up to 2× on this route). Prints its port and that version as JSON.
 *
 * With BARE_HEADERS (a JSON object), it also sends those headers on every answer, set with one call,
 * and an X-Request-Id made per request as the service makes it when the name is among them: the
 * floor any route answering with the service's headers pays, the rest being plumbing.
 */
const serverPackage = resolve(dirname(fileURLToPath(import.meta.url)), "../../apps/server/package.json");
const fastifyEntry = createRequire(serverPackage).resolve("fastify");
const { version } = JSON.parse(readFileSync(join(dirname(fastifyEntry), "package.json"), "utf8")) as {
  version: string;
};
const { default: Fastify } = (await import(pathToFileURL(fastifyEntry).href)) as typeof import("fastify");

const body = process.env.BARE_BODY ?? "{}";
const { "x-request-id": requestId, ...headers } = JSON.parse(process.env.BARE_HEADERS ?? "{}") as Record<
  string,
  string
>;
const app = Fastify();
app.post("/verify", (_request, reply) => {
  reply.headers(headers);
  if (requestId !== undefined) reply.header("x-request-id", randomUUID());
  reply.header("content-type", "application/json; charset=utf-8").send(body);
});
// Exits on SIGTERM rather than dying of it, so that `--cpu-prof` writes its profile.
process.once("SIGTERM", () => app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
const { port } = app.server.address() as { port: number };
process.stdout.write(`${JSON.stringify({ port, fastify: version })}\n`);
