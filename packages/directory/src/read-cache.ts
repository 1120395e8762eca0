import type { Clock } from "@authsvc/core";

/**
 * The hot reads (a session on every `user.me`, its user) answered from memory. Only for
 * SQLite, where one process owns the file and every write passes through this directory,
 * which drops what a write changes. Entries also expire after `ttlMs`, which bounds what a
 * second process on the same file (not supported) could see stale. Values are frozen:
 * callers share them.
 */
export class ReadCache<T extends object> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.clock.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps `value` (frozen, deeply) and answers it. */
  keep(key: string, value: T): T {
    if (this.maxEntries === 0) return value;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const frozen = deepFreeze(value);
    this.entries.set(key, { value: frozen, until: this.clock.now() + this.ttlMs });
    return frozen;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (typeof child === "object" && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
