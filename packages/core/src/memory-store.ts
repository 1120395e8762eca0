import { type Clock, type EphemeralStore, systemClock } from "./ports.js";

interface Entry {
  value: string;
  expiresAt: number;
}

/** How often expired entries are swept, so that the map never grows without bound. */
const SWEEP_INTERVAL_MS = 30_000;

/** The single-process ephemeral store (the default when no `REDIS_URL` is set). */
export class MemoryStore implements EphemeralStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock = systemClock) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) + 1 : 1;
    this.entries.set(key, { value: String(count), expiresAt: entry?.expiresAt ?? this.clock.now() + ttlMs });
    return count;
  }

  async decrement(key: string): Promise<void> {
    const entry = this.live(key);
    if (entry) entry.value = String(Number(entry.value) - 1);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  /** Replaces this store's entries with copies of `other`'s: tests ask "what if" of a copy, leaving `other` as it was. */
  copyFrom(other: MemoryStore): void {
    this.entries.clear();
    for (const [key, entry] of other.entries) this.entries.set(key, { ...entry });
  }

  /** Entries held, expired or not (for tests that check nothing grows without bound). */
  get size(): number {
    return this.entries.size;
  }

  sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.clock.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }
}
