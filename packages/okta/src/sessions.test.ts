import { oktaSession } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ada, apartFromEngineLookup, ENGINE, failure, grace, Harness, oktaFailure } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const SESSION_NOT_FOUND = {
  status: 404,
  errorCode: "E0000007",
  errorSummary: "Not found: Resource not found: session (Session)",
  causes: [],
};

describe("sessions", () => {
  it("opens a session from a password check, in Okta's Session shape", async () => {
    const userId = await h.activeUser();
    const check = await h.provider.checkPassword(ada.email, ada.password);

    const session = await h.provider.createSession(check);

    expect(oktaSession.parse(session)).toEqual(session);
    expect(session).toMatchObject({
      userId,
      login: ada.email,
      status: "ACTIVE",
      amr: ["pwd"],
      mfaActive: true,
      idp: { type: "OKTA" },
    });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.parse(session.createdAt));
    expect(session._links.self?.href).toBe(`${h.emulator.url}/api/v1/sessions/${session.id}`);
    expect(await h.newProvider().getSession(session.id)).toEqual(session);
  });

  it("a session token opens one session only", async () => {
    await h.activeUser();
    const check = await h.provider.checkPassword(ada.email, ada.password);
    await h.provider.createSession(check);

    expect((await oktaFailure(h.provider.createSession(check))).status).toBeLessThan(500);
  });

  it("ends a session: it is never served again, from any cache", async () => {
    await h.activeUser();
    const session = await h.provider.createSession(await h.provider.checkPassword(ada.email, ada.password));
    await h.provider.getSession(session.id);

    await h.provider.endSession(session.id);

    expect(await oktaFailure(h.provider.getSession(session.id))).toEqual(SESSION_NOT_FOUND);
    expect(await oktaFailure(h.provider.endSession(session.id))).toEqual(SESSION_NOT_FOUND);
  });

  it("answers E0000007 for an unknown session, without repeating its id", async () => {
    const error = await failure(h.provider.getSession("102UnknownSessionId0123456"));

    expect(error.okta).toMatchObject({ errorCode: "E0000007", errorSummary: SESSION_NOT_FOUND.errorSummary });
    expect(JSON.stringify(error.toBody())).not.toContain("102UnknownSessionId0123456");
  });

  it("reads mfaActive from the user's email factor, for sessions opened elsewhere too", async () => {
    await h.activeUser();
    const session = await h.provider.createSession(await h.provider.checkPassword(ada.email, ada.password));

    expect((await h.newProvider({ profileCacheSeconds: 0 }).getSession(session.id)).mfaActive).toBe(true);
  });

  // On an Identity Engine org every user has an active factor (Okta's own), and Okta's mfaActive says so.
  it.runIf(ENGINE === "classic")(
    "reads mfaActive false for a session of a user with no active factor (no step-up to ask for)",
    async () => {
      await h.pendingUser();
      const check = await h.provider.checkPassword(ada.email, ada.password);
      const session = await h.provider.createSession(check);

      expect(session.mfaActive).toBe(false);
      expect((await h.provider.getSession(session.id)).mfaActive).toBe(false);
    },
  );
});

describe("an org whose sign-on policy requires MFA at authn (MFA_REQUIRED)", () => {
  it("still tells whether the email factor is active, from authn's own answer", async () => {
    const activeId = await h.activeUser();
    const { userId: pendingId } = await h.pendingUser(grace);
    h.emulator.configure({ mfaRequiredOnAuthn: true });

    const calls = await h.callsOf(async () => {
      expect(await h.provider.checkPassword(ada.email, ada.password)).toMatchObject({
        userId: activeId,
        mfaActive: true,
      });
    });
    // On an Identity Engine org, an active factor is proven only by MailboxProofs (no Okta call).
    expect(apartFromEngineLookup(calls)).toEqual({ "POST /api/v1/authn": 1 });
    expect(await h.provider.checkPassword(grace.email, grace.password)).toMatchObject({
      userId: pendingId,
      mfaActive: false,
    });
    expect((await oktaFailure(h.provider.checkPassword(ada.email, "Wrong-Password-1"))).errorCode).toBe(
      "E0000004",
    );
  });

  it("refuses to open a session with a clear Okta error instead of a sessionToken it does not have", async () => {
    await h.activeUser();
    h.emulator.configure({ mfaRequiredOnAuthn: true });
    const check = await h.provider.checkPassword(ada.email, ada.password);

    const error = await failure(h.provider.createSession(check));

    expect(error).toMatchObject({ code: "OKTA_ERROR", status: 403, okta: { errorCode: "E0000079" } });
    expect(error.okta?.errorCauses[0]?.errorSummary).toMatch(
      /sign-on policy .* must not require MFA at authn/,
    );
  });
});
