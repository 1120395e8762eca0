import { oktaSession } from "@authsvc/core";
import { afterEach, describe, expect, it } from "vitest";
import { describeEachBackend } from "./test-backends.js";
import { ada, Harness, ORG_URL, oktaFailure } from "./test-harness.js";

describeEachBackend("sessions", (backend) => {
  let h: Harness;
  afterEach(async () => {
    await h.dispose();
  });

  async function login() {
    return h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
  }

  describe("sessions", () => {
    it("opens an Okta session that lasts Okta's default two hours, then ends it", async () => {
      h = await Harness.start(backend);
      const userId = await h.activeUser();

      const session = await login();

      expect(session.id).toMatch(/^102[A-Za-z0-9]{25}$/);
      expect(oktaSession.parse(session)).toBeTruthy();
      expect(session).toEqual({
        id: session.id,
        userId,
        login: ada.email,
        createdAt: h.clock.iso(),
        expiresAt: new Date(h.clock.now() + 7200_000).toISOString(),
        status: "ACTIVE",
        lastPasswordVerification: h.clock.iso(),
        lastFactorVerification: null,
        amr: ["pwd"],
        idp: { id: expect.stringMatching(/^00o[A-Za-z0-9]{17}$/), type: "OKTA" },
        mfaActive: true,
        _links: {
          self: { href: `${ORG_URL}/api/v1/sessions/${session.id}`, hints: { allow: ["DELETE"] } },
          refresh: {
            href: `${ORG_URL}/api/v1/sessions/${session.id}/lifecycle/refresh`,
            hints: { allow: ["POST"] },
          },
          user: {
            href: `${ORG_URL}/api/v1/users/${userId}`,
            name: "Ada Lovelace",
            hints: { allow: ["GET"] },
          },
        },
      });
      expect(await h.directory.getSession(session.id)).toEqual(session);

      await h.directory.endSession(session.id);

      expect(await oktaFailure(h.directory.getSession(session.id))).toEqual({
        status: 404,
        errorCode: "E0000007",
        errorSummary: "Not found: Resource not found: session (Session)",
        causes: [],
      });
      expect((await oktaFailure(h.directory.endSession(session.id))).errorCode).toBe("E0000007");
    });

    it("ends one session without touching the user's others", async () => {
      h = await Harness.start(backend);
      await h.activeUser();
      const first = await login();
      const second = await login();

      await h.directory.endSession(first.id);

      expect(second.id).not.toBe(first.id);
      expect((await h.directory.getSession(second.id)).id).toBe(second.id);
    });

    it("stops serving a session when it expires", async () => {
      h = await Harness.start(backend, { sessionTtlSeconds: 60 });
      await h.activeUser();
      const session = await login();

      h.clock.advance(59_999);
      expect((await h.directory.getSession(session.id)).id).toBe(session.id);
      h.clock.advance(1);

      expect((await oktaFailure(h.directory.getSession(session.id))).errorCode).toBe("E0000007");
      expect((await oktaFailure(h.directory.endSession(session.id))).errorCode).toBe("E0000007");
    });

    it("sweeps expired sessions away so the table does not grow without bound", async () => {
      h = await Harness.start(backend, { sessionTtlSeconds: 60 });
      await h.activeUser();
      for (let i = 0; i < 3; i++) await login();
      h.clock.advance(60_000);

      const live = await login();

      expect(await h.rows("SELECT id FROM sessions")).toEqual([{ id: live.id }]);
    });

    it("marks the user's live sessions when a code is verified after they began", async () => {
      h = await Harness.start(backend);
      const userId = await h.activeUser();
      const session = await login();
      h.clock.advance(30_000);

      await h.directory.challengeEmailFactor(userId);
      await h.directory.verifyEmailFactor(userId, h.mailer.lastCodeTo(ada.email));

      const after = await h.directory.getSession(session.id);
      expect(after.lastFactorVerification).toBe(h.clock.iso());
      expect(after.amr).toEqual(expect.arrayContaining(["pwd", "mfa"]));
      expect(after.lastPasswordVerification).toBe(session.lastPasswordVerification);
    });
  });
});
