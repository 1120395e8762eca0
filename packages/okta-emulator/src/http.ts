import type { IncomingMessage, ServerResponse } from "node:http";
import { oktaFailure } from "./okta-errors.js";

/** Far above any request the emulated endpoints take. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON object body; none at all counts as `{}` (the SDK posts no body to ask for a code). */
export function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw oktaFailure("E0000003");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw oktaFailure("E0000003");
  return body as Record<string, unknown>;
}

/** JSON with Okta's Content-Type on every answer but a 204 (the SDK refuses a body without it). */
export function send(
  response: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  if (status === 204) {
    response.writeHead(204, headers).end();
    return;
  }
  response
    .writeHead(status, { ...headers, "Content-Type": "application/json" })
    .end(body === undefined ? "" : JSON.stringify(body));
}
