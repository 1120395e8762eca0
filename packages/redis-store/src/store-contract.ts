import type { EphemeralStore } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** Real time: Redis expires keys by its own clock, so the contract cannot use a test clock. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every EphemeralStore answers, asserted identically for each: MemoryStore and RedisStore must
 * be interchangeable under the operations. `open` gives a fresh, empty store each time.
 */
export function ephemeralStoreContract(name: string, open: () => Promise<EphemeralStore>): void {
  describe(`${name} keeps the EphemeralStore contract`, () => {
    let store: EphemeralStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it("answers null for a key never set", async () => {
      expect(await store.get("absent")).toBeNull();
      expect(await store.take("absent")).toBeNull();
    });

    it("keeps any string until its TTL, then forgets it", async () => {
      const json = JSON.stringify({ name: "Zoë 🔑", n: 1 });
      await store.set("json", json, 150);
      await store.set("empty", "", 150);
      expect(await store.get("json")).toBe(json);
      expect(await store.get("empty")).toBe("");

      await sleep(250);

      expect(await store.get("json")).toBeNull();
      expect(await store.take("empty")).toBeNull();
    });

    it("replaces the value and the TTL on set", async () => {
      await store.set("k", "first", 100);
      await store.set("k", "second", 5000);
      await sleep(200);
      expect(await store.get("k")).toBe("second");
    });

    it("sets only an absent key with setIfAbsent, and again once the key expired", async () => {
      expect(await store.setIfAbsent("k", "1", 150)).toBe(true);
      expect(await store.setIfAbsent("k", "2", 150)).toBe(false);
      expect(await store.get("k")).toBe("1");
      await store.set("other", "x", 1000);
      expect(await store.setIfAbsent("other", "y", 1000)).toBe(false);

      await sleep(250);

      expect(await store.setIfAbsent("k", "3", 1000)).toBe(true);
      expect(await store.get("k")).toBe("3");
    });

    it("lets one of many concurrent setIfAbsent calls win", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setIfAbsent("lock", String(i), 1000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("takes a value once: it is gone afterwards", async () => {
      await store.set("grant", "x", 1000);
      expect(await store.take("grant")).toBe("x");
      expect(await store.take("grant")).toBeNull();
      expect(await store.get("grant")).toBeNull();
    });

    it("hands a taken value to one of many concurrent takers", async () => {
      await store.set("grant", "x", 1000);
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take("grant")));
      expect(taken.filter((value) => value === "x")).toHaveLength(1);
      expect(taken.filter((value) => value === null)).toHaveLength(19);
    });

    it("counts from one, and get reads the count", async () => {
      expect(await store.increment("n", 1000)).toBe(1);
      expect(await store.increment("n", 1000)).toBe(2);
      expect(await store.increment("n", 1000)).toBe(3);
      expect(await store.get("n")).toBe("3");
    });

    it("counts within the window that the first increment opened", async () => {
      expect(await store.increment("n", 400)).toBe(1);
      await sleep(250);
      // A later increment does not extend the window...
      expect(await store.increment("n", 400)).toBe(2);
      await sleep(250);
      // ...so 500 ms after the first, the count starts again.
      expect(await store.increment("n", 400)).toBe(1);
    });

    it("counts concurrent increments once each", async () => {
      const counts = await Promise.all(Array.from({ length: 30 }, () => store.increment("n", 1000)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    it("takes back a count with decrement, within the same window, and never revives an expired one", async () => {
      await store.increment("n", 300);
      await store.increment("n", 300);
      await store.decrement("n");
      expect(await store.get("n")).toBe("1");
      expect(await store.increment("n", 300)).toBe(2);
      await sleep(400);
      await store.decrement("n");
      await store.decrement("absent");
      expect(await store.get("n")).toBeNull();
      expect(await store.get("absent")).toBeNull();
      expect(await store.increment("n", 300)).toBe(1);
    });

    it("deletes a key, and nothing else; deleting an absent key is fine", async () => {
      await store.set("a", "1", 1000);
      await store.set("b", "2", 1000);
      await store.increment("c", 1000);

      await store.delete("a");
      await store.delete("c");
      await store.delete("absent");

      expect(await store.get("a")).toBeNull();
      expect(await store.get("b")).toBe("2");
      expect(await store.increment("c", 1000)).toBe(1);
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
