import { createServer } from "node:net";
import { createAuthClient } from "@authsvc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  call,
  getWithBody,
  newPerson,
  OKTA_TEST_TOKEN,
  PROVIDERS,
  post,
  type RunningService,
  SMTP_TEST_PASSWORD,
  serviceAppKey,
  startService,
  TEST_JWT_SECRET,
  trpc,
} from "../harness.js";

const WRONG_PASSWORD = "Wrong-Password-7";

/** Fails when any of `secrets` shows in `text`; codes (digits) only where they stand alone, not inside a timestamp. */
function expectNoSecret(where: string, text: string, secrets: string[], codes: string[] = []) {
  for (const secret of secrets) expect(text.includes(secret), `${where} holds ${secret}`).toBe(false);
  for (const code of codes)
    expect(text, `${where} holds code ${code}`).not.toMatch(new RegExp(`(?<![\\d.])${code}(?![\\d.])`));
}

describe.each(PROVIDERS)("secrets over %s", (provider) => {
  let svc: RunningService;
  /** Every answer that refused something: none may repeat a secret. */
  const refusals: Answer[] = [];
  const secrets: string[] = [WRONG_PASSWORD];
  const codes: string[] = [];
  /** Not secrets, but no audit line needs one: they name users by id. */
  const emails: string[] = [];

  beforeAll(async () => {
    svc = await startService({ LOG_LEVEL: "trace", RATE_LIMIT_LOGIN_PER_ACCOUNT: "3/86400" }, provider);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const keep = (answer: Answer) => {
    if (answer.status !== 200) refusals.push(answer);
    return answer;
  };
  const codeFor = async (email: string, seen: number) => {
    const code = await svc.inbox.nextCode(email, seen);
    codes.push(code);
    return code;
  };

  it("runs the whole flow through REST, with refusals on the way", async () => {
    const person = newPerson();
    secrets.push(person.password);
    emails.push(person.email);
    const { userId } = keep(await post(svc.url, "/api/register", person)).body as { userId: string };
    keep(await post(svc.url, "/api/activate", { userId, otp: "000000" }));
    keep(await post(svc.url, "/api/activate", { userId, otp: await codeFor(person.email, 0) }));
    const login = keep(await post(svc.url, "/api/login", person));
    const sessionId = login.body.id as string;
    secrets.push(sessionId);
    keep(await post(svc.url, "/api/mfa/verify", { userId }));
    keep(await post(svc.url, "/api/mfa/verify", { userId, otp: await codeFor(person.email, 1), sessionId }));
    keep(await call(svc.url, "GET", `/api/user?sessionId=${sessionId}`));
    keep(await call(svc.url, "GET", "/api/user", undefined, { authorization: `Bearer ${sessionId}` }));
    keep(await getWithBody(svc.url, "/api/user", { sessionId }));
    const { code } = keep(await post(svc.url, "/api/sso/grant", { sessionId })).body as { code: string };
    const { token } = keep(await post(svc.url, "/api/sso/token", { code })).body as { token: string };
    secrets.push(code, token);
    keep(await post(svc.url, "/api/sso/token", { code }));
    keep(await post(svc.url, "/api/sso/verify", { token }));
    keep(await post(svc.url, "/api/sso/verify", { token: `${token}x` }));
    keep(await post(svc.url, "/api/logout", { sessionId }));
    keep(await post(svc.url, "/api/logout", { sessionId }));
    keep(await call(svc.url, "GET", `/api/user?sessionId=${sessionId}`));
    for (let i = 0; i < 4; i++)
      keep(await post(svc.url, "/api/login", { email: person.email, password: WRONG_PASSWORD }));
    // Wrong code, used grant, altered token, logout and read after logout, two wrong passwords, rate limit.
    expect(refusals.map((answer) => answer.status)).toEqual([403, 400, 401, 404, 404, 401, 401, 429, 429]);
  });

  it("runs the whole flow through tRPC, with refusals on the way", async () => {
    const client = createAuthClient({ url: svc.url });
    const person = newPerson();
    secrets.push(person.password);
    emails.push(person.email);
    const { userId } = await client.auth.register.mutate(person);
    keep(await trpc(svc.url, "mfa.activate", { userId, otp: "000000" }));
    await client.mfa.activate.mutate({ userId, otp: await codeFor(person.email, 0) });
    const session = await client.auth.login.mutate(person);
    const sessionId = "id" in session ? session.id : "";
    await client.mfa.verify.mutate({ userId });
    await client.mfa.verify.mutate({ userId, otp: await codeFor(person.email, 1), sessionId });
    await client.user.me.query({ sessionId });
    const { code } = await client.sso.grant.mutate({ sessionId });
    const { token } = await client.sso.token.mutate({ code });
    secrets.push(sessionId, code, token);
    await client.sso.verify.query({ token });
    keep(await trpc(svc.url, "sso.token", { code }));
    keep(await trpc(svc.url, "sso.verify", { token: token.slice(0, -2) }));
    await client.auth.logout.mutate({ sessionId });
    keep(await trpc(svc.url, "user.me", { sessionId }));
    keep(await trpc(svc.url, "auth.login", { email: person.email, password: WRONG_PASSWORD }));
  });

  it("wrote no password, code, session id, grant code, token, signing key, Okta token or SMTP password", () => {
    const logs = svc.logs.join("");
    expect(logs).toContain('"url":"/api/user"');
    const configured = [TEST_JWT_SECRET, OKTA_TEST_TOKEN, SMTP_TEST_PASSWORD];
    expectNoSecret("the logs", logs, [...secrets, ...configured], codes);
    for (const answer of refusals) {
      expectNoSecret(
        `a ${answer.status} answer`,
        JSON.stringify(answer.body),
        [...secrets, ...configured],
        codes,
      );
    }
  });

  it("wrote an audit line for each security event of both flows, with no secret and no email", () => {
    const audit = svc.logs
      .join("")
      .split("\n")
      .filter((line) => line.includes('"msg":"security event"'));
    const events = new Set(audit.map((line) => (JSON.parse(line) as { event: string }).event));
    expect([...events].sort()).toEqual([
      "activated",
      "code.failed",
      "code.passed",
      "code.sent",
      "grant.issued",
      "grant.replayed",
      "login.failed",
      "login.succeeded",
      "rate.limited",
      "registered",
      "session.ended",
      "token.issued",
    ]);
    const configured = [TEST_JWT_SECRET, OKTA_TEST_TOKEN, SMTP_TEST_PASSWORD];
    expectNoSecret("the audit lines", audit.join("\n"), [...secrets, ...configured, ...emails], codes);
  });

  it.runIf(provider === "embedded")("logs in to SMTP with SMTP_URL's credentials", () => {
    expect(svc.inbox.logins).toContain("e2e-mailer");
  });
});

describe("secrets of failing dependencies", () => {
  it("never shows the SMTP password when the mail server cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const svc = await startService({
      LOG_LEVEL: "trace",
      SMTP_URL: `smtp://mailer:${SMTP_TEST_PASSWORD}@127.0.0.1:${port}`,
    });
    try {
      const answer = await post(svc.url, "/api/register", newPerson());
      expect(answer).toMatchObject({ status: 503, body: { error: "SERVICE_UNAVAILABLE" } });
      expectNoSecret("the answer", JSON.stringify(answer.body), [SMTP_TEST_PASSWORD, "mailer:"]);
      expectNoSecret("the logs", svc.logs.join(""), [SMTP_TEST_PASSWORD, "mailer:"]);
    } finally {
      await svc.stop();
    }
  });

  it("never shows the Okta API token, right or wrong, when Okta refuses it", async () => {
    const wrongToken = "e2e-revoked-okta-token-9876543210";
    const svc = await startService({ LOG_LEVEL: "trace", OKTA_API_TOKEN: wrongToken }, "okta-identity");
    try {
      const answers = [
        await post(svc.url, "/api/register", newPerson()),
        await post(svc.url, "/api/login", newPerson()),
        await trpc(svc.url, "user.me", { sessionId: "102abc" }),
        await call(svc.url, "GET", "/readyz"),
      ];
      for (const answer of answers) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expectNoSecret("an answer", JSON.stringify(answer.body), [wrongToken, OKTA_TEST_TOKEN, "SSWS"]);
      }
      expectNoSecret("the logs", svc.logs.join(""), [wrongToken, OKTA_TEST_TOKEN, "SSWS"]);
    } finally {
      await svc.stop();
    }
  });

  it("never shows the service app's private key or token request when Okta refuses the app", async () => {
    // A scope the emulated app was not granted: Okta refuses the token request (invalid_scope).
    const svc = await startService(
      { LOG_LEVEL: "trace", OKTA_SCOPES: "okta.users.manage okta.groups.read" },
      "okta-identity-oauth",
    );
    try {
      const answer = await post(svc.url, "/api/register", newPerson());
      expect([answer.status, answer.body.error]).toEqual([500, "SERVER_ERROR"]);
      const logs = svc.logs.join("");
      expect(logs).toContain("Okta refused the service app's token request (invalid_scope:");
      const keyLines = serviceAppKey.privatePem.split("\n").filter((line) => line.length > 40);
      expectNoSecret("an answer", JSON.stringify(answer.body), keyLines);
      expectNoSecret("the logs", logs, [...keyLines, "client_assertion="]);
    } finally {
      await svc.stop();
    }
  });
});
