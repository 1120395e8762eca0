// Types only from the entry: a value import would make a cycle with index.ts, which re-exports this file.
import type { AuthClient, RouterInputs, RouterOutputs, ServiceErrorData } from "./index.js";

export type AuthUser = RouterOutputs["user"]["me"];
export type IdTokenClaims = RouterOutputs["sso"]["verify"];
export type SignUpInput = RouterInputs["auth"]["register"];
export type LogInInput = RouterInputs["auth"]["login"];

export interface AuthSessionInfo {
  readonly id: string;
  readonly userId: string;
  readonly login: string;
  /**
   * When the session ends, as an ISO time on this device's clock: the lifetime the server gave it,
   * counted from the moment its answer arrived, so that a device clock set wrong does not end it early.
   */
  readonly expiresAt: string;
  /** A code check naming this very session has passed (what SSO grants require). */
  readonly mfaVerified: boolean;
}

/**
 * - `signed_out`: nothing kept.
 * - `needs_confirmation`: registered, or logged in before confirming the email: no session yet;
 *   `confirmEmail(code)`, then `logIn` again.
 * - `needs_code`: a session is open but no code check has named it yet: `sendCode()`, `verifyCode(code)`.
 * - `signed_in`: the session has passed its code check; `user` is
 *   null only when loading it failed for a reason other than an ended session (`refresh()` retries).
 */
export type AuthSessionState =
  | { readonly status: "signed_out" }
  | { readonly status: "needs_confirmation"; readonly userId: string; readonly email: string }
  | { readonly status: "needs_code"; readonly session: AuthSessionInfo }
  | { readonly status: "signed_in"; readonly session: AuthSessionInfo; readonly user: AuthUser | null };

export type AuthSessionStatus = AuthSessionState["status"];

/**
 * Where the session is kept between page loads. Synchronous, so that the first snapshot is already
 * the stored one (no flash of a signed-out page). It only ever holds ids, the login, the expiry, the
 * user object and the status: never a password or a code.
 */
export interface AuthSessionStorage {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Calls `onChange` when someone else (another tab) changes `key`; answers a function that stops it. */
  watch?(key: string, onChange: (value: string | null) => void): () => void;
}

/** Kept in this page only: a reload signs out. The default. */
export function memoryStorage(): AuthSessionStorage {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => void values.set(key, value),
    remove: (key) => void values.delete(key),
  };
}

/** The part of the Web Storage API the adapter uses: `localStorage` has it, and so can a test's fake. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The fields of a `StorageEvent` the adapter reads (`key` is null when the whole storage was cleared). */
export interface StorageEventLike {
  readonly key: string | null;
  readonly newValue: string | null;
  readonly storageArea?: unknown;
}

/**
 * Where `storage` events arrive: `window` in a browser, any `EventTarget` in a test. The listener takes
 * any object, so that both a DOM `Window` and Node's `EventTarget` fit; it reads a `StorageEventLike`.
 */
export interface StorageEventSource {
  addEventListener(type: "storage", listener: (event: object) => void): void;
  removeEventListener(type: "storage", listener: (event: object) => void): void;
}

export interface LocalStorageAdapterOptions {
  /** Default: `globalThis.localStorage`. */
  storage?: StorageLike;
  /** Default: `globalThis` when it is an event target (`window`); none elsewhere (no cross-tab sync). */
  events?: StorageEventSource;
}

/**
 * Kept in `localStorage` (or any Storage-like object), so a reload stays signed in. Browsers send the
 * other tabs of the origin a `storage` event on each change: a log-in, log-out or expiry in one tab
 * reaches them all. Anything a script on the page runs can read it, as it can read any token an app keeps.
 */
