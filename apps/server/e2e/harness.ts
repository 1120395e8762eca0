import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { isAuthClientError } from "@authsvc/client";
import { SmtpInbox } from "@authsvc/mail/testing";
import { DEFAULT_SCOPES } from "@authsvc/okta/credential";
import { type ReceivedRequest, type ServiceApp, startOktaEmulator } from "@authsvc/okta-emulator";
import { expect } from "vitest";
import { type Config, loadConfig } from "../src/config.js";
import { type AuthServer, createServer } from "../src/server.js";
import { openApiChecker, type ReceivedAnswer } from "./openapi-check.js";

/** A known secret, so that tests can forge tokens the way an attacker would try to. */
export const TEST_JWT_SECRET = "e2e-secret-of-more-than-thirty-two-bytes";

/**
 * The embedded directory, or Okta (the emulator, over the official SDK) as an Identity Engine or a
 * Classic org with an API token, or as an Identity Engine org with an OAuth 2.0 service app that
 * requires DPoP (as a new app does by default) instead of the token.
 */
export type Provider = "embedded" | "okta-identity" | "okta-classic" | "okta-identity-oauth";

/**
 * The acceptance suites (REST and tRPC) run once per provider, Okta engine and Okta credential. The
 * provider finds the engine by itself, so what differs between the Okta runs is Okta's side and the
 * credential only.
 */
export const ALL_PROVIDERS: Provider[] = ["embedded", "okta-identity", "okta-classic", "okta-identity-oauth"];

/**
 * The other suites run on the embedded directory and an Identity Engine org (what a new org is):
 * a third run of every suite would add minutes to CI for what the acceptance suites and the
 * Okta provider's own suites (run on both engines) already cover.
 */
export const PROVIDERS: Provider[] = ["embedded", "okta-identity"];

export function isOkta(provider: Provider): boolean {
  return provider !== "embedded";
}

/** Secrets the service is started with, so that tests can look for them where they must never be. */
export const OKTA_TEST_TOKEN = "e2e-okta-api-token-0123456789";
/** The OAuth service app of `okta-identity-oauth`: its client id and key pair (the private half as PEM). */
export const OKTA_TEST_CLIENT_ID = "0oaE2eServiceApp";
export const serviceAppKey = (() => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicJwk: publicKey.export({ format: "jwk" }) as ServiceApp["publicKey"],
  };
})();
export const SMTP_TEST_PASSWORD = "e2e-smtp-password-0123456789";

/**
 * Every test calls from 127.0.0.1, so per-IP limits would count a whole suite as one client:
 * they are off unless a test sets them (the security suites do). Per-account limits stay on.
 */
export const PER_IP_LIMITS_OFF: Record<string, string> = Object.fromEntries(
  limitSettings("PER_IP").map((name) => [name, "off"]),
);

