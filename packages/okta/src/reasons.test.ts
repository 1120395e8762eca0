import type { ErrorReason, OktaErrorBody } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reasonOf } from "./okta-failures.js";
import { ada, ENGINE, failure, Harness, otherCode } from "./test-harness.js";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

type Scenario = [what: string, reason: ErrorReason, run: () => Promise<unknown>];

/** Each refusal of the provider, from Okta (the emulator over HTTP) or its own, and the reason it carries. */
const SCENARIOS: Scenario[] = [
  [
    "a login taken",
    "email_taken",
    async () => {
      await h.activeUser(ada);
      return h.provider.createUser(ada);
    },
  ],
  [
    "a password Okta's policy refuses",
    "weak_password",
    () => h.provider.createUser({ ...ada, password: "short" }),
  ],
  [
    "a wrong password",
    "invalid_credentials",
    async () => {
      await h.activeUser();
      return h.provider.checkPassword(ada.email, "Wrong-Password-1");
    },
  ],
  ["an unknown user", "user_not_found", () => h.provider.getUser("00uUnknownUser000000")],
  // An Identity Engine org enrols the email factor of every new user by itself.
  ...(ENGINE === "classic"
    ? [
        [
          "a code checked for a user who never enrolled",
          "factor_not_found",
          async () => h.provider.activateEmailFactor((await h.provider.createUser(ada)).id, "123456"),
        ] satisfies Scenario,
      ]
    : []),
  [
    "a sign-in code asked for before the factor is active",
    "factor_not_found",
    async () => h.provider.challengeEmailFactor((await h.pendingUser()).userId),
  ],
  [
    "an active factor enrolled again",
    "factor_already_active",
    async () => {
      const userId = await h.activeUser();
      h.passResendInterval();
      return h.provider.enrollEmailFactor(userId);
    },
  ],
  [
    "a wrong code",
    "invalid_code",
    async () => {
      const { userId, code } = await h.pendingUser();
      return h.provider.activateEmailFactor(userId, otherCode(code));
    },
  ],
  [
    "a code past its five minutes (Okta answers E0000068 for it too)",
    "invalid_code",
    async () => {
      const { userId, code } = await h.pendingUser();
      vi.setSystemTime(Date.now() + 300_001);
      return h.provider.activateEmailFactor(userId, code);
    },
  ],
  [
    "the right code after five wrong ones",
    "too_many_attempts",
    async () => {
      const { userId, code } = await h.pendingUser();
      const provider = h.newProvider({ maxRetries: 0 });
      for (let i = 0; i < 5; i++)
        await provider.activateEmailFactor(userId, otherCode(code)).catch(() => undefined);
      return provider.activateEmailFactor(userId, code);
    },
  ],
  [
    "a second code within Okta's 5 s",
    "resend_too_soon",
    async () => {
      const { userId } = await h.pendingUser();
      return h.newProvider({ maxRetries: 0 }).enrollEmailFactor(userId);
    },
  ],
  ["an unknown session", "session_not_found", () => h.provider.getSession("102UnknownSession000000000")],
  [
    "Okta's rate limit",
    "rate_limited",
    async () => {
      h.emulator.configure({ failNext: { status: 429, count: 1 } });
      return h.newProvider({ maxRetries: 0 }).getUser("00uUnknownUser000000");
    },
  ],
  [
    "an API token Okta refuses",
    "server_error",
    async () => {
      h.emulator.configure({ failNext: { status: 401, count: 1 } });
      return h.provider.getUser("00uUnknownUser000000");
    },
  ],
  [
    "a sign-on policy that asks for MFA at authn",
    "server_error",
    async () => {
      await h.activeUser();
      h.emulator.configure({ mfaRequiredOnAuthn: true });
      return h.provider.createSession(await h.provider.checkPassword(ada.email, ada.password));
    },
  ],
];

describe("error reasons with Okta", () => {
  it.each(SCENARIOS)("%s answers %s", async (_, reason, run) => {
    expect((await failure(run())).reason).toBe(reason);
  });
});

function body(errorCode: string, errorSummary: string, ...causes: string[]): OktaErrorBody {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: "oaeSomeError0000000000000",
    errorCauses: causes.map((errorSummary) => ({ errorSummary })),
  };
}

const USERS = "https://example.okta.com/api/v1/users";

describe("Okta's words the emulator does not use", () => {
  it.each([
    [
      "a common password",
      body(
        "E0000001",
        "Api validation failed: password",
        "password: This password was found in a list of commonly used passwords. Please try another password.",
      ),
      USERS,
      "weak_password",
    ],
    [
      "a login that is not an email",
      body(
        "E0000001",
        "Api validation failed: login",
        "login: Username must be in the form of an email address",
      ),
      USERS,
      undefined,
    ],
    [
      "a factor Okta no longer knows",
      body("E0000007", "Not found: Resource not found: emf1 (UserFactor)"),
      `${USERS}/00u1/factors/emf1/verify`,
      "factor_not_found",
    ],
    [
      "a resource of another type",
      body("E0000007", "Not found: Resource not found: 0oa1 (AppInstance)"),
      USERS,
      undefined,
    ],
    [
      "Okta's rate limit on code checks",
      body("E0000047", "API call exceeded rate limit due to too many requests."),
      `${USERS}/00u1/factors/emf1/verify`,
      "too_many_attempts",
    ],
    [
      "Okta's rate limit on logins",
      body("E0000047", "API call exceeded rate limit due to too many requests."),
      "https://example.okta.com/api/v1/authn",
      undefined,
    ],
  ] as const)("reads %s", (_, answer, url, reason) => {
    expect(reasonOf(answer, url)).toBe(reason);
  });
});