export function localStorageAdapter(options: LocalStorageAdapterOptions = {}): AuthSessionStorage {
  const storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) throw new Error("localStorageAdapter: no localStorage here; pass `storage`");
  const events =
    options.events ??
    (typeof (globalThis as Partial<StorageEventSource>).addEventListener === "function"
      ? (globalThis as unknown as StorageEventSource)
      : undefined);
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
    watch(key, onChange) {
      if (!events) return () => undefined;
      const listener = (received: object) => {
        const event = received as StorageEventLike;
        if (event.storageArea !== undefined && event.storageArea !== storage) return;
        if (event.key === null) onChange(null);
        else if (event.key === key) onChange(event.newValue);
      };
      events.addEventListener("storage", listener);
      return () => events.removeEventListener("storage", listener);
    },
  };
}

export interface AuthSessionOptions {
  /** Default: `memoryStorage()`, forgotten on reload. In a browser, `localStorageAdapter()`. */
  storage?: AuthSessionStorage;
  /** Default: `authsvc.session`. Distinct keys keep the sessions of two services apart. */
  storageKey?: string;
}

export interface AuthSession {
  /** The current state; the same object until something changes (a `useSyncExternalStore` snapshot). */
  getState(): AuthSessionState;
  /** Calls `listener` after each change; answers a function that stops it. */
  subscribe(listener: (state: AuthSessionState) => void): () => void;
  /** Registers the user, who is mailed a code: `needs_confirmation`. */
  signUp(input: SignUpInput): Promise<AuthSessionState>;
  /** Activates the email factor with the mailed code: `signed_out`, ready for `logIn`. */
  confirmEmail(code: string): Promise<AuthSessionState>;
  /** Mails a fresh confirmation code; the previous one stops working. */
  resendConfirmation(): Promise<void>;
  /**
   * Checks the password: `needs_code` with a session, or `needs_confirmation` while the email is not
   * confirmed (no session). A session this helper held before is ended on the server.
   */
  logIn(input: LogInInput): Promise<AuthSessionState>;
  /** Mails a code for the open session. */
  sendCode(): Promise<void>;
  /** Checks the code for this very session, then loads the user: `signed_in`. */
  verifyCode(code: string): Promise<AuthSessionState>;
  /** Asks the server whether the session still lives and reloads the user; an ended one signs out. */
  refresh(): Promise<AuthSessionState>;
  /** An ID token (JWT) for the signed-in user: an authorization code, exchanged at once. */
  ssoToken(): Promise<string>;
  /** The claims of an ID token, checked by the service. */
  verifyToken(token: string): Promise<IdTokenClaims>;
  /** Ends the session on the server and here, even when the server cannot be reached. */
  logOut(): Promise<void>;
  /** Stops the expiry timer and the cross-tab watch, and drops the listeners. */
  dispose(): void;
}

/** The stored form's version: a stored value of another version is not read. */
const STORED_VERSION = 1;
const DEFAULT_STORAGE_KEY = "authsvc.session";
/** The longest delay setTimeout keeps (2^31 - 1 ms, about 24.8 days); a later expiry re-arms. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;
const SIGNED_OUT: AuthSessionState = Object.freeze({ status: "signed_out" });

/**
 * Sign-up, confirmation, log-in, MFA code and SSO token over a typed client, with the state a frontend
 * shows: kept in `storage`, shared across tabs, cleared on log-out, on expiry and when the server no
 * longer knows the session.
 */
