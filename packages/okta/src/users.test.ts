import { oktaUser } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { API_TOKEN, ada, failure, grace, Harness, oktaFailure } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";

describe("users", () => {
  it("creates an active user with a password, in Okta's User shape", async () => {
    const user = await h.provider.createUser(ada);

    expect(oktaUser.parse(user)).toEqual(user);
    expect(user).toMatchObject({
      id: expect.stringMatching(/^00u/),
      status: "ACTIVE",
      profile: { firstName: "Ada", lastName: "Lovelace", email: ada.email, login: ada.email },
      credentials: { password: {}, provider: { type: "OKTA", name: "OKTA" } },
    });
    expect(JSON.stringify(user)).not.toContain(ada.password);
    expect(user._links.self?.href).toBe(`${h.emulator.url}/api/v1/users/${user.id}`);
    expect(await h.newProvider().getUser(user.id)).toEqual(user);
  });

  it("creates users in the groups it is given (OKTA_GROUP_IDS), for a group-scoped admin", async () => {
    const groupIds = ["00gAuthSvcUsers00001"];
    const { id } = await h.newProvider({ groupIds }).createUser(ada);

    const groups = await fetch(`${h.emulator.url}/api/v1/users/${id}/groups`, {
      headers: { Authorization: `SSWS ${API_TOKEN}`, Accept: "application/json" },
    }).then((answer) => answer.json() as Promise<{ id: string }[]>);
    expect(groups.map((group) => group.id)).toEqual(groupIds);
  });

  it("refuses a taken login (any case) and a weak password with Okta's E0000001", async () => {
    await h.activeUser(ada);

    expect(await oktaFailure(h.provider.createUser({ ...grace, email: ada.email.toUpperCase() }))).toEqual({
      status: 400,
      errorCode: "E0000001",
      errorSummary: "Api validation failed: login",
      causes: [LOGIN_TAKEN],
    });
    const weak = await oktaFailure(h.provider.createUser({ ...grace, password: "short" }));
    expect(weak).toMatchObject({ status: 400, errorCode: "E0000001" });
    expect(weak.causes.join(" ")).toMatch(/password/i);
  });

  it("answers E0000007 for an unknown user", async () => {
    expect(await oktaFailure(h.provider.getUser("00uUnknownUser000000"))).toMatchObject({
      status: 404,
      errorCode: "E0000007",
    });
  });

  it("deletes a user (deactivating first, as Okta requires) and forgets it", async () => {
    const { id } = await h.provider.createUser(ada);
    await h.provider.getUser(id);

    const calls = await h.callsOf(() => h.provider.deleteUser(id));

    expect(calls).toEqual({
      "POST /api/v1/users/{id}/lifecycle/deactivate": 1,
      "DELETE /api/v1/users/{id}": 1,
    });
    expect((await oktaFailure(h.provider.getUser(id))).errorCode).toBe("E0000007");
    expect((await oktaFailure(h.provider.deleteUser(id))).errorCode).toBe("E0000007");
    await h.provider.createUser(ada);
  });

  it("remembers a profile for profileCacheSeconds, then asks Okta again", async () => {
    const provider = h.newProvider({ profileCacheSeconds: 30 });
    const { id } = await h.provider.createUser(ada);

    expect(await h.callsOf(() => provider.getUser(id))).toEqual({ "GET /api/v1/users/{id}": 1 });
    expect(await h.callsOf(() => provider.getUser(id))).toEqual({});
    vi.setSystemTime(Date.now() + 30_000);
    expect(await h.callsOf(() => provider.getUser(id))).toEqual({ "GET /api/v1/users/{id}": 1 });
    const uncached = h.newProvider({ profileCacheSeconds: 0 });
    await uncached.getUser(id);
    expect(await h.callsOf(() => uncached.getUser(id))).toEqual({ "GET /api/v1/users/{id}": 1 });
  });

  it("pings with the API token, and reports a wrong token as Okta does", async () => {
    await h.provider.ping();

    const wrongToken = h.newProvider({ apiToken: "not-the-token" });
    const error = await failure(wrongToken.ping());
    expect(error).toMatchObject({ code: "OKTA_ERROR", status: 401, okta: { errorCode: "E0000011" } });
  });
});

describe("password check", () => {
  it("proves the password and says whether the email factor is active", async () => {
    const { userId, code } = await h.pendingUser();

    expect(await h.provider.checkPassword(ada.email, ada.password)).toEqual({
      userId,
      login: ada.email,
      mfaActive: false,
      sessionToken: expect.any(String),
    });
    await h.provider.activateEmailFactor(userId, code);
    const check = await h.newProvider().checkPassword(ada.email.toUpperCase(), ada.password);
    expect(check).toMatchObject({ userId, login: ada.email, mfaActive: true });
    expect(check.sessionToken).not.toBe("");
  });

  it("answers a wrong password and an unknown login alike: E0000004, only the errorId differs", async () => {
    await h.provider.createUser(ada);

    const wrongPassword = await failure(h.provider.checkPassword(ada.email, "Not-The-Password-1"));
    const unknownLogin = await failure(h.provider.checkPassword("nobody@example.com", ada.password));

    expect(wrongPassword).toMatchObject({ code: "OKTA_ERROR", status: 401 });
    const { errorId: first, ...wrong } = wrongPassword.toBody() as { errorId: string };
    const { errorId: second, ...unknown } = unknownLogin.toBody() as { errorId: string };
    expect(wrong).toEqual({
      error: "OKTA_ERROR",
      reason: "invalid_credentials",
      errorCode: "E0000004",
      errorSummary: "Authentication failed",
      errorCauses: [],
    });
    expect(unknown).toEqual(wrong);
    expect(unknownLogin.status).toBe(wrongPassword.status);
    expect(first).not.toBe(second);
  });
});
