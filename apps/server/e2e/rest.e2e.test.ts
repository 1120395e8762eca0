import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_PROVIDERS,
  call,
  getWithBody,
  isOkta,
  newPerson,
  post,
  type RunningService,
  startService,
  TEST_JWT_SECRET,
} from "./harness.js";

describe.each(ALL_PROVIDERS)("REST shim over %s", (provider) => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({}, provider);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Registers and activates a person; answers their user id. */
  async function activatedPerson(person = newPerson()) {
    const registered = await post(svc.url, "/api/register", person);
    expect(registered.status).toBe(200);
    const userId = registered.body.userId as string;
    const otp = await svc.inbox.nextCode(person.email, 0);
    expect((await post(svc.url, "/api/activate", { userId, otp })).body).toEqual({ success: true });
    return { person, userId };
  }

  /** Logs in and passes the emailed code check: a session ready for SSO. */
  async function steppedUpSession(person = newPerson()) {
    const { userId } = await activatedPerson(person);
    const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
    const sessionId = login.body.id as string;
    await passCodeCheck(person, userId, sessionId);
    return { person, userId, sessionId };
  }

  /** Asks for a code and enters it, naming the session (or none) the check is for. */
  async function passCodeCheck(person: { email: string }, userId: string, sessionId?: string) {
    const seen = svc.inbox.mailsTo(person.email).length;
    await post(svc.url, "/api/mfa/verify", { userId });
    const otp = await svc.inbox.nextCode(person.email, seen);
    const checked = await post(svc.url, "/api/mfa/verify", {
      userId,
      otp,
      ...(sessionId ? { sessionId } : {}),
    });
    expect(checked.body).toEqual({ success: true });
  }

  describe("REST shim: the documented flow", () => {
    it.runIf(isOkta(provider))("goes to Okta's API for users, sessions and factors", async () => {
      await steppedUpSession();
      const calls = svc.oktaCalls() ?? {};
      for (const endpoint of ["POST /api/v1/users", "POST /api/v1/authn", "POST /api/v1/sessions"]) {
        expect(calls[endpoint]).toBeGreaterThan(0);
      }
    });

    it("register -> code -> activate -> login -> mfa -> user -> grant -> token -> verify -> logout", async () => {
      const person = newPerson();
      const registered = await post(svc.url, "/api/register", person);
      expect(registered).toMatchObject({
        status: 200,
        body: { userId: expect.stringMatching(/^00u\w{17}$/) },
      });
      const userId = registered.body.userId as string;
      expect(Object.keys(registered.body)).toEqual(["userId"]);

      const activationCode = await svc.inbox.nextCode(person.email, 0);
      expect(await post(svc.url, "/api/activate", { userId, otp: activationCode })).toMatchObject({
        status: 200,
        body: { success: true },
      });

      const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({
        id: expect.any(String),
        userId,
        login: person.email,
        status: "ACTIVE",
        amr: ["pwd"],
        mfaActive: true,
        idp: { type: "OKTA" },
      });
      const sessionId = login.body.id as string;
      expect(Date.parse(login.body.expiresAt as string)).toBeGreaterThan(Date.now());

      await post(svc.url, "/api/mfa/verify", { userId });
      const mfaCode = await svc.inbox.nextCode(person.email, 1);
      expect(mfaCode).toMatch(/^\d{6}$/);
      expect((await post(svc.url, "/api/mfa/verify", { userId, otp: mfaCode, sessionId })).body).toEqual({
        success: true,
      });

      const me = await call(svc.url, "GET", `/api/user?sessionId=${sessionId}`);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        id: userId,
        status: "ACTIVE",
        profile: { email: person.email, firstName: "Ada" },
      });
      expect(JSON.stringify(me.body)).not.toContain(person.password);

      const grant = await post(svc.url, "/api/sso/grant", { sessionId });
      expect(grant.body.code).toMatch(/^[\w-]{43}$/);
      const token = await post(svc.url, "/api/sso/token", { code: grant.body.code });
      expect(token.body.token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      const verified = await post(svc.url, "/api/sso/verify", { token: token.body.token });
      expect(verified).toMatchObject({
        status: 200,
        body: {
          sub: userId,
          email: person.email,
          firstName: "Ada",
          lastName: "Lovelace",
          login: person.email,
        },
      });
      const claims = verified.body as { iat: number; exp: number; iss: string; aud: string; jti: string };
      expect(claims.exp - claims.iat).toBe(36_000);
      expect(claims.iss).toBe("http://auth.test");
      expect(claims.jti).toBeTruthy();

      expect((await post(svc.url, "/api/logout", { sessionId })).body).toEqual({ success: true });
      const after = await call(svc.url, "GET", `/api/user?sessionId=${sessionId}`);
      expect(after).toMatchObject({ status: 404, body: { error: "OKTA_ERROR", errorCode: "E0000007" } });
      expect(await post(svc.url, "/api/logout", { sessionId })).toMatchObject({ status: 404 });
    });

    it("takes the session id of GET /api/user from a Bearer header or a JSON body", async () => {
      const { sessionId, userId } = await steppedUpSession();
      const byHeader = await call(svc.url, "GET", "/api/user", undefined, {
        authorization: `Bearer ${sessionId}`,
      });
      expect(byHeader).toMatchObject({ status: 200, body: { id: userId } });
      const byBody = await getWithBody(svc.url, "/api/user", { sessionId });
      expect(byBody).toMatchObject({ status: 200, body: { id: userId } });
      const none = await call(svc.url, "GET", "/api/user");
      expect(none).toMatchObject({ status: 400, body: { error: "VALIDATION_ERROR" } });
    });

    it("answers only the user id, and opens no session, before the email is confirmed", async () => {
      const person = newPerson();
      const { body } = await post(svc.url, "/api/register", person);
      const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
      expect(login).toMatchObject({ status: 200, body: { userId: body.userId } });
      expect(Object.keys(login.body)).toEqual(["userId"]);
    });

    it("marks every answer no-store", async () => {
      const login = await post(svc.url, "/api/login", {
        email: "nobody@example.com",
        password: "Whatever-123",
      });
      expect(login.headers.get("cache-control")).toBe("no-store");
    });
  });

  describe("REST shim: codes", () => {
    const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

    it("refuses a wrong code with Okta's E0000068, then accepts the right one", async () => {
      const person = newPerson();
      const { body } = await post(svc.url, "/api/register", person);
      const otp = await svc.inbox.nextCode(person.email, 0);
      const refused = await post(svc.url, "/api/activate", { userId: body.userId, otp: wrong(otp) });
      expect(refused).toMatchObject({
        status: 403,
        body: {
          error: "OKTA_ERROR",
          errorCode: "E0000068",
          errorCauses: [{ errorSummary: "Your passcode doesn't match our records. Please try again." }],
          errorId: expect.any(String),
        },
      });
      expect((await post(svc.url, "/api/activate", { userId: body.userId, otp })).status).toBe(200);
    });

    it("refuses a reused code", async () => {
      const { userId, person } = await activatedPerson();
      await post(svc.url, "/api/mfa/verify", { userId });
      const otp = await svc.inbox.nextCode(person.email, 1);
      expect((await post(svc.url, "/api/mfa/verify", { userId, otp })).status).toBe(200);
      expect(await post(svc.url, "/api/mfa/verify", { userId, otp })).toMatchObject({
        status: 403,
        body: { errorCode: "E0000068" },
      });
    });

    it("voids a code after five wrong tries, even when the sixth is right", async () => {
      const person = newPerson();
      const { body } = await post(svc.url, "/api/register", person);
      const otp = await svc.inbox.nextCode(person.email, 0);
      for (let i = 0; i < 5; i++) {
        expect((await post(svc.url, "/api/activate", { userId: body.userId, otp: wrong(otp) })).status).toBe(
          403,
        );
      }
      const sixth = await post(svc.url, "/api/activate", { userId: body.userId, otp });
      expect(sixth).toMatchObject({ status: 429, body: { error: "OKTA_ERROR", errorCode: "E0000047" } });
      expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    it("re-enrols on activate without a code: a fresh code works, the old one does not", async () => {
      const person = newPerson();
      const { body } = await post(svc.url, "/api/register", person);
      const first = await svc.inbox.nextCode(person.email, 0);
      expect((await post(svc.url, "/api/activate", { userId: body.userId })).body).toEqual({ success: true });
      const second = await svc.inbox.nextCode(person.email, 1);
      if (first !== second) {
        expect((await post(svc.url, "/api/activate", { userId: body.userId, otp: first })).status).toBe(403);
      }
      expect((await post(svc.url, "/api/activate", { userId: body.userId, otp: second })).status).toBe(200);
    });

    it("refuses to re-enrol an active factor, so a user id alone cannot reset someone's MFA", async () => {
      const { userId } = await activatedPerson();
      expect(await post(svc.url, "/api/activate", { userId })).toMatchObject({
        status: 400,
        body: { error: "OKTA_ERROR", errorCode: "E0000001" },
      });
    });

    it("refuses an expired code", async () => {
      const short = await startService({ OTP_TTL_SECONDS: "1" }, provider);
      try {
        const person = newPerson();
        const { body } = await post(short.url, "/api/register", person);
        const otp = await short.inbox.nextCode(person.email, 0);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await post(short.url, "/api/activate", { userId: body.userId, otp })).toMatchObject({
          status: 403,
          body: { errorCode: "E0000068" },
        });
      } finally {
        await short.stop();
      }
    });
  });

  describe("REST shim: single sign-on", () => {
    const logIn = async (person: { email: string; password: string }) =>
      (await post(svc.url, "/api/login", { email: person.email, password: person.password })).body
        .id as string;

    it("asks for a code check that names the session before a grant (step-up), then grants", async () => {
      const { person, userId } = await activatedPerson();
      const sessionId = await logIn(person);
      const refused = await post(svc.url, "/api/sso/grant", { sessionId });
      expect(refused).toMatchObject({ status: 403, body: { error: "MFA_REQUIRED" } });
      await passCodeCheck(person, userId);
      const stillRefused = await post(svc.url, "/api/sso/grant", { sessionId });
      expect(stillRefused).toMatchObject({ status: 403, body: { error: "MFA_REQUIRED" } });
      await passCodeCheck(person, userId, sessionId);
      expect((await post(svc.url, "/api/sso/grant", { sessionId })).status).toBe(200);
    });

    it("steps up only the session the check named: another session of the user stays refused", async () => {
      const { person, userId } = await activatedPerson();
      const attackers = await logIn(person);
      const owners = await logIn(person);
      await passCodeCheck(person, userId, owners);
      expect((await post(svc.url, "/api/sso/grant", { sessionId: owners })).status).toBe(200);
      const refused = await post(svc.url, "/api/sso/grant", { sessionId: attackers });
      expect(refused).toMatchObject({ status: 403, body: { error: "MFA_REQUIRED" } });
    });

    it("refuses a check naming another user's session, as an unknown session, and marks nothing", async () => {
      const ada = await activatedPerson();
      const grace = await activatedPerson();
      const adaSession = await logIn(ada.person);
      const seen = svc.inbox.mailsTo(grace.person.email).length;
      await post(svc.url, "/api/mfa/verify", { userId: grace.userId });
      const otp = await svc.inbox.nextCode(grace.person.email, seen);
      const foreign = await post(svc.url, "/api/mfa/verify", {
        userId: grace.userId,
        otp,
        sessionId: adaSession,
      });
      const unknown = await post(svc.url, "/api/mfa/verify", {
        userId: grace.userId,
        otp,
        sessionId: "nope",
      });
      for (const answer of [foreign, unknown]) {
        expect(answer).toMatchObject({ status: 404, body: { error: "OKTA_ERROR", errorCode: "E0000007" } });
        expect(answer.body.errorSummary).toBe("Not found: Resource not found: session (Session)");
      }
      const refused = await post(svc.url, "/api/sso/grant", { sessionId: adaSession });
      expect(refused).toMatchObject({ status: 403, body: { error: "MFA_REQUIRED" } });
      // The code was not spent on the refused checks: grace can still use it.
      const graceSession = await logIn(grace.person);
      const own = await post(svc.url, "/api/mfa/verify", {
        userId: grace.userId,
        otp,
        sessionId: graceSession,
      });
      expect(own.body).toEqual({ success: true });
    });

    it("under SSO_REQUIRE_MFA=user, counts a check for every session the user opened before it", async () => {
      const users = await startService({ SSO_REQUIRE_MFA: "user" }, provider);
      try {
        const person = newPerson();
        const { userId } = (await post(users.url, "/api/register", person)).body as { userId: string };
        await post(users.url, "/api/activate", { userId, otp: await users.inbox.nextCode(person.email, 0) });
        const login = () => post(users.url, "/api/login", { email: person.email, password: person.password });
        const older = (await login()).body.id;
        await post(users.url, "/api/mfa/verify", { userId });
        await post(users.url, "/api/mfa/verify", {
          userId,
          otp: await users.inbox.nextCode(person.email, 1),
        });
        const newer = (await login()).body.id;
        expect((await post(users.url, "/api/sso/grant", { sessionId: older })).status).toBe(200);
        expect(await post(users.url, "/api/sso/grant", { sessionId: newer })).toMatchObject({
          status: 403,
          body: { error: "MFA_REQUIRED" },
        });
      } finally {
        await users.stop();
      }
    });

    it("redeems a grant code once", async () => {
      const { sessionId } = await steppedUpSession();
      const { body } = await post(svc.url, "/api/sso/grant", { sessionId });
      const [first, second] = await Promise.all([
        post(svc.url, "/api/sso/token", { code: body.code }),
        post(svc.url, "/api/sso/token", { code: body.code }),
      ]);
      expect([first.status, second.status].sort()).toEqual([200, 400]);
      const refused = first.status === 400 ? first : second;
      expect(refused.body).toEqual({
        error: "INVALID_GRANT",
        reason: "invalid_grant",
        message: "The code is unknown, used or expired",
        requestId: refused.headers.get("x-request-id"),
      });
    });

    it("refuses an expired grant code", async () => {
      const short = await startService({ AUTH_CODE_TTL_SECONDS: "1", SSO_REQUIRE_MFA: "false" }, provider);
      try {
        const person = newPerson();
        const { body } = await post(short.url, "/api/register", person);
        await post(short.url, "/api/activate", {
          userId: body.userId,
          otp: await short.inbox.nextCode(person.email, 0),
        });
        const login = await post(short.url, "/api/login", { email: person.email, password: person.password });
        const grant = await post(short.url, "/api/sso/grant", { sessionId: login.body.id });
        expect(grant.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await post(short.url, "/api/sso/token", { code: grant.body.code })).toMatchObject({
          status: 400,
          body: { error: "INVALID_GRANT" },
        });
      } finally {
        await short.stop();
      }
    });

    it("refuses tampered, expired, foreign and alg:none tokens with 401 INVALID_TOKEN", async () => {
      const { sessionId } = await steppedUpSession();
      const { body } = await post(svc.url, "/api/sso/grant", { sessionId });
      const token = (await post(svc.url, "/api/sso/token", { code: body.code })).body.token as string;
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const secret = new TextEncoder().encode(TEST_JWT_SECRET);
      const now = Math.floor(Date.now() / 1000);

      const tampered = `${header}.${encode({ ...claims, email: "admin@example.com" })}.${signature}`;
      const none = `${encode({ alg: "none", typ: "JWT" })}.${payload}.`;
      const expired = await new SignJWT({ ...claims, iat: now - 40_000, exp: now - 3_600 })
        .setProtectedHeader({ alg: "HS256" })
        .sign(secret);
      const foreign = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode("somebody-else's-secret-of-32-bytes-or-more"));

      for (const bad of [tampered, none, expired, foreign, "not-a-token"]) {
        const answer = await post(svc.url, "/api/sso/verify", { token: bad });
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe("INVALID_TOKEN");
      }
      expect((await post(svc.url, "/api/sso/verify", { token: expired })).body.message).toBe(
        "The token has expired",
      );
    });
  });

  describe("REST shim: login and registration failures", () => {
    it("answers a wrong password and an unknown email alike", async () => {
      const { person } = await activatedPerson();
      const wrongPassword = await post(svc.url, "/api/login", {
        email: person.email,
        password: "Wrong-Password-1",
      });
      const unknown = await post(svc.url, "/api/login", {
        email: `x${person.email}`,
        password: "Wrong-Password-1",
      });
      expect(wrongPassword.status).toBe(401);
      // Each answer has an id of its own (Okta's errorId, the request's id); the rest is the same.
      const { errorId: _a, requestId: _c, ...first } = wrongPassword.body;
      const { errorId: _b, requestId: _d, ...second } = unknown.body;
      expect(first).toEqual(second);
      expect(first).toMatchObject({
        error: "OKTA_ERROR",
        errorCode: "E0000004",
        errorSummary: "Authentication failed",
      });
    });

    it("refuses an activated email, whatever its case", async () => {
      const { person } = await activatedPerson();
      const again = await post(svc.url, "/api/register", { ...person, email: person.email.toUpperCase() });
      expect(again).toMatchObject({
        status: 400,
        body: {
          error: "OKTA_ERROR",
          errorCode: "E0000001",
          errorCauses: [
            { errorSummary: "login: An object with this field already exists in the current organization" },
          ],
        },
      });
    });

    it("refuses a weak password and keeps nothing of the attempt", async () => {
      const person = newPerson();
      const weak = await post(svc.url, "/api/register", { ...person, password: "password" });
      expect(weak).toMatchObject({ status: 400, body: { error: "OKTA_ERROR", errorCode: "E0000001" } });
      expect(JSON.stringify(weak.body)).not.toContain('"password"');
      expect((await post(svc.url, "/api/register", person)).status).toBe(200);
    });
  });

  describe("REST shim: bad input", () => {
    it("answers Joi's details for wrong types and missing fields, without echoing values", async () => {
      const answer = await post(svc.url, "/api/register", {
        firstName: 42,
        email: "not-an-email",
        password: ["Secret-123"],
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("VALIDATION_ERROR");
      const details = answer.body.details as {
        message: string;
        path: string[];
        type: string;
        context: object;
      }[];
      expect(details.map((d) => d.path[0]).sort()).toEqual(["email", "firstName", "lastName", "password"]);
      for (const detail of details)
        expect(detail).toEqual({
          message: expect.any(String),
          path: expect.any(Array),
          type: expect.any(String),
          context: expect.any(Object),
        });
      expect(JSON.stringify(answer.body)).not.toContain("Secret-123");
      expect(JSON.stringify(answer.body)).not.toContain("not-an-email");
    });

    it("refuses a malformed code without echoing it", async () => {
      const answer = await post(svc.url, "/api/mfa/verify", { userId: "00uAbc", otp: "12a456" });
      expect(answer).toMatchObject({ status: 400, body: { error: "VALIDATION_ERROR" } });
      expect(JSON.stringify(answer.body)).not.toContain("12a456");
    });

    it("answers INVALID_JSON for a malformed body", async () => {
      expect(await post(svc.url, "/api/login", '{"email": "a@b.c",')).toMatchObject({
        status: 400,
        body: { error: "INVALID_JSON" },
      });
      expect(await post(svc.url, "/api/login", "")).toMatchObject({
        status: 400,
        body: { error: "INVALID_JSON" },
      });
    });

    it("answers 415 for a body that is not JSON", async () => {
      const answer = await post(svc.url, "/api/login", "email=a@b.c", {
        "content-type": "application/x-www-form-urlencoded",
      });
      expect(answer).toMatchObject({ status: 415, body: { error: "UNSUPPORTED_MEDIA_TYPE" } });
    });

    it("answers 413 for a body over the limit", async () => {
      const answer = await post(svc.url, "/api/login", { email: "a@b.c", password: "x".repeat(64 * 1024) });
      expect(answer).toMatchObject({ status: 413, body: { error: "PAYLOAD_TOO_LARGE" } });
    });

    it("answers a body that is not an object, or has a poisoned prototype, with a 4xx", async () => {
      for (const body of ["[]", "null", '"text"', "42"]) {
        const answer = await post(svc.url, "/api/login", body);
        expect(answer.status).toBe(400);
        expect(["VALIDATION_ERROR", "INVALID_JSON"]).toContain(answer.body.error);
      }
      const polluted = await post(
        svc.url,
        "/api/login",
        '{"__proto__": {"admin": true}, "email": "a@b.c", "password": "x"}',
      );
      expect(polluted.status).toBe(400);
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it("answers { error: '404' } for an unknown endpoint", async () => {
      expect(await post(svc.url, "/api/nothing-here", {})).toMatchObject({
        status: 404,
        body: { error: "404" },
      });
      expect(await call(svc.url, "GET", "/nothing")).toMatchObject({ status: 404, body: { error: "404" } });
    });
  });

  describe("REST shim: compatibility and hygiene", () => {
    it("answers 200 for every error when ERRORS_AS_200 is set, as the original service did", async () => {
      const legacy = await startService({ ERRORS_AS_200: "true" }, provider);
      try {
        expect(await post(legacy.url, "/api/sso/verify", { token: "x" })).toMatchObject({
          status: 200,
          body: { error: "INVALID_TOKEN" },
        });
        expect(await post(legacy.url, "/api/nothing", {})).toMatchObject({
          status: 200,
          body: { error: "404" },
        });
      } finally {
        await legacy.stop();
      }
    });
  });
});
