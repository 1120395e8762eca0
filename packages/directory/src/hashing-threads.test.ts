import { describe, expect, it, vi } from "vitest";
import { HashingThreads } from "./hashing-threads.js";

/** argon2id at a small cost: the threads are under test here, not the parameters. */
const CHEAP = { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe("HashingThreads", () => {
  it("holds one thread, adds threads while hashes wait (up to its size) and lets the spare ones go once idle", async () => {
    const pool = new HashingThreads(3, 100);
    expect(pool.threads).toBe(1);

    const passwords = Array.from({ length: 8 }, (_, i) => `Password-${i}`);
    const hashes = await Promise.all(passwords.map((p) => pool.run<string>("hash", [p, CHEAP])));
    expect(pool.threads).toBe(3);
    const checks = await Promise.all(hashes.map((h, i) => pool.run<boolean>("verify", [h, passwords[i]])));
    expect(checks).toEqual(passwords.map(() => true));
    expect(await pool.run<boolean>("verify", [hashes[0], "wrong"])).toBe(false);

    await vi.waitFor(() => expect(pool.threads).toBe(1), { timeout: 5000, interval: 20 });
    expect(await pool.run<boolean>("verify", [hashes[1], passwords[1]])).toBe(true);
  });

  it("never starts more threads than its size", async () => {
    const pool = new HashingThreads(1);
    await Promise.all(Array.from({ length: 4 }, (_, i) => pool.run("hash", [`Password-${i}`, CHEAP])));
    expect(pool.threads).toBe(1);
  });
});
