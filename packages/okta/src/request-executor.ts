import { DefaultRequestExecutor } from "@okta/okta-sdk-nodejs";

type Request = Parameters<DefaultRequestExecutor["buildRetryRequest"]>[0];
type Response = Parameters<DefaultRequestExecutor["parseResponse"]>[1];
type RetryRequest = ReturnType<DefaultRequestExecutor["buildRetryRequest"]> & { timeout?: number };

/**
 * The SDK's executor, with each request aborted after `requestTimeout` and a 429 retried
 * after Okta's X-Rate-Limit-Reset when that comes within it. Two fixes to SDK 8.1.0:
 * - a 429 it will not wait for is answered as Okta sent it, where the SDK rejects with a
 *   bare Error and Okta's error (E0000047, or E0000118 for a mail sent < 5 s ago) is lost;
 * - a retry gets the time really left, where the SDK counts the wait twice (its elapsed
 *   time already includes it) and a retry that fits is aborted at once.
 */
export class TimeBoundRequestExecutor extends DefaultRequestExecutor {
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

function elapsedMs(request: Request): number {
  return request.startTime ? Date.now() - request.startTime.getTime() : 0;
}
