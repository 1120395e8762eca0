import { DefaultRequestExecutor } from "@okta/okta-sdk-nodejs";
import { isUnauthenticatedUnderOAuth, type ServiceAppTokens } from "./service-app.js";

type Request = Parameters<DefaultRequestExecutor["buildRetryRequest"]>[0] & {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Set once a call was repeated with a new access token, so that it is repeated once at most. */
  tokenRenewed?: boolean;
};
type Response = Parameters<DefaultRequestExecutor["parseResponse"]>[1];
type RetryRequest = ReturnType<DefaultRequestExecutor["buildRetryRequest"]> & { timeout?: number };

/**
 * The SDK's executor, with each request aborted after `requestTimeout` and a 429 retried
 * after Okta's X-Rate-Limit-Reset when that comes within it. Two fixes to SDK 8.1.0:
 * - a 429 it will not wait for is answered as Okta sent it, where the SDK rejects with a
 *   bare Error and Okta's error (E0000047, or E0000118 for a mail sent < 5 s ago) is lost;
 * - a retry gets the time really left, where the SDK counts the wait twice (its elapsed
 *   time already includes it) and a retry that fits is aborted at once.
 * With a service app, it also authorizes each request (see ServiceAppTokens): every try of a
 * call, retries included, gets its own DPoP proof.
 */
export class TimeBoundRequestExecutor extends DefaultRequestExecutor {
  private readonly serviceApp: ServiceAppTokens | undefined;

  constructor(config: { requestTimeout: number; maxRetries: number; serviceApp?: ServiceAppTokens }) {
    super(config);
    this.serviceApp = config.serviceApp;
  }

  override async fetch(request: Request): Promise<Response> {
    const serviceApp = this.serviceApp;
    const method = (request.method ?? "GET").toUpperCase();
    if (!serviceApp || isUnauthenticatedUnderOAuth(method, request.url)) return super.fetch(request);
    request.headers = { ...request.headers, ...(await serviceApp.headersFor(method, request.url)) };
    const response: Response = await super.fetch(request);
    // A token Okta no longer takes (revoked, or the app's key rotated): once more with a new one.
    if (response.status === 401 && !request.tokenRenewed) {
      serviceApp.forget();
      request.tokenRenewed = true;
      return this.fetch(request);
    }
    if (response.status === 403) assertScopeGranted(method, request.url, response);
    return response;
  }

  override parseResponse(request: Request, response: Response) {
    if (response.status === 429 && this.retryWouldOverrun(request, response)) return response;
    return super.parseResponse(request, response);
  }

  override buildRetryRequest(request: Request, requestId: string, delayMs: number): RetryRequest {
    const retry: RetryRequest = super.buildRetryRequest(request, requestId, delayMs);
    retry.timeout = Math.max(1, this.requestTimeout - elapsedMs(request));
    return retry;
  }

  private retryWouldOverrun(request: Request, response: Response): boolean {
    const elapsed = elapsedMs(request);
    return elapsed >= this.requestTimeout || elapsed + this.getRetryDelayMs(response) >= this.requestTimeout;
  }
}

/**
 * Okta answers a token without the operation's scope with 403 E0000006 and says which scope in
 * `WWW-Authenticate: Bearer …, scope="…", error="insufficient_scope"`
 * (https://support.okta.com/help/s/article/insufficient-scope-error-when-making-a-request-to-an-oauth-or-management-endpoint).
 * That is the service's set-up, not the user's doing: a server error naming the scope, for the log.
 */
function assertScopeGranted(method: string, url: string, response: Response): void {
  const challenge = response.headers.get("www-authenticate") ?? "";
  if (!challenge.includes('error="insufficient_scope"')) return;
  const scope = /scope="([^"]*)"/.exec(challenge)?.[1] ?? "(unnamed)";
  throw new Error(
    `Okta refused ${method} ${withoutIds(url)}: the service app's token lacks the scope ${scope}; grant it to the app in Okta and list it in OKTA_SCOPES`,
  );
}

/** The call's path with ids left out: a session id is a bearer secret, never logged. */
function withoutIds(url: string): string {
  return new URL(url).pathname.replace(/\/(users|factors|sessions)\/[^/]+/g, "/$1/{id}");
}

function elapsedMs(request: Request): number {
  return request.startTime ? Date.now() - request.startTime.getTime() : 0;
}
