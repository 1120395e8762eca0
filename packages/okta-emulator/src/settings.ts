import type { ServiceApp } from "./oauth.js";

export interface RateLimit {
  /** Requests per window to one endpoint, whoever sends them (the org-wide bucket). */
  limit: number;
  windowSeconds: number;
  /**
   * The share of `limit` one API token may use: Okta's default is 50% ("Token and OAuth 2.0 app rate
   * limits", developer.okta.com/docs/reference/rl2-token-oauth). At least one request per window.
   */
  tokenPercent?: number;
}

/**
 * Which Okta engine the org runs. Every org created today is an Identity Engine org; Classic
 * orgs remain. See the README's "Engines" for what differs and where Okta says so.
 */
export type Engine = "identity" | "classic";
export const ENGINES: readonly Engine[] = ["identity", "classic"];

export interface EmulatorSettings {
  engine: Engine;
  /** Requests allowed per endpoint per window; null: never answer 429 for rate. */
  rateLimit: RateLimit | null;
  /** Makes `POST /api/v1/authn` answer MFA_REQUIRED for users with an active factor (a sign-on policy). */
  mfaRequiredOnAuthn: boolean;
  /** The next `count` API requests answer `status`: an outage, to test callers' error handling. */
  failNext: { status: number; count: number } | null;
  /**
   * API requests the org processes at once; one more answers 429 E0000047 with the concurrency
   * values in X-Rate-Limit-*. null: no limit (Okta's default is 75; "Concurrency limits",
   * developer.okta.com/docs/reference/rl2-concurrency).
   */
  concurrencyLimit: number | null;
  /** Every API answer waits this long: Okta's own latency, so that requests overlap as they do in production. */
  latencyMs: number;
  /**
   * The password policy's "Show lockout failures": authn answers a locked user LOCKED_OUT instead
   * of E0000004 (off by default, as in Okta).
   */
  showLockoutFailures: boolean;
  /**
   * An enrolment policy that requires a factor at authn: after the right password, a user without
   * the email factor active is asked to enrol it, one with it active to enrol Google Authenticator
   * (MFA_ENROLL, with no sessionToken).
   */
  mfaEnrollOnAuthn: boolean;
  /** The OAuth 2.0 service apps registered in the org (see oauth.ts); none by default. */
  serviceApps: ServiceApp[];
}

export type SettingsPatch = Partial<EmulatorSettings>;

export const defaultSettings = (engine: Engine = "identity"): EmulatorSettings => ({
  engine,
  rateLimit: null,
  mfaRequiredOnAuthn: false,
  failNext: null,
  concurrencyLimit: null,
  latencyMs: 0,
  showLockoutFailures: false,
  mfaEnrollOnAuthn: false,
  serviceApps: [],
});

const BOOLEAN_SETTINGS = ["mfaRequiredOnAuthn", "showLockoutFailures", "mfaEnrollOnAuthn"] as const;
const SETTINGS: readonly string[] = [
  "engine",
  "rateLimit",
  "failNext",
  "concurrencyLimit",
  "latencyMs",
  "serviceApps",
  ...BOOLEAN_SETTINGS,
];
/** Far above any latency Okta shows; keeps a typo from hanging a test suite. */
const MAX_LATENCY_MS = 10_000;

const isPositiveInteger = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) > 0;

/** Checks a settings patch, also as received as JSON by `POST /__emulator/config`; throws a readable Error. */
export function parseSettingsPatch(value: unknown): SettingsPatch {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("settings must be an object");
  }
  const patch = value as Record<string, unknown>;
  for (const key of Object.keys(patch)) {
    if (!SETTINGS.includes(key)) throw new Error(`unknown setting ${key}`);
  }
  if (patch.engine !== undefined && !ENGINES.includes(patch.engine as Engine)) {
    throw new Error(`engine must be one of ${ENGINES.join(", ")}`);
  }
  const { rateLimit, failNext } = patch as Record<string, Record<string, unknown> | null>;
  if (
    rateLimit !== undefined &&
    rateLimit !== null &&
    !(
      isPositiveInteger(rateLimit.limit) &&
      isPositiveInteger(rateLimit.windowSeconds) &&
      (rateLimit.tokenPercent === undefined ||
        (isPositiveInteger(rateLimit.tokenPercent) && rateLimit.tokenPercent <= 100))
    )
  ) {
    throw new Error(
      "rateLimit must be null or { limit, windowSeconds, tokenPercent? }, positive integers (tokenPercent 1..100)",
    );
  }
  for (const key of BOOLEAN_SETTINGS) {
    if (patch[key] !== undefined && typeof patch[key] !== "boolean")
      throw new Error(`${key} must be a boolean`);
  }
  if (
    patch.concurrencyLimit !== undefined &&
    patch.concurrencyLimit !== null &&
    !isPositiveInteger(patch.concurrencyLimit)
  ) {
    throw new Error("concurrencyLimit must be null or a positive integer");
  }
  const latency = patch.latencyMs;
  if (
    latency !== undefined &&
    !(Number.isInteger(latency) && (latency as number) >= 0 && (latency as number) <= MAX_LATENCY_MS)
  ) {
    throw new Error(`latencyMs must be an integer from 0 to ${MAX_LATENCY_MS}`);
  }
  if (
    failNext !== undefined &&
    failNext !== null &&
    !(
      isPositiveInteger(failNext.count) &&
      isPositiveInteger(failNext.status) &&
      failNext.status >= 400 &&
      failNext.status <= 599
    )
  ) {
    throw new Error("failNext must be null or { status: 400..599, count: a positive integer }");
  }
  if (patch.serviceApps !== undefined) checkServiceApps(patch.serviceApps);
  return patch as SettingsPatch;
}

/** Each app: a client id, a public JWK (RSA or EC, no private part), granted scopes, dpop a boolean. */
function checkServiceApps(value: unknown): void {
  const problem =
    "serviceApps must be a list of { clientId, publicKey: a public RSA or EC JWK, scopes: [string], dpop: boolean }";
  if (!Array.isArray(value)) throw new Error(problem);
  for (const app of value as Record<string, unknown>[]) {
    const key = app?.publicKey as Record<string, unknown> | undefined;
    const valid =
      typeof app?.clientId === "string" &&
      app.clientId !== "" &&
      typeof key === "object" &&
      key !== null &&
      (key.kty === "RSA" || key.kty === "EC") &&
      key.d === undefined &&
      Array.isArray(app.scopes) &&
      app.scopes.every((scope) => typeof scope === "string") &&
      typeof app.dpop === "boolean";
    if (!valid) throw new Error(problem);
  }
}
