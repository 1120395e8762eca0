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
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ada, ENGINE, grace, Harness, otherCode } from "./test-harness.js";

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

/** Shorter than a code's life (300 s), so that an expired registration's code is still unexpired. */
const PENDING_USER_TTL_SECONDS = 60;

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
    pendingUserTtlSeconds: PENDING_USER_TTL_SECONDS,
  });
});
afterEach(async () => {
  await directory.close();
  await store.close();
  await h.close();
});

type Outcome = string | { status: number; errorCode: string; errorSummary: string; causes: string[] };

/** Notes each step's outcome, with user ids written as {id}. */
function recorder() {
  const outcomes: Outcome[] = [];
  const hideIds = (text: string) => text.replace(/\b00u[A-Za-z0-9]{17}\b/g, "{id}");
  const step = async (call: () => Promise<unknown>) => {
    try {
      await call();
      outcomes.push("ok");
    } catch (error) {
      if (!(error instanceof AuthError) || !error.okta) throw error;
      const { errorCode, errorSummary, errorCauses } = error.okta;
      outcomes.push({
        status: error.status,
        errorCode,
        errorSummary: hideIds(errorSummary),
        causes: errorCauses.map((cause) => hideIds(cause.errorSummary)),
      });
    }
  };
  return { outcomes, step };
}

/** Runs the script of every call's outcomes. */
async function script(
  idp: IdentityProvider,
  lastCode: (email: string) => Promise<string>,
): Promise<Outcome[]> {
  const { outcomes, step } = recorder();
  let userId = "";

  await step(async () => {
    userId = (await idp.createUser(ada)).id;
  });
  await step(() => idp.createUser({ ...grace, password: "grace" }));
  await step(() => idp.createUser({ ...grace, password: "Hopper-Grace-1" }));
  await step(() => idp.getUser("00uUnknownUser000000"));
  await step(() => idp.deleteUser("00uUnknownUser000000"));
  await step(() => idp.checkPassword(ada.email, "Wrong-Password-1"));
  await step(() => idp.checkPassword("nobody@example.com", ada.password));
  // Before any code was mailed: an Identity Engine org has the factor already (Okta enrolled it), and
  // checks the code as a wrong one, where the embedded directory has no factor yet.
  if (ENGINE === "classic") await step(() => idp.activateEmailFactor(userId, "123456"));
  await step(() => idp.challengeEmailFactor(userId));
  await step(() => idp.verifyEmailFactor(userId, "123456"));
  await step(() => idp.enrollEmailFactor(userId));
  await step(() => idp.enrollEmailFactor(userId));
  const code = await lastCode(ada.email);
  await step(() => idp.challengeEmailFactor(userId));
  await step(() => idp.activateEmailFactor(userId, otherCode(code)));
  await step(() => idp.activateEmailFactor(userId, code));
  await step(() => idp.createUser({ ...grace, email: ada.email }));
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
    "E0000007",
    "E0000007",
    "E0000004",
    "E0000004",
    ...(ENGINE === "classic" ? ["E0000007"] : []),
    "E0000007",
    "E0000007",
    "E0000118",
    "E0000007",
    "E0000068",
    "E0000001",
    "E0000001",
    "E0000001",
    "E0000068",
    "E0000007",
    "E0000007",
    "E0000007",
  ]);
});

/**
 * Registrations that never finished: replaced by the next registration of their email, and
 * absent once older than the pending TTL. `code(email, n)` is the code of the n-th mail to `email`.
 */
async function registrationScript(
  idp: IdentityProvider,
  code: (email: string, n: number) => Promise<string>,
): Promise<Outcome[]> {
  const { outcomes, step } = recorder();
  const squatter = { ...ada, firstName: "Mallory", lastName: "Jones", password: "Takeover-Plan-66" };
  const ids: Record<string, string> = {};
  const register = (name: string, user: typeof ada) =>
    step(async () => {
      ids[name] = (await idp.createUser(user)).id;
      await idp.enrollEmailFactor(ids[name]);
    });
  const id = (name: string) => ids[name] as string;

  await register("squatter", squatter);
  await register("owner", ada);
  await step(async () => expect(id("owner")).not.toBe(id("squatter")));
  await step(async () => idp.activateEmailFactor(id("squatter"), await code(ada.email, 0)));
  await step(() => idp.checkPassword(ada.email, squatter.password));
  await step(async () => idp.activateEmailFactor(id("owner"), await code(ada.email, 1)));
  await step(() => idp.createUser(squatter));
  await step(() => idp.checkPassword(ada.email, ada.password));
  await register("grace", grace);
  vi.setSystemTime(Date.now() + PENDING_USER_TTL_SECONDS * 1000);
  await step(() => idp.checkPassword(grace.email, grace.password));
  await step(async () => idp.activateEmailFactor(id("grace"), await code(grace.email, 0)));
  await step(() => idp.enrollEmailFactor(id("grace")));
  await step(() => idp.checkPassword(ada.email, ada.password));
  return outcomes;
}

it("replaces and expires registrations that never finished as the embedded directory does", async () => {
  mailer.mails.length = 0;
  const viaDirectory = await registrationScript(directory, async (email, n) => {
    const mail = mailer.mails.filter((m) => m.to === email)[n];
    if (!mail) throw new Error(`no mail ${n} to ${email}`);
    return codeIn(mail.text);
  });
  const viaOkta = await registrationScript(
    h.newProvider({ pendingUserTtlSeconds: PENDING_USER_TTL_SECONDS }),
    (email, n) => h.nextCode(email, n),
  );

  expect(viaOkta).toEqual(viaDirectory);
  expect(viaDirectory.map((outcome) => (typeof outcome === "string" ? outcome : outcome.errorCode))).toEqual([
    "ok",
    "ok",
    "ok",
    "E0000007",
    "E0000004",
    "ok",
    "E0000001",
    "ok",
    "ok",
    "E0000004",
    "E0000007",
    "E0000007",
    "ok",
  ]);
});
