import type { Client, User, UserFactor } from "@okta/okta-sdk-nodejs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createUser,
  type Harness,
  oktaErrorOf,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
  uniqueEmail,
} from "./test-harness.js";

const WRONG_PASSCODE = { errorSummary: "Your passcode doesn't match our records. Please try again." };

describe("the email factor, through the official SDK", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Past Okta's one-mail-per-5-seconds rule without waiting: the emulator runs in this process. */
  function skipMailInterval(): void {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 6000 });
  }

  async function enrolled(): Promise<{ user: User; factor: UserFactor; email: string; code: string }> {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const factor = await client.userFactorApi.enrollFactor({
      userId: user.id as string,
      body: { factorType: "email", provider: "OKTA", profile: { email } },
    });
    return { user, factor, email, code: await h.inbox.nextCode(email, 0) };
  }

  async function activated() {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const factor = await client.userFactorApi.enrollFactor({
      userId: user.id as string,
      body: { factorType: "email", provider: "OKTA" },
      activate: true,
    });
    return { user, factor, email, ids: { userId: user.id as string, factorId: factor.id as string } };
  }

  it("enrols a pending email factor and mails an activation code", async () => {
    const { user, factor, email, code } = await enrolled();
    expect(factor.constructor.name).toBe("UserFactorEmail");
    expect(factor).toMatchObject({ factorType: "email", provider: "OKTA", vendorName: "OKTA" });
    expect(factor.status).toBe("PENDING_ACTIVATION");
    expect(factor.id).toMatch(/^emf\w{17}$/);
    expect(factor.profile).toEqual({ email });
    expect(factor._links?.activate?.href).toBe(
      `${h.emulator.url}/api/v1/users/${user.id}/factors/${factor.id}/lifecycle/activate`,
    );
    expect(code).toMatch(/^\d{6}$/);
  });

  it("activates with the mailed code, refusing a wrong one with E0000068", async () => {
    const { user, factor, code } = await enrolled();
    const ids = { userId: user.id as string, factorId: factor.id as string };
    const wrong = await oktaErrorOf(
      client.userFactorApi.activateFactor({
        ...ids,
        body: { passCode: code === "000000" ? "111111" : "000000" },
      }),
    );
    expect(wrong.status).toBe(403);
    expect(wrong.errorCode).toBe("E0000068");
    expect(wrong.errorSummary).toBe("Invalid Passcode/Answer");
    expect(wrong.errorCauses).toEqual([WRONG_PASSCODE]);

    // Typed UserFactorActivateResponse, deserialized by factorType into the full UserFactorEmail.
    const active = (await client.userFactorApi.activateFactor({
      ...ids,
      body: { passCode: code },
    })) as UserFactor;
    expect(active.constructor.name).toBe("UserFactorEmail");
    expect(active.status).toBe("ACTIVE");
    expect(active._links?.verify?.href).toContain(`/factors/${factor.id}/verify`);
  });

  it("lists factors lazily, as a collection", async () => {
    const { user, factor } = await enrolled();
    const listed: UserFactor[] = [];
    for await (const item of await client.userFactorApi.listFactors({ userId: user.id as string })) {
      if (item) listed.push(item);
    }
    expect(listed.map((f) => [f.id, f.status])).toEqual([[factor.id, "PENDING_ACTIVATION"]]);
    expect(
      (await client.userFactorApi.getFactor({ userId: user.id as string, factorId: factor.id as string })).id,
    ).toBe(factor.id);
  });

  it("refuses to enrol an active factor again: A factor of this type is already set up", async () => {
    const { ids } = await activated();
    const error = await oktaErrorOf(
      client.userFactorApi.enrollFactor({
        userId: ids.userId,
        body: { factorType: "email", provider: "OKTA" },
      }),
    );
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("E0000001");
    expect(error.errorSummary).toBe("Api validation failed: factorEnrollRequest");
    expect(error.errorCauses).toEqual([{ errorSummary: "A factor of this type is already set up." }]);
  });

  it("re-enrols a pending factor with a fresh code, one mail per 5 seconds (E0000118)", async () => {
    const { user, factor, email, code } = await enrolled();
    const again = () =>
      client.userFactorApi.enrollFactor({
        userId: user.id as string,
        body: { factorType: "email", provider: "OKTA" },
      });
    const throttled = await oktaErrorOf(again());
    expect(throttled.status).toBe(429);
    expect(throttled.errorCode).toBe("E0000118");
    expect(throttled.errorSummary).toBe(
      "An email was recently sent. Please wait 5 seconds before trying again.",
    );

    skipMailInterval();
    expect((await again()).id).toBe(factor.id);
    const fresh = await h.inbox.nextCode(email, 1);
    const ids = { userId: user.id as string, factorId: factor.id as string };
    // Unless the fresh code drew the same six digits (one chance in a million), the old one is void.
    if (fresh !== code) {
      const old = await oktaErrorOf(
        client.userFactorApi.activateFactor({ ...ids, body: { passCode: code } }),
      );
      expect(old.errorCode).toBe("E0000068");
    }
    const active = await client.userFactorApi.activateFactor({ ...ids, body: { passCode: fresh } });
    expect((active as UserFactor).status).toBe("ACTIVE");
  });

  it("resends the activation code of a pending factor, not of an active one", async () => {
    const { user, factor, email } = await enrolled();
    const ids = { userId: user.id as string, factorId: factor.id as string };
    skipMailInterval();
    const resent = await client.userFactorApi.resendEnrollFactor({
      ...ids,
      resendUserFactor: { factorType: "email" },
    });
    expect(resent.factorType).toBe("email");
    const code = await h.inbox.nextCode(email, 1);
    await client.userFactorApi.activateFactor({ ...ids, body: { passCode: code } });
    const error = await oktaErrorOf(
      client.userFactorApi.resendEnrollFactor({ ...ids, resendUserFactor: { factorType: "email" } }),
    );
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("E0000001");
  });

  it("auto-activates with activate=true, mailing nothing", async () => {
    const { factor, email } = await activated();
    expect(factor.status).toBe("ACTIVE");
    expect(h.inbox.mailsTo(email)).toHaveLength(0);
  });

  it("challenges an active factor, then verifies the code once", async () => {
    const { ids, email } = await activated();
    const challenge = await client.userFactorApi.verifyFactor(ids);
    expect(challenge.factorResult).toBe("CHALLENGE");
    expect(challenge._links?.verify?.href).toContain(`/factors/${ids.factorId}/verify`);
    const code = await h.inbox.nextCode(email, 0);
    expect((await client.userFactorApi.verifyFactor({ ...ids, body: { passCode: code } })).factorResult).toBe(
      "SUCCESS",
    );
    const replayed = await oktaErrorOf(
      client.userFactorApi.verifyFactor({ ...ids, body: { passCode: code } }),
    );
    expect(replayed.status).toBe(403);
    expect(replayed.errorCode).toBe("E0000068");
  });

  it("answers 429 E0000047 after five wrong codes, even to the right one", async () => {
    const { ids, email } = await activated();
    await client.userFactorApi.verifyFactor(ids);
    const code = await h.inbox.nextCode(email, 0);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const error = await oktaErrorOf(
        client.userFactorApi.verifyFactor({ ...ids, body: { passCode: wrong } }),
      );
      expect(error.errorCode).toBe("E0000068");
    }
    const locked = await oktaErrorOf(client.userFactorApi.verifyFactor({ ...ids, body: { passCode: code } }));
    expect(locked.status).toBe(429);
    expect(locked.errorCode).toBe("E0000047");
    expect(locked.errorSummary).toBe("API call exceeded rate limit due to too many requests.");
  });

  it("refuses to verify a factor that is not active", async () => {
    const { user, factor } = await enrolled();
    const error = await oktaErrorOf(
      client.userFactorApi.verifyFactor({ userId: user.id as string, factorId: factor.id as string }),
    );
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe("E0000001");
  });

  it("refuses other factor types, another address, unknown users and factors", async () => {
    const email = uniqueEmail();
    const user = await createUser(client, email);
    const userId = user.id as string;
    const sms = await oktaErrorOf(
      client.userFactorApi.enrollFactor({
        userId,
        body: { factorType: "sms", provider: "OKTA", profile: { phoneNumber: "+15555550100" } },
      }),
    );
    expect(sms.errorCode).toBe("E0000001");
    const elsewhere = await oktaErrorOf(
      client.userFactorApi.enrollFactor({
        userId,
        body: { factorType: "email", provider: "OKTA", profile: { email: uniqueEmail() } },
      }),
    );
    expect(elsewhere.errorSummary).toBe(
      "Api validation failed: Only verified primary or secondary email can be enrolled.",
    );
    const noUser = await oktaErrorOf(
      client.userFactorApi.enrollFactor({
        userId: "00uNobody",
        body: { factorType: "email", provider: "OKTA" },
      }),
    );
    expect([noUser.status, noUser.errorSummary]).toEqual([
      404,
      "Not found: Resource not found: 00uNobody (User)",
    ]);
    const noFactor = await oktaErrorOf(client.userFactorApi.getFactor({ userId, factorId: "emfNone" }));
    expect([noFactor.status, noFactor.errorSummary]).toEqual([
      404,
      "Not found: Resource not found: emfNone (UserFactor)",
    ]);
  });

  it("unenrols a factor", async () => {
    const { ids } = await activated();
    await client.userFactorApi.unenrollFactor(ids);
    expect((await oktaErrorOf(client.userFactorApi.getFactor(ids))).errorCode).toBe("E0000007");
    const left: UserFactor[] = [];
    await (await client.userFactorApi.listFactors({ userId: ids.userId })).each((f) => void left.push(f));
    expect(left).toEqual([]);
  });

  it("answered every request as management.yaml declares", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    expect(h.specProblems()).toEqual([]);
  });
});
