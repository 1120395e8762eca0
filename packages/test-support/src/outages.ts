import { createServer, type Server, type Socket } from "node:net";

/** The error a call failed with, and how long it took to fail: outage tests assert both. */
export async function failureOf(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await call().then(
    () => new Error("expected the call to fail"),
    (caught: unknown) => caught,
  );
  return { error, ms: performance.now() - start };
}

/** A server that accepts connections and never answers, like a hung or black-holed database. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
