import Fastify from "fastify";

/** The ceiling: a bare Fastify route answering the verify endpoint's own bytes. */
const body = process.env.BARE_BODY ?? "{}";
const app = Fastify();
app.post("/verify", (_request, reply) => {
  reply.header("content-type", "application/json; charset=utf-8").send(body);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
