import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { AuthError, oktaError } from "./errors.js";
import { FixedWindow } from "./fixed-window.js";
import type { Clock, EphemeralStore, Mailer } from "./ports.js";

/** NIST SP 800-63B 5.1.3: out-of-band secrets of at least 6 decimal digits from an approved RNG. */
export const CODE_DIGITS = 6;
/** Wrong tries a single code survives; the sixth try is refused even with the right code. */
export const MAX_WRONG_TRIES_PER_CODE = 5;
/**
 * Wrong codes one user may enter per window, across every code sent: a fresh code must not restore
 * the budget, or guess, resend, guess again goes on for ever (better-auth#11162). Three codes' worth:
 * the third voided code stops both checks and sends until the window ends. Concurrent checks of one
 * code may pass it by MAX_WRONG_TRIES_PER_CODE - 1, and any hour spans at most two windows: at most
 * 38 wrong codes per user per hour, which with the password lockout stays within the 100 failed
 * attempts per account that NIST SP 800-63B 5.2.2 and OWASP ASVS 4.0 2.2.1 allow.
 */
export const MAX_WRONG_CODES_PER_USER = 15;
export const WRONG_CODE_WINDOW_SECONDS = 3600;
/**
 * How long a code is kept past its lifetime, so that a code entered late answers `code_expired`
 * ("ask for a new one") rather than `invalid_code` ("check what you typed"). It is refused all the same.
 */
export const EXPIRED_CODE_KEPT_SECONDS = 3600;

export type CodePurpose = "activation" | "verification";

export interface OneTimeCodeOptions {
  store: EphemeralStore;
  mailer: Mailer;
  clock: Clock;
  /** Lifetime of a code (OTP_TTL_SECONDS, 300 by default as in Okta). */
  ttlSeconds: number;
  /** Least time between two mails to one user (Okta allows one every 5 s). */
  resendIntervalSeconds: number;
  /** Key of the HMAC that codes are stored under, so a leaked store does not leak codes. */
  hashKey: Uint8Array;
  serviceName: string;
}

interface StoredCode {
  id: string;
  purpose: CodePurpose;
  hash: string;
  expiresAt: number;
}

const WRONG_PASSCODE = "Your passcode doesn't match our records. Please try again.";

/**
 * Email one-time codes for the embedded directory: one live code per user, a new
 * one voids the old, stored only as an HMAC, single use, five wrong tries at most,
 * and MAX_WRONG_CODES_PER_USER wrong codes an hour whatever the number of codes.
 */
export class OneTimeCodes {
  constructor(private readonly options: OneTimeCodeOptions) {}

  /** Mails a fresh code; the previous code stops working once the mail is sent. */
  async send(userId: string, email: string, purpose: CodePurpose): Promise<void> {
    const { store, mailer, clock, ttlSeconds, resendIntervalSeconds } = this.options;
    await this.assertWrongCodeBudget(userId);
    const throttleKey = `otp-sent:${userId}`;
    if (
      resendIntervalSeconds > 0 &&
      !(await store.setIfAbsent(throttleKey, "1", resendIntervalSeconds * 1000))
    ) {
      throw oktaError("E0000118", { retryAfter: resendIntervalSeconds });
    }
    const code = randomInt(0, 10 ** CODE_DIGITS)
      .toString()
      .padStart(CODE_DIGITS, "0");
    const id = crypto.randomUUID();
    try {
      await mailer.send(codeMail(this.options.serviceName, email, code, purpose, ttlSeconds));
    } catch {
      await store.delete(throttleKey);
      throw new AuthError(
        "SERVICE_UNAVAILABLE",
        "The code could not be sent; any code sent before still works. Try again shortly.",
        { retryAfter: 5 },
      );
    }
    const stored: StoredCode = {
      id,
      purpose,
      hash: this.hash(userId, id, code),
      expiresAt: clock.now() + ttlSeconds * 1000,
    };
    await store.set(codeKey(userId), JSON.stringify(stored), (ttlSeconds + EXPIRED_CODE_KEPT_SECONDS) * 1000);
  }

