import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthError,
  type IdentityProvider,
  type Mail,
  type Mailer,
  MemoryStore,
  OneTimeCodes,
  systemClock,
} from "@authsvc/core";
import { createDirectory } from "@authsvc/directory";
import { codeIn } from "@authsvc/mail/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ada, grace, Harness, otherCode } from "./test-harness.js";

/**
 * One script of calls, run against the embedded directory and against this provider over
 * the Okta emulator: a caller must see the same outcomes, the same Okta error codes,
 * statuses, summaries and causes (only ids differ).
 */

class CapturingMailer implements Mailer {
  readonly mails: Mail[] = [];
  async send(mail: Mail): Promise<void> {
    this.mails.push(mail);
  }
  async close(): Promise<void> {}
}

let h: Harness;
let store: MemoryStore;
let directory: IdentityProvider;
const mailer = new CapturingMailer();
beforeEach(async () => {
  h = await Harness.start();
  store = new MemoryStore();
  const codes = new OneTimeCodes({
    store,
    mailer,
    clock: systemClock,
    ttlSeconds: 300,
    resendIntervalSeconds: 5,
    hashKey: new Uint8Array(32).fill(3),
    serviceName: "Auth",
  });
  directory = await createDirectory({
    databaseFile: join(mkdtempSync(join(tmpdir(), "okta-parity-")), "directory.sqlite"),
    codes,
    store,
    clock: systemClock,
    orgUrl: h.emulator.url,
  });
});
afterEach(async () => {
  await directory.close();
  await store.close();
  await h.close();
});

type Outcome = string | { status: number; errorCode: string; errorSummary: string; causes: string[] };

/** Runs the script, noting each step's outcome with the user's id written as {id}. */
async function script(
  idp: IdentityProvider,
  lastCode: (email: string) => Promise<string>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let userId = "";
  const step = async (call: () => Promise<unknown>) => {
    try {
      await call();
      outcomes.push("ok");
    } catch (error) {
      if (!(error instanceof AuthError) || !error.okta) throw error;
      const { errorCode, errorSummary, errorCauses } = error.okta;
      const hideId = (text: string) => (userId ? text.replaceAll(userId, "{id}") : text);
      outcomes.push({
        status: error.status,
        errorCode,
        errorSummary: hideId(errorSummary),
        causes: errorCauses.map((cause) => hideId(cause.errorSummary)),
      });
    }
  };

  await step(async () => {
    userId = (await idp.createUser(ada)).id;
  });
  await step(() => idp.createUser({ ...grace, email: ada.email }));
  await step(() => idp.createUser({ ...grace, password: "grace" }));
  await step(() => idp.createUser({ ...grace, password: "Hopper-Grace-1" }));
  await step(() => idp.getUser("00uUnknownUser000000"));
  await step(() => idp.deleteUser("00uUnknownUser000000"));
  await step(() => idp.checkPassword(ada.email, "Wrong-Password-1"));
  await step(() => idp.checkPassword("nobody@example.com", ada.password));
  await step(() => idp.activateEmailFactor(userId, "123456"));
  await step(() => idp.challengeEmailFactor(userId));
  await step(() => idp.verifyEmailFactor(userId, "123456"));
  await step(() => idp.enrollEmailFactor(userId));
  await step(() => idp.enrollEmailFactor(userId));
  const code = await lastCode(ada.email);
  await step(() => idp.challengeEmailFactor(userId));
  await step(() => idp.activateEmailFactor(userId, otherCode(code)));
  await step(() => idp.activateEmailFactor(userId, code));
  await step(() => idp.activateEmailFactor(userId, code));
  await step(() => idp.enrollEmailFactor(userId));
  await step(() => idp.verifyEmailFactor(userId, "123456"));
  await step(() => idp.getSession("102UnknownSession00000000"));
  await step(() => idp.endSession("102UnknownSession00000000"));
  await step(async () => {
    const session = await idp.createSession(await idp.checkPassword(ada.email, ada.password));
    await idp.endSession(session.id);
    await idp.getSession(session.id);
  });
  return outcomes;
}

/**
 * Two wordings the emulator and the directory disagree on, neither of them this provider's
 * (it passes Okta's through): E0000118's summary ("... Please wait 5 seconds before ..." vs
 * "... Please wait before ...") and the cause of E0000001 for a factor already set up
 * ("A factor ..." vs "factorType: A factor ..."). Everything else must match to the letter.
 */
function wordingAside(outcome: Outcome): Outcome {
  if (typeof outcome === "string") return outcome;
  return {
    ...outcome,
    errorSummary: outcome.errorCode === "E0000118" ? "E0000118" : outcome.errorSummary,
    causes: outcome.causes.map((cause) => cause.replace(/^factorType: /, "")),
  };
}

it("answers the same outcomes and Okta errors as the embedded directory", async () => {
  const viaDirectory = await script(directory, async (email) => {
    const mail = mailer.mails.filter((m) => m.to === email).at(-1);
    if (!mail) throw new Error(`no mail to ${email}`);
    return codeIn(mail.text);
  });
  const viaOkta = await script(h.provider, (email) => h.nextCode(email, 0));

  expect(viaOkta.map(wordingAside)).toEqual(viaDirectory.map(wordingAside));
  expect(
    viaDirectory.filter((outcome) => outcome !== "ok").map((o) => (o as { errorCode: string }).errorCode),
  ).toEqual([
    "E0000001",
    "E0000001",
    "E0000001",
    "E0000007",
    "E0000007",
    "E0000004",
    "E0000004",
    "E0000007",
    "E0000007",
    "E0000007",
    "E0000118",
    "E0000007",
    "E0000068",
    "E0000001",
    "E0000001",
    "E0000068",
    "E0000007",
    "E0000007",
    "E0000007",
  ]);
});
