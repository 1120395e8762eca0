import { MAX_FAILED_PASSWORDS } from "@authsvc/directory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, post, type RunningService, startService } from "../harness.js";

/** Tries of each kind: enough for a steady median on a busy two-core machine, about four seconds. */
const TRIES = 25;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Whether an email has an account must not show in how long a login takes (the directory hashes a
 * dummy for an unknown email, and a locked login is hashed too). Without the dummy hash an unknown
 * login takes a tenth of the time; the bound (30%) allows for a noisy machine, the medians for outliers.
 */
describe("login timing on the embedded directory", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "off" });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  async function timed(email: string, password: string): Promise<number> {
    const start = performance.now();
    const { status } = await post(svc.url, "/api/login", { email, password });
    const ms = performance.now() - start;
    expect(status).toBe(401);
    return ms;
  }

  it("takes as long for an unknown email as for a known one, locked or not", async () => {
    const known = newPerson();
    const locked = newPerson();
    for (const person of [known, locked])
      expect((await post(svc.url, "/api/register", person)).status).toBe(200);
    for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) await timed(locked.email, "Wrong-Password-1");

    const times = { unknown: [] as number[], known: [] as number[], locked: [] as number[] };
    for (let i = 0; i < TRIES; i++) {
      // Interleaved, so that a slow spell of the machine hits every kind alike.
      times.unknown.push(await timed(newPerson().email, "Wrong-Password-1"));
      // A wrong password every time: the known login locks after ten, which changes nothing.
      times.known.push(await timed(known.email, "Wrong-Password-1"));
      times.locked.push(await timed(locked.email, locked.password));
    }
    const unknown = median(times.unknown);
    for (const kind of ["known", "locked"] as const) {
      const other = median(times[kind]);
      expect(Math.abs(other - unknown), `${kind} ${other} ms, unknown ${unknown} ms`).toBeLessThan(
        Math.max(2, 0.3 * Math.max(other, unknown)),
      );
    }
  });
});
