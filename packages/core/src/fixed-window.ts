import type { EphemeralStore } from "./ports.js";

/**
 * A counter over a fixed window of time, as Okta counts its rate limits: windows start on
 * multiples of their length, so every instance (and every caller) agrees on when one resets
 * without asking the store, and the key names its window so that a new window starts at zero.
 * Over any stretch of one window's length, at most twice the limit can pass (the end of one
 * window and the start of the next): the budgets in SECURITY.md are counted that way.
 */
export class FixedWindow {
  readonly key: string;
  /** When the window ends, in milliseconds since the epoch. */
  readonly resetAt: number;

  constructor(
    name: string,
    windowSeconds: number,
    private readonly now: number,
  ) {
    const windowMs = windowSeconds * 1000;
    const index = Math.floor(now / windowMs);
    this.key = `${name}:${index}`;
    this.resetAt = (index + 1) * windowMs;
  }

  /** Whole seconds until the window ends; at least one, as Retry-After wants. */
  get secondsLeft(): number {
    return Math.max(1, Math.ceil((this.resetAt - this.now) / 1000));
  }

  /** Counts one, atomically; the key lives until the window ends. */
  increment(store: EphemeralStore): Promise<number> {
    return store.increment(this.key, this.resetAt - this.now);
  }

  /** Takes one count back; once the window has ended there is nothing to take back. */
  decrement(store: EphemeralStore): Promise<void> {
    return store.decrement(this.key);
  }

  /** The count so far, without counting. */
  async read(store: EphemeralStore): Promise<number> {
    return Number((await store.get(this.key)) ?? 0);
  }
}
