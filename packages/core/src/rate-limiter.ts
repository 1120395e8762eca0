import { AuthError, OKTA_ERRORS } from "./errors.js";
import { FixedWindow } from "./fixed-window.js";
import { digest } from "./operations/context.js";
import type { Clock, EphemeralStore } from "./ports.js";
import type { SecurityEvents } from "./security-events.js";

/** At most `limit` calls per fixed window of `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** One action's limits, per client IP and per account (email or user id); null counts nothing. */
export interface ActionLimits {
  perIp: RateLimitRule | null;
  perAccount: RateLimitRule | null;
}

/**
 * The actions an attacker repeats: guessing passwords (login), creating accounts or probing which
 * emails exist (register), mail-bombing a victim (codeSend), guessing codes (codeCheck). Token checks
 * and user reads are not among them: other services call those at high rates from few addresses,
 * and their secrets (signed tokens, 148-bit session ids) are not guessable.
 */
export type LimitedAction = "login" | "register" | "codeSend" | "codeCheck";
export type RateLimits = Record<LimitedAction, ActionLimits>;

const perMinute = (limit: number): RateLimitRule => ({ limit, windowSeconds: 60 });
const perHour = (limit: number): RateLimitRule => ({ limit, windowSeconds: 3600 });

/**
 * Far above what a person does, far below what guessing needs (OWASP ASVS 4.0 2.2.1, NIST SP 800-63B
 * 5.2.2: rate-limit every authenticator). Per IP they allow for many people behind one NAT; per
 * account they stop one victim from being flooded from many addresses. The embedded directory's
 * lockout and the per-user code budget (OneTimeCodes) bound failures further.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  login: { perIp: perMinute(60), perAccount: perMinute(10) },
  register: { perIp: perHour(30), perAccount: perHour(5) },
  // Each send mails the address: with OTP_RESEND_SECONDS (one mail every 5 s), this bounds a mail bomb.
  codeSend: { perIp: perHour(100), perAccount: perHour(10) },
  codeCheck: { perIp: perMinute(60), perAccount: perMinute(10) },
};

/** A call the limiter counted. */
export interface CountedCall {
  /** Uncounts the call, in the windows it was counted in. */
  takeBack(): Promise<void>;
}

/**
 * Who calls an operation, as the front door knows it; an in-process caller may know neither field.
 * The limiter counts by `clientIp`; a provider may forward both to its identity service (Okta's
 * network zones, ThreatInsight and System Log judge the user's address and browser, not ours).
 */
export interface Caller {
  clientIp?: string | undefined;
  /** The client's User-Agent, bounded and free of control characters (see `userAgentOf`). */
  userAgent?: string | undefined;
  /** The request's id (X-Request-Id), for the audit log. */
  requestId?: string | undefined;
  /** The front door the call came through ("rest", "trpc"), for the audit log and the metrics. */
  door?: string | undefined;
}

/** Longest User-Agent handed on: real browsers send under 300 characters. */
export const USER_AGENT_MAX_LENGTH = 512;

/**
 * A User-Agent header as it may be handed on in another request: visible ASCII and spaces only
 * (a CR or LF would split the header; other bytes make HTTP clients throw), at most
 * USER_AGENT_MAX_LENGTH characters; undefined when nothing is left.
 */
export function userAgentOf(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header) ?? "";
  const clean = value
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim()
    .slice(0, USER_AGENT_MAX_LENGTH)
    .trimEnd();
  return clean === "" ? undefined : clean;
}

export interface RateLimiterOptions {
  store: EphemeralStore;
  clock: Clock;
  limits?: RateLimits;
  /** Told of each refusal (`rate.limited`), with the limit that refused. */
  events?: SecurityEvents;
}

interface Count {
  scope: "ip" | "account";
  rule: RateLimitRule;
  window: FixedWindow;
  count: number;
}

/**
 * Counts calls in the ephemeral store (Redis when several instances run, so they share counters),
 * inside the operations: REST, tRPC and in-process callers all count against the same limits.
 */
export class RateLimiter {
  private readonly limits: RateLimits;

  constructor(private readonly options: RateLimiterOptions) {
    this.limits = options.limits ?? DEFAULT_RATE_LIMITS;
  }

  /**
   * Counts one call; throws RATE_LIMITED (429) when the caller's IP or the account is over its limit.
   * The answer takes the call back, for a call that turned out to do nothing the limit is about.
   */
  async hit(action: LimitedAction, caller: Caller, account: string): Promise<CountedCall> {
    const { perIp, perAccount } = this.limits[action];
    const counts = await Promise.all([
      perIp && caller.clientIp !== undefined ? this.count(action, "ip", caller.clientIp, perIp) : null,
      perAccount ? this.count(action, "account", account, perAccount) : null,
    ]);
    const counted = counts.filter((count): count is Count => count !== null);
    // Of two exceeded limits, the one that lasts longer tells the caller when to come back.
    const exceeded = counted
      .filter((count) => count.count > count.rule.limit)
      .sort((a, b) => b.window.resetAt - a.window.resetAt)[0];
    if (exceeded) {
      this.options.events?.record({ event: "rate.limited", action, scope: exceeded.scope }, caller);
      throw rateLimited(exceeded);
    }
    return {
      takeBack: async () => {
        await Promise.all(counted.map(({ window }) => window.decrement(this.options.store)));
      },
    };
  }

  private async count(
    action: LimitedAction,
    scope: Count["scope"],
    subject: string,
    rule: RateLimitRule,
  ): Promise<Count> {
    // Keys name emails and addresses only by their hash: a look at the store shows no one's identity.
    const window = new FixedWindow(
      `rate:${action}:${scope}:${digest(subject)}`,
      rule.windowSeconds,
      this.options.clock.now(),
    );
    return { scope, rule, window, count: await window.increment(this.options.store) };
  }
}

function rateLimited({ rule, window }: Count): AuthError {
  return new AuthError("RATE_LIMITED", OKTA_ERRORS.E0000047.summary, {
    retryAfter: window.secondsLeft,
    rateLimit: { limit: rule.limit, remaining: 0, reset: Math.ceil(window.resetAt / 1000) },
  });
}
