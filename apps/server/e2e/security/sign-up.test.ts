import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, PROVIDERS, post, type RunningService, startService, trpc } from "../harness.js";

const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";

/**
 * Sign-up squatting: registering someone else's email with a password of one's own, and never
 * entering the code mailed to her. Only that code makes an account someone's.
 */
describe.each(PROVIDERS)("sign-up over %s", (provider) => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({}, provider);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("lets the owner of an email register it after someone else did, and shuts that someone out", async () => {
    const owner = newPerson();
    const squatter = { ...owner, firstName: "Mallory", lastName: "Jones", password: "Takeover-Plan-66" };
    const squatted = await post(svc.url, "/api/register", squatter);
    expect(squatted.status).toBe(200);
    const squattersCode = await svc.inbox.nextCode(owner.email, 0);

    const registered = await trpc(svc.url, "auth.register", owner);
    expect(registered.status).toBe(200);
    const ownerId = (registered.body.result?.data as { userId?: string } | undefined)?.userId;
    expect(ownerId).not.toBe(squatted.body.userId);
    const ownersCode = await svc.inbox.nextCode(owner.email, 1);

    expect(
      await post(svc.url, "/api/activate", { userId: squatted.body.userId, otp: squattersCode }),
    ).toMatchObject({ status: 404, body: { errorCode: "E0000007" } });
    if (squattersCode !== ownersCode) {
      const stale = await post(svc.url, "/api/activate", { userId: ownerId, otp: squattersCode });
      expect(stale).toMatchObject({ status: 403, body: { errorCode: "E0000068" } });
    }
    expect(
      await post(svc.url, "/api/login", { email: owner.email, password: squatter.password }),
    ).toMatchObject({
      status: 401,
      body: { errorCode: "E0000004" },
    });

    expect((await post(svc.url, "/api/activate", { userId: ownerId, otp: ownersCode })).status).toBe(200);
    const login = await post(svc.url, "/api/login", { email: owner.email, password: owner.password });
    expect(login).toMatchObject({ status: 200, body: { userId: ownerId, mfaActive: true } });

    // Hers now: registering it again is refused, as Okta refuses a taken login, and changes nothing.
    expect(await post(svc.url, "/api/register", squatter)).toMatchObject({
      status: 400,
      body: { error: "OKTA_ERROR", errorCode: "E0000001", errorCauses: [{ errorSummary: LOGIN_TAKEN }] },
    });
    expect(
      (await trpc(svc.url, "auth.register", { ...squatter, email: owner.email.toUpperCase() })).status,
    ).toBe(400);
    expect(
      (await post(svc.url, "/api/login", { email: owner.email, password: owner.password })).body,
    ).toMatchObject({ userId: ownerId });
  });

  it("forgets a registration whose code was never entered after PENDING_USER_TTL_SECONDS", async () => {
    const short = await startService({ PENDING_USER_TTL_SECONDS: "2" }, provider);
    try {
      const person = newPerson();
      const { body } = await post(short.url, "/api/register", person);
      const otp = await short.inbox.nextCode(person.email, 0);
      // Well within the code's own life (300 s): it is the registration that is gone.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      expect(
        await post(short.url, "/api/login", { email: person.email, password: person.password }),
      ).toMatchObject({ status: 401, body: { errorCode: "E0000004" } });
      expect(await post(short.url, "/api/activate", { userId: body.userId, otp })).toMatchObject({
        status: 404,
        body: { errorCode: "E0000007" },
      });
      expect(await post(short.url, "/api/activate", { userId: body.userId })).toMatchObject({
        status: 404,
        body: { errorCode: "E0000007" },
      });
      expect(short.inbox.mailsTo(person.email)).toHaveLength(1);
    } finally {
      await short.stop();
    }
  });
});
