import {
  AuthError,
  type IdentityProvider,
  MAX_WRONG_CODES_PER_USER,
  MAX_WRONG_TRIES_PER_CODE,
  MemoryStore,
} from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LOCKOUT_SECONDS, MAX_FAILED_PASSWORDS } from "./lockout.js";
import { sqliteBackend } from "./test-backends.js";
import { ada, Harness, oktaFailure, otherCode } from "./test-harness.js";

/** The lock lives in the ephemeral store, not the database: one backend shows it. */
describe("password lockout", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(sqliteBackend);
    await h.directory.createUser(ada);
  });
  afterEach(async () => {
    await h.dispose();
  });

  const wrong = () => oktaFailure(h.directory.checkPassword(ada.email, "Wrong-Password-1"));
  const right = () => h.directory.checkPassword(ada.email, ada.password);

  it(`locks the login after ${MAX_FAILED_PASSWORDS} wrong passwords, answering as for a wrong password`, async () => {
    for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) expect((await wrong()).errorCode).toBe("E0000004");
    const locked = await oktaFailure(right());
    expect(locked).toEqual(await wrong());
    expect(locked).toEqual(await oktaFailure(h.directory.checkPassword("nobody@example.com", ada.password)));
    expect(locked).toMatchObject({
      status: 401,
      errorCode: "E0000004",
      errorSummary: "Authentication failed",
    });
  });

  it("unlocks once the lockout time has passed", async () => {
    for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) await wrong();
    h.clock.advance(DEFAULT_LOCKOUT_SECONDS * 1000 - 1);
    expect((await oktaFailure(right())).errorCode).toBe("E0000004");
    h.clock.advance(1);
    expect((await right()).userId).toMatch(/^00u/);
  });

  it("starts counting again after a right password", async () => {
    for (let i = 0; i < MAX_FAILED_PASSWORDS - 1; i++) await wrong();
    await right();
    for (let i = 0; i < MAX_FAILED_PASSWORDS - 1; i++) await wrong();
    expect((await right()).userId).toMatch(/^00u/);
  });

  it("counts a login whatever its case, and never locks another login", async () => {
    for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) {
      await oktaFailure(h.directory.checkPassword(i % 2 ? ada.email.toUpperCase() : ada.email, "Wrong-1a"));
    }
    expect((await oktaFailure(right())).errorCode).toBe("E0000004");
    const other = { ...ada, email: "grace@example.com" };
    await h.directory.createUser(other);
    expect((await h.directory.checkPassword(other.email, other.password)).userId).toMatch(/^00u/);
  });
});

/**
 * NIST SP 800-63B 5.2.2 and OWASP ASVS 2.2.1: at most 100 failed attempts per account per hour, all
 * factors together. SECURITY.md ("The failed-attempt budget") states what the worst attacker gets from
 * the embedded directory; these are its figures, and the test below plays that attacker.
 */
const DOCUMENTED_WORST_HOUR = { passwords: 48, codes: 38 };
const NIST_HOURLY_BUDGET = 100;
const HOUR_MS = 3_600_000;
/** The attacker's pace on each factor: one guess (or one burst of guesses, or one code asked for) a second. */
const STEP_MS = 1000;
/** How often a waiting attacker asks again whether a guess would be checked. */
const WAIT_MS = 60_000;

