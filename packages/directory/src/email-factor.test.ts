import { AuthError } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeEachBackend } from "./test-backends.js";
import { ada, Harness, ORG_URL, oktaFailure, otherCode } from "./test-harness.js";

const WRONG_PASSCODE = {
  status: 403,
  errorCode: "E0000068",
  errorSummary: "Invalid Passcode/Answer",
  causes: ["Your passcode doesn't match our records. Please try again."],
};

describeEachBackend("the email factor", (backend) => {
  let h: Harness;
  let userId: string;
  beforeEach(async () => {
    h = await Harness.start(backend);
    userId = (await h.directory.createUser(ada)).id;
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe("enrolment and activation", () => {
    it("enrols a pending factor, mails a code, and activates only with that code", async () => {
      const factor = await h.directory.enrollEmailFactor(userId);

      expect(factor).toMatchObject({
        id: expect.stringMatching(/^emf[A-Za-z0-9]{17}$/),
        factorType: "email",
        provider: "OKTA",
        vendorName: "OKTA",
        status: "PENDING_ACTIVATION",
        created: h.clock.iso(),
        profile: { email: ada.email },
      });
      expect(factor._links.activate?.href).toBe(
        `${ORG_URL}/api/v1/users/${userId}/factors/${factor.id}/lifecycle/activate`,
      );
      expect(h.mailer.mails.map((m) => [m.to, m.subject])).toEqual([
        [ada.email, "Confirm your email address"],
      ]);
      const code = h.mailer.lastCodeTo(ada.email);

      expect(await oktaFailure(h.directory.activateEmailFactor(userId, otherCode(code)))).toEqual(
        WRONG_PASSCODE,
      );
      expect((await h.directory.checkPassword(ada.email, ada.password)).mfaActive).toBe(false);

      const active = await h.directory.activateEmailFactor(userId, code);
      expect(active).toMatchObject({ id: factor.id, status: "ACTIVE" });
      expect((await h.directory.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
    });

    it("voids the earlier code when enrolling again, keeping the same pending factor", async () => {
      const first = await h.directory.enrollEmailFactor(userId);
      const oldCode = h.mailer.lastCodeTo(ada.email);
      let second = await h.directory.enrollEmailFactor(userId);
      while (h.mailer.lastCodeTo(ada.email) === oldCode) second = await h.directory.enrollEmailFactor(userId);
      const newCode = h.mailer.lastCodeTo(ada.email);

      expect(second).toMatchObject({ id: first.id, status: "PENDING_ACTIVATION" });
      expect(await oktaFailure(h.directory.activateEmailFactor(userId, oldCode))).toEqual(WRONG_PASSCODE);
      expect((await h.directory.activateEmailFactor(userId, newCode)).status).toBe("ACTIVE");
    });

    it("refuses to enrol again once the factor is active, and sends nothing", async () => {
      await h.directory.enrollEmailFactor(userId);
      await h.directory.activateEmailFactor(userId, h.mailer.lastCodeTo(ada.email));
      const mailsBefore = h.mailer.mails.length;

      expect(await oktaFailure(h.directory.enrollEmailFactor(userId))).toEqual({
        status: 400,
        errorCode: "E0000001",
        errorSummary: "Api validation failed: factorEnrollRequest",
        causes: ["factorType: A factor of this type is already set up."],
      });
      expect(h.mailer.mails).toHaveLength(mailsBefore);
      expect((await h.directory.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
    });

    it("refuses to activate an active factor", async () => {
      await h.directory.enrollEmailFactor(userId);
      await h.directory.activateEmailFactor(userId, h.mailer.lastCodeTo(ada.email));

      const failure = await oktaFailure(h.directory.activateEmailFactor(userId, "123456"));
      expect(failure).toMatchObject({
        status: 400,
        errorCode: "E0000001",
        causes: ["factor: Factor is already active"],
      });
    });

    it("keeps the earlier code working when the mail of a new one fails", async () => {
      await h.directory.enrollEmailFactor(userId);
      const code = h.mailer.lastCodeTo(ada.email);
      h.mailer.failing = true;

      const error = await h.directory.enrollEmailFactor(userId).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).code).toBe("SERVICE_UNAVAILABLE");
      h.mailer.failing = false;
      expect((await h.directory.activateEmailFactor(userId, code)).status).toBe("ACTIVE");
    });

    it("writes no factor when the first code cannot be mailed, and enrols once mail works", async () => {
      h.mailer.failing = true;
      await expect(h.directory.enrollEmailFactor(userId)).rejects.toBeInstanceOf(AuthError);

      expect(await oktaFailure(h.directory.activateEmailFactor(userId, "123456"))).toMatchObject({
        errorCode: "E0000007",
        errorSummary: `Not found: Resource not found: ${userId} (Factor)`,
      });
      h.mailer.failing = false;
      await h.directory.enrollEmailFactor(userId);
      expect((await h.directory.activateEmailFactor(userId, h.mailer.lastCodeTo(ada.email))).status).toBe(
        "ACTIVE",
      );
    });

    it("answers E0000007 for an unknown user and mails nothing", async () => {
      expect(await oktaFailure(h.directory.enrollEmailFactor("00uUnknownUser000000"))).toMatchObject({
        errorCode: "E0000007",
        errorSummary: "Not found: Resource not found: 00uUnknownUser000000 (User)",
      });
      expect(h.mailer.mails).toHaveLength(0);
    });
  });

  describe("challenge and verification", () => {
    it("needs an active factor", async () => {
      expect((await oktaFailure(h.directory.challengeEmailFactor(userId))).errorSummary).toBe(
        `Not found: Resource not found: ${userId} (Factor)`,
      );
      await h.directory.enrollEmailFactor(userId);
      const activationCode = h.mailer.lastCodeTo(ada.email);

      expect((await oktaFailure(h.directory.challengeEmailFactor(userId))).errorCode).toBe("E0000007");
      expect((await oktaFailure(h.directory.verifyEmailFactor(userId, activationCode))).errorCode).toBe(
        "E0000007",
      );
      expect((await h.directory.activateEmailFactor(userId, activationCode)).status).toBe("ACTIVE");
    });

    it("mails a sign-in code that verifies once, and refuses a wrong one", async () => {
      await h.directory.enrollEmailFactor(userId);
      await h.directory.activateEmailFactor(userId, h.mailer.lastCodeTo(ada.email));

      await h.directory.challengeEmailFactor(userId);
      expect(h.mailer.mails.at(-1)?.subject).toBe("Your sign-in code");
      const code = h.mailer.lastCodeTo(ada.email);

      expect(await oktaFailure(h.directory.verifyEmailFactor(userId, otherCode(code)))).toEqual(
        WRONG_PASSCODE,
      );
      await h.directory.verifyEmailFactor(userId, code);
      expect(await oktaFailure(h.directory.verifyEmailFactor(userId, code))).toEqual(WRONG_PASSCODE);
    });
  });
});