export interface RunningService {
  url: string;
  config: Config;
  inbox: SmtpInbox;
  service: AuthServer;
  /** Every log line the service wrote. */
  logs: string[];
  /** Okta API calls served, per endpoint, when the provider is Okta. */
  oktaCalls(): Record<string, number> | undefined;
  /** The Okta API requests received so far, with what each said of its client, when the provider is Okta. */
  oktaRequests(): ReceivedRequest[] | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the real service on a free port, with a real SMTP server on loopback for its mail.
 * With Okta, an emulated org mails the codes to the same SMTP server, as Okta would.
 */
export async function startService(
  env: Record<string, string> = {},
  provider: Provider = "embedded",
): Promise<RunningService> {
  const dataDir = mkdtempSync(join(tmpdir(), "authsvc-e2e-"));
  const inbox = await SmtpInbox.start();
  const oauth = provider === "okta-identity-oauth";
  const okta = isOkta(provider)
    ? await startOktaEmulator({
        engine: provider === "okta-classic" ? "classic" : "identity",
        apiToken: OKTA_TEST_TOKEN,
        serviceApps: oauth
          ? [
              {
                clientId: OKTA_TEST_CLIENT_ID,
                publicKey: serviceAppKey.publicJwk,
                scopes: [...DEFAULT_SCOPES],
                dpop: true,
              },
            ]
          : [],
        smtpUrl: inbox.url,
        otpTtlSeconds: Number(env.OTP_TTL_SECONDS ?? 300),
        resendIntervalSeconds: Number(env.OTP_RESEND_SECONDS ?? 0),
      })
    : undefined;
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: "test",
    PORT: "0",
    DATA_DIR: dataDir,
    SMTP_URL: withPassword(inbox.url),
    JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_URL: "http://auth.test",
    OTP_RESEND_SECONDS: "0",
    LOG_LEVEL: "info",
    LOG_REQUESTS: "true",
    ...PER_IP_LIMITS_OFF,
    // CI runs the suites' tRPC tests a second time with every request through tRPC's own handler.
    ...(process.env.TRPC_FAST_PATH ? { TRPC_FAST_PATH: process.env.TRPC_FAST_PATH } : {}),
    ...(okta ? { IDP: "okta", OKTA_ORG_URL: okta.url } : {}),
    ...(okta && !oauth ? { OKTA_API_TOKEN: OKTA_TEST_TOKEN } : {}),
    ...(oauth ? { OKTA_CLIENT_ID: OKTA_TEST_CLIENT_ID, OKTA_PRIVATE_KEY: serviceAppKey.privatePem } : {}),
    ...env,
  });
  const service = await createServer(config, { logStream });
  const url = (await service.start()).replace("0.0.0.0", "127.0.0.1");
  return {
    url,
    config,
    inbox,
    service,
    logs,
    oktaCalls: () => okta?.stats(),
    oktaRequests: () => okta?.requests(),
    async stop() {
      checkers.delete(url);
      await service.stop();
      await okta?.close();
      await inbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The built entry point, as `npm start` runs it. */
const MAIN_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output: { stdout: string; stderr: string };
  /** The URL once the service listens; rejects if the process exits first. */
  listening(): Promise<string>;
  /** How the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the process has written a line matching `pattern` on stdout. */
  logged(pattern: RegExp): Promise<void>;
}

/**
 * Runs the built service in a process of its own, as `npm start` does (build first), with
 * `env` over this process's environment; `fileLimit` lowers its open-file limit (`ulimit -n`).
 * `tree`: the service of another copy of the built tree (`tree`/apps/server/dist/main.js), with
 * `env` alone (and PATH), so that none of the tests' settings (REDIS_URL...) reaches it.
 */
export function spawnService(
  env: Record<string, string>,
  options: { fileLimit?: number; tree?: string } = {},
): ServiceProcess {
  const main = options.tree ? join(options.tree, "apps/server/dist/main.js") : MAIN_SCRIPT;
  const [command, args] = options.fileLimit
    ? ["sh", ["-c", `ulimit -n ${options.fileLimit} && exec "$0" "$1"`, process.execPath, main]]
    : [process.execPath, [main]];
  const child = spawn(command, args, {
    ...(options.tree
      ? { cwd: options.tree, env: { PATH: process.env.PATH, ...env } }
      : { env: { ...process.env, ...env } }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const logged = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (!pattern.test(output.stdout)) return false;
        child.stdout?.off("data", look);
        resolve();
        return true;
      };
      if (look()) return;
      child.stdout?.on("data", look);
      void exited.then(() => reject(new Error(`exited without logging ${pattern}: ${output.stderr}`)));
    });
  const listening = async () => {
    const line = /Server listening at (http:\/\/[\w.:[\]]+)/;
    await logged(line);
    return line.exec(output.stdout)?.[1] as string;
  };
  return { child, output, listening, exited, logged };
}

/** The inbox's URL with credentials in it, as a production SMTP_URL has them (the inbox asks for none). */
function withPassword(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  url.username = "e2e-mailer";
  url.password = SMTP_TEST_PASSWORD;
  return url.toString();
}

/** The names of the RATE_LIMIT_* settings, per IP or per account. */
export function limitSettings(per: "PER_IP" | "PER_ACCOUNT"): string[] {
  return ["LOGIN", "REGISTER", "CODE_SEND", "CODE_CHECK"].map((action) => `RATE_LIMIT_${action}_${per}`);
}

/** A six-digit code that is surely not the given one. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

let people = 0;

/** A fresh person per test, so tests never share a mailbox. */
export function newPerson() {
  people += 1;
  const tag = `${process.pid}-${people}-${Date.now()}`;
  return {
    firstName: "Ada",
    lastName: "Lovelace",
    email: `ada.${tag}@example.com`,
    password: "Correct-Horse-9",
  };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function call(
  url: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  await expectDocumented(url, method, path, { status: response.status, headers: response.headers, text });
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

/** Each service's OpenAPI checker, made from the document it serves. */
const checkers = new Map<string, Promise<ReturnType<typeof openApiChecker>>>();

/**
 * Fails the test when a REST answer breaks the OpenAPI document the service serves at
 * /api/openapi.json: the contract cannot drift from what the service answers. tRPC answers are
 * not the document's.
 */
async function expectDocumented(url: string, method: string, path: string, answer: ReceivedAnswer) {
  // HEAD answers carry no body, OPTIONS answers are CORS's: neither is the document's.
  if (path.startsWith("/trpc/") || method === "HEAD" || method === "OPTIONS") return;
  let checker = checkers.get(url);
  if (!checker) {
    checker = fetch(`${url}/api/openapi.json`).then(async (served) => {
      if (!served.ok) throw new Error(`${url}/api/openapi.json answered ${served.status}`);
      return openApiChecker((await served.json()) as Record<string, unknown>);
    });
    checkers.set(url, checker);
  }
  const broken = (await checker)(method, path, answer);
  if (broken) throw new Error(broken);
}

/** What a raw request answered: its status, headers and body text. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Any request as node:http sends it: any method, headers and body bytes, which fetch() refuses some of. */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<RawAnswer> {
  const headers = { ...options.headers };
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method, headers });
    request.on("error", reject);
    request.on("response", async (response) => {
      try {
        let text = "";
        for await (const chunk of response) text += chunk;
        const answerHeaders = new Headers(response.headers as Record<string, string>);
        const answer = { status: response.statusCode ?? 0, headers: answerHeaders, text };
        await expectDocumented(url, method, path, answer);
        resolve(answer);
      } catch (error) {
        reject(error);
      }
    });
    request.end(options.body);
  });
}

