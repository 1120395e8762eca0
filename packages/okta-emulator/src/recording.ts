import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Exchange } from "./recording-proxy.js";
import type { RecordedAnswer } from "./spec-check.js";

/**
 * Exchanges with an org, made safe to commit: no request headers (the API token, cookies, the
 * client's IP and User-Agent), no password or code, every token and session id and email address
 * replaced by a stand-in (the same one wherever the value recurs, so that a replay still hangs
 * together), people's names redacted, the org's URL as `{orgUrl}`. User and factor ids are kept:
 * they name nothing outside the org, and the calls that follow need them.
 */
export interface Recording {
  /** What answered: "emulator (identity)", "okta org (classic)", ... */
  source: string;
  exchanges: {
    request: { method: string; path: string; body: unknown };
    response: { status: number; headers: Record<string, string>; body: unknown };
  }[];
}

const ORG_URL = "{orgUrl}";
const REDACTED = "[redacted]";
/** Answer headers a replay needs; every other header (cookies, Okta's request ids) is dropped. */
const KEPT_HEADERS = ["content-type", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"];
/** Values never kept in any form: what a user types. */
const TYPED = new Set(["password", "passCode", "answer", "value"]);
/** Bearer values: kept as stand-ins, one per distinct value. */
const BEARER = new Set([
  "sessionToken",
  "stateToken",
  "recoveryToken",
  "activationToken",
  "cookieToken",
  "token",
]);
/** Personal data in profiles and links. */
const PERSONAL = new Set([
  "firstName",
  "lastName",
  "middleName",
  "displayName",
  "nickName",
  "mobilePhone",
  "primaryPhone",
  "streetAddress",
  "city",
  "zipCode",
]);
const EMAIL = /[^\s"'@/]+@[^\s"'@/]+\.[A-Za-z]{2,}/g;
const SESSION_PATH = /^\/api\/v1\/sessions\/([^/?]+)/;

/** Stand-ins for secret and personal values; remembers every original, to prove none is left. */
class StandIns {
  private readonly byValue = new Map<string, string>();
  private readonly standIns = new Set<string>();
  private readonly perKind = new Map<string, number>();
  readonly forbidden = new Set<string>();

  of(value: string, kind: string): string {
    if (this.standIns.has(value)) return value;
    let standIn = this.byValue.get(value);
    if (!standIn) {
      const n = (this.perKind.get(kind) ?? 0) + 1;
      this.perKind.set(kind, n);
      standIn = kind === "email" ? `user${n}@example.com` : `${kind}Redacted${n}`;
      this.byValue.set(value, standIn);
      this.standIns.add(standIn);
    }
    this.forbidden.add(value);
    return standIn;
  }

  /** Every known original in `text` replaced by its stand-in (links, paths). */
  replaceIn(text: string): string {
    let out = text;
    for (const [value, standIn] of this.byValue) out = out.split(value).join(standIn);
    return out.replace(EMAIL, (email) => this.of(email, "email"));
  }
}

function clean(node: unknown, key: string, parent: string, names: StandIns): unknown {
  if (Array.isArray(node)) return node.map((item) => clean(item, key, parent, names));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>).map(([name, value]) => [
        name,
        clean(value, name, key, names),
      ]),
    );
  }
  if (typeof node !== "string") return node;
  if (TYPED.has(key)) {
    names.forbidden.add(node);
    return REDACTED;
  }
  if (BEARER.has(key)) return names.of(node, key);
  if (PERSONAL.has(key) || (key === "name" && parent === "user")) {
    if (node !== "") names.forbidden.add(node);
    return node === "" ? node : REDACTED;
  }
  return names.replaceIn(node);
}

