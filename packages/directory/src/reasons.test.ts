import { AuthError, type ErrorReason } from "@authsvc/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import { MAX_FAILED_PASSWORDS } from "./lockout.js";
import { describeEachBackend } from "./test-backends.js";
import { ada, Harness, otherCode } from "./test-harness.js";

type Scenario = [what: string, reason: ErrorReason, run: (h: Harness) => Promise<unknown>];

const UNKNOWN_USER = "00uUnknownUser000000";

async function sessionOfActiveUser(h: Harness) {
  await h.activeUser();
  return h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
}

/** Each refusal the embedded directory raises, with the reason it sets where it raises it. */
const SCENARIOS: Scenario[] = [
  [
    "an activated login, in another letter case",
    "email_taken",
    async (h) => {
      await h.activeUser(ada);
      return h.directory.createUser({ ...ada, email: ada.email.toUpperCase() });
    },
  ],
  [
    "a password the policy refuses",
    "weak_password",
    (h) => h.directory.createUser({ ...ada, password: "short" }),
  ],
  [
    "a password with the user's name in it",
    "weak_password",
    (h) => h.directory.createUser({ ...ada, password: "Lovelace-1843x" }),
  ],
  [
    "a wrong password",
    "invalid_credentials",
    async (h) => {
      await h.activeUser();
      return h.directory.checkPassword(ada.email, "Wrong-Password-1");
    },
  ],
  ["an unknown login", "invalid_credentials", (h) => h.directory.checkPassword(ada.email, ada.password)],
  [
    "the right password of a locked login",
    "invalid_credentials",
    async (h) => {
      await h.activeUser();
      for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) {
        await h.directory.checkPassword(ada.email, "Wrong-Password-1").catch(() => undefined);
      }
      return h.directory.checkPassword(ada.email, ada.password);
    },
  ],
  ["an unknown user", "user_not_found", (h) => h.directory.getUser(UNKNOWN_USER)],
  [
    "a factor enrolled for an unknown user",
    "user_not_found",
    (h) => h.directory.enrollEmailFactor(UNKNOWN_USER),
  ],
  [
    "a code checked for a user who never enrolled",
    "factor_not_found",
    async (h) => h.directory.activateEmailFactor((await h.directory.createUser(ada)).id, "123456"),
  ],
  [
    "a sign-in code asked for before the factor is active",
    "factor_not_found",
    async (h) => {
      const { id } = await h.directory.createUser(ada);
      await h.directory.enrollEmailFactor(id);
      return h.directory.challengeEmailFactor(id);
    },
  ],
  [
    "an active factor enrolled again",
    "factor_already_active",
    async (h) => h.directory.enrollEmailFactor(await h.activeUser()),
  ],
  [
    "an active factor activated again",
    "factor_already_active",
    async (h) => h.directory.activateEmailFactor(await h.activeUser(), "123456"),
  ],
  [
    "a wrong activation code",
    "invalid_code",
    async (h) => {
      const { id } = await h.directory.createUser(ada);
      await h.directory.enrollEmailFactor(id);
      return h.directory.activateEmailFactor(id, otherCode(h.mailer.lastCodeTo(ada.email)));
    },
  ],
  [
    "an activation code past its five minutes",
    "code_expired",
    async (h) => {
      const { id } = await h.directory.createUser(ada);
      await h.directory.enrollEmailFactor(id);
      h.clock.advance(300_001);
      return h.directory.activateEmailFactor(id, h.mailer.lastCodeTo(ada.email));
    },
  ],
  [
    "a sign-in code past its five minutes",
    "code_expired",
    async (h) => {
      const userId = await h.activeUser();
      await h.directory.challengeEmailFactor(userId);
      h.clock.advance(300_001);
      return h.directory.verifyEmailFactor(userId, h.mailer.lastCodeTo(ada.email));
    },
  ],
  ["an unknown session", "session_not_found", (h) => h.directory.getSession("102UnknownSession000000000")],
  [
    "an ended session",
    "session_not_found",
    async (h) => {
      const session = await sessionOfActiveUser(h);
      await h.directory.endSession(session.id);
      return h.directory.getSession(session.id);
    },
  ],
  [
    "an expired session",
    "session_not_found",
    async (h) => {
      const session = await sessionOfActiveUser(h);
      h.clock.advance(7_200_001);
      return h.directory.endSession(session.id);
    },
  ],
];

describeEachBackend("error reasons", (backend) => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(backend);
  });
  afterEach(async () => {
    await h.dispose();
  });

  it.each(SCENARIOS)("%s answers %s", async (_, reason, run) => {
    const error = await run(h).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).reason).toBe(reason);
  });
});
