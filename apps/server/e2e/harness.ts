import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { SmtpInbox } from "@authsvc/mail/testing";
import { startOktaEmulator } from "@authsvc/okta-emulator";
import { loadConfig } from "../src/config.js";
import { type AuthServer, createServer } from "../src/server.js";

/** A known secret, so that tests can forge tokens the way an attacker would try to. */
export const TEST_JWT_SECRET = "e2e-secret-of-more-than-thirty-two-bytes";

export type Provider = "embedded" | "okta";

/** The acceptance suites run once per provider: the embedded directory, and Okta (the emulator, over the official SDK). */
export const PROVIDERS: Provider[] = ["embedded", "okta"];

const OKTA_TEST_TOKEN = "e2e-okta-api-token";

export interface RunningService {
  url: string;
  inbox: SmtpInbox;
  service: AuthServer;
  /** Every log line the service wrote. */
  logs: string[];
  /** Okta API calls served, per endpoint, when the provider is Okta. */
  oktaCalls(): Record<string, number> | undefined;
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
  const okta =
    provider === "okta"
      ? await startOktaEmulator({
          apiToken: OKTA_TEST_TOKEN,
          smtpUrl: inbox.url,
          otpTtlSeconds: Number(env.OTP_TTL_SECONDS ?? 300),
          resendIntervalSeconds: 0,
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
    SMTP_URL: inbox.url,
    JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_URL: "http://auth.test",
    OTP_RESEND_SECONDS: "0",
    LOG_LEVEL: "info",
    LOG_REQUESTS: "true",
    ...(okta ? { IDP: "okta", OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: OKTA_TEST_TOKEN } : {}),
    ...env,
  });
  const service = await createServer(config, { logStream });
  const address = await service.start();
  return {
    url: address.replace("0.0.0.0", "127.0.0.1"),
    inbox,
    service,
    logs,
    oktaCalls: () => okta?.stats(),
    async stop() {
      await service.stop();
      await okta?.close();
      await inbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

/** A GET with a JSON body, as the original service's callers send it (fetch() cannot). */
export async function getWithBody(url: string, path: string, body: unknown): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, {
      method: "GET",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
    });
    request.on("error", reject);
    request.on("response", async (response) => {
      let text = "";
      for await (const chunk of response) text += chunk;
      const headers = new Headers(response.headers as Record<string, string>);
      resolve({
        status: response.statusCode ?? 0,
        body: JSON.parse(text) as Record<string, unknown>,
        headers,
      });
    });
    request.end(payload);
  });
}

export const post = (url: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  call(url, "POST", path, body, headers);
