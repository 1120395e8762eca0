import { type Clock, digest, type EphemeralStore } from "@authsvc/core";

/** Okta's default password policy: "Lock out user after 10 unsuccessful attempts". */
export const MAX_FAILED_PASSWORDS = 10;
/**
 * How long a lock lasts unless configured (PASSWORD_LOCKOUT_SECONDS). With ten failures per lock,
 * at most 8 + 10 × 4 = 48 wrong passwords fit in any hour: with the wrong-code budget of OneTimeCodes,
 * within the 100 failed attempts per account per hour of NIST SP 800-63B 5.2.2 and OWASP ASVS 2.2.1.
 * Shorter locks would let more through, so the service refuses to be configured below this.
 */
export const DEFAULT_LOCKOUT_SECONDS = 900;
/** Failures further apart than this do not add up to a lock (Okta counts until a success). */
const FAILURE_MEMORY_MS = 60 * 60 * 1000;

/**
 * Failed passwords per login, in the ephemeral store (shared by instances over Redis). Counted per
 * login, known or not, so that an unknown email goes through exactly the same steps as a known one:
 * neither the answer, nor its time, nor the lock tells whether an account exists.
 */
export class PasswordLockout {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
    private readonly lockoutSeconds: number,
  ) {}

  async isLocked(login: string): Promise<boolean> {
    return (await this.store.get(lockedKey(login))) !== null;
  }

  /** Counts a failure; the tenth in a row locks the login for the lockout time (again, if locked). */
  async recordFailure(login: string): Promise<void> {
    const failures = await this.store.increment(failuresKey(login), FAILURE_MEMORY_MS);
    if (failures < MAX_FAILED_PASSWORDS) return;
    await this.store.set(lockedKey(login), String(this.clock.now()), this.lockoutSeconds * 1000);
    await this.store.delete(failuresKey(login));
  }

  /** A right password while unlocked starts the count again, as in Okta. */
  async recordSuccess(login: string): Promise<void> {
    await this.store.delete(failuresKey(login));
  }
}

// Logins (emails) name keys only by their hash, as core names its secrets.
const failuresKey = (login: string) => `pw-failures:${digest(login)}`;
const lockedKey = (login: string) => `pw-locked:${digest(login)}`;
