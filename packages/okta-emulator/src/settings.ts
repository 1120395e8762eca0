import type { ServiceApp } from "./oauth.js";

export interface RateLimit {
  limit: number;
  windowSeconds: number;
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
  /** The OAuth 2.0 service apps registered in the org (see oauth.ts); none by default. */
  serviceApps: ServiceApp[];
}

export type SettingsPatch = Partial<EmulatorSettings>;

export const defaultSettings = (engine: Engine = "identity"): EmulatorSettings => ({
  engine,
  rateLimit: null,
  mfaRequiredOnAuthn: false,
  failNext: null,
  serviceApps: [],
});

const isPositiveInteger = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) > 0;

/** Checks a settings patch, also as received as JSON by `POST /__emulator/config`; throws a readable Error. */
export function parseSettingsPatch(value: unknown): SettingsPatch {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("settings must be an object");
  }
  const patch = value as Record<string, unknown>;
  for (const key of Object.keys(patch)) {
    if (!["engine", "rateLimit", "mfaRequiredOnAuthn", "failNext", "serviceApps"].includes(key))
      throw new Error(`unknown setting ${key}`);
  }
  if (patch.engine !== undefined && !ENGINES.includes(patch.engine as Engine)) {
    throw new Error(`engine must be one of ${ENGINES.join(", ")}`);
  }
  const { rateLimit, mfaRequiredOnAuthn, failNext } = patch as Record<string, Record<string, unknown> | null>;
  if (
    rateLimit !== undefined &&
    rateLimit !== null &&
    !(isPositiveInteger(rateLimit.limit) && isPositiveInteger(rateLimit.windowSeconds))
  ) {
    throw new Error("rateLimit must be null or { limit, windowSeconds }, positive integers");
  }
  if (mfaRequiredOnAuthn !== undefined && typeof mfaRequiredOnAuthn !== "boolean") {
    throw new Error("mfaRequiredOnAuthn must be a boolean");
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
