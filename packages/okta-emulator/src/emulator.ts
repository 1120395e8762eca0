import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { AuthError, MemoryStore, OneTimeCodes, systemClock } from "@authsvc/core";
import type { Context } from "./context.js";
import { parseBody, readBody, send } from "./http.js";
import { newRequestId } from "./ids.js";
import { createMailer, type MailSent } from "./mail.js";
import { OAuthServer, type ServiceApp, TOKEN_PATH } from "./oauth.js";
import { oktaFailure, outage } from "./okta-errors.js";
import { Org } from "./org.js";
import { Concurrency, RateLimiter } from "./rate-limit.js";
import { findRoute } from "./router.js";
import { defaultSettings, type Engine, parseSettingsPatch, type SettingsPatch } from "./settings.js";

export interface OktaEmulatorOptions {
  /** 0 (the default): any free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** Every Management API request must carry `Authorization: SSWS <apiToken>`. */
  apiToken: string;
  /** Where code mails go; without it, to files in `outboxDir`. */
  smtpUrl?: string;
  /** A temporary directory by default. */
  outboxDir?: string;
  /** Life of an emailed code (Okta's default: 300). */
  otpTtlSeconds?: number;
  /**
   * Least time between two code mails to one user: Okta's 5 s by default. Test suites that
   * run a whole sign-in in milliseconds may lower it (unlike Okta, whose 5 s is fixed).
   */
  resendIntervalSeconds?: number;
  mailFrom?: string;
  /** The engine the org runs (`OKTA_ENGINE`): "identity" by default, as every new org is. */
  engine?: Engine;
  /** OAuth 2.0 service apps registered at start (also settable by `configure`); none by default. */
  serviceApps?: ServiceApp[];
}

/**
 * One API request as the emulator received it: who the caller said the user is. Okta believes
 * X-Forwarded-For only from the org's trusted gateway IPs, and then judges the client by it
 * (network zones, ThreatInsight, the System Log); the emulator believes no one and only records.
 */
export interface ReceivedRequest {
  /** The `stats()` key of the route, or "(unknown path)". */
  route: string;
  /** The X-Forwarded-For header as received; null when absent. */
  forwardedFor: string | null;
  /** The User-Agent header as received; null when absent. */
  userAgent: string | null;
  /** The address the request came from (the caller itself, or a proxy in front). */
  peerIp: string | null;
}

export interface OktaEmulator {
  /** e.g. http://127.0.0.1:PORT, no trailing slash: the SDK's orgUrl. */
  url: string;
  /** Requests per endpoint, keyed "METHOD /api/v1/path/{param}", test controls not counted. */
  stats(): Record<string, number>;
  /** The last RECEIVED_REQUESTS_KEPT API requests, oldest first, test controls not included. */
  requests(): ReceivedRequest[];
  /** Forgets all users, factors, sessions, codes, counters and settings (the engine goes back to the started one). */
  reset(): void;
  configure(settings: SettingsPatch): void;
  close(): Promise<void>;
}

/** Okta mails an email factor's codes at most once per 5 s (E0000118). */
const RESEND_INTERVAL_SECONDS = 5;
const DEFAULT_OTP_TTL_SECONDS = 300;
/** The rate-limit bucket that requests to unknown paths share. */
const UNKNOWN_PATH_KEY = "(unknown path)";
/** Enough for any test's story; a long-running emulator forgets the oldest. */
export const RECEIVED_REQUESTS_KEPT = 1000;

export function startOktaEmulator(options: OktaEmulatorOptions): Promise<OktaEmulator> {
  return startEmulator(options);
}

