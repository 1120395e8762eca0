import { afterEach, describe, expect, it } from "vitest";
import { ReadCache } from "./read-cache.js";
import { describeEachBackend } from "./test-backends.js";
import { ada, Harness, TestClock } from "./test-harness.js";

describe("ReadCache", () => {
  it("forgets entries after their time, and holds a bounded number", () => {
    const clock = new TestClock();
    const cache = new ReadCache<{ n: number }>(clock, 2, 1000);
    cache.keep("a", { n: 1 });
    cache.keep("b", { n: 2 });
    cache.keep("c", { n: 3 });
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, { n: 2 }, { n: 3 }]);
    clock.advance(1000);
    expect(cache.get("b")).toBeUndefined();
  });

  it("hands out values nobody can change", () => {
    const cache = new ReadCache<{ profile: { name: string } }>(new TestClock(), 10, 1000);
    const kept = cache.keep("a", { profile: { name: "Ada" } });
    expect(() => {
      kept.profile.name = "Eve";
    }).toThrow(TypeError);
    expect(cache.get("a")?.profile.name).toBe("Ada");
  });

  it("keeps nothing when it has no room", () => {
    const cache = new ReadCache<{ n: number }>(new TestClock(), 0, 1000);
    cache.keep("a", { n: 1 });
    expect(cache.get("a")).toBeUndefined();
  });
});

describeEachBackend("reads answered from memory", (backend) => {
  let h: Harness;
  afterEach(async () => {
    await h.dispose();
  });

  it("shows what a write changed at once: a login's lastLogin, an ended session", async () => {
    h = await Harness.start(backend);
    const userId = await h.activeUser();
    const first = await h.directory.getUser(userId);
    h.clock.advance(1000);
    const session = await h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
    const after = await h.directory.getUser(userId);
    expect(after.lastLogin).toBe(h.clock.iso());
    expect(after.lastLogin).not.toBe(first.lastLogin);

    expect((await h.directory.getSession(session.id)).id).toBe(session.id);
    await h.directory.endSession(session.id);
    await expect(h.directory.getSession(session.id)).rejects.toMatchObject({
      okta: { errorCode: "E0000007" },
    });
  });

  it("does not serve a remembered session past its expiry", async () => {
    h = await Harness.start(backend, { sessionTtlSeconds: 60 });
    await h.activeUser();
    const session = await h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
    await h.directory.getSession(session.id);
    h.clock.advance(60_000);
    await expect(h.directory.getSession(session.id)).rejects.toMatchObject({
      okta: { errorCode: "E0000007" },
    });
  });
});