function parsed(body: string): unknown {
  if (body === "") return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * The exchanges as a Recording. Throws, writing nothing, if the API token (from Authorization),
 * a password, a code, a token, a session id or an email address would still appear in it.
 */
export function sanitizeRecording(exchanges: Exchange[], orgUrl: string, source: string): Recording {
  const names = new StandIns();
  const origin = new URL(orgUrl).origin;
  const isSession = ({ request, response }: Exchange) =>
    response.status < 300 && (SESSION_PATH.test(request.path) || request.path === "/api/v1/sessions");
  // Session ids (bearer secrets: a session's cookie value) first: they recur in paths and links.
  for (const exchange of exchanges) {
    const { request, response } = exchange;
    const credential = request.headers.authorization?.replace(/^(SSWS|Bearer|DPoP)\s+/i, "");
    if (credential) names.forbidden.add(credential);
    const session = SESSION_PATH.exec(request.path)?.[1];
    if (session) names.of(decodeURIComponent(session), "session");
    const id = isSession(exchange) ? (parsed(response.body) as { id?: unknown } | null)?.id : undefined;
    if (typeof id === "string") names.of(id, "session");
  }
  const recording: Recording = {
    source,
    exchanges: exchanges.map((exchange) => {
      const { request, response } = exchange;
      const requestBody = clean(parsed(request.body), "", "", names);
      const answerBody = clean(parsed(response.body), "", "", names);
      const path = names.replaceIn(decodeURIComponent(request.path));
      return {
        request: { method: request.method, path, body: requestBody },
        response: {
          status: response.status,
          headers: Object.fromEntries(
            KEPT_HEADERS.filter((name) => response.headers[name] !== undefined).map((name) => [
              name,
              response.headers[name] as string,
            ]),
          ),
          body: answerBody,
        },
      };
    }),
  };
  const text = JSON.stringify(recording).split(origin).join(ORG_URL);
  // Short values and codes (a few digits, which ids and timestamps hold by chance) are left to the field rules.
  const left = [...names.forbidden].filter(
    (value) => value.length >= 4 && !/^\d{1,8}$/.test(value) && text.includes(value),
  );
  if (left.length > 0)
    throw new Error(`the recording would still hold ${left.length} secret or personal value(s)`);
  return JSON.parse(text) as Recording;
}

/** A recording's answers as the spec check takes them. */
export function answersOf(recording: Recording): RecordedAnswer[] {
  return recording.exchanges.map(({ request, response }) => ({
    method: request.method,
    path: request.path.split("?")[0] as string,
    status: response.status,
    contentType: response.headers["content-type"] ?? null,
    body: response.body === null ? "" : JSON.stringify(response.body),
  }));
}

export interface ReplayServer {
  /** The org URL to give the provider. */
  url: string;
  /** Requests that were not the next one recorded: "expected …, got …". */
  mismatches: string[];
  /** Recorded exchanges not asked for yet. */
  remaining(): number;
  close(): Promise<void>;
}

/**
 * Serves a recording's answers in order, each to the request recorded with it (method and path; the
 * bodies are not compared, as passwords and codes are not recorded). A request that is not the next
 * one recorded answers 500 E0000009 and is listed in `mismatches`.
 */
export async function startReplayServer(recording: Recording): Promise<ReplayServer> {
  const mismatches: string[] = [];
  let next = 0;
  let url = "";
  const server = createServer((request, response) => {
    request.resume();
    const got = `${request.method} ${decodeURIComponent(request.url ?? "/")}`;
    const exchange = recording.exchanges[next];
    const expected = exchange && `${exchange.request.method} ${exchange.request.path}`;
    if (!exchange || got !== expected) {
      mismatches.push(`expected ${expected ?? "no more requests"}, got ${got}`);
      response.writeHead(500, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          errorCode: "E0000009",
          errorSummary: "Internal Server Error",
          errorLink: "E0000009",
          errorId: "oaeReplayMismatch",
          errorCauses: [{ errorSummary: `replay: ${mismatches.at(-1)}` }],
        }),
      );
      return;
    }
    next += 1;
    const { status, headers, body } = exchange.response;
    const text = body === null ? "" : JSON.stringify(body).split(ORG_URL).join(url);
    response.writeHead(status, headers).end(status === 204 ? undefined : text);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    mismatches,
    remaining: () => recording.exchanges.length - next,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
