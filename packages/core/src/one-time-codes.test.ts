import { describe, expect, it } from "vitest";
import { AuthError } from "./errors.js";
import {
  MAX_WRONG_CODES_PER_USER,
  MAX_WRONG_TRIES_PER_CODE,
  WRONG_CODE_WINDOW_SECONDS,
} from "./one-time-codes.js";
import { codesAtTestClock, wrongCode as wrong } from "./test-doubles.js";

function setup(resendIntervalSeconds = 0) {
  // The start of an hour: wrong-code windows are whole hours.
  return codesAtTestClock(1_699_999_200_000, resendIntervalSeconds);
}

async function oktaCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    return error instanceof AuthError ? (error.okta?.errorCode ?? error.code) : "not an AuthError";
  }
}

describe("OneTimeCodes", () => {
  it("mails 6 digits that work once", async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "activation");
    const code = mailer.lastCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(mailer.sent[0]?.to).toBe("a@example.com");
    expect(mailer.sent[0]?.html).toContain(code);
    expect(await oktaCode(codes.check("u1", "activation", code))).toBe("accepted");
    expect(await oktaCode(codes.check("u1", "activation", code))).toBe("E0000068");
  });

  it("stores no code in the clear", async () => {
    const { codes, mailer, store } = setup();
    await codes.send("u1", "a@example.com", "activation");
    const stored = (await store.get("otp:u1")) ?? "";
    expect(stored).not.toBe("");
    expect(stored).not.toContain(mailer.lastCode());
  });

  it("refuses a code after its lifetime", async () => {
    const { codes, mailer, advance } = setup();
    await codes.send("u1", "a@example.com", "verification");
    advance(300_001);
    expect(await oktaCode(codes.check("u1", "verification", mailer.lastCode()))).toBe("E0000068");
  });

  it("refuses a code sent for another purpose or another user", async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "activation");
    expect(await oktaCode(codes.check("u1", "verification", mailer.lastCode()))).toBe("E0000068");
    expect(await oktaCode(codes.check("u2", "activation", mailer.lastCode()))).toBe("E0000068");
    expect(await oktaCode(codes.check("u1", "activation", mailer.lastCode()))).toBe("accepted");
  });

  it("voids the old code when a new one is sent", async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "activation");
    const first = mailer.lastCode();
    await codes.send("u1", "a@example.com", "activation");
    const second = mailer.lastCode();
    if (first !== second) expect(await oktaCode(codes.check("u1", "activation", first))).toBe("E0000068");
    expect(await oktaCode(codes.check("u1", "activation", second))).toBe("accepted");
  });

  it(`gives up on a code after ${MAX_WRONG_TRIES_PER_CODE} wrong tries, even for the right code`, async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "verification");
    const code = mailer.lastCode();
    for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
      expect(await oktaCode(codes.check("u1", "verification", wrong(code)))).toBe("E0000068");
    }
    expect(await oktaCode(codes.check("u1", "verification", code))).toBe("E0000047");
  });

  it("accepts one of many concurrent checks of the right code", async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "verification");
    const code = mailer.lastCode();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => oktaCode(codes.check("u1", "verification", code))),
    );
    expect(results.filter((r) => r === "accepted")).toHaveLength(1);
  });

  it("limits how often a user can be mailed", async () => {
    const { codes, mailer, advance } = setup(5);
    await codes.send("u1", "a@example.com", "verification");
    expect(await oktaCode(codes.send("u1", "a@example.com", "verification"))).toBe("E0000118");
    expect(mailer.sent).toHaveLength(1);
    advance(5_001);
    await codes.send("u1", "a@example.com", "verification");
    expect(mailer.sent).toHaveLength(2);
  });

  it("keeps the previous code working when a send fails, and says so", async () => {
    const { codes, mailer } = setup();
    await codes.send("u1", "a@example.com", "verification");
    const code = mailer.lastCode();
    mailer.failNext = true;
    await expect(codes.send("u1", "a@example.com", "verification")).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    expect(await oktaCode(codes.check("u1", "verification", code))).toBe("accepted");
  });

  describe("wrong codes per user, whatever the number of codes sent (better-auth#11162)", () => {
    /** Resends and guesses wrong until the code is void, `codes` times over. */
    async function guessAndResend(ctx: ReturnType<typeof setup>, codes: number) {
      for (let round = 0; round < codes; round++) {
        await ctx.codes.send("u1", "a@example.com", "verification");
        const code = ctx.mailer.lastCode();
        for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
          expect(await oktaCode(ctx.codes.check("u1", "verification", wrong(code)))).toBe("E0000068");
        }
      }
    }
    const voidedCodesForLock = MAX_WRONG_CODES_PER_USER / MAX_WRONG_TRIES_PER_CODE;

    it(`refuses sends after ${voidedCodesForLock} voided codes, until the window ends`, async () => {
      const ctx = setup();
      await guessAndResend(ctx, voidedCodesForLock);
      const refused = await ctx.codes.send("u1", "a@example.com", "verification").catch((e: AuthError) => e);
      expect(refused).toMatchObject({
        okta: { errorCode: "E0000047" },
        retryAfter: WRONG_CODE_WINDOW_SECONDS,
      });
      expect(ctx.mailer.sent).toHaveLength(voidedCodesForLock);
      ctx.advance(WRONG_CODE_WINDOW_SECONDS * 1000);
      await ctx.codes.send("u1", "a@example.com", "verification");
      expect(await oktaCode(ctx.codes.check("u1", "verification", ctx.mailer.lastCode()))).toBe("accepted");
    });

    it("refuses even the right code once the budget is spent on codes not yet void", async () => {
      const ctx = setup();
      const triesPerCode = MAX_WRONG_TRIES_PER_CODE - 1;
      for (let spent = 0; spent < MAX_WRONG_CODES_PER_USER; spent += triesPerCode) {
        await ctx.codes.send("u1", "a@example.com", "verification");
        const code = ctx.mailer.lastCode();
        for (let i = 0; i < Math.min(triesPerCode, MAX_WRONG_CODES_PER_USER - spent); i++) {
          await ctx.codes.check("u1", "verification", wrong(code)).catch(() => undefined);
        }
      }
      expect(await oktaCode(ctx.codes.check("u1", "verification", ctx.mailer.lastCode()))).toBe("E0000047");
    });

    it("does not count the right code, nor another user's wrong ones", async () => {
      const ctx = setup();
      await guessAndResend(ctx, voidedCodesForLock - 1);
      for (let i = 0; i < MAX_WRONG_CODES_PER_USER; i++) {
        await ctx.codes.send("u1", "a@example.com", "verification");
        expect(await oktaCode(ctx.codes.check("u1", "verification", ctx.mailer.lastCode()))).toBe("accepted");
      }
      await ctx.codes.send("u2", "b@example.com", "verification");
      expect(await oktaCode(ctx.codes.check("u2", "verification", ctx.mailer.lastCode()))).toBe("accepted");
    });
  });
});