/** An answer as bytes read off a socket: its status, headers and body. */
export function parseRawAnswer(bytes: string): RawAnswer {
  const split = bytes.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = (split < 0 ? bytes : bytes.slice(0, split)).split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, text: split < 0 ? "" : bytes.slice(split + 4) };
}

/** Writes `request` byte for byte on a connection of its own; reads the answer until the server closes it. */
export function rawExchange(url: string, request: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let bytes = "";
    socket.on("data", (chunk) => {
      bytes += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(parseRawAnswer(bytes)));
    socket.end(request);
  });
}

/** A GET with a JSON body, as the original service's callers send it (fetch() cannot). */
export async function getWithBody(url: string, path: string, body: unknown): Promise<Answer> {
  const { status, headers, text } = await rawRequest(url, "GET", path, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status, headers, body: JSON.parse(text) as Record<string, unknown> };
}

export const post = (url: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(url, "POST", path, body, headers);

/** One tRPC call over HTTP, as the typed client sends it, with the answer's status and headers. */
export async function trpc(
  url: string,
  procedure: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Answer & { body: { result?: { data: unknown }; error?: { data: Record<string, unknown> } } }> {
  return call(url, "POST", `/trpc/${procedure}`, input ?? {}, headers);
}

/** The error the typed client threw, for assertions on its typed data. */
export async function clientFailure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isAuthClientError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Helmet's headers as a JSON API sends them: nothing may be loaded, framed or sniffed from it. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none';frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** Asserts an answer carries what every answer must: helmet's headers and no-store, and no server banner. */
export function expectHardened(answer: { headers: Headers }) {
  const headers = Object.fromEntries(answer.headers);
  expect(headers).toMatchObject(SECURITY_HEADERS);
  expect(headers).not.toHaveProperty("x-powered-by");
  expect(headers).not.toHaveProperty("server");
}