export function createAuthSession(client: AuthClient, options: AuthSessionOptions = {}): AuthSession {
  const storage = options.storage ?? memoryStorage();
  const key = options.storageKey ?? DEFAULT_STORAGE_KEY;
  const listeners = new Set<(state: AuthSessionState) => void>();
  let state = load();
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  armExpiry();
  const stopWatching = storage.watch?.(key, (value) => {
    const next = parse(value);
    if (JSON.stringify(next) !== JSON.stringify(state)) change(next, { persist: false });
  });

  function load(): AuthSessionState {
    const value = readStored();
    const restored = parse(value);
    if (value !== null && restored.status === "signed_out") forget();
    return restored;
  }

  // Storage may refuse (quota, a browser's privacy mode): the session then lives in this page only.
  function readStored(): string | null {
    try {
      return storage.get(key);
    } catch {
      return null;
    }
  }

  function persist(next: AuthSessionState): void {
    if (next.status === "signed_out") {
      forget();
      return;
    }
    try {
      storage.set(key, JSON.stringify({ version: STORED_VERSION, ...next }));
    } catch {}
  }

  function forget(): void {
    try {
      storage.remove(key);
    } catch {}
  }

  function change(next: AuthSessionState, { persist: write = true } = {}): AuthSessionState {
    if (next === state) return state;
    state = next;
    if (write) persist(next);
    armExpiry();
    for (const listener of [...listeners]) listener(state);
    return state;
  }

  function signOut(): AuthSessionState {
    return change(SIGNED_OUT);
  }

  function stopExpiry(): void {
    if (expiryTimer !== undefined) clearTimeout(expiryTimer);
    expiryTimer = undefined;
  }

  function armExpiry(): void {
    stopExpiry();
    const session = openSession(state);
    if (!session) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    if (left <= 0) {
      signOut();
      return;
    }
    expiryTimer = setTimeout(
      () => (left > MAX_TIMER_DELAY_MS ? armExpiry() : signOut()),
      Math.min(left, MAX_TIMER_DELAY_MS),
    );
    // In Node (tests, server rendering) a pending expiry must not keep the process alive.
    (expiryTimer as { unref?: () => void }).unref?.();
  }

  /** Whether `session` is still the one held: a log-out or another tab may have moved on during a call. */
  function holds(session: AuthSessionInfo): boolean {
    return openSession(state)?.id === session.id;
  }

  /** Runs a call about `session`; when the server says the session ended, signs out, then rethrows. */
  async function about<T>(session: AuthSessionInfo, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (sessionEnded(error) && holds(session)) signOut();
      throw error;
    }
  }

  function requireState<S extends AuthSessionStatus>(
    action: string,
    ...statuses: S[]
  ): Extract<AuthSessionState, { status: S }> {
    if (!(statuses as AuthSessionStatus[]).includes(state.status)) {
      throw new Error(`${action}: needs ${statuses.join(" or ")}, but the session is ${state.status}`);
    }
    return state as Extract<AuthSessionState, { status: S }>;
  }

  /** The user for a session that passed its check; null when the server could not answer for now. */
  async function userOf(session: AuthSessionInfo): Promise<AuthUser | null> {
    try {
      return await about(session, () => client.user.me.query({ sessionId: session.id }));
    } catch (error) {
      if (sessionEnded(error)) throw error;
      return null;
    }
  }

  return {
    getState: () => state,

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async signUp(input) {
      const { userId } = await client.auth.register.mutate(input);
      return change({ status: "needs_confirmation", userId, email: input.email.trim() });
    },

    async confirmEmail(code) {
      const { userId } = requireState("confirmEmail", "needs_confirmation");
      await client.mfa.activate.mutate({ userId, otp: code });
      return state.status === "needs_confirmation" && state.userId === userId ? signOut() : state;
    },

    async resendConfirmation() {
      const { userId } = requireState("resendConfirmation", "needs_confirmation");
      await client.mfa.activate.mutate({ userId });
    },

    async logIn(input) {
      const answer = await client.auth.login.mutate(input);
      const previous = openSession(state);
      if (previous) void client.auth.logout.mutate({ sessionId: previous.id }).catch(() => undefined);
      if (!("id" in answer)) {
        return change({ status: "needs_confirmation", userId: answer.userId, email: input.email.trim() });
      }
      const lifetime = Date.parse(answer.expiresAt) - Date.parse(answer.createdAt);
      const session: AuthSessionInfo = {
        id: answer.id,
        userId: answer.userId,
        login: answer.login,
        expiresAt: new Date(Date.now() + lifetime).toISOString(),
        mfaVerified: false,
      };
      // The server opens a session only once the email factor is active: each one starts needing its code.
      return change({ status: "needs_code", session });
    },

    async sendCode() {
      const { session } = requireState("sendCode", "needs_code");
      await about(session, () => client.mfa.verify.mutate({ userId: session.userId, sessionId: session.id }));
    },

    async verifyCode(code) {
      const { session } = requireState("verifyCode", "needs_code");
      // Naming the session is what steps it up: a check naming only the user counts for no session.
      await about(session, () =>
        client.mfa.verify.mutate({ userId: session.userId, otp: code, sessionId: session.id }),
      );
      const user = await userOf(session);
      return holds(session)
        ? change({ status: "signed_in", session: { ...session, mfaVerified: true }, user })
        : state;
    },

    async refresh() {
      const session = openSession(state);
      if (!session) return state;
      const user = await about(session, () => client.user.me.query({ sessionId: session.id }));
      if (!holds(session) || state.status !== "signed_in") return state;
      return JSON.stringify(user) === JSON.stringify(state.user) ? state : change({ ...state, user });
    },

    async ssoToken() {
      const { session } = requireState("ssoToken", "signed_in");
      try {
        const { code } = await about(session, () => client.sso.grant.mutate({ sessionId: session.id }));
        return (await client.sso.token.mutate({ code })).token;
      } catch (error) {
        // The server no longer counts this session's code check (its step-up state was lost): ask again.
        if (needsCode(error) && holds(session)) {
          change({ status: "needs_code", session: { ...session, mfaVerified: false } });
        }
        throw error;
      }
    },

    async verifyToken(token) {
      return client.sso.verify.query({ token });
    },

    async logOut() {
      const session = openSession(state);
      signOut();
      if (!session) return;
      try {
        await client.auth.logout.mutate({ sessionId: session.id });
      } catch (error) {
        if (!sessionEnded(error)) throw error;
      }
    },

    dispose() {
      stopExpiry();
      stopWatching?.();
      listeners.clear();
    },
  };
}

