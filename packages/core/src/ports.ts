import type { Caller } from "./rate-limiter.js";
import type { OktaEmailFactor, OktaSession, OktaUser } from "./schemas.js";

export type { OktaEmailFactor, OktaSession, OktaUser, UserProfile } from "./schemas.js";

/**
 * The ports the operations run over. Each provider (the embedded directory, Okta)
 * and each store (memory, Redis) implements one of these; the operations know
 * nothing else of them.
 */

export interface NewUser {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

/** What a successful password check proves; handed back to `createSession`. */
export interface PasswordCheck {
  userId: string;
  login: string;
  /** True when the user's email factor is active: a session may be created. */
  mfaActive: boolean;
  /** The provider's proof that the password was checked (Okta's sessionToken). */
  sessionToken: string;
}

/** How long a registration may stay unfinished (its email factor not active) before it is removed: a day. */
export const DEFAULT_PENDING_USER_TTL_SECONDS = 86_400;

/**
 * Users, sessions and the email factor, in Okta's shapes. Failures are thrown as
 * `AuthError("OKTA_ERROR")` carrying Okta's error object, whichever provider answers.
 *
 * Only the emailed code makes an account someone's: until its email factor is active, a user is a
 * registration that never finished. Registering its email again replaces it, and once it is older
 * than the provider's pending-user TTL it is removed, or answered as absent until it is.
 */
export interface IdentityProvider {
  /**
   * Creates an active user with a password, or replaces a user of that login that never activated
   * its email factor: that user is deleted (its id, its code and its password stop working) and a
   * new one created. E0000001 for a login taken by an activated user, or a weak password.
   */
  createUser(user: NewUser): Promise<OktaUser>;
  /** Removes a user whose registration could not finish. */
  deleteUser(userId: string): Promise<void>;
  getUser(userId: string): Promise<OktaUser>;
  /**
   * E0000004 for a wrong password and for an unknown login alike (an expired registration is unknown).
   * `caller` is the person signing in (their IP and User-Agent), for a provider that judges sign-ins
   * by them (Okta: X-Forwarded-For and User-Agent on /authn); a provider may ignore it.
   */
  checkPassword(login: string, password: string, caller?: Caller): Promise<PasswordCheck>;
  createSession(check: PasswordCheck): Promise<OktaSession>;
  /** E0000007 for an unknown, ended or expired session. */
  getSession(sessionId: string): Promise<OktaSession>;
  endSession(sessionId: string): Promise<void>;
  /**
   * Enrols the email factor anew (voiding any code sent before) and sends an activation code;
   * `caller` as for `checkPassword` (Okta: the Identity Engine's proof of an auto-enrolled email is a factor verify).
   */
  enrollEmailFactor(userId: string, caller?: Caller): Promise<OktaEmailFactor>;
  /** E0000068 for a wrong, used or expired code; `caller` as for `enrollEmailFactor`. */
  activateEmailFactor(userId: string, passCode: string, caller?: Caller): Promise<OktaEmailFactor>;
  /** Sends a verification code for the active email factor; `caller` as for `checkPassword`. */
  challengeEmailFactor(userId: string, caller?: Caller): Promise<void>;
  /** E0000068 for a wrong, used or expired code; `caller` as for `checkPassword`. */
  verifyEmailFactor(userId: string, passCode: string, caller?: Caller): Promise<void>;
  /** Checks the provider can answer (for readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}

/**
 * Short-lived shared state: codes, counters, grants, step-up marks. Every method
 * is atomic, so that several instances over one store (Redis) agree.
 */
export interface EphemeralStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Reads and deletes in one step: of many concurrent takers, one gets the value. */
  take(key: string): Promise<string | null>;
  /** Adds one and returns the new count; the TTL starts with the first increment. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Takes back one count of `increment`, keeping the TTL; does nothing once the key is gone. */
  decrement(key: string): Promise<void>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
