import type { OneTimeCodes } from "@authsvc/core";
import type { Org } from "./org.js";
import type { EmulatorSettings } from "./settings.js";

/** What a route handler works with: the org's state, the code mailer and the current settings. */
export interface Context {
  org: Org;
  codes: OneTimeCodes;
  settings: EmulatorSettings;
  /** The emulator's own URL, base of every `_links` href. */
  url: string;
}

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** A successful answer; `body` undefined sends none. */
export interface Answer {
  status: number;
  body?: unknown;
}

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** Okta's path with `{name}` parameters; "METHOD path" is also the route's key in `stats()`. */
  path: string;
  /** Okta lets these be called without an API token. */
  public?: boolean;
  handle(context: Context, request: ApiRequest): Answer | Promise<Answer>;
}

export const ok = (body: unknown): Answer => ({ status: 200, body });
export const noContent: Answer = { status: 204 };

/** A string field of a JSON body, or undefined when absent or not a string. */
export function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === "string" ? value : undefined;
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
