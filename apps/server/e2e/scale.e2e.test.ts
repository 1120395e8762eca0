import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeIn, SmtpInbox } from "@authsvc/mail/testing";
import {
  freshPostgresDatabase,
  type PostgresTestDatabase,
  postgresForTests,
  redisForTests,
  TcpProxy,
} from "@authsvc/test-support";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, call, newPerson, post, spawnService, TEST_JWT_SECRET } from "./harness.js";
import { authorization, Browser, discover, signIn, TEST_CLIENTS } from "./oidc-relying-party.js";

/**
 * Two server processes behind no load balancer at all: every step of a flow goes to
 * the other instance than the step before, over one Redis and one PostgreSQL.
 */
const suite = "Two-instance tests (they need Redis and PostgreSQL)";
const redisUrl = (await redisForTests(suite)) ?? "";
const postgresAdminUrl = (await postgresForTests(suite)) ?? "";
const available = Boolean(redisUrl && postgresAdminUrl);

let database: PostgresTestDatabase | undefined;

let inbox: SmtpInbox;
let redisRelay: TcpProxy;
let instances: { url: string; child: ChildProcess }[] = [];
let dataDir = "";

async function startInstance(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const instance = spawnService(env);
  return { url: await instance.listening(), child: instance.child };
}

describe.skipIf(!available)("two instances over one Redis and one PostgreSQL", () => {
  const [a, b] = [() => instances[0]?.url as string, () => instances[1]?.url as string];
  /** Instance for step n of a flow: A, B, A, B, ... */
  const at = (step: number) => (step % 2 === 0 ? a() : b());

  beforeAll(async () => {
    database = await freshPostgresDatabase(postgresAdminUrl);
    inbox = await SmtpInbox.start();
    const redis = new URL(redisUrl);
    redisRelay = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await redisRelay.start();
    dataDir = mkdtempSync(join(tmpdir(), "authsvc-scale-"));
    const env = {
      NODE_ENV: "test",
      PORT: "0",
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${redisRelay.port}`,
      REDIS_KEY_PREFIX: `e2e-${database.name}:`,
      SMTP_URL: inbox.url,
      JWT_SECRET: TEST_JWT_SECRET,
      PUBLIC_URL: "http://auth.test",
      OTP_RESEND_SECONDS: "0",
      LOG_LEVEL: "info",
      OIDC_CLIENTS: JSON.stringify(TEST_CLIENTS),
    };
    instances = await Promise.all([startInstance(env), startInstance(env)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(
      instances.map(async ({ child }) => {
        child.kill("SIGTERM");
        if (child.exitCode === null) await once(child, "exit");
      }),
    );
    await redisRelay?.stop();
    await inbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  async function steppedUpSession(person = newPerson()) {
    const { body } = await post(at(0), "/api/register", person);
    const userId = body.userId as string;
    expect(
      (await post(at(1), "/api/activate", { userId, otp: await inbox.nextCode(person.email, 0) })).status,
    ).toBe(200);
    const login = await post(at(2), "/api/login", { email: person.email, password: person.password });
    expect(login.status).toBe(200);
    const sessionId = login.body.id as string;
    await post(at(3), "/api/mfa/verify", { userId });
    const otp = await inbox.nextCode(person.email, 1);
    expect((await post(at(4), "/api/mfa/verify", { userId, otp, sessionId })).status).toBe(200);
    return { person, userId, sessionId };
  }

  it("serves the documented flow with every step on the other instance", async () => {
    const { person, userId, sessionId } = await steppedUpSession();
    expect(await call(at(5), "GET", `/api/user?sessionId=${sessionId}`)).toMatchObject({
      status: 200,
      body: { id: userId },
    });
    const { body: grant } = await post(at(6), "/api/sso/grant", { sessionId });
    const { body: token } = await post(at(7), "/api/sso/token", { code: grant.code });
    expect(await post(at(8), "/api/sso/verify", { token: token.token })).toMatchObject({
      status: 200,
      body: { sub: userId, email: person.email },
    });
    expect((await post(at(9), "/api/logout", { sessionId })).status).toBe(200);
    expect((await call(at(10), "GET", `/api/user?sessionId=${sessionId}`)).status).toBe(404);
  });

  it("leaves one account when two instances register the same email at once", async () => {
    const person = newPerson();
    const answers = await Promise.all([
      post(a(), "/api/register", person),
      post(b(), "/api/register", { ...person, password: "Other-Horse-8" }),
    ]);

    // Neither had finished: the later may replace the earlier (both answer 200, one id is gone), or
    // find it taken or replaced mid-way (an Okta error, never a 5xx).
    const registered = answers.filter((answer) => answer.status === 200);
    expect(registered.length).toBeGreaterThan(0);
    for (const answer of answers.filter((each) => each.status !== 200)) {
      expect(answer.body.error).toBe("OKTA_ERROR");
    }
    await inbox.nextCode(person.email, registered.length - 1);
    const codes = inbox.mailsTo(person.email).map((mail) => codeIn(mail.raw));
    let activated = 0;
    for (const { body } of registered) {
      for (const otp of codes) {
        if ((await post(b(), "/api/activate", { userId: body.userId, otp })).status === 200) activated += 1;
      }
    }
    expect(activated).toBe(1);
  });

  it("accepts a code once when two instances check it at once", async () => {
    const person = newPerson();
    const { body } = await post(a(), "/api/register", person);
    const otp = await inbox.nextCode(person.email, 0);
    const answers = await Promise.all([
      post(a(), "/api/activate", { userId: body.userId, otp }),
      post(b(), "/api/activate", { userId: body.userId, otp }),
    ]);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    // The loser finds the code taken (E0000068) or the factor already active (E0000001).
    const loser = answers.find((answer) => answer.status !== 200);
    expect(["E0000068", "E0000001"]).toContain(loser?.body.errorCode);
  });

  it("counts wrong codes across instances: five in total, not five each", async () => {
    const person = newPerson();
    const { body } = await post(a(), "/api/register", person);
    const otp = await inbox.nextCode(person.email, 0);
    const wrong = String((Number(otp) + 1) % 1_000_000).padStart(6, "0");
    for (let step = 0; step < 5; step++) {
      expect((await post(at(step), "/api/activate", { userId: body.userId, otp: wrong })).status).toBe(403);
    }
    expect((await post(at(5), "/api/activate", { userId: body.userId, otp })).status).toBe(429);
  });

  it("redeems one grant code once out of 50 concurrent tries over both instances", async () => {
    const { sessionId } = await steppedUpSession();
    const { body } = await post(a(), "/api/sso/grant", { sessionId });
    const answers: Answer[] = await Promise.all(
      Array.from({ length: 50 }, (_, index) => post(at(index), "/api/sso/token", { code: body.code })),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(
      answers.filter((answer) => answer.status === 400 && answer.body.error === "INVALID_GRANT"),
    ).toHaveLength(49);
  });

  it("voids, on every instance, the token of a client-bound code replayed at the other instance", async () => {
    const { sessionId, userId } = await steppedUpSession();
    const codeVerifier = "a-verifier-of-forty-three-characters-or-more-0123456789";
    const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
    const { body: grant } = await post(a(), "/api/sso/grant", { sessionId, clientId: "app", codeChallenge });
    const redemption = { code: grant.code, clientId: "app", codeVerifier };
    const { body } = await post(b(), "/api/sso/token", redemption);
    expect(await post(a(), "/api/sso/verify", { token: body.token })).toMatchObject({
      status: 200,
      body: { sub: userId, azp: "app" },
    });

    expect(await post(a(), "/api/sso/token", redemption)).toMatchObject({
      status: 400,
      body: { error: "INVALID_GRANT" },
    });
    for (const instance of [a(), b()]) {
      expect((await post(instance, "/api/sso/verify", { token: body.token })).status).toBe(401);
    }
  });

  it("answers 503 while Redis is unreachable, names it in /readyz, and recovers without losing users", async () => {
    const { person, sessionId } = await steppedUpSession();
    expect((await call(a(), "GET", "/readyz")).status).toBe(200);

    await redisRelay.stop();
    const grant = await post(a(), "/api/sso/grant", { sessionId });
    expect(grant).toMatchObject({ status: 503, body: { error: "SERVICE_UNAVAILABLE" } });
    expect(grant.headers.get("retry-after")).toBeTruthy();
    expect(await call(b(), "GET", "/readyz")).toMatchObject({ status: 503, body: { failing: ["redis"] } });

    await redisRelay.start();
    const deadline = Date.now() + 10_000;
    while (
      (await call(a(), "GET", "/readyz")).status !== 200 ||
      (await call(b(), "GET", "/readyz")).status !== 200
    ) {
      if (Date.now() > deadline) throw new Error("no recovery within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const login = await post(b(), "/api/login", { email: person.email, password: person.password });
    expect(login.status).toBe(200);
    expect((await post(a(), "/api/sso/grant", { sessionId })).status).toBe(200);
  });

  it("signs in to the OpenID Provider across both instances, and redeems its code once when both are asked at once", async () => {
    const person = newPerson();
    const { body } = await post(a(), "/api/register", person);
    const userId = body.userId as string;
    expect(
      (await post(b(), "/api/activate", { userId, otp: await inbox.nextCode(person.email, 0) })).status,
    ).toBe(200);

    let requests = 0;
    /** A, B, A, B, ...: each request of the relying party and of the browser to the other instance. */
    const alternating = () => at(requests++);
    const config = await discover(alternating);
    const started = await authorization(config);
    const callback = await signIn(new Browser(alternating), started.url, person, () =>
      inbox.nextCode(person.email, 1),
    );
    const checks = { pkceCodeVerifier: started.codeVerifier, expectedState: started.state };
    const [atA, atB] = await Promise.all([discover(a), discover(b)]);
    const redeemed = await Promise.allSettled([
      client.authorizationCodeGrant(atA, callback, checks),
      client.authorizationCodeGrant(atB, callback, checks),
    ]);

    const won = redeemed.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const lost = redeemed.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as client.ResponseBodyError).error).toBe("invalid_grant");
    // The replay voided the grant: the winner's access token no longer works, at either instance.
    const accessToken = won[0]?.access_token as string;
    await expect(client.fetchUserInfo(atA, accessToken, userId)).rejects.toThrow();
    await expect(client.fetchUserInfo(atB, accessToken, userId)).rejects.toThrow();
  });
});
