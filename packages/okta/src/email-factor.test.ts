import { MemoryStore, oktaEmailFactor } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_TOKEN, ada, ENGINE, Harness, oktaFailure, otherCode } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const WRONG_PASSCODE = { status: 403, errorCode: "E0000068", errorSummary: "Invalid Passcode/Answer" };
const ALREADY_SET_UP = { status: 400, errorCode: "E0000001" };

describe("enrolment and activation", () => {
  it.runIf(ENGINE === "classic")(
    "enrols a pending factor, mails a code, and activates only with that code",
    async () => {
      const { id: userId } = await h.provider.createUser(ada);

      const factor = await h.provider.enrollEmailFactor(userId);

      expect(oktaEmailFactor.parse(factor)).toEqual(factor);
      expect(factor).toMatchObject({
        factorType: "email",
        status: "PENDING_ACTIVATION",
        profile: { email: ada.email },
      });
      const code = await h.nextCode(ada.email, 0);
      expect(await oktaFailure(h.provider.activateEmailFactor(userId, otherCode(code)))).toMatchObject(
        WRONG_PASSCODE,
      );
      expect((await h.provider.checkPassword(ada.email, ada.password)).mfaActive).toBe(false);

      const active = await h.provider.activateEmailFactor(userId, code);

      expect(oktaEmailFactor.parse(active)).toEqual(active);
      expect(active).toMatchObject({ id: factor.id, status: "ACTIVE", profile: { email: ada.email } });
      expect((await h.newProvider().checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
    },
  );

  it("enrolling again mails a fresh code and voids the earlier one", async () => {
    const { userId, code: oldCode } = await h.pendingUser();
    const seen = h.mailsTo(ada.email);
    h.passResendInterval();

    const again = await h.provider.enrollEmailFactor(userId);

    expect(again.status).toBe(ENGINE === "classic" ? "PENDING_ACTIVATION" : "ACTIVE");
    const newCode = await h.nextCode(ada.email, seen);
    expect(await oktaFailure(h.provider.activateEmailFactor(userId, oldCode))).toMatchObject(WRONG_PASSCODE);
    expect((await h.provider.activateEmailFactor(userId, newCode)).status).toBe("ACTIVE");
  });

  it("passes on Okta's E0000118 when asked again within 5 s; the earlier code still works", async () => {
    const { userId, code } = await h.pendingUser();

    expect(await oktaFailure(h.provider.enrollEmailFactor(userId))).toMatchObject({
      status: 429,
      errorCode: "E0000118",
    });
    expect((await h.provider.activateEmailFactor(userId, code)).status).toBe("ACTIVE");
  });

  it("refuses to enrol an active factor again with Okta's E0000001, and mails nothing", async () => {
    const userId = await h.activeUser();
    const seen = h.mailsTo(ada.email);

    expect(await oktaFailure(h.provider.enrollEmailFactor(userId))).toMatchObject(ALREADY_SET_UP);
    expect(await oktaFailure(h.newProvider().enrollEmailFactor(userId))).toMatchObject(ALREADY_SET_UP);
    expect(h.mailsTo(ada.email)).toBe(seen);
    expect((await h.provider.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
  });

  it("answers E0000007 for an unknown user and for a user with no email factor, at once", async () => {
    const { id: userId } = await h.provider.createUser(ada);
    const unknown = "00uUnknownUser000000";

    // An Identity Engine org enrols the email factor by itself: there a user always has one.
    const noFactor = [
      () => h.provider.activateEmailFactor(userId, "123456"),
      () => h.provider.challengeEmailFactor(userId),
      () => h.provider.verifyEmailFactor(userId, "123456"),
    ];
    const calls = [
      ...(ENGINE === "classic" ? noFactor : []),
      () => h.provider.enrollEmailFactor(unknown),
      () => h.provider.activateEmailFactor(unknown, "123456"),
      () => h.provider.challengeEmailFactor(unknown),
      () => h.provider.verifyEmailFactor(unknown, "123456"),
    ];
    for (const call of calls) {
      expect(await oktaFailure(call())).toMatchObject({ status: 404, errorCode: "E0000007" });
    }
  });

  it("does not challenge or verify a factor that is still pending", async () => {
    const { userId } = await h.pendingUser();

    expect((await oktaFailure(h.provider.challengeEmailFactor(userId))).errorCode).toBe("E0000007");
    expect((await oktaFailure(h.provider.verifyEmailFactor(userId, "123456"))).errorCode).toBe("E0000007");
  });
});

describe("verification", () => {
  it("mails a code on challenge and passes only with it, once", async () => {
    const userId = await h.activeUser();
    const seen = h.mailsTo(ada.email);
    h.passResendInterval();

    await h.provider.challengeEmailFactor(userId);

    const code = await h.nextCode(ada.email, seen);
    expect(await oktaFailure(h.provider.verifyEmailFactor(userId, otherCode(code)))).toMatchObject(
      WRONG_PASSCODE,
    );
    await h.provider.verifyEmailFactor(userId, code);
    expect((await oktaFailure(h.provider.verifyEmailFactor(userId, code))).status).toBe(403);
  });

  it("a fresh challenge voids the earlier code", async () => {
    const userId = await h.activeUser();
    const seen = h.mailsTo(ada.email);
    h.passResendInterval();
    await h.provider.challengeEmailFactor(userId);
    const first = await h.nextCode(ada.email, seen);
    h.passResendInterval();
    await h.provider.challengeEmailFactor(userId);
    const second = await h.nextCode(ada.email, seen + 1);

    if (first !== second) {
      expect(await oktaFailure(h.provider.verifyEmailFactor(userId, first))).toMatchObject(WRONG_PASSCODE);
    }
    await h.provider.verifyEmailFactor(userId, second);
  });

  it("forgets a remembered factor that was reset in Okta's console", async () => {
    const userId = await h.activeUser();
    const [{ id: factorId }] = (await (
      await fetch(`${h.emulator.url}/api/v1/users/${userId}/factors`, {
        headers: { authorization: `SSWS ${API_TOKEN}` },
      })
    ).json()) as [{ id: string }];
    const reset = await fetch(`${h.emulator.url}/api/v1/users/${userId}/factors/${factorId}`, {
      method: "DELETE",
      headers: { authorization: `SSWS ${API_TOKEN}` },
    });
    expect(reset.status).toBe(204);
    h.passResendInterval();

    expect(await oktaFailure(h.provider.challengeEmailFactor(userId))).toMatchObject({
      status: 404,
      errorCode: "E0000007",
    });
    expect(await h.callsOf(() => h.provider.checkPassword(ada.email, ada.password))).toEqual({
      "POST /api/v1/authn": 1,
      "GET /api/v1/users/{id}/factors": 1,
    });
    // Identity Engine enrols it again by itself, for the same address, which the user proved.
    expect((await h.provider.checkPassword(ada.email, ada.password)).mfaActive).toBe(ENGINE === "identity");
  });
});

describe.runIf(ENGINE === "identity")("an email factor Okta enrolled by itself (Identity Engine)", () => {
  it("is proven by a verify challenge: register mails its code, activate checks it, then a session", async () => {
    const { id: userId } = await h.provider.createUser(ada);

    const calls = await h.callsOf(() => h.provider.enrollEmailFactor(userId));

    expect(calls).toEqual({
      "GET /.well-known/okta-organization": 1,
      "GET /api/v1/users/{id}/factors": 1,
      "POST /api/v1/users/{id}/factors/{factorId}/verify": 1,
    });
    const code = await h.nextCode(ada.email, 0);
    expect((await h.provider.checkPassword(ada.email, ada.password)).mfaActive).toBe(false);
    expect(await oktaFailure(h.provider.activateEmailFactor(userId, otherCode(code)))).toMatchObject(
      WRONG_PASSCODE,
    );
    expect((await oktaFailure(h.provider.challengeEmailFactor(userId))).errorCode).toBe("E0000007");

    expect((await h.provider.activateEmailFactor(userId, code)).status).toBe("ACTIVE");

    expect((await h.newProvider().checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
    expect(await oktaFailure(h.newProvider().enrollEmailFactor(userId))).toMatchObject(ALREADY_SET_UP);
  });

  it("once proven, activating again is refused with Okta's E0000001, as on a Classic org", async () => {
    const { userId, code } = await h.pendingUser();
    await h.provider.activateEmailFactor(userId, code);
    expect(await oktaFailure(h.provider.activateEmailFactor(userId, code))).toMatchObject(ALREADY_SET_UP);
  });

  it("asks for a proof again when the proof is lost (a store that forgot), never opening a session unproven", async () => {
    const userId = await h.activeUser();
    const forgetful = h.newProvider({ store: new MemoryStore() });

    expect((await forgetful.checkPassword(ada.email, ada.password)).mfaActive).toBe(false);
    h.passResendInterval();
    await forgetful.enrollEmailFactor(userId);
    await forgetful.activateEmailFactor(userId, await h.nextCode(ada.email, 1));
    expect((await forgetful.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
  });
});
