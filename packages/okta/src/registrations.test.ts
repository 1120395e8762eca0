import type { NewUser } from "@authsvc/core";
import { Client } from "@okta/okta-sdk-nodejs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  API_TOKEN,
  ada,
  apartFromEngineLookup,
  grace,
  Harness,
  oktaFailure,
  otherCode,
} from "./test-harness.js";

/** Someone who registers Ada's address with a password of his own, and never gets her code. */
const squatter: NewUser = { ...ada, firstName: "Mallory", lastName: "Jones", password: "Takeover-Plan-66" };
const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

describe("a registration that never finished", () => {
  it("is replaced by a registration of the same email: only the mailed code makes an account someone's", async () => {
    const { userId: squatterId, code: squattersCode } = await h.pendingUser(squatter);

    let owner = { id: "" };
    const calls = await h.callsOf(async () => {
      owner = await h.provider.createUser(ada);
    });
    await h.provider.enrollEmailFactor(owner.id);
    const ownersCode = await h.nextCode(ada.email, 1);

    // Okta refused the login, then the user holding it was looked up by login, found unfinished and deleted.
    expect(apartFromEngineLookup(calls)).toEqual({
      "POST /api/v1/users": 2,
      "GET /api/v1/users/{id}": 1,
      "GET /api/v1/users/{id}/factors": 1,
      "POST /api/v1/users/{id}/lifecycle/deactivate": 1,
      "DELETE /api/v1/users/{id}": 1,
    });
    expect(owner.id).not.toBe(squatterId);
    expect((await oktaFailure(h.newProvider().getUser(squatterId))).errorCode).toBe("E0000007");
    expect((await oktaFailure(h.provider.activateEmailFactor(squatterId, squattersCode))).errorCode).toBe(
      "E0000007",
    );
    const code = squattersCode === ownersCode ? otherCode(ownersCode) : squattersCode;
    expect((await oktaFailure(h.provider.activateEmailFactor(owner.id, code))).errorCode).toBe("E0000068");
    expect((await oktaFailure(h.provider.checkPassword(ada.email, squatter.password))).errorCode).toBe(
      "E0000004",
    );

    await h.provider.activateEmailFactor(owner.id, ownersCode);
    expect(await h.provider.checkPassword(ada.email, ada.password)).toMatchObject({
      userId: owner.id,
      mfaActive: true,
    });
    expect((await h.provider.getUser(owner.id)).profile).toMatchObject({
      firstName: "Ada",
      login: ada.email,
    });
  });

  it("is not what an activated user is: registering its email again is refused, and nothing deleted", async () => {
    const userId = await h.activeUser();

    let refused: Awaited<ReturnType<typeof oktaFailure>> | undefined;
    const calls = await h.callsOf(async () => {
      refused = await oktaFailure(h.provider.createUser(squatter));
    });

    expect(refused).toMatchObject({ status: 400, errorCode: "E0000001", causes: [LOGIN_TAKEN] });
    expect(apartFromEngineLookup(calls)).toEqual({
      "POST /api/v1/users": 1,
      "GET /api/v1/users/{id}": 1,
      "GET /api/v1/users/{id}/factors": 1,
    });
    expect(await h.provider.checkPassword(ada.email, ada.password)).toMatchObject({
      userId,
      mfaActive: true,
    });
  });

  it("is told from users this service did not register: one with no factor, or not active, is left alone", async () => {
    const admin = new Client({ orgUrl: h.emulator.url, token: API_TOKEN, cacheMiddleware: null });
    // Made by an admin: no factor on a Classic org, one Okta enrolled by itself on an Identity Engine org.
    const { id: noFactor } = await admin.userApi.createUser({
      body: {
        profile: { firstName: ada.firstName, lastName: ada.lastName, email: ada.email, login: ada.email },
        credentials: { password: { value: ada.password } },
      },
      activate: true,
    });
    const staged = await admin.userApi.createUser({
      body: { profile: { firstName: "Grace", lastName: "Hopper", email: grace.email, login: grace.email } },
      activate: false,
    });

    expect((await oktaFailure(h.provider.createUser(squatter))).causes).toEqual([LOGIN_TAKEN]);
    expect((await oktaFailure(h.provider.createUser(grace))).causes).toEqual([LOGIN_TAKEN]);
    expect((await h.newProvider().getUser(noFactor as string)).profile.firstName).toBe("Ada");
    expect((await h.newProvider().getUser(staged.id as string)).status).toBe("STAGED");
  });
});

describe("a registration older than the pending TTL", () => {
  it("is deleted when met, and answered as unknown: at login, activation and resend", async () => {
    const provider = h.newProvider({ pendingUserTtlSeconds: 60 });
    const { userId, code } = await h.pendingUser(ada, provider);
    const activatedId = await h.activeUser(grace, provider);

    vi.setSystemTime(Date.now() + 59_000);
    expect((await provider.checkPassword(ada.email, ada.password)).userId).toBe(userId);
    vi.setSystemTime(Date.now() + 1_000);

    // Sooner than its code expires (300 s): the code alone must not bring the registration back.
    expect((await oktaFailure(provider.checkPassword(ada.email, ada.password))).errorCode).toBe("E0000004");
    expect((await oktaFailure(h.newProvider().getUser(userId))).errorCode).toBe("E0000007");
    expect((await oktaFailure(provider.activateEmailFactor(userId, code))).errorCode).toBe("E0000007");
    expect((await provider.checkPassword(grace.email, grace.password)).userId).toBe(activatedId);
  });

  it("mails nothing when a code is asked for it again", async () => {
    const provider = h.newProvider({ pendingUserTtlSeconds: 60 });
    const { userId } = await h.pendingUser(ada, provider);
    vi.setSystemTime(Date.now() + 60_000);

    expect((await oktaFailure(provider.enrollEmailFactor(userId))).errorCode).toBe("E0000007");
    expect(h.mailsTo(ada.email)).toBe(1);
    expect((await oktaFailure(h.newProvider().getUser(userId))).errorCode).toBe("E0000007");
  });
});
