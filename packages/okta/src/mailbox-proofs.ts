import type { EphemeralStore } from "@authsvc/core";

/**
 * Kept a little over a year and written again at every proof: long enough that a user who
 * signs in once a year is not asked for a code again, bounded so that the store does not keep
 * deleted users forever.
 */
const PROOF_TTL_MS = 400 * 24 * 60 * 60 * 1000;

/**
 * Which users proved their mailbox by an emailed code, for Identity Engine orgs.
 *
 * There Okta enrols a new user's email factor by itself, ACTIVE, without any code ("the user is
 * not required to prove ownership of the email (for example, when the admin creates the user
 * account)": support.okta.com, "Prevent Email Factor Auto-Enrollment"), so an active factor no
 * longer says the mailbox is the user's. Okta keeps nothing this service could set by default to
 * say it: an email factor has no `lastVerified` (management.yaml gives one to YubiKey tokens only),
 * a profile attribute needs an admin to extend the user schema, and the factor cannot be put back
 * to PENDING_ACTIVATION (a reset enrols it again, ACTIVE).
 *
 * So the fact lives in the service's shared store (Redis when there are several instances), where
 * losing it fails closed: a user without a proof is asked for a code again (login answers only the
 * user id; activate mails and checks a code), never given a session unproven. A second mark says a
 * registration is still waiting for its proof: positive evidence, so that only such a registration
 * is ever replaced or removed as unfinished, and never a user whose proof was lost.
 */
export class MailboxProofs {
  private readonly awaitingTtlMs: number;

  /** `pendingTtlMs`: how long a registration may stay unfinished; its mark outlives that, so that it is found expired. */
  constructor(
    private readonly store: EphemeralStore,
    pendingTtlMs: number,
  ) {
    this.awaitingTtlMs = Math.max(1000, 2 * pendingTtlMs);
  }

  async awaitProof(userId: string, since: number): Promise<void> {
    await this.store.set(awaitingKey(userId), String(since), this.awaitingTtlMs);
  }

  /** When the registration still waiting for its proof was made; undefined when none waits (or its mark is gone). */
  async awaitingSince(userId: string): Promise<number | undefined> {
    const since = await this.store.get(awaitingKey(userId));
    return since === null ? undefined : Number(since);
  }

  /** The proof is of one address: should the user's email change, the new one is not proven. */
  async prove(userId: string, email: string): Promise<void> {
    await this.store.set(provenKey(userId), email.toLowerCase(), PROOF_TTL_MS);
    await this.store.delete(awaitingKey(userId));
  }

  async isProven(userId: string, email: string): Promise<boolean> {
    return (await this.store.get(provenKey(userId))) === email.toLowerCase();
  }

  async forget(userId: string): Promise<void> {
    await Promise.all([this.store.delete(provenKey(userId)), this.store.delete(awaitingKey(userId))]);
  }
}

const provenKey = (userId: string) => `okta:mailbox-proven:${userId}`;
const awaitingKey = (userId: string) => `okta:mailbox-awaiting-proof:${userId}`;
