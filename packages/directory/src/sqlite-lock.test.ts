import { monitorEventLoopDelay } from "node:perf_hooks";
import { AuthError } from "@authsvc/core";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteBackend } from "./test-backends.js";
import { ada, Harness } from "./test-harness.js";

const grace = { ...ada, email: "grace@example.com", firstName: "Grace", lastName: "Hopper" };

/** Another program's connection to the directory's file, holding SQLite's write lock. */
function holdWriteLock(file: string): { release(): void } {
  const other = new Database(file);
  other.exec("BEGIN IMMEDIATE");
  return {
    release() {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
    },
  };
}

/** Runs `work`, and answers how long it took and the longest the event loop was held meanwhile. */
async function timed<T>(work: () => Promise<T>) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const start = performance.now();
  const outcome: { value?: T; error?: unknown } = await work().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const ms = performance.now() - start;
  loop.disable();
  return { ...outcome, ms, loopHeldMs: loop.max / 1e6 };
}

describe("the SQLite directory while another connection holds the write lock", () => {
  let h: Harness;
  let userId: string;
  let lock: { release(): void } | undefined;

  beforeEach(async () => {
    h = await Harness.start(sqliteBackend);
    userId = await h.activeUser();
  });
  afterEach(async () => {
    lock?.release();
    lock = undefined;
    await h.dispose();
  });

  const file = () => (h.database.target as { databaseFile: string }).databaseFile;

  it("refuses a write with SERVICE_UNAVAILABLE and a Retry-After, quickly, without holding the event loop", async () => {
    lock = holdWriteLock(file());
    const { error, ms, loopHeldMs } = await timed(() => h.directory.createUser(grace));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503 });
    expect((error as AuthError).retryAfter).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(1500);
    // The old busy wait held it for its whole five seconds; the bound leaves room for a busy machine.
    expect(loopHeldMs).toBeLessThan(250);
  });

  it("answers reads at once meanwhile (WAL: readers do not wait for the writer)", async () => {
    // A directory of its own, so nothing comes from the first one's memory; opened before the lock,
    // since opening applies migrations, which write.
    const fresh = await h.newDirectory();
    lock = holdWriteLock(file());
    try {
      const { value, ms } = await timed(() => fresh.getUser(userId));
      expect(value?.profile.email).toBe(ada.email);
      expect(ms).toBeLessThan(100);
    } finally {
      await fresh.close();
    }
  });

  it("writes once the lock is released within the wait, once", async () => {
    const check = await h.directory.checkPassword(ada.email, ada.password);
    lock = holdWriteLock(file());
    setTimeout(() => lock?.release(), 150);
    const { value, error, ms } = await timed(() => h.directory.createSession(check));
    expect(error).toBeUndefined();
    expect(value?.userId).toBe(userId);
    // It waited for the release (a timer can fire: the event loop was free meanwhile).
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(await h.rows("SELECT id FROM sessions")).toEqual([{ id: value?.id }]);
  });

  it("refuses a sign-in's session the same way, and creates it once the lock is gone", async () => {
    const check = await h.directory.checkPassword(ada.email, ada.password);
    lock = holdWriteLock(file());
    await expect(h.directory.createSession(check)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    lock.release();
    lock = undefined;
    await expect(h.directory.createSession(check)).resolves.toMatchObject({ userId });
  });
});
