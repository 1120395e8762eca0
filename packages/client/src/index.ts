// Bundled into the package at build time: it ships these values, not an import of @authsvc/core.
import { MAX_CALLS_PER_BATCH } from "@authsvc/core/batching";
import { ERROR_CODES, ERROR_REASONS, type ErrorCode } from "@authsvc/core/errors";
// Type-only: a frontend bundle gets the router's types, never the server's code.
import type { ServiceErrorData } from "@authsvc/server";
import { createTRPCClient, httpBatchLink, type TRPCClient, type TRPCClientError } from "@trpc/client";
import type { AppRouter, RouterInputs, RouterOutputs } from "./router-types.js";

export type { ErrorBody, ErrorCode, ErrorReason, ValidationDetail } from "@authsvc/core/errors";
export type { AppRouter, RouterInputs, RouterOutputs, ServiceErrorData };
export { ERROR_CODES, ERROR_REASONS };

export interface AuthClientOptions {
  /** The service's base URL, e.g. https://auth.example.com (the client adds /trpc). */
  url: string;
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  fetch?: typeof globalThis.fetch;
}

/**
 * The longest URL a batch may have: what browsers and proxies pass everywhere. Inputs
 * go in the body, so only the procedures' paths count, and a full batch of them is far shorter.
 */
const MAX_URL_LENGTH = 2083;

/**
 * The typed client. Queries go by POST too, so that session ids and tokens never
 * sit in a URL (and so in an access log). Calls made together share a request, at
 * most as many as the server takes in one batch.
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/$/, "")}/trpc`,
        methodOverride: "POST",
        maxItems: MAX_CALLS_PER_BATCH,
        maxURLLength: MAX_URL_LENGTH,
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      }),
    ],
  });
}

export type AuthClient = TRPCClient<AppRouter>;
/** An error the service answered: its code and details are in `data`. */
export type AuthClientError = TRPCClientError<AppRouter> & {
  readonly data: NonNullable<TRPCClientError<AppRouter>["data"]>;
};

const KNOWN_CODES: ReadonlySet<unknown> = new Set<ErrorCode>(ERROR_CODES);

/**
 * True when `error` is the service's answer, with its code and details in `error.data`;
 * false for a request that never got one (an abort, a network failure).
 *
 * It checks the error's name and data rather than `instanceof`: an app that makes its own
 * client (React Query's bindings do) may hold another copy of `@trpc/client`, whose
 * errors are not instances of this copy's class.
 */
export function isAuthClientError(error: unknown): error is AuthClientError {
  if (typeof error !== "object" || error === null) return false;
  const { name, data } = error as { name?: unknown; data?: unknown };
  return (
    name === "TRPCClientError" &&
    typeof data === "object" &&
    data !== null &&
    KNOWN_CODES.has((data as { error?: unknown }).error)
  );
}

export * from "./session.js";
