import { createAuthClient, type ErrorReason, isAuthClientError } from "@authsvc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../src/server.js";
import {
  call,
  newPerson,
  PROVIDERS,
  type Provider,
  post,
  type RunningService,
  rawRequest,
  startService,
  trpc,
  wrongCode,
} from "./harness.js";

/** The service that tests codes' lifetime, the resend throttle and the login limit, with short settings. */
const OTP_TTL_SECONDS = 2;
const TIGHT = {
  OTP_TTL_SECONDS: String(OTP_TTL_SECONDS),
  OTP_RESEND_SECONDS: "60",
  RATE_LIMIT_LOGIN_PER_ACCOUNT: "2/600",
};

const REST_ROUTES = {
  "auth.register": "/api/register",
  "mfa.activate": "/api/activate",
  "auth.login": "/api/login",
  "mfa.verify": "/api/mfa/verify",
  "auth.logout": "/api/logout",
  "user.me": "/api/user",
  "sso.grant": "/api/sso/grant",
  "sso.token": "/api/sso/token",
  "sso.verify": "/api/sso/verify",
} as const;

type Procedure = keyof typeof REST_ROUTES;
type Door = "REST" | "tRPC";
const DOORS: Door[] = ["REST", "tRPC"];

/** What a refused call answered: its status, and the error body (REST) or tRPC's `error.data`. */
async function refusedThrough(door: Door, url: string, procedure: Procedure, input: Record<string, unknown>) {
  if (door === "tRPC") {
    const answer = await trpc(url, procedure, input);
    return { status: answer.status, error: answer.body.error?.data ?? {} };
  }
  const answer =
    procedure === "user.me"
      ? await call(
          url,
          "GET",
          `${REST_ROUTES[procedure]}?${new URLSearchParams(input as Record<string, string>)}`,
        )
      : await post(url, REST_ROUTES[procedure], input);
  return { status: answer.status, error: answer.body };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers a person (their factor pending); answers their user id and the code mailed. */
async function registered(svc: RunningService, person = newPerson()) {
  const { body } = await post(svc.url, "/api/register", person);
  const userId = body.userId as string;
  return { person, userId, code: await svc.inbox.nextCode(person.email, 0) };
}

/** Registers and activates a person; answers their user id. */
async function activated(svc: RunningService, person = newPerson()) {
  const { userId, code } = await registered(svc, person);
  expect((await post(svc.url, "/api/activate", { userId, otp: code })).status).toBe(200);
  return { person, userId };
}

async function loggedIn(svc: RunningService) {
  const { person, userId } = await activated(svc);
  const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
  return { person, userId, sessionId: login.body.id as string };
}

interface Scenario {
  what: string;
  /** The documented fields that must not change, and the reason beside them (per provider where they differ). */
  expected: {
    status: number;
    error: string;
    errorCode?: string;
    reason: ErrorReason | Record<Provider, ErrorReason>;
  };
  /** Runs on the service with short code lifetime, a resend throttle and a tight login limit. */
  tight?: true;
  /** Brings the service to the point of refusal; answers the call to make through the door. */
  prepare(svc: RunningService): Promise<[Procedure, Record<string, unknown>]>;
}

const SCENARIOS: Scenario[] = [
  {
    what: "a wrong password",
    expected: { status: 401, error: "OKTA_ERROR", errorCode: "E0000004", reason: "invalid_credentials" },
    async prepare(svc) {
      const { person } = await activated(svc);
      return ["auth.login", { email: person.email, password: "Wrong-Password-1" }];
    },
  },
  {
    what: "an unknown email",
    expected: { status: 401, error: "OKTA_ERROR", errorCode: "E0000004", reason: "invalid_credentials" },
    prepare: async () => ["auth.login", { email: newPerson().email, password: "Wrong-Password-1" }],
  },
  {
    what: "a wrong code",
    expected: { status: 403, error: "OKTA_ERROR", errorCode: "E0000068", reason: "invalid_code" },
    async prepare(svc) {
      const { userId, code } = await registered(svc);
      return ["mfa.activate", { userId, otp: wrongCode(code) }];
    },
  },
  {
    what: "a code past its lifetime",
    // Okta answers E0000068 for a wrong and an expired code alike.
    expected: {
      status: 403,
      error: "OKTA_ERROR",
      errorCode: "E0000068",
      reason: {
        embedded: "code_expired",
        "okta-identity": "invalid_code",
        "okta-classic": "invalid_code",
        "okta-identity-oauth": "invalid_code",
      },
    },
    tight: true,
    async prepare(svc) {
      const { userId, code } = await registered(svc);
      await sleep(OTP_TTL_SECONDS * 1000 + 500);
      return ["mfa.activate", { userId, otp: code }];
    },
  },
  {
    what: "the right code after five wrong ones",
    expected: { status: 429, error: "OKTA_ERROR", errorCode: "E0000047", reason: "too_many_attempts" },
    async prepare(svc) {
      const { userId, code } = await registered(svc);
      for (let i = 0; i < 5; i++) await post(svc.url, "/api/activate", { userId, otp: wrongCode(code) });
      return ["mfa.activate", { userId, otp: code }];
    },
  },
  {
    what: "a code asked for again within OTP_RESEND_SECONDS",
    expected: { status: 429, error: "OKTA_ERROR", errorCode: "E0000118", reason: "resend_too_soon" },
    tight: true,
    async prepare(svc) {
      return ["mfa.activate", { userId: (await registered(svc)).userId }];
    },
  },
  {
    what: "an email taken by an activated account",
    expected: { status: 400, error: "OKTA_ERROR", errorCode: "E0000001", reason: "email_taken" },
    async prepare(svc) {
      const { person } = await activated(svc);
      return ["auth.register", { ...person, password: "Another-Horse-7" }];
    },
  },
  {
    what: "a password with the user's name in it",
    expected: { status: 400, error: "OKTA_ERROR", errorCode: "E0000001", reason: "weak_password" },
    prepare: async () => ["auth.register", { ...newPerson(), password: "Lovelace-1843x" }],
  },
  {
    what: "an unknown user",
    expected: { status: 404, error: "OKTA_ERROR", errorCode: "E0000007", reason: "user_not_found" },
    prepare: async () => ["mfa.activate", { userId: "00uUnknownUser000000" }],
  },
  {
    what: "a sign-in code asked for before the factor is active",
    expected: { status: 404, error: "OKTA_ERROR", errorCode: "E0000007", reason: "factor_not_found" },
    async prepare(svc) {
      return ["mfa.verify", { userId: (await registered(svc)).userId }];
    },
  },
  {
    what: "an activation asked for once the factor is active",
    expected: { status: 400, error: "OKTA_ERROR", errorCode: "E0000001", reason: "factor_already_active" },
    async prepare(svc) {
      return ["mfa.activate", { userId: (await activated(svc)).userId }];
    },
  },
  {
    what: "a session ended by logout",
    expected: { status: 404, error: "OKTA_ERROR", errorCode: "E0000007", reason: "session_not_found" },
    async prepare(svc) {
      const { sessionId } = await loggedIn(svc);
      await post(svc.url, "/api/logout", { sessionId });
      return ["user.me", { sessionId }];
    },
  },
  {
    what: "a grant for a session that passed no code check",
    expected: { status: 403, error: "MFA_REQUIRED", reason: "mfa_required" },
    async prepare(svc) {
      return ["sso.grant", { sessionId: (await loggedIn(svc)).sessionId }];
    },
  },
  {
    what: "a grant after a code check that named no session",
    expected: { status: 403, error: "MFA_REQUIRED", reason: "mfa_required" },
    async prepare(svc) {
      const { person, userId, sessionId } = await loggedIn(svc);
      await post(svc.url, "/api/mfa/verify", { userId });
      await post(svc.url, "/api/mfa/verify", { userId, otp: await svc.inbox.nextCode(person.email, 1) });
      return ["sso.grant", { sessionId }];
    },
  },
  {
    what: "an unknown authorization code",
    expected: { status: 400, error: "INVALID_GRANT", reason: "invalid_grant" },
    prepare: async () => ["sso.token", { code: "UnknownGrantCode0123456789abcdefghijklmnopq" }],
  },
  {
    what: "a token that is no ID token of this service",
    expected: { status: 401, error: "INVALID_TOKEN", reason: "invalid_token" },
    prepare: async () => ["sso.verify", { token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiIwMHUxIn0." }],
  },
  {
    what: "a login over the account's limit",
    expected: { status: 429, error: "RATE_LIMITED", reason: "rate_limited" },
    tight: true,
    async prepare(svc) {
      const attempt = { email: newPerson().email, password: "Wrong-Password-1" };
      for (let i = 0; i < 2; i++) await post(svc.url, "/api/login", attempt);
      return ["auth.login", attempt];
    },
  },
  {
    what: "input that breaks its schema",
    expected: { status: 400, error: "VALIDATION_ERROR", reason: "invalid_request" },
    prepare: async () => ["auth.register", { email: "not-an-email" }],
  },
];

describe.each(PROVIDERS)("error reasons over %s", (provider) => {
  let svc: RunningService;
  let tight: RunningService;
  beforeAll(async () => {
    [svc, tight] = await Promise.all([startService({}, provider), startService(TIGHT, provider)]);
  });
  afterAll(async () => {
    await Promise.all([svc?.stop(), tight?.stop()]);
  });

  describe.each(DOORS)("through %s", (door) => {
    it.each(SCENARIOS)("$what", async ({ expected, tight: onTight, prepare }) => {
      const service = onTight ? tight : svc;
      const [procedure, input] = await prepare(service);
      const { status, error } = await refusedThrough(door, service.url, procedure, input);

      const { reason, errorCode, ...documented } = expected;
      expect(status).toBe(documented.status);
      expect(error).toMatchObject({
        error: documented.error,
        ...(errorCode === undefined ? {} : { errorCode }),
        reason: typeof reason === "string" ? reason : reason[provider],
      });
    });

    it("names the refusals made before any operation", async () => {
      const path = (procedure: Procedure) =>
        door === "REST" ? REST_ROUTES[procedure] : `/trpc/${procedure}`;
      const json = { "content-type": "application/json" };
      const answers = {
        invalid_request: await rawRequest(svc.url, "POST", path("sso.verify"), {
          headers: json,
          body: "{oops",
        }),
        unsupported_media_type: await rawRequest(svc.url, "POST", path("sso.verify"), {
          headers: { "content-type": "text/plain" },
          body: "{}",
        }),
        payload_too_large: await rawRequest(svc.url, "POST", path("sso.verify"), {
          headers: json,
          body: JSON.stringify({ token: "a".repeat(BODY_LIMIT_BYTES) }),
        }),
        not_found: await rawRequest(
          svc.url,
          "POST",
          door === "REST" ? "/api/nothing" : "/trpc/auth.nothing",
          {
            headers: json,
            body: "{}",
          },
        ),
      };
      for (const [reason, answer] of Object.entries(answers)) {
        const body = JSON.parse(answer.text) as { error: unknown; reason?: unknown };
        const fields = door === "REST" ? body : (body.error as { data: Record<string, unknown> }).data;
        expect({ reason, answered: fields.reason }).toEqual({ reason, answered: reason });
      }
    });
  });

  it("gives the typed client the reason, typed as the union of reasons", async () => {
    const client = createAuthClient({ url: svc.url });
    const { person } = await activated(svc);
    const error = await client.auth.login.mutate({ email: person.email, password: "Wrong-Password-1" }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!isAuthClientError(error)) throw new Error("expected the service's refusal");
    const reason: ErrorReason | undefined = error.data?.reason;
    expect(reason).toBe("invalid_credentials");
    expect(error.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000004", httpStatus: 401 });
  });
});
