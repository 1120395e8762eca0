import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { RecordedAnswer } from "./spec-check.js";

/** One request and its answer, as they went over the wire (secrets included: never written as is, see recording.ts). */
export interface Exchange {
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

export interface RecordingProxy {
  /** Use as the SDK's orgUrl: every request goes to the target, every answer is recorded. */
  url: string;
  /** Each answer, for the spec check. */
  answers: RecordedAnswer[];
  /** Each exchange in full, in the order the answers came. */
  exchanges: Exchange[];
  close(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function flat(headers: IncomingMessage["headers"]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : String(value)]),
  );
}

/**
 * A pass-through HTTP proxy in front of the emulator, or of a real org (https), that keeps each
 * answer exactly as it went over the wire (retried 429s included), so tests check what the SDK
 * really received. Requests go on with the target's Host; test controls are not recorded.
 */
export async function startRecordingProxy(target: string, port = 0): Promise<RecordingProxy> {
  const answers: RecordedAnswer[] = [];
  const exchanges: Exchange[] = [];
  const targetUrl = new URL(target);
  const forward = targetUrl.protocol === "https:" ? httpsRequest : httpRequest;
  const server = createServer(async (request, response) => {
    try {
      const body = await readAll(request);
      const url = new URL(request.url ?? "/", target);
      const upstream = forward(url, {
        method: request.method,
        // Plain answers, so that what is recorded can be read (and redacted); the SDK accepts either.
        headers: { ...request.headers, host: targetUrl.host, "accept-encoding": "identity" },
      });
      upstream.end(body);
      const [answer] = (await once(upstream, "response")) as [IncomingMessage];
      const answerBody = await readAll(answer);
      if (!url.pathname.startsWith("/__emulator/")) {
        const method = request.method ?? "GET";
        const status = answer.statusCode ?? 0;
        answers.push({
          method,
          path: url.pathname,
          status,
          contentType: answer.headers["content-type"] ?? null,
          body: answerBody.toString("utf8"),
        });
        exchanges.push({
          request: {
            method,
            path: url.pathname + url.search,
            headers: flat(request.headers),
            body: body.toString("utf8"),
          },
          response: { status, headers: flat(answer.headers), body: answerBody.toString("utf8") },
        });
      }
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders).end(answerBody);
    } catch (error) {
      if (!response.headersSent) response.writeHead(502, { "Content-Type": "text/plain" });
      response.end(`recording proxy: ${(error as Error).message}`);
    }
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    answers,
    exchanges,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
