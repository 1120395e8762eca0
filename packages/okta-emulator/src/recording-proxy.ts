import { once } from "node:events";
import { createServer, request as forward, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { RecordedAnswer } from "./spec-check.js";

export interface RecordingProxy {
  /** Use as the SDK's orgUrl: every request goes to the emulator, every answer is recorded. */
  url: string;
  answers: RecordedAnswer[];
  close(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A pass-through HTTP proxy in front of the emulator that keeps each answer exactly as it went over
 * the wire (retried 429s included), so tests check what the SDK really received.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const answers: RecordedAnswer[] = [];
  const server = createServer(async (request, response) => {
    const body = await readAll(request);
    const upstream = forward(new URL(request.url ?? "/", target), {
      method: request.method,
      headers: request.headers,
    });
    upstream.end(body);
    const [answer] = (await once(upstream, "response")) as [IncomingMessage];
    const answerBody = await readAll(answer);
    const url = new URL(request.url ?? "/", target);
    if (!url.pathname.startsWith("/__emulator/")) {
      answers.push({
        method: request.method ?? "GET",
        path: url.pathname,
        status: answer.statusCode ?? 0,
        contentType: answer.headers["content-type"] ?? null,
        body: answerBody.toString("utf8"),
      });
    }
    response.writeHead(answer.statusCode ?? 502, answer.rawHeaders).end(answerBody);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
