import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache.js";

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TtlCache", () => {
  it("forgets an entry once its time is up", () => {
    const time = clock();
    const cache = new TtlCache<string>(1000, 10, time);
    cache.set("a", "1");
    time.advance(999);
    expect(cache.get("a")).toBe("1");
    time.advance(1);
    expect(cache.get("a")).toBeUndefined();
  });

  it("makes room by dropping the oldest entry", () => {
    const cache = new TtlCache<number>(1000, 2, clock());
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    cache.set("c", 4);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([3, undefined, 4]);
  });

  it("holds about a TTL's worth of entries, not its size in expired ones", () => {
    const time = clock();
    const cache = new TtlCache<number>(1000, 10_000, time);
    for (let i = 0; i < 5000; i++) {
      cache.set(`session-${i}`, i);
      time.advance(1);
    }
    expect(cache.size).toBe(1000);
    time.advance(1000);
    cache.set("late", 1);
    expect(cache.size).toBe(1);
    expect(cache.get("late")).toBe(1);
  });

  it("keeps an entry set again for a TTL from then, behind the entries set since", () => {
    const time = clock();
    const cache = new TtlCache<number>(1000, 10, time);
    cache.set("a", 1);
    time.advance(600);
    cache.set("b", 2);
    cache.set("a", 3);
    time.advance(600);
    cache.set("c", 4);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([3, 2, 4]);
  });

  it("keeps nothing with a TTL or a size of 0", () => {
    for (const cache of [new TtlCache<number>(0), new TtlCache<number>(1000, 0)]) {
      cache.set("a", 1);
      expect(cache.get("a")).toBeUndefined();
    }
  });
});
