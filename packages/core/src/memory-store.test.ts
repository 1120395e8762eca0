import { describe, expect, it } from "vitest";
import { MemoryStore } from "./memory-store.js";

describe("MemoryStore", () => {
  function setup() {
    let now = 0;
    return { store: new MemoryStore({ now: () => now }), advance: (ms: number) => (now += ms) };
  }

  it("forgets entries after their TTL and sweeps them away", async () => {
    const { store, advance } = setup();
    await store.set("a", "1", 1000);
    expect(await store.get("a")).toBe("1");
    advance(1000);
    expect(await store.get("a")).toBeNull();
    await store.set("b", "1", 10);
    advance(10);
    store.sweep();
    expect(store.size).toBe(0);
  });

  it("copies another store's entries, TTLs included, without sharing them", async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    const copy = new MemoryStore({ now: () => now });
    await store.set("a", "1", 1000);
    await copy.set("stale", "1", 1000);
    copy.copyFrom(store);
    expect(await copy.get("stale")).toBeNull();
    await copy.increment("a", 1000);
    expect(await store.get("a")).toBe("1");
    now += 1000;
    expect(await copy.get("a")).toBeNull();
  });

  it("hands a taken value to one taker only", async () => {
    const { store } = setup();
    await store.set("grant", "x", 1000);
    const taken = await Promise.all([store.take("grant"), store.take("grant"), store.take("grant")]);
    expect(taken.filter((v) => v === "x")).toHaveLength(1);
  });

  it("counts within the window that the first increment opened", async () => {
    const { store, advance } = setup();
    expect(await store.increment("n", 1000)).toBe(1);
    advance(600);
    expect(await store.increment("n", 1000)).toBe(2);
    advance(400);
    expect(await store.increment("n", 1000)).toBe(1);
  });

  it("sets only an absent key with setIfAbsent", async () => {
    const { store } = setup();
    expect(await store.setIfAbsent("k", "1", 1000)).toBe(true);
    expect(await store.setIfAbsent("k", "2", 1000)).toBe(false);
    expect(await store.get("k")).toBe("1");
  });
});
