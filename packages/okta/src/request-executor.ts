import { DefaultRequestExecutor } from "@okta/okta-sdk-nodejs";

type Request = Parameters<DefaultRequestExecutor["buildRetryRequest"]>[0];
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
 */
export class TimeBoundRequestExecutor extends DefaultRequestExecutor {
  /** `observe`: told of every answer (each retry's too) and of every call that got none. */
  constructor(
    config: ExecutorConfig,
    private readonly observe?: OktaCallObserver,
  ) {
    super(config);
  }

  override fetch(request: Request) {
    const answered = super.fetch(request);
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
