import type { RateLimit } from "./settings.js";

/** What the headers report when no limit is configured: Okta's common per-endpoint limit. */
const NOMINAL: RateLimit = { limit: 600, windowSeconds: 60 };

interface Window {
  endsAt: number;
  count: number;
}

/** Fixed windows per endpoint, as Okta's rate-limit buckets; a window ends on a whole second. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  /** Counts one request to `key`: the X-Rate-Limit-* headers to send and whether it is over the limit. */
  take(key: string, configured: RateLimit | null, now: number) {
    const { limit, windowSeconds } = configured ?? NOMINAL;
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      // A whole-second end: the SDK waits until X-Rate-Limit-Reset (seconds) by the Date header, so a
      // retry it schedules lands after the window really ended.
      window = { endsAt: Math.ceil((now + windowSeconds * 1000) / 1000) * 1000, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return {
      limited: configured !== null && window.count > limit,
      headers: {
        "X-Rate-Limit-Limit": String(limit),
        "X-Rate-Limit-Remaining": String(Math.max(0, limit - window.count)),
        "X-Rate-Limit-Reset": String(window.endsAt / 1000),
      },
    };
  }

  clear(): void {
    this.windows.clear();
  }
}
