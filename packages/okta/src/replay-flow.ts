import type { IdentityProvider, NewUser } from "@authsvc/core";

/**
 * The provider's calls for one person's whole story, as the service makes them: register (create,
 * mailbox proof mailed), activate with the code, login, a session, a step-up code mailed and checked,
 * the session read and ended, the user removed. Recorded against an org by record-fixture.ts and
 * replayed by replay.test.ts: both run exactly this, so that the calls come in the recorded order.
 * `nextCode` answers the code of the next mail to the user.
 */
export async function wholeStory(provider: IdentityProvider, user: NewUser, nextCode: () => Promise<string>) {
  const created = await provider.createUser(user);
  await provider.enrollEmailFactor(created.id);
  const factor = await provider.activateEmailFactor(created.id, await nextCode());
  const check = await provider.checkPassword(user.email, user.password);
  const session = await provider.createSession(check);
  await provider.challengeEmailFactor(created.id);
  await provider.verifyEmailFactor(created.id, await nextCode());
  const read = await provider.getSession(session.id);
  await provider.endSession(session.id);
  await provider.deleteUser(created.id);
  return { created, factor, check, session, read };
}
