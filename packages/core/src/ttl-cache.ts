import { type Clock, systemClock } from "./ports.js";

/**
 * A small in-process map whose entries expire, bounded so that a flood of distinct keys
 * cannot grow it without limit (the oldest entry makes room). A TTL or size of 0 keeps
 * nothing. For read caches inside one process; shared state belongs in the EphemeralStore.
 *
 * Every entry lives the same TTL and a set moves its key to the end, so the map is in expiry
 * order: each set drops the expired entries at its front. The map then holds about a TTL's worth
 * of sets, not the last `maxEntries` ever made (after a login storm, thousands of dead sessions).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly clock: Clock = systemClock,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.clock.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(key);
    const now = this.clock.now();
    for (const [oldKey, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(oldKey);
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held, expired or not (for tests that check what the cache keeps). */
  get size(): number {
    return this.entries.size;
  }
}
