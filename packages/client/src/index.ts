import { MAX_CALLS_PER_BATCH } from "@authsvc/core/batching";
// Type-only: a frontend bundle gets the router's types, never the server's code.
import type { AppRouter, RouterInputs, RouterOutputs, ServiceErrorData } from "@authsvc/server";
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from "@trpc/client";

export type { ErrorBody, ErrorCode, ErrorReason, ValidationDetail } from "@authsvc/core/contract";
export { ERROR_CODES, ERROR_REASONS } from "@authsvc/core/contract";
export type { AppRouter, RouterInputs, RouterOutputs, ServiceErrorData };

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
export type AuthClientError = TRPCClientError<AppRouter>;

/** True when `error` came from the service, with its code and details in `error.data`. */
export function isAuthClientError(error: unknown): error is AuthClientError {
  return error instanceof TRPCClientError;
}

export * from "./session.js";