describe("the failed-attempt budget of one account", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start(sqliteBackend);
  });
  afterEach(async () => {
    await h.dispose();
  });

  const { passwords: documentedPasswords, codes: documentedCodes } = DOCUMENTED_WORST_HOUR;
  const worstAttacker = `lets the worst attacker of an hour check ${documentedPasswords} passwords and ${documentedCodes} codes, within NIST's ${NIST_HOURLY_BUDGET}`;
  it(worstAttacker, async () => {
    const userId = await h.activeUser(ada);
    const start = h.clock.now(); // on the hour: a window of the code budget starts
    const boundary = start + HOUR_MS; // the next window starts
    const end = boundary + HOUR_MS;

    // A failed attempt counts when it was accepted for checking: the right password or code, given
    // instead, would have been accepted. The directory is asked that over a copy of the store.
    const copy = new MemoryStore(h.clock);
    const probe = await h.newDirectory({ store: copy });
    const rightOneWouldPass = (attempt: (directory: IdentityProvider) => Promise<unknown>) => {
      copy.copyFrom(h.store);
      return attempt(probe).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AuthError) return false;
          throw error;
        },
      );
    };
    const checked = { passwords: [] as number[], codes: [] as number[] };
    const overBudget = () => mostWithinAnHour([...checked.passwords, ...checked.codes]) > NIST_HOURLY_BUDGET;

    /**
     * Passwords: nine failures that never lock (the first starts a count, which expires just as
     * the eighth more are made, an hour later), then a guess whenever one would be checked.
     */
    const script = [start, ...Array.from({ length: 8 }, (_, i) => boundary - (8 - i) * STEP_MS)];
    const passwords = {
      next: start,
      async act(now: number) {
        const wouldCheck = await rightOneWouldPass((d) => d.checkPassword(ada.email, ada.password));
        const scripted = script[0] === now;
        if (scripted) script.shift();
        if (scripted || wouldCheck) {
          expect(
            (await oktaFailure(h.directory.checkPassword(ada.email, "Wrong-Password-1"))).errorCode,
          ).toBe("E0000004");
          if (wouldCheck) checked.passwords.push(now);
        }
        this.next = script[0] ?? Math.max(boundary, now + (wouldCheck ? STEP_MS : WAIT_MS));
      },
    };

    /**
     * Codes, from the last minute of a window: wrong codes one at a time, a fresh code whenever one
     * is spent, until one wrong code is left of the user's budget; then a fresh code and all its
     * tries at once, which read the budget before any of them counts; then wait for the next window.
     */
    let liveCode = "";
    let triesOfCode = 0;
    let wrongInWindow = 0;
    const sendCode = async (now: number) => {
      try {
        await h.directory.challengeEmailFactor(userId);
      } catch (error) {
        const refused = error as AuthError;
        expect(refused.okta?.errorCode).toBe("E0000047");
        wrongInWindow = 0;
        return now + (refused.retryAfter ?? 1) * 1000;
      }
      liveCode = h.mailer.lastCodeTo(ada.email);
      triesOfCode = 0;
      return now + STEP_MS;
    };
    /** Whether a wrong code was checked, from its answer: a mismatch (E0000068), or refused (E0000047). */
    const wrongCode = async () => {
      const { errorCode } = await oktaFailure(h.directory.verifyEmailFactor(userId, otherCode(liveCode)));
      triesOfCode += 1;
      return errorCode === "E0000068";
    };
    const codes = {
      next: boundary - WAIT_MS,
      async act(now: number) {
        const budgetLeft = MAX_WRONG_CODES_PER_USER - wrongInWindow;
        const codeSpent = triesOfCode >= MAX_WRONG_TRIES_PER_CODE;
        if (liveCode === "" || codeSpent || (budgetLeft <= 1 && triesOfCode > 0)) {
          this.next = await sendCode(now);
          return;
        }
        if (budgetLeft <= 1) {
          const burst = Array.from({ length: MAX_WRONG_TRIES_PER_CODE }, wrongCode);
          for (const wasChecked of await Promise.all(burst)) if (wasChecked) checked.codes.push(now);
          wrongInWindow = MAX_WRONG_CODES_PER_USER;
        } else {
          const wouldCheck = await rightOneWouldPass((d) => d.verifyEmailFactor(userId, liveCode));
          const wasChecked = await wrongCode();
          // The answers tell checked from refused exactly when the directory asked of a copy does.
          expect(wasChecked).toBe(wouldCheck);
          if (wasChecked) {
            checked.codes.push(now);
            wrongInWindow += 1;
          }
        }
        this.next = now + STEP_MS;
      },
    };

    const attackers = [passwords, codes];
    for (;;) {
      const attacker = attackers.reduce((first, other) => (other.next < first.next ? other : first));
      if (attacker.next >= end || overBudget()) break;
      h.clock.time = attacker.next;
      await attacker.act(attacker.next);
    }
    await probe.close();

    const worstHour = mostWithinAnHour([...checked.passwords, ...checked.codes]);
    expect({
      passwords: mostWithinAnHour(checked.passwords),
      codes: mostWithinAnHour(checked.codes),
      together: worstHour,
    }).toEqual({
      ...DOCUMENTED_WORST_HOUR,
      together: DOCUMENTED_WORST_HOUR.passwords + DOCUMENTED_WORST_HOUR.codes,
    });
    expect(worstHour).toBeLessThanOrEqual(NIST_HOURLY_BUDGET);
  }, 120_000);
});

/** The most of these times that fit in one hour, [t, t + 1 h). */
function mostWithinAnHour(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < sorted.length; first++) {
    while (last < sorted.length && (sorted[last] as number) < (sorted[first] as number) + HOUR_MS) last++;
    most = Math.max(most, last - first);
  }
  return most;
}