function openSession(state: AuthSessionState): AuthSessionInfo | undefined {
  return state.status === "needs_code" || state.status === "signed_in" ? state.session : undefined;
}

/** The service's data on a failed call, whichever copy of @trpc/client threw it. */
function serviceData(error: unknown): Partial<ServiceErrorData> | undefined {
  const data = (error as { data?: unknown } | null)?.data;
  return typeof data === "object" && data !== null ? (data as Partial<ServiceErrorData>) : undefined;
}

/** The server does not know the session (ended, expired, never existed): Okta's "not found". */
function sessionEnded(error: unknown): boolean {
  const data = serviceData(error);
  return data?.error === "OKTA_ERROR" && data.errorCode === "E0000007";
}

/** The session has not passed a code check the server still counts. */
function needsCode(error: unknown): boolean {
  return serviceData(error)?.error === "MFA_REQUIRED";
}

/** The stored state, or `signed_out` for nothing, a value this version cannot read, or an expired session. */
function parse(value: string | null): AuthSessionState {
  if (value === null) return SIGNED_OUT;
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(value);
  } catch {
    return SIGNED_OUT;
  }
  if (typeof stored !== "object" || stored === null || stored.version !== STORED_VERSION) return SIGNED_OUT;
  if (stored.status === "needs_confirmation") {
    const { userId, email } = stored;
    return typeof userId === "string" && typeof email === "string"
      ? { status: "needs_confirmation", userId, email }
      : SIGNED_OUT;
  }
  const session = sessionInfo(stored.session);
  if (!session || !(Date.parse(session.expiresAt) > Date.now())) return SIGNED_OUT;
  if (stored.status === "needs_code") return { status: "needs_code", session };
  const user = stored.user;
  if (stored.status === "signed_in" && (user === null || isUser(user))) {
    return { status: "signed_in", session, user };
  }
  return SIGNED_OUT;
}

function sessionInfo(value: unknown): AuthSessionInfo | undefined {
  const { id, userId, login, expiresAt, mfaVerified } = (value ?? {}) as Record<string, unknown>;
  return typeof id === "string" &&
    typeof userId === "string" &&
    typeof login === "string" &&
    typeof expiresAt === "string" &&
    typeof mfaVerified === "boolean"
    ? { id, userId, login, expiresAt, mfaVerified }
    : undefined;
}

function isUser(value: unknown): value is AuthUser {
  const user = value as Partial<AuthUser> | null;
  return typeof user === "object" && user !== null && typeof user.id === "string" && !!user.profile;
}
