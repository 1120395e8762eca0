import {
  type AuthClient,
  type AuthSessionStorage,
  createAuthClient,
  createAuthSession,
  memoryStorage,
} from "@authsvc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientFailure as failure,
  newPerson,
  PROVIDERS,
  type RunningService,
  startService,
  wrongCode,
} from "./harness.js";

/** A storage that keeps every value written to it, to look for what must never be kept. */
function recordingStorage(): AuthSessionStorage & { written: string[] } {
  const inner = memoryStorage();
  const written: string[] = [];
  return {
    written,
    get: (key) => inner.get(key),
    set(key, value) {
      written.push(value);
      inner.set(key, value);
    },
    remove: (key) => inner.remove(key),
  };
}

// Generous: argon2id hashing on a machine shared with other suites.
describe.each(PROVIDERS)("session helper over %s", { timeout: 60_000 }, (provider) => {
  let svc: RunningService;
  let client: AuthClient;
  beforeAll(async () => {
    svc = await startService({}, provider);
    client = createAuthClient({ url: svc.url });
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
  });

  /** The next code mailed to `email`, for a call that mails one. */
  async function codeMailedBy(email: string, send: () => Promise<unknown>): Promise<string> {
    const seen = svc.inbox.mailsTo(email).length;
    await send();
    return svc.inbox.nextCode(email, seen);
  }

  /** A person who has signed up and confirmed, with a helper signed in for them. */
  async function signedIn(storage: AuthSessionStorage = memoryStorage()) {
    const person = newPerson();
    const session = createAuthSession(client, { storage });
    const confirmation = await codeMailedBy(person.email, () => session.signUp(person));
    await session.confirmEmail(confirmation);
    await session.logIn(person);
    await session.verifyCode(await codeMailedBy(person.email, () => session.sendCode()));
    return { person, session };
  }

  it("walks sign-up, confirmation, log-in, code and SSO token, and keeps nothing secret", async () => {
    const person = newPerson();
    const storage = recordingStorage();
    const session = createAuthSession(client, { storage });
    const seen: string[] = [];
    session.subscribe((state) => seen.push(state.status));

    const confirmation = await codeMailedBy(person.email, () => session.signUp(person));
    const registered = session.getState();
    if (registered.status !== "needs_confirmation") throw new Error(`got ${registered.status}`);
    expect(registered.email).toBe(person.email);
    await session.confirmEmail(confirmation);

    const loggedIn = await session.logIn({ email: person.email, password: person.password });
    if (loggedIn.status !== "needs_code") throw new Error(`got ${loggedIn.status}`);
    expect(loggedIn.session).toMatchObject({ userId: registered.userId, mfaVerified: false });
    expect(Date.parse(loggedIn.session.expiresAt)).toBeGreaterThan(Date.now());
    const code = await codeMailedBy(person.email, () => session.sendCode());
    const verified = await session.verifyCode(code);
    expect(verified).toMatchObject({
      status: "signed_in",
      session: { id: loggedIn.session.id, mfaVerified: true },
      user: { id: registered.userId, profile: { email: person.email, firstName: person.firstName } },
    });

    const token = await session.ssoToken();
    expect(await session.verifyToken(token)).toMatchObject({ sub: registered.userId, email: person.email });

    await session.logOut();
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(seen).toEqual(["needs_confirmation", "signed_out", "needs_code", "signed_in", "signed_out"]);
    const ended = await failure(client.user.me.query({ sessionId: loggedIn.session.id }));
    expect(ended.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000007" });

    expect(storage.get("authsvc.session")).toBeNull();
    expect(storage.written.length).toBeGreaterThan(0);
    for (const value of storage.written) {
      for (const secret of [person.password, confirmation, code, token]) expect(value).not.toContain(secret);
    }
    session.dispose();
  });

  it("finds the signed-in session again after a reload, and it still works", async () => {
    const storage = memoryStorage();
    const { person, session } = await signedIn(storage);
    const before = session.getState();
    session.dispose();

    const reloaded = createAuthSession(client, { storage });
    expect(reloaded.getState()).toEqual(before);
    expect(await reloaded.refresh()).toBe(reloaded.getState());
    const token = await reloaded.ssoToken();
    expect(await reloaded.verifyToken(token)).toMatchObject({ email: person.email });
    await reloaded.logOut();
    reloaded.dispose();
  });

  it("answers a log-in before confirmation with needs_confirmation, and confirms with a resent code", async () => {
    const person = newPerson();
    await client.auth.register.mutate(person);
    const session = createAuthSession(client);

    const state = await session.logIn(person);
    expect(state).toEqual({ status: "needs_confirmation", userId: expect.any(String), email: person.email });
    const resent = await codeMailedBy(person.email, () => session.resendConfirmation());
    await session.confirmEmail(resent);
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(await session.logIn(person)).toMatchObject({ status: "needs_code" });
    await session.logOut();
    session.dispose();
  });

  it("keeps waiting for the code after a wrong one, and the right one still signs in", async () => {
    const person = newPerson();
    const session = createAuthSession(client);
    await session.confirmEmail(await codeMailedBy(person.email, () => session.signUp(person)));
    const waiting = await session.logIn(person);
    const code = await codeMailedBy(person.email, () => session.sendCode());

    const wrong = await failure(session.verifyCode(wrongCode(code)));
    expect(wrong.data).toMatchObject({ error: "OKTA_ERROR", httpStatus: 403 });
    expect(session.getState()).toBe(waiting);
    expect(await session.verifyCode(code)).toMatchObject({ status: "signed_in" });
    await session.logOut();
    session.dispose();
  });

  it("signs out when the server has ended the session (logged out elsewhere)", async () => {
    const storage = memoryStorage();
    const { session } = await signedIn(storage);
    const state = session.getState();
    if (state.status !== "signed_in") throw new Error(`got ${state.status}`);
    await client.auth.logout.mutate({ sessionId: state.session.id });

    const ended = await failure(session.refresh());
    expect(ended.data).toMatchObject({ error: "OKTA_ERROR", errorCode: "E0000007", httpStatus: 404 });
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(storage.get("authsvc.session")).toBeNull();
    session.dispose();
  });

  it("signs out when an SSO grant finds the session ended", async () => {
    const { session } = await signedIn();
    const state = session.getState();
    if (state.status !== "signed_in") throw new Error(`got ${state.status}`);
    await client.auth.logout.mutate({ sessionId: state.session.id });

    await failure(session.ssoToken());
    expect(session.getState()).toEqual({ status: "signed_out" });
    session.dispose();
  });

  it("asks for the code again when the server no longer counts the session's check", async () => {
    // As after a restart of a service that kept its step-up state in memory: a stored session the
    // helper believes checked, which the server has never seen pass a code check.
    const person = newPerson();
    const { userId } = await client.auth.register.mutate(person);
    await client.mfa.activate.mutate({ userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const opened = await client.auth.login.mutate(person);
    if (!("id" in opened)) throw new Error("expected a session");
    const storage = memoryStorage();
    storage.set(
      "authsvc.session",
      JSON.stringify({
        version: 1,
        status: "signed_in",
        session: {
          id: opened.id,
          userId,
          login: opened.login,
          expiresAt: opened.expiresAt,
          mfaVerified: true,
        },
        user: null,
      }),
    );
    const session = createAuthSession(client, { storage });

    const refused = await failure(session.ssoToken());
    expect(refused.data).toMatchObject({ error: "MFA_REQUIRED", httpStatus: 403 });
    expect(session.getState()).toMatchObject({ status: "needs_code", session: { mfaVerified: false } });
    await session.verifyCode(await codeMailedBy(person.email, () => session.sendCode()));
    expect(await session.ssoToken()).toEqual(expect.any(String));
    await session.logOut();
    session.dispose();
  });

  it("ends the session it held when it logs in again", async () => {
    const { person, session } = await signedIn();
    const first = session.getState();
    if (first.status !== "signed_in") throw new Error(`got ${first.status}`);

    await session.logIn(person);
    await expect
      .poll(
        async () => (await failure(client.user.me.query({ sessionId: first.session.id }))).data?.httpStatus,
      )
      .toBe(404);
    await session.logOut();
    session.dispose();
  });
});
