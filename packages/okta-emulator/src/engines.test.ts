import type { Client, UserFactor } from "@okta/okta-sdk-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createUser,
  type Harness,
  oktaErrorOf,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

async function factorsOf(client: Client, userId: string): Promise<UserFactor[]> {
  const factors: UserFactor[] = [];
  for await (const factor of await client.userFactorApi.listFactors({ userId }))
    if (factor) factors.push(factor);
  return factors;
}

describe("an Identity Engine org (the default engine)", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness("identity");
    client = h.client();
  });
  afterAll(() => h.close());
  afterEach(() => vi.useRealTimers());

  it("enrols the email factor of a new user by itself, active, mailing nothing", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const factors = await factorsOf(client, user.id as string);
    expect(factors.map((factor) => [factor.factorType, factor.status])).toEqual([["email", "ACTIVE"]]);
    expect(h.inbox.mailsTo(email)).toHaveLength(0);
  });

  it("refuses to enrol the email factor again, as Okta refuses an active one", async () => {
    const user = await createUser(client);
    const error = await oktaErrorOf(
      client.userFactorApi.enrollFactor({
        userId: user.id as string,
        body: { factorType: "email", provider: "OKTA" },
      }),
    );
    expect([error.status, error.errorCode]).toEqual([400, "E0000001"]);
  });

  it("proves the mailbox of the auto-enrolled factor by a verify challenge and its code", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const [factor] = await factorsOf(client, user.id as string);
    const ids = { userId: user.id as string, factorId: factor?.id as string };
    const challenge = await client.userFactorApi.verifyFactor(ids);
    expect(challenge.factorResult).toBe("CHALLENGE");
    const code = await h.inbox.nextCode(email, 0);
    const verified = await client.userFactorApi.verifyFactor({ ...ids, body: { passCode: code } });
    expect(verified.factorResult).toBe("SUCCESS");
  });

  it("enrols the email factor again by itself after a reset", async () => {
    const user = await createUser(client);
    const userId = user.id as string;
    const [before] = await factorsOf(client, userId);
    await client.userFactorApi.unenrollFactor({ userId, factorId: before?.id as string });
    const after = await factorsOf(client, userId);
    expect(after.map((factor) => factor.status)).toEqual(["ACTIVE"]);
    expect(after[0]?.id).not.toBe(before?.id);
  });

  it("switches engine through /__emulator/config and refuses an unknown one", async () => {
    expect((await h.fetch("/__emulator/config", { json: { engine: "classic" } })).status).toBe(204);
    const classicUser = await createUser(client);
    expect(await factorsOf(client, classicUser.id as string)).toEqual([]);
    const refused = await h.fetch("/__emulator/config", { json: { engine: "quantum" } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "engine must be one of identity, classic" });
    h.emulator.reset();
    const identityUser = await createUser(client);
    expect(await factorsOf(client, identityUser.id as string)).toHaveLength(1);
  });
});

describe("a Classic org", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness("classic");
    client = h.client();
  });
  afterAll(() => h.close());
  afterEach(() => vi.useRealTimers());

  it(
    "tells its engine in the org metadata, without a token",
    async () => {
      const answer = await h.fetch("/.well-known/okta-organization", { headers: { Authorization: "" } });
      expect(await answer.json()).toMatchObject({ pipeline: "v1", id: expect.stringMatching(/^00o/) });
      h.emulator.configure({ engine: "identity" });
      const identity = await h.fetch("/.well-known/okta-organization");
      expect(await identity.json()).toMatchObject({ pipeline: "idx" });
      h.emulator.reset();
      expect(h.specProblems()).toEqual([]);
    },
    SPEC_CHECK_TIMEOUT_MS,
  );

  it("enrols nothing by itself", async () => {
    const user = await createUser(client);
    expect(await factorsOf(client, user.id as string)).toEqual([]);
  });

  it("refuses activations and resends after five failed activations in five minutes", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const userId = user.id as string;
    const factor = await client.userFactorApi.enrollFactor({
      userId,
      body: { factorType: "email", provider: "OKTA" },
    });
    const ids = { userId, factorId: factor.id as string };
    const code = await h.inbox.nextCode(email, 0);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await oktaErrorOf(
        client.userFactorApi.activateFactor({ ...ids, body: { passCode: wrong } }),
      );
      expect(error.status).toBe(403);
    }
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 6000 });
    const resend = await oktaErrorOf(
      client.userFactorApi.resendEnrollFactor({ ...ids, resendUserFactor: { factorType: "email" } }),
    );
    expect([resend.status, resend.errorCode]).toEqual([429, "E0000047"]);
    const activation = await oktaErrorOf(
      client.userFactorApi.activateFactor({ ...ids, body: { passCode: code } }),
    );
    expect([activation.status, activation.errorCode]).toEqual([429, "E0000047"]);
    vi.setSystemTime(Date.now() + 5 * 60 * 1000);
    const resent = await client.userFactorApi.resendEnrollFactor({
      ...ids,
      resendUserFactor: { factorType: "email" },
    });
    expect(resent.factorType).toBe("email");
  });
});
