import { type AppRouter, type AuthClient, createAuthClient } from "@authsvc/client";
import { MAX_CALLS_PER_BATCH } from "@authsvc/core/batching";
import { createTRPCClient, httpBatchStreamLink, httpLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../src/server.js";
import { appRouter } from "../src/trpc/router.js";
import {
  ALL_PROVIDERS,
  clientFailure as failure,
  newPerson,
  post,
  type RunningService,
  rawRequest,
  startService,
} from "./harness.js";

/** Both providers, each with the fast path and with every request through tRPC's own handler. */
const SETTINGS = ALL_PROVIDERS.flatMap((provider) =>
  ["true", "false"].map((fastPath) => [provider, fastPath] as const),
);

describe.each(SETTINGS)("typed client over %s, TRPC_FAST_PATH=%s", (provider, fastPath) => {
  let svc: RunningService;
  let client: AuthClient;
  beforeAll(async () => {
    svc = await startService({ TRPC_FAST_PATH: fastPath }, provider);
    client = createAuthClient({ url: svc.url });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** The typed client, and the official client's other links: one call per request, and streamed batches. */
  const clients: [string, () => AuthClient][] = [
    ["createAuthClient (httpBatchLink)", () => client],
    ["httpLink", () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${svc.url}/trpc` })] })],
    [
      "httpBatchStreamLink",
      () =>
        createTRPCClient<AppRouter>({
          links: [httpBatchStreamLink({ url: `${svc.url}/trpc`, methodOverride: "POST" })],
        }),
    ],
  ];

  /** A typed client that counts the HTTP requests it sends. */
  function countingClient() {
    const sent = { requests: 0 };
    const counting = createAuthClient({
      url: svc.url,
      fetch: (input, init) => {
        sent.requests += 1;
        return fetch(input, init);
      },
    });
    return { client: counting, sent };
  }

  describe("typed client over tRPC", () => {
    it.each(clients)("runs the documented flow end to end through %s", async (_, clientOf) => {
      const caller = clientOf();
      const person = newPerson();
      const { userId } = await caller.auth.register.mutate(person);
      await caller.mfa.activate.mutate({ userId, otp: await svc.inbox.nextCode(person.email, 0) });

      const session = await caller.auth.login.mutate({ email: person.email, password: person.password });
      if (!("id" in session)) throw new Error("expected a session once the factor is active");
      expect(session).toMatchObject({ userId, status: "ACTIVE", mfaActive: true });

      await caller.mfa.verify.mutate({ userId });
      const otp = await svc.inbox.nextCode(person.email, 1);
      await caller.mfa.verify.mutate({ userId, otp, sessionId: session.id });

      const me = await caller.user.me.query({ sessionId: session.id });
      expect(me).toMatchObject({ id: userId, profile: { email: person.email }, _links: expect.any(Object) });

      const { code } = await caller.sso.grant.mutate({ sessionId: session.id });
      const { token } = await caller.sso.token.mutate({ code });
      const claims = await caller.sso.verify.query({ token });
      expect(claims).toMatchObject({ sub: userId, email: person.email, firstName: "Ada" });

      expect(await caller.auth.logout.mutate({ sessionId: session.id })).toEqual({ success: true });
      const gone = await failure(caller.user.me.query({ sessionId: session.id }));
      expect(gone.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000007", httpStatus: 404 });
    });

    it("steps up only the session a code check names, and refuses another user's session", async () => {
      const activated = async () => {
        const person = newPerson();
        const { userId } = await client.auth.register.mutate(person);
        await client.mfa.activate.mutate({ userId, otp: await svc.inbox.nextCode(person.email, 0) });
        const logIn = async () => {
          const session = await client.auth.login.mutate({ email: person.email, password: person.password });
          if (!("id" in session)) throw new Error("expected a session");
          return session.id;
        };
        const code = async () => {
          const seen = svc.inbox.mailsTo(person.email).length;
          await client.mfa.verify.mutate({ userId });
          return svc.inbox.nextCode(person.email, seen);
        };
        return { userId, logIn, code };
      };
      const ada = await activated();
      const grace = await activated();
      const attackers = await ada.logIn();
      const owners = await ada.logIn();
      const gracesSession = await grace.logIn();

      const otp = await ada.code();
      const foreign = await failure(
        client.mfa.verify.mutate({ userId: ada.userId, otp, sessionId: gracesSession }),
      );
      expect(foreign.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000007", httpStatus: 404 });
      await client.mfa.verify.mutate({ userId: ada.userId, otp, sessionId: owners });

      expect(await client.sso.grant.mutate({ sessionId: owners })).toEqual({ code: expect.any(String) });
      for (const sessionId of [attackers, gracesSession]) {
        const refused = await failure(client.sso.grant.mutate({ sessionId }));
        expect(refused.data).toMatchObject({ error: "MFA_REQUIRED", httpStatus: 403 });
      }
    });

    it("answers a login before activation with the user id only", async () => {
      const person = newPerson();
      const { userId } = await client.auth.register.mutate(person);
      expect(await client.auth.login.mutate({ email: person.email, password: person.password })).toEqual({
        userId,
      });
    });

    it("carries the service's error codes and details, typed", async () => {
      const invalid = await failure(client.auth.register.mutate({ ...newPerson(), email: "nope" }));
      expect(invalid.data?.httpStatus).toBe(400);
      expect(invalid.data).toMatchObject({
        error: "VALIDATION_ERROR",
        details: [{ path: ["email"], message: expect.any(String), type: expect.any(String) }],
      });
      expect(invalid.data).not.toHaveProperty("stack");

      const badLogin = await failure(
        client.auth.login.mutate({ email: "nobody@example.com", password: "Wrong-123" }),
      );
      expect(badLogin.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000004", httpStatus: 401 });

      const badToken = await failure(client.sso.verify.query({ token: "a.b.c" }));
      expect(badToken.data).toMatchObject({ error: "INVALID_TOKEN", httpStatus: 401 });
      expect(badToken.message).toBe("The token is not valid");
      // tRPC's own code follows the status, not tRPC's default for a thrown error.
      expect(badToken.data?.code).toBe("UNAUTHORIZED");
      expect(badToken.shape?.code).toBe(-32001);

      const badGrant = await failure(client.sso.token.mutate({ code: "no-such-code" }));
      expect(badGrant.data).toMatchObject({ error: "INVALID_GRANT", httpStatus: 400 });
    });

    it("batches calls into one request and answers each on its own", async () => {
      const person = newPerson();
      const { client: counting, sent } = countingClient();
      const [registered, refused] = await Promise.allSettled([
        counting.auth.register.mutate(person),
        counting.sso.token.mutate({ code: "no-such-code" }),
      ]);
      expect(sent.requests).toBe(1);
      expect(registered).toMatchObject({ status: "fulfilled", value: { userId: expect.any(String) } });
      expect(refused).toMatchObject({
        status: "rejected",
        reason: { data: { error: "INVALID_GRANT", httpStatus: 400 } },
      });
    });

    it("answers a batch of ten sso.verify, a path longer than Fastify's default limit", async () => {
      const { client: counting, sent } = countingClient();
      const results = await Promise.allSettled(
        Array.from({ length: MAX_CALLS_PER_BATCH }, () => counting.sso.verify.query({ token: "a.b.c" })),
      );
      expect(sent.requests).toBe(1);
      for (const result of results) {
        expect(result).toMatchObject({ status: "rejected", reason: { data: { error: "INVALID_TOKEN" } } });
      }
    });

    it("takes the longest batch the router allows: its longest path, as many times as a batch may hold", async () => {
      const longest = Object.keys(appRouter._def.procedures).reduce((a, b) => (b.length > a.length ? b : a));
      const paths = Array(MAX_CALLS_PER_BATCH).fill(longest);
      const answer = await post(svc.url, `/trpc/${paths.join(",")}?batch=1`, {});
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual(
        paths.map((path) => ({
          error: expect.objectContaining({
            data: expect.objectContaining({ error: "VALIDATION_ERROR", path }),
          }),
        })),
      );
    });

    it("sends more calls than a batch may hold as several batches, each answered", async () => {
      const { client: counting, sent } = countingClient();
      const results = await Promise.allSettled(
        Array.from({ length: MAX_CALLS_PER_BATCH + 1 }, () => counting.sso.verify.query({ token: "a.b.c" })),
      );
      expect(sent.requests).toBe(2);
      for (const result of results) {
        expect(result).toMatchObject({ status: "rejected", reason: { data: { error: "INVALID_TOKEN" } } });
      }
    });

    it("fails every call of a batch refused before any procedure with the refusal, each with its path", async () => {
      const results = await Promise.allSettled([
        client.sso.verify.query({ token: "a".repeat(BODY_LIMIT_BYTES) }),
        client.user.me.query({ sessionId: "102abc" }),
      ]);
      for (const result of results) {
        expect(result).toMatchObject({
          status: "rejected",
          reason: { data: { error: "PAYLOAD_TOO_LARGE", httpStatus: 413 } },
        });
      }

      const notJson = await post(svc.url, "/trpc/sso.verify,user.me?batch=1", "{oops");
      expect(notJson.status).toBe(400);
      expect(notJson.body).toEqual(
        ["sso.verify", "user.me"].map((path) => ({
          error: expect.objectContaining({ data: expect.objectContaining({ error: "INVALID_JSON", path }) }),
        })),
      );
      // A body of another type: one error for the whole batch, as tRPC's adapter answers; its client gives it to each call.
      const untyped = await rawRequest(svc.url, "POST", "/trpc/sso.verify,user.me?batch=1", {
        headers: { "content-type": "text/plain" },
        body: "{}",
      });
      expect(untyped.status).toBe(415);
      expect(JSON.parse(untyped.text)).toMatchObject({
        error: { data: { error: "UNSUPPORTED_MEDIA_TYPE" } },
      });
    });

    it("runs no procedure for a HEAD request", async () => {
      const person = newPerson();
      const { userId } = await client.auth.register.mutate(person);
      await client.mfa.activate.mutate({ userId, otp: await svc.inbox.nextCode(person.email, 0) });
      const session = await client.auth.login.mutate({ email: person.email, password: person.password });
      if (!("id" in session)) throw new Error("expected a session");
      const oktaCallsBefore = svc.oktaCalls();
      const input = encodeURIComponent(JSON.stringify({ sessionId: session.id }));
      const head = await rawRequest(svc.url, "HEAD", `/trpc/user.me?input=${input}`);
      expect(head.status).toBe(204);
      expect(head.text).toBe("");
      expect(svc.oktaCalls()).toEqual(oktaCallsBefore);
      // A HEAD of a mutation does nothing either: the session is still there.
      const logout = await rawRequest(svc.url, "HEAD", "/trpc/auth.logout", {
        headers: { "content-type": "application/json" },
      });
      expect(logout.status).toBe(204);
      expect(await client.user.me.query({ sessionId: session.id })).toMatchObject({ id: userId });
    });

    it("shares state with the REST shim: both doors call the same operations", async () => {
      const person = newPerson();
      const { userId } = await client.auth.register.mutate(person);
      const otp = await svc.inbox.nextCode(person.email, 0);
      expect((await post(svc.url, "/api/activate", { userId, otp })).status).toBe(200);
      const session = await client.auth.login.mutate({ email: person.email, password: person.password });
      if (!("id" in session)) throw new Error("expected a session");
      await client.mfa.verify.mutate({ userId });
      const mfaCode = await svc.inbox.nextCode(person.email, 1);
      await post(svc.url, "/api/mfa/verify", { userId, otp: mfaCode, sessionId: session.id });
      const { code } = await client.sso.grant.mutate({ sessionId: session.id });
      const rest = await post(svc.url, "/api/sso/token", { code });
      expect(rest.status).toBe(200);
      const again = await failure(client.sso.token.mutate({ code }));
      expect(again.data?.error).toBe("INVALID_GRANT");
    });

    it("answers malformed tRPC requests with a 4xx and an error code", async () => {
      const raw = await fetch(`${svc.url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expect(raw.status).toBe(400);
      const body = (await raw.json()) as { error: { data: { error: string } } };
      expect(body.error.data.error).toBe("INVALID_JSON");

      type Refusal = { error: { data: { error: string } } };
      const missing = await fetch(`${svc.url}/trpc/auth.nothing`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as Refusal).error.data.error).toBe("404");

      const untyped = await fetch(`${svc.url}/trpc/auth.login`, { method: "POST", body: "email=x" });
      expect(untyped.status).toBe(415);
      expect(((await untyped.json()) as Refusal).error.data.error).toBe("UNSUPPORTED_MEDIA_TYPE");
    });
  });
});
