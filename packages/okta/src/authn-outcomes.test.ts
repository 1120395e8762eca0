import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API_TOKEN, ada, failure, grace, Harness, oktaFailure } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

async function admin(path: string): Promise<number> {
  const answer = await fetch(`${h.emulator.url}${path}`, {
    method: "POST",
    headers: { authorization: `SSWS ${API_TOKEN}`, accept: "application/json" },
  });
  return answer.status;
}

describe("authn outcomes other than SUCCESS", () => {
  it("an expired password, once the password is right, answers password_expired (not E0000004)", async () => {
    const userId = await h.activeUser();
    expect(await admin(`/api/v1/users/${userId}/lifecycle/expire_password`)).toBe(200);

    const expired = await failure(h.provider.checkPassword(ada.email, ada.password));
    expect(expired).toMatchObject({ code: "OKTA_ERROR", status: 403, reason: "password_expired" });
    expect(expired.okta?.errorCode).toBe("E0000079");
    // A wrong password still answers as a wrong password: the expiry is told only to whoever knew it.
    expect(await oktaFailure(h.provider.checkPassword(ada.email, "Wrong-Password-1"))).toMatchObject({
      status: 401,
      errorCode: "E0000004",
    });
  });

  it("a locked-out user answers as a wrong password does, even with the right password", async () => {
    await h.activeUser();
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt % 4 === 3) h.passResendInterval();
      const wrong = await failure(h.provider.checkPassword(ada.email, "Wrong-Password-1"));
      expect(wrong.okta?.errorCode).toBe("E0000004");
    }
    h.passResendInterval();
    const locked = await failure(h.provider.checkPassword(ada.email, ada.password));
    expect(locked).toMatchObject({ status: 401, reason: "invalid_credentials" });
    expect(locked.okta?.errorCode).toBe("E0000004");
  });

  it("LOCKED_OUT, told by an org that shows lockout failures, answers as a wrong password too", async () => {
    await h.activeUser();
    h.emulator.configure({ showLockoutFailures: true });
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt % 4 === 3) h.passResendInterval();
      await failure(h.provider.checkPassword(ada.email, "Wrong-Password-1"));
    }
    h.passResendInterval();
    const told = await fetch(`${h.emulator.url}/api/v1/authn`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ username: ada.email, password: ada.password }),
    });
    expect(await told.json()).toEqual({ status: "LOCKED_OUT" });
    const locked = await failure(h.provider.checkPassword(ada.email, ada.password));
    expect(locked).toMatchObject({ status: 401, reason: "invalid_credentials" });
    expect(locked.okta?.errorCode).toBe("E0000004");
  });

  it("MFA_ENROLL: before the mailbox proof, login answers the user id only; after it, E0000079", async () => {
    h.emulator.configure({ mfaEnrollOnAuthn: true });
    const { userId } = await h.pendingUser();
    expect(await h.provider.checkPassword(ada.email, ada.password)).toMatchObject({
      userId,
      mfaActive: false,
      sessionToken: "",
    });
    await h.activeUser(grace);
    const refused = await failure(h.provider.checkPassword(grace.email, grace.password));
    expect(refused).toMatchObject({ status: 403 });
    expect(refused.okta?.errorCode).toBe("E0000079");
    expect(refused.okta?.errorCauses[0]?.errorSummary).toMatch(/MFA_ENROLL/);
  });

  it("Okta's limit of 4 authn requests per second per username answers 429 E0000047", async () => {
    await h.activeUser();
    const answers = await Promise.all(
      // Ten at once: even split across a second's boundary, one second gets five.
      Array.from({ length: 10 }, () =>
        fetch(`${h.emulator.url}/api/v1/authn`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ username: ada.email, password: ada.password }),
        }).then((answer) => answer.status),
      ),
    );
    expect(answers.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1);
  });
});