/** `startOktaEmulator`, and told where each code mail went (the CLI logs it). */
export async function startEmulator(
  options: OktaEmulatorOptions,
  onMailSent?: MailSent,
): Promise<OktaEmulator> {
  const mailer = createMailer(options, onMailSent);
  const newCodes = (store: MemoryStore) =>
    new OneTimeCodes({
      store,
      mailer,
      clock: systemClock,
      ttlSeconds: options.otpTtlSeconds ?? DEFAULT_OTP_TTL_SECONDS,
      resendIntervalSeconds: options.resendIntervalSeconds ?? RESEND_INTERVAL_SECONDS,
      hashKey: randomBytes(32),
      serviceName: "Okta",
    });
  let store = new MemoryStore();
  const startSettings = () => {
    const { engine, serviceApps } = parseSettingsPatch({
      engine: options.engine ?? "identity",
      serviceApps: options.serviceApps ?? [],
    });
    return { ...defaultSettings(engine), serviceApps: serviceApps ?? [] };
  };
  const context: Context = { org: new Org(), codes: newCodes(store), settings: startSettings(), url: "" };
  const limiter = new RateLimiter();
  const concurrency = new Concurrency();
  const oauth = new OAuthServer(
    () => context.settings.serviceApps,
    () => context.url,
  );
  let counts = new Map<string, number>();
  let received: ReceivedRequest[] = [];

  function receive(request: IncomingMessage, route: string): void {
    const header = (name: string) => {
      const value = request.headers[name];
      return value === undefined ? null : String(value);
    };
    received.push({
      route,
      forwardedFor: header("x-forwarded-for"),
      userAgent: header("user-agent"),
      peerIp: request.socket.remoteAddress ?? null,
    });
    if (received.length > RECEIVED_REQUESTS_KEPT) received.shift();
  }

  /** Throws an Error naming the first malformed setting; applies only the settings given. */
  function configure(settings: SettingsPatch): void {
    const patch = parseSettingsPatch(settings);
    if (patch.rateLimit !== undefined) {
      context.settings.rateLimit = patch.rateLimit && { ...patch.rateLimit };
      limiter.clear();
    }
    const { rateLimit: _, failNext, ...plain } = patch;
    Object.assign(context.settings, plain);
    if (failNext !== undefined) context.settings.failNext = failNext && { ...failNext };
  }

  function reset(): void {
    context.org.clear();
    void store.close();
    store = new MemoryStore();
    context.codes = newCodes(store);
    context.settings = startSettings();
    limiter.clear();
    oauth.clear();
    counts = new Map();
    received = [];
  }

  async function api(request: IncomingMessage, response: ServerResponse, url: URL, raw: string) {
    const headers: Record<string, string> = {
      "X-Okta-Request-Id": newRequestId(),
      "Cache-Control": "no-cache, no-store",
    };
    const overConcurrency = concurrency.enter(context.settings.concurrencyLimit, Date.now());
    try {
      const matched = findRoute(request.method ?? "GET", url.pathname);
      const key = matched instanceof AuthError ? UNKNOWN_PATH_KEY : matched.key;
      if (!(matched instanceof AuthError)) counts.set(key, (counts.get(key) ?? 0) + 1);
      receive(request, key);
      const token = request.headers.authorization || null;
      const rate = limiter.take(key, token, context.settings.rateLimit, Date.now());
      Object.assign(headers, rate.headers);
      if (overConcurrency)
        throw Object.assign(oktaFailure("E0000047"), { rateLimitHeaders: overConcurrency });
      if (context.settings.latencyMs > 0) await delay(context.settings.latencyMs);
      if (matched instanceof AuthError) throw matched;
      const failNext = context.settings.failNext;
      if (failNext) {
        if (--failNext.count <= 0) context.settings.failNext = null;
        throw outage(failNext.status);
      }
      const authorization = request.headers.authorization;
      if (OAuthServer.isAccessToken(authorization)) {
        await oauth.authorize(request.headers, request.method ?? "GET", url.pathname, key);
      } else if (!matched.route.public && authorization !== `SSWS ${options.apiToken}`) {
        throw oktaFailure("E0000011");
      }
      if (rate.limited) throw oktaFailure("E0000047");
      const answer = await matched.route.handle(context, {
        params: matched.params,
        query: url.searchParams,
        body: parseBody(raw),
      });
      send(response, answer.status, answer.body, headers);
    } catch (error) {
      if (error instanceof AuthError && error.okta) {
        Object.assign(headers, (error as { rateLimitHeaders?: Record<string, string> }).rateLimitHeaders);
        Object.assign(headers, (error as { challenge?: Record<string, string> }).challenge);
        send(response, error.status, error.okta, headers);
      } else {
        console.error("okta-emulator: unexpected failure", error);
        send(response, 500, oktaFailure("E0000009").okta, headers);
      }
    } finally {
      concurrency.leave();
    }
  }

  /** The org authorization server's token endpoint: OAuth's own error bodies, not Okta's E-codes. */
  async function token(request: IncomingMessage, response: ServerResponse, raw: string) {
    const key = `POST ${TOKEN_PATH}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    receive(request, key);
    const answer = await oauth.token(request.headers, raw);
    send(response, answer.status, answer.body, { "X-Okta-Request-Id": newRequestId(), ...answer.headers });
  }

  function control(request: IncomingMessage, response: ServerResponse, path: string, raw: string): void {
    const route = `${request.method} ${path}`;
    if (route === "GET /__emulator/stats") {
      send(response, 200, Object.fromEntries(counts));
    } else if (route === "GET /__emulator/requests") {
      send(response, 200, received);
    } else if (route === "POST /__emulator/reset") {
      reset();
      send(response, 204);
    } else if (route === "POST /__emulator/config") {
      try {
        configure(JSON.parse(raw || "{}"));
        send(response, 204);
      } catch (error) {
        send(response, 400, { error: (error as Error).message });
      }
    } else {
      send(response, 404, { error: `No emulator control at ${route}` });
    }
  }

  const server = createServer((request, response) => {
    readBody(request)
      .then((raw) => {
        const url = new URL(request.url ?? "/", context.url);
        if (url.pathname.startsWith("/__emulator/")) return control(request, response, url.pathname, raw);
        if (url.pathname === TOKEN_PATH && request.method === "POST") return token(request, response, raw);
        return api(request, response, url, raw);
      })
      .catch(() => {
        if (!response.headersSent) send(response, 400, oktaFailure("E0000003").okta);
      });
  });
  server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const { address, port, family } = server.address() as AddressInfo;
  const host = ["0.0.0.0", "::"].includes(address)
    ? "127.0.0.1"
    : family === "IPv6"
      ? `[${address}]`
      : address;
  context.url = `http://${host}:${port}`;

  return {
    url: context.url,
    stats: () => Object.fromEntries(counts),
    requests: () => [...received],
    reset,
    configure,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await Promise.all([store.close(), mailer.close()]);
    },
  };
}