  /** Accepts the user's live code for this purpose once; throws Okta's E0000068 or E0000047 otherwise. */
  async check(userId: string, purpose: CodePurpose, code: string): Promise<void> {
    const { store, clock, ttlSeconds } = this.options;
    const raw = await store.get(codeKey(userId));
    const stored = raw ? (JSON.parse(raw) as StoredCode) : null;
    if (!stored || stored.purpose !== purpose) throw oktaError("E0000068", { causes: [WRONG_PASSCODE] });
    // Whatever was typed: the answer says nothing about the code, only that its time is over.
    if (stored.expiresAt <= clock.now()) {
      throw oktaError("E0000068", { causes: [WRONG_PASSCODE], reason: "code_expired" });
    }
    const budget = await this.assertWrongCodeBudget(userId);
    const tries = await store.increment(`otp-tries:${userId}:${stored.id}`, ttlSeconds * 1000);
    if (tries > MAX_WRONG_TRIES_PER_CODE) {
      throw oktaError("E0000047", {
        summary: "Too many wrong codes. Ask for a new code.",
        retryAfter: Math.ceil((stored.expiresAt - clock.now()) / 1000),
        reason: "too_many_attempts",
      });
    }
    const expected = Buffer.from(stored.hash, "hex");
    const given = Buffer.from(this.hash(userId, stored.id, code), "hex");
    if (!timingSafeEqual(expected, given)) {
      await budget.increment(store);
      throw oktaError("E0000068", { causes: [WRONG_PASSCODE] });
    }
    // Of two concurrent checks of the same right code, only the one that takes it wins.
    if ((await store.take(codeKey(userId))) !== raw)
      throw oktaError("E0000068", { causes: [WRONG_PASSCODE] });
    await store.delete(`otp-tries:${userId}:${stored.id}`);
  }

  /** Voids the user's live code, if any. */
  async discard(userId: string): Promise<void> {
    await this.options.store.delete(codeKey(userId));
  }

  /** The user's wrong-code window; E0000047 until it ends once the user spent its budget. */
  private async assertWrongCodeBudget(userId: string): Promise<FixedWindow> {
    const { store, clock } = this.options;
    const budget = new FixedWindow(`otp-wrong:${userId}`, WRONG_CODE_WINDOW_SECONDS, clock.now());
    if ((await budget.read(store)) >= MAX_WRONG_CODES_PER_USER) {
      throw oktaError("E0000047", {
        summary: "Too many wrong codes. Try again later.",
        retryAfter: budget.secondsLeft,
        reason: "too_many_attempts",
      });
    }
    return budget;
  }

  private hash(userId: string, codeId: string, code: string): string {
    return createHmac("sha256", this.options.hashKey).update(`${userId}:${codeId}:${code}`).digest("hex");
  }
}

function codeKey(userId: string): string {
  return `otp:${userId}`;
}

const PURPOSE_TEXT: Record<CodePurpose, { subject: string; action: string }> = {
  activation: { subject: "Confirm your email address", action: "confirm your email address" },
  verification: { subject: "Your sign-in code", action: "finish signing in" },
};

export function codeMail(
  serviceName: string,
  to: string,
  code: string,
  purpose: CodePurpose,
  ttlSeconds: number,
) {
  const { subject, action } = PURPOSE_TEXT[purpose];
  const lifetime = ttlSeconds % 60 === 0 ? `${ttlSeconds / 60} minutes` : `${ttlSeconds} seconds`;
  const text = [
    `Your ${serviceName} code is: ${code}`,
    "",
    `Enter it to ${action}. It works once and expires in ${lifetime}.`,
    "If you did not ask for it, you can ignore this email.",
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Your ${escapeHtml(serviceName)} code is:</p>
<p style="font-size:28px;font-weight:bold;letter-spacing:4px">${code}</p>
<p>Enter it to ${action}. It works once and expires in ${lifetime}.</p>
<p style="color:#666">If you did not ask for it, you can ignore this email.</p>
</body></html>`;
  return { to, subject, text, html };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
