import { MAX_WRONG_CODES_PER_USER, MAX_WRONG_TRIES_PER_CODE, WRONG_CODE_WINDOW_SECONDS } from "@authsvc/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LOCKOUT_SECONDS, MAX_FAILED_PASSWORDS } from "./lockout.js";
import { sqliteBackend } from "./test-backends.js";
import { ada, Harness, oktaFailure } from "./test-harness.js";

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

describe("the failed-attempt budget of one account", () => {
  it("stays within the 100 an hour of NIST SP 800-63B 5.2.2, passwords and codes together", () => {
    const hour = 3600;
    // The worst hour: nine failures just before a count expires, then a lock every lockout period.
    const passwords =
      MAX_FAILED_PASSWORDS - 1 + MAX_FAILED_PASSWORDS * Math.ceil(hour / DEFAULT_LOCKOUT_SECONDS);
    // Two code windows overlap any hour; concurrent checks of one code may pass the budget by four.
    const codes =
      Math.ceil(hour / WRONG_CODE_WINDOW_SECONDS + 1) *
      (MAX_WRONG_CODES_PER_USER + MAX_WRONG_TRIES_PER_CODE - 1);
    expect(passwords + codes).toBeLessThanOrEqual(100);
  });
});
