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
type ExecutorConfig = ConstructorParameters<typeof DefaultRequestExecutor>[0];

/** One HTTP exchange with Okta, as an observer (the service's metrics) is told of it. */
export interface OktaCall {
  method: string;
  /** The path with its ids as `{id}` (`/api/v1/users/{id}/factors`): a bounded set of names. */
  endpoint: string;
  /** Okta's status, or "error" when no answer came (unreachable, timed out). */
  status: number | "error";
  /** Okta's X-Rate-Limit-Remaining for this endpoint, when it sent one. */
  rateLimitRemaining: number | undefined;
}

export type OktaCallObserver = (call: OktaCall) => void;

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

  /** `observe`: told of every answer (each retry's too) and of every call that got none. */
  constructor(
    config: ExecutorConfig & { serviceApp?: ServiceAppTokens },
    private readonly observe?: OktaCallObserver,
  ) {
    super(config);
    this.serviceApp = config.serviceApp;
  }

  override fetch(request: Request): Promise<Response> {
    const answered = this.authorizedFetch(request);
    if (!this.observe) return answered;
    return answered.catch((error: unknown) => {
      this.observe?.({
        method: methodOf(request),
        endpoint: endpointOf(request.url),
        status: "error",
        rateLimitRemaining: undefined,
      });
      throw error;
    });
  }

  private async authorizedFetch(request: Request): Promise<Response> {
    const serviceApp = this.serviceApp;
    const method = methodOf(request);
    if (!serviceApp || isUnauthenticatedUnderOAuth(method, request.url)) return super.fetch(request);
    request.headers = { ...request.headers, ...(await serviceApp.headersFor(method, request.url)) };
    const response: Response = await super.fetch(request);
    // A token Okta no longer takes (revoked, or the app's key rotated): once more with a new one.
    if (response.status === 401 && !request.tokenRenewed) {
      serviceApp.forget();
      request.tokenRenewed = true;
      return this.authorizedFetch(request);
    }
    if (response.status === 403) assertScopeGranted(method, request.url, response);
    return response;
  }

  override parseResponse(request: Request, response: Response) {
    if (this.observe) {
      const remaining = response.headers.get("x-rate-limit-remaining");
      this.observe({
        method: methodOf(request),
        endpoint: endpointOf(request.url),
        status: response.status,
        rateLimitRemaining: remaining === null ? undefined : Number(remaining),
      });
    }
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
    `Okta refused ${method} ${endpointOf(url)}: the service app's token lacks the scope ${scope}; grant it to the app in Okta and list it in OKTA_SCOPES`,
  );
}

function elapsedMs(request: Request): number {
  return request.startTime ? Date.now() - request.startTime.getTime() : 0;
}

function methodOf(request: Request): string {
  return ((request as { method?: string }).method ?? "GET").toUpperCase();
}

/** Collections whose next path segment is an id (or a login): named `{id}`, never the value. */
const ID_COLLECTIONS = new Set(["users", "factors", "sessions", "groups", "apps"]);

/** The path of an Okta URL with its ids replaced, so that a metric's labels stay few and hold no login. */
export function endpointOf(url: string | undefined): string {
  const path = URL.canParse(url ?? "") ? new URL(url as string).pathname : "unknown";
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1] as string;
    if (ID_COLLECTIONS.has(previous) && segments[i] !== "me" && segments[i] !== "") segments[i] = "{id}";
  }
  return segments.join("/");
}
