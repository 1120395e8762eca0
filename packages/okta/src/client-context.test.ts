import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ada, ENGINE, Harness, oktaFailure, otherCode } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const AUTHN = "POST /api/v1/authn";
const FACTOR_VERIFY = "POST /api/v1/users/{id}/factors/{factorId}/verify";
const caller = { clientIp: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0" };

/** What Okta was told of the client on each call to `route` while `action` ran. */
async function toldOn(route: string, action: () => Promise<unknown>) {
  const before = h.emulator.requests().length;
  await action();
  return h.emulator
    .requests()
    .slice(before)
    .filter((request) => request.route === route)
    .map(({ forwardedFor, userAgent }) => ({ forwardedFor, userAgent }));
}

describe("the client's context, as Okta documents a server-side app forwards it", () => {
  it("sends the caller's IP and User-Agent with the password check, also a failed one", async () => {
    await h.activeUser();
    const told = { forwardedFor: caller.clientIp, userAgent: caller.userAgent };
    expect(await toldOn(AUTHN, () => h.provider.checkPassword(ada.email, ada.password, caller))).toEqual([
      told,
    ]);
    expect(
      await toldOn(AUTHN, () => oktaFailure(h.provider.checkPassword(ada.email, "wrong", caller))),
    ).toEqual([told]);
  });

  it("sends them with the code mail and the code check (factor verify), right code or wrong", async () => {
    const userId = await h.activeUser();
    const told = { forwardedFor: caller.clientIp, userAgent: caller.userAgent };
    const seen = h.mailsTo(ada.email);
    h.passResendInterval();
    expect(await toldOn(FACTOR_VERIFY, () => h.provider.challengeEmailFactor(userId, caller))).toEqual([
      told,
    ]);
    const code = await h.nextCode(ada.email, seen);
    expect(
      await toldOn(FACTOR_VERIFY, () =>
        oktaFailure(h.provider.verifyEmailFactor(userId, otherCode(code), caller)),
      ),
    ).toEqual([told]);
    expect(await toldOn(FACTOR_VERIFY, () => h.provider.verifyEmailFactor(userId, code, caller))).toEqual([
      told,
    ]);
  });

  it("sends them with the mailbox proof of register and activate, a factor verify on Identity Engine", async () => {
    const told = { forwardedFor: caller.clientIp, userAgent: caller.userAgent };
    const seen = h.mailsTo(ada.email);
    const { id } = await h.provider.createUser(ada);
    const challenge = await toldOn(FACTOR_VERIFY, () => h.provider.enrollEmailFactor(id, caller));
    const code = await h.nextCode(ada.email, seen);
    const check = await toldOn(FACTOR_VERIFY, () => h.provider.activateEmailFactor(id, code, caller));
    // A Classic org enrols and activates the factor instead: calls Okta documents no client context for.
    expect([...challenge, ...check]).toEqual(ENGINE === "identity" ? [told, told] : []);
  });

  it("forwards only a well-formed IP, and without a caller tells Okta nothing of a client", async () => {
    const userId = await h.activeUser();
    const ipv6 = { clientIp: "2001:db8::7", userAgent: "Browser/1.0" };
    expect(await toldOn(AUTHN, () => h.provider.checkPassword(ada.email, ada.password, ipv6))).toEqual([
      { forwardedFor: "2001:db8::7", userAgent: "Browser/1.0" },
    ]);
    const garbage = { clientIp: "198.51.100.7, 203.0.113.9" };
    const [notAnIp] = await toldOn(AUTHN, () => h.provider.checkPassword(ada.email, ada.password, garbage));
    expect(notAnIp?.forwardedFor).toBeNull();
    h.passResendInterval();
    const [alone] = await toldOn(FACTOR_VERIFY, () => h.provider.challengeEmailFactor(userId));
    expect(alone).toEqual({
      forwardedFor: null,
      userAgent: expect.stringMatching(/^@okta\/okta-sdk-nodejs\//),
    });
    const [check] = await toldOn(AUTHN, () => h.provider.checkPassword(ada.email, ada.password));
    expect(check).toEqual({
      forwardedFor: null,
      userAgent: expect.stringMatching(/^@okta\/okta-sdk-nodejs\//),
    });
  });
});
