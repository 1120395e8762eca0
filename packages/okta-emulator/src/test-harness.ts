import { SmtpInbox } from "@authsvc/mail/testing";
import { Client, DefaultRequestExecutor, OktaApiError, type User } from "@okta/okta-sdk-nodejs";
import { type OktaEmulator, startOktaEmulator } from "./emulator.js";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.js";
import type { Engine } from "./settings.js";
import { type RecordedAnswer, SpecChecker } from "./spec-check.js";

export const API_TOKEN = "00emulator-test-token";
/** Loading management.yaml (3 MB) and compiling its schemas takes a few seconds. */
export const SPEC_CHECK_TIMEOUT_MS = 30_000;

export interface Harness {
  emulator: OktaEmulator;
  inbox: SmtpInbox;
  /** The recording proxy's URL: what the SDK and raw requests use as the org URL. */
  orgUrl: string;
  /**
   * The official SDK against the emulator, with no cache and no retries unless asked for: the SDK
   * retries every 429 carrying X-Rate-Limit-Reset, E0000118 and E0000047 included (as against Okta).
   */
  client(options?: { token?: string; maxRetries?: number }): Client;
  /** A raw request to the org, e.g. to send what the SDK never would. */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Every answer that went over the wire so far (test controls aside). */
  recorded(): RecordedAnswer[];
  /** What is wrong with the answers so far, by management.yaml and Okta's documented shapes. */
  specProblems(): string[];
  close(): Promise<void>;
}

/**
 * The emulator on a free port, mail to a real SMTP server, answers recorded by a proxy in front.
 * Classic unless asked: most suites enrol the email factor themselves, which an Identity Engine org does by itself.
 */
export async function startHarness(engine: Engine = "classic"): Promise<Harness> {
  const inbox = await SmtpInbox.start();
  const emulator = await startOktaEmulator({ apiToken: API_TOKEN, smtpUrl: inbox.url, engine });
  const proxy: RecordingProxy = await startRecordingProxy(emulator.url);
  return {
    emulator,
    inbox,
    orgUrl: proxy.url,
    client: ({ token = API_TOKEN, maxRetries = 0 } = {}) =>
      new Client({
        orgUrl: proxy.url,
        token,
        cacheMiddleware: null,
        requestExecutor: new DefaultRequestExecutor({ maxRetries, requestTimeout: 0 }),
      }),
    fetch: (path, { json, ...init } = {}) =>
      fetch(`${proxy.url}${path}`, {
        ...init,
        ...(json === undefined ? {} : { method: init.method ?? "POST", body: JSON.stringify(json) }),
        headers: {
          Authorization: `SSWS ${API_TOKEN}`,
          "Content-Type": "application/json",
          Accept: "application/json",
          ...init.headers,
        },
      }),
    recorded: () => [...proxy.answers],
    specProblems() {
      const checker = new SpecChecker();
      return proxy.answers.flatMap((answer) => checker.problems(answer));
    },
    async close() {
      await proxy.close();
      await emulator.close();
      await inbox.close();
    },
  };
}

export const PASSWORD = "Correct-Horse-9";
let sequence = 0;

/** A fresh address per call, so that tests never share a user or a mail throttle. */
export function uniqueEmail(name = "ada"): string {
  return `${name}.${process.pid}.${++sequence}@example.com`;
}

export function createUser(client: Client, email = uniqueEmail(), password = PASSWORD): Promise<User> {
  return client.userApi.createUser({
    body: {
      profile: { firstName: "Ada", lastName: "Lovelace", email, login: email },
      credentials: { password: { value: password } },
    },
    activate: true,
  });
}

/** The OktaApiError the SDK threw, failing the test if it threw anything else or nothing. */
export async function oktaErrorOf(promise: Promise<unknown>): Promise<OktaApiError> {
  const error = await promise.then(
    () => new Error("expected an Okta error, got an answer"),
    (thrown: unknown) => thrown,
  );
  if (error instanceof OktaApiError) return error;
  throw error;
}

/** `client.http.postJson` answers parsed JSON, though the SDK's types say Response. */
export async function postJson(client: Client, url: string, body: unknown): Promise<Record<string, unknown>> {
  // RequestOptions extends node-fetch's RequestInit, whose types the SDK does not install.
  const request = { body: JSON.stringify(body) } as Parameters<Client["http"]["postJson"]>[1];
  return (await client.http.postJson(url, request)) as unknown as Record<string, unknown>;
}

export async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
