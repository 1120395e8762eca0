import type { RateLimit } from "./settings.js";

/** What the headers report when no limit is configured: Okta's common per-endpoint limit. */
const NOMINAL: RateLimit = { limit: 600, windowSeconds: 60 };
/** Okta's default ceiling of one API token or OAuth 2.0 app: half of each bucket (rl2-token-oauth). */
const DEFAULT_TOKEN_PERCENT = 50;

interface Window {
  endsAt: number;
  count: number;
}

/**
 * Fixed windows per endpoint, as Okta's rate-limit buckets; a window ends on a whole second. A request
 * made with a token also counts against that token's share of the bucket (by default half of it). The
 * X-Rate-Limit-* headers report the bucket; a request refused by the token's share reports that share
 * ("the rate limit ceiling that is applicable for the current request", rl-best-practices). Okta's
 * documents do not say which of the two its headers show below the share: this is the emulator's reading.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  /**
   * Counts one request to `key`, made with `token` (null: none, as authn): the X-Rate-Limit-* headers
   * to send and whether it is over the limit.
   */
  take(key: string, token: string | null, configured: RateLimit | null, now: number) {
    const { limit, windowSeconds, tokenPercent = DEFAULT_TOKEN_PERCENT } = configured ?? NOMINAL;
    const org = this.count(key, windowSeconds, now);
    const ceilings = [{ window: org, limit }];
    if (token !== null) {
      const share = Math.max(1, Math.floor((limit * tokenPercent) / 100));
      ceilings.unshift({ window: this.count(`${key}\u0000${token}`, windowSeconds, now), limit: share });
    }
    const over = ceilings.find(({ window, limit }) => window.count > limit);
    const reported = over ?? { window: org, limit };
    const remaining = Math.max(0, reported.limit - reported.window.count);
    return {
      limited: configured !== null && over !== undefined,
      headers: {
        "X-Rate-Limit-Limit": String(reported.limit),
        "X-Rate-Limit-Remaining": String(remaining),
        "X-Rate-Limit-Reset": String(reported.window.endsAt / 1000),
      },
    };
  }

  clear(): void {
    this.windows.clear();
  }

  private count(key: string, windowSeconds: number, now: number): Window {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      // A whole-second end: the SDK waits until X-Rate-Limit-Reset (seconds) by the Date header, so a
      // retry it schedules lands after the window really ended.
      window = { endsAt: Math.ceil((now + windowSeconds * 1000) / 1000) * 1000, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window;
  }
}

/**
 * Okta's concurrency limit: requests of the org being processed at once. One over it answers 429
 * with the concurrent values in the headers (limit, 0 remaining, a reset that is "only an estimate":
 * the next second here). developer.okta.com/docs/reference/rl2-concurrency and rl-best-practices.
 */
export class Concurrency {
  private inFlight = 0;

  /** Counts a request in; the headers of its refusal when that makes more than `limit`. */
  enter(limit: number | null, now: number): Record<string, string> | null {
    this.inFlight += 1;
    if (limit === null || this.inFlight <= limit) return null;
    return {
      "X-Rate-Limit-Limit": String(limit),
      "X-Rate-Limit-Remaining": "0",
      "X-Rate-Limit-Reset": String(Math.floor(now / 1000) + 1),
    };
  }

  leave(): void {
    this.inFlight -= 1;
  }
}
