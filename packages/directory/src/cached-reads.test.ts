import { afterEach, expect, it } from "vitest";
import { describeEachBackend } from "./test-backends.js";
import { ada, Harness } from "./test-harness.js";

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

  it("hands out users nobody can change for the next caller", async () => {
    h = await Harness.start(backend);
    const userId = await h.activeUser();
    const user = await h.directory.getUser(userId);
    expect(() => {
      user.profile.firstName = "Eve";
    }).toThrow(TypeError);
    expect((await h.directory.getUser(userId)).profile.firstName).toBe(ada.firstName);
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
