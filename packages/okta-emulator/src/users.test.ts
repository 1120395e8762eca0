import { PASSWORD_REQUIREMENTS_CAUSE } from "@authsvc/directory/okta-rules";
import type { Client } from "@okta/okta-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createUser,
  type Harness,
  oktaErrorOf,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

describe("users, through the official SDK", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.close());

  it("creates an active user with a password and answers Okta's User", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    expect(user.id).toMatch(/^00u\w{17}$/);
    expect(user.status).toBe("ACTIVE");
    expect(user.profile).toMatchObject({ firstName: "Ada", lastName: "Lovelace", email, login: email });
    expect(user.activated).toBeInstanceOf(Date);
    expect(user.passwordChanged).toBeInstanceOf(Date);
    expect(user.lastLogin).toBeNull();
    expect(user.credentials?.password).toEqual({});
    expect(user.credentials?.provider).toMatchObject({ type: "OKTA", name: "OKTA" });
    expect(user._links?.self?.href).toBe(`${h.emulator.url}/api/v1/users/${user.id}`);
  });

  it("creates a user in the groups given as groupIds, as listUserGroups then answers", async () => {
    const email = uniqueEmail();
    const groupIds = ["00gAuthSvcUsers00001", "00gAuthSvcUsers00002"];
    const user = await client.userApi.createUser({
      body: { profile: { firstName: "Bo", lastName: "Li", email, login: email }, groupIds },
    });
    const groups = [];
    for await (const group of await client.userApi.listUserGroups({ userId: user.id as string }))
      groups.push(group);
    expect(groups.map((group) => [group?.id, group?.type])).toEqual(groupIds.map((id) => [id, "OKTA_GROUP"]));

    const malformed = await oktaErrorOf(
      client.userApi.createUser({
        body: {
          profile: { firstName: "Bo", lastName: "Li", email: uniqueEmail(), login: uniqueEmail() },
          groupIds: ["admins"],
        },
      }),
    );
    expect([malformed.status, malformed.errorCode]).toEqual([400, "E0000001"]);
  });

  it("stages a user created with activate=false", async () => {
    const email = uniqueEmail();
    const user = await client.userApi.createUser({
      body: { profile: { firstName: "Bo", lastName: "Li", email, login: email } },
      activate: false,
    });
    expect(user.status).toBe("STAGED");
    expect(user.activated).toBeNull();
  });

  it("finds a user by id and by login, in any case", async () => {
    const email = uniqueEmail("grace");
    const created = await createUser(client, email);
    expect((await client.userApi.getUser({ userId: created.id as string })).id).toBe(created.id);
    expect((await client.userApi.getUser({ userId: email.toUpperCase() })).id).toBe(created.id);
    // The SDK escapes the login into the path; RFC 5322's specials come back as they were.
    const special = uniqueEmail("o'brien+a{b}|c?d#e%f");
    const withSpecials = await createUser(client, special);
    expect((await client.userApi.getUser({ userId: special })).id).toBe(withSpecials.id);
  });

  it("refuses a taken login, in any case, with Okta's E0000001", async () => {
    const email = uniqueEmail();
    await createUser(client, email);
    const error = await oktaErrorOf(createUser(client, email.toUpperCase()));
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("E0000001");
    expect(error.errorSummary).toBe("Api validation failed: login");
    expect(error.errorCauses).toEqual([
      { errorSummary: "login: An object with this field already exists in the current organization" },
    ]);
    expect(error.errorId).toMatch(/^oae\w{22}$/);
  });

  it.each([
    ["too short", () => "Ab1defg"],
    ["no upper case", () => "correct-horse-9"],
    ["no digit", () => "Correct-Horse"],
    ["the first name", () => "xADAx-Horse-9"],
    ["the username", (username: string) => `Pre-${username.toUpperCase()}-9-post`],
  ])("refuses a password with %s as Okta's default policy does", async (_, password) => {
    const email = uniqueEmail("zoe");
    const error = await oktaErrorOf(createUser(client, email, password(email.split("@")[0] as string)));
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("E0000001");
    expect(error.errorSummary).toBe("Api validation failed: password");
    expect(error.errorCauses).toEqual([{ errorSummary: PASSWORD_REQUIREMENTS_CAUSE }]);
  });

  it("names a missing profile field", async () => {
    const email = uniqueEmail();
    const error = await oktaErrorOf(
      client.userApi.createUser({ body: { profile: { firstName: "Ada", email, login: email } } }),
    );
    expect(error.errorSummary).toBe("Api validation failed: lastName");
    expect(error.errorCauses).toEqual([{ errorSummary: "lastName: The field cannot be left blank" }]);
  });

  it("answers 404 E0000007 for an unknown user", async () => {
    const error = await oktaErrorOf(client.userApi.getUser({ userId: "00uNobodyAtAll000000" }));
    expect(error.status).toBe(404);
    expect(error.errorCode).toBe("E0000007");
    expect(error.errorSummary).toBe("Not found: Resource not found: 00uNobodyAtAll000000 (User)");
  });

  it("answers 401 E0000011 to a wrong or missing API token", async () => {
    const user = await createUser(client);
    const error = await oktaErrorOf(
      h.client({ token: "not-the-token" }).userApi.getUser({ userId: user.id as string }),
    );
    expect(error.status).toBe(401);
    expect(error.errorCode).toBe("E0000011");
    expect(error.errorSummary).toBe("Invalid token provided");
    const raw = await h.fetch(`/api/v1/users/${user.id}`, { headers: { Authorization: "" } });
    expect(raw.status).toBe(401);
  });

  it("deactivates, and deletes only a deactivated user, as Okta does", async () => {
    const a = await createUser(client);
    await client.userApi.deactivateUser({ userId: a.id as string });
    expect((await client.userApi.getUser({ userId: a.id as string })).status).toBe("DEPROVISIONED");

    const b = await createUser(client);
    await client.userApi.deleteUser({ userId: b.id as string });
    expect((await client.userApi.getUser({ userId: b.id as string })).status).toBe("DEPROVISIONED");
    await client.userApi.deleteUser({ userId: b.id as string });
    expect((await oktaErrorOf(client.userApi.getUser({ userId: b.id as string }))).errorCode).toBe(
      "E0000007",
    );
    // The login is free again once the user is gone.
    expect((await createUser(client, b.profile?.login as string)).status).toBe("ACTIVE");
  });

  it("answered every request as management.yaml declares", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
