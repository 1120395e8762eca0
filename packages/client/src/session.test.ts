import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuthClient } from "./index.js";
import {
  type AuthSessionState,
  createAuthSession,
  localStorageAdapter,
  memoryStorage,
  type StorageLike,
} from "./session.js";

const KEY = "authsvc.session";
const HOUR_MS = 3_600_000;

/** A client whose every call fails as an unreachable server does: these tests run without one. */
function offlineClient() {
  const requests: string[] = [];
  const client = createAuthClient({
    url: "http://auth.invalid",
    fetch: async (input) => {
      requests.push(String(input));
      throw new TypeError("fetch failed");
    },
  });
  return { client, requests };
}

/** What a browser's localStorage holds for an origin, seen by every tab. */
class FakeStorage implements StorageLike {
  readonly values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

/**
 * Tabs of one origin over one localStorage. As in a browser, a change made in one tab fires a
 * `storage` event on every other tab's window, never on its own.
 */
function fakeBrowser() {
  const shared = new FakeStorage();
  const tabs: { window: EventTarget; storage: StorageLike }[] = [];
  // Each tab's event names its own localStorage object as the area that changed.
  const notifyOthers = (writer: EventTarget, key: string | null, newValue: string | null) => {
    for (const { window, storage } of tabs) {
      if (window === writer) continue;
      window.dispatchEvent(Object.assign(new Event("storage"), { key, newValue, storageArea: storage }));
    }
  };
  return {
    shared,
    openTab() {
      const window = new EventTarget();
      const storage: StorageLike & { clear(): void } = {
        getItem: (key) => shared.getItem(key),
        setItem(key, value) {
          shared.setItem(key, value);
          notifyOthers(window, key, value);
        },
        removeItem(key) {
          shared.removeItem(key);
          notifyOthers(window, key, null);
        },
        clear() {
          shared.values.clear();
          notifyOthers(window, null, null);
        },
      };
      tabs.push({ window, storage });
      return { window, storage, adapter: localStorageAdapter({ storage, events: window }) };
    },
  };
}

/** Two tabs of one browser, `stored` already in its localStorage; `other` is a helper in the second tab. */
function twoTabs(stored?: string) {
  const browser = fakeBrowser();
  if (stored !== undefined) browser.shared.setItem(KEY, stored);
  const [first, second] = [browser.openTab(), browser.openTab()];
  const other = createAuthSession(offlineClient().client, { storage: second.adapter });
  return { browser, first, second, other };
}

/** The stored form of a signed-in session, as a tab that signed in left it. */
function storedSignedIn(expiresAt: Date, sessionId = "102sess1on") {
  return JSON.stringify({
    version: 1,
    status: "signed_in",
    session: {
      id: sessionId,
      userId: "00u1ada",
      login: "ada@example.com",
      expiresAt: expiresAt.toISOString(),
      mfaVerified: true,
    },
    user: { id: "00u1ada", profile: { firstName: "Ada", email: "ada@example.com" } },
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("createAuthSession: storage", () => {
  it("starts signed out with nothing stored, in memory by default", () => {
    const { client } = offlineClient();
    const session = createAuthSession(client);
    expect(session.getState()).toEqual({ status: "signed_out" });
    session.dispose();
  });

  it("finds a stored signed-in session again after a reload", () => {
    const storage = new FakeStorage();
    storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    const { client, requests } = offlineClient();
    const session = createAuthSession(client, { storage: localStorageAdapter({ storage }) });
    expect(session.getState()).toMatchObject({
      status: "signed_in",
      session: { id: "102sess1on", userId: "00u1ada", mfaVerified: true },
      user: { profile: { firstName: "Ada" } },
    });
    expect(requests).toEqual([]);
    session.dispose();
  });

  it("treats an expired stored session as signed out, and forgets it", () => {
    const storage = new FakeStorage();
    storage.setItem(KEY, storedSignedIn(new Date(Date.now() - 1000)));
    const session = createAuthSession(offlineClient().client, { storage: localStorageAdapter({ storage }) });
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(storage.getItem(KEY)).toBeNull();
    session.dispose();
  });

  it.each([
    ["not JSON", "{"],
    ["another version", JSON.stringify({ version: 2, status: "signed_out" })],
    ["a session without an id", JSON.stringify({ version: 1, status: "needs_code", session: {} })],
    ["an unknown status", JSON.stringify({ version: 1, status: "admin" })],
  ])("treats a stored value it cannot read (%s) as signed out, and forgets it", (_, value) => {
    const storage = new FakeStorage();
    storage.setItem(KEY, value);
    const session = createAuthSession(offlineClient().client, { storage: localStorageAdapter({ storage }) });
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(storage.getItem(KEY)).toBeNull();
    session.dispose();
  });

  it("keeps two services' sessions apart by key", () => {
    const storage = new FakeStorage();
    storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    const other = createAuthSession(offlineClient().client, {
      storage: localStorageAdapter({ storage }),
      storageKey: "other.session",
    });
    expect(other.getState().status).toBe("signed_out");
    other.dispose();
  });

  it("works in the page alone when storage refuses (a browser's privacy mode)", async () => {
    const refusing: StorageLike = {
      getItem: () => {
        throw new DOMException("The operation is insecure.", "SecurityError");
      },
      setItem: () => {
        throw new DOMException("Quota exceeded", "QuotaExceededError");
      },
      removeItem: () => {
        throw new DOMException("The operation is insecure.", "SecurityError");
      },
    };
    const session = createAuthSession(offlineClient().client, {
      storage: localStorageAdapter({ storage: refusing }),
    });
    expect(session.getState()).toEqual({ status: "signed_out" });
    await expect(session.logOut()).resolves.toBeUndefined();
    session.dispose();
  });

  it("asks for a Storage where there is no localStorage (Node, server rendering)", () => {
    expect(() => localStorageAdapter()).toThrow(/no localStorage here; pass `storage`/);
  });

  it("refuses a step the state does not allow, without calling the server", async () => {
    const { client, requests } = offlineClient();
    const session = createAuthSession(client);
    await expect(session.verifyCode("123456")).rejects.toThrow(
      "verifyCode: needs needs_code, but the session is signed_out",
    );
    await expect(session.ssoToken()).rejects.toThrow(/ssoToken: needs signed_in/);
    expect(requests).toEqual([]);
    session.dispose();
  });
});

describe("createAuthSession: across tabs", () => {
  it("takes up a sign-in made in another tab, and a sign-out there signs it out", () => {
    const { first, other } = twoTabs();
    const seen: string[] = [];
    other.subscribe((state) => seen.push(state.status));

    first.storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    expect(other.getState()).toMatchObject({ status: "signed_in", session: { id: "102sess1on" } });
    first.storage.removeItem(KEY);
    expect(other.getState()).toEqual({ status: "signed_out" });
    expect(seen).toEqual(["signed_in", "signed_out"]);
    other.dispose();
  });

  it("signs the other tabs out when one logs out, even when the server cannot be reached", async () => {
    const { browser, first, other } = twoTabs(storedSignedIn(new Date(Date.now() + HOUR_MS)));
    const { client, requests } = offlineClient();
    const leaving = createAuthSession(client, { storage: first.adapter });
    expect(other.getState().status).toBe("signed_in");

    await expect(leaving.logOut()).rejects.toThrow("fetch failed");
    expect(requests).toHaveLength(1);
    expect(leaving.getState()).toEqual({ status: "signed_out" });
    expect(other.getState()).toEqual({ status: "signed_out" });
    expect(browser.shared.getItem(KEY)).toBeNull();
    leaving.dispose();
    other.dispose();
  });

  it("signs out when another tab clears the whole storage", () => {
    const { first, other } = twoTabs(storedSignedIn(new Date(Date.now() + HOUR_MS)));
    first.storage.clear();
    expect(other.getState()).toEqual({ status: "signed_out" });
    other.dispose();
  });

  it("ignores changes to other keys and to another storage area (sessionStorage)", () => {
    const { first, second, other } = twoTabs(storedSignedIn(new Date(Date.now() + HOUR_MS)));
    const before = other.getState();
    first.storage.removeItem("something.else");
    second.window.dispatchEvent(
      Object.assign(new Event("storage"), { key: KEY, newValue: null, storageArea: new FakeStorage() }),
    );
    expect(other.getState()).toBe(before);
    other.dispose();
  });

  it("stops listening to other tabs once disposed", () => {
    const { first, other } = twoTabs();
    other.dispose();
    first.storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    expect(other.getState().status).toBe("signed_out");
  });
});

describe("createAuthSession: expiry", () => {
  it("signs out at the session's expiry, not before, and forgets it", () => {
    vi.useFakeTimers();
    const storage = new FakeStorage();
    storage.setItem(KEY, storedSignedIn(new Date(Date.now() + 2 * HOUR_MS)));
    const session = createAuthSession(offlineClient().client, { storage: localStorageAdapter({ storage }) });
    const seen: AuthSessionState[] = [];
    session.subscribe((state) => seen.push(state));

    vi.advanceTimersByTime(2 * HOUR_MS - 1000);
    expect(session.getState().status).toBe("signed_in");
    vi.advanceTimersByTime(1000);
    expect(session.getState()).toEqual({ status: "signed_out" });
    expect(seen).toEqual([{ status: "signed_out" }]);
    expect(storage.getItem(KEY)).toBeNull();
    session.dispose();
  });

  it("signs out at an expiry further away than a timer can wait (24.8 days)", () => {
    vi.useFakeTimers();
    const days = 40;
    const storage = memoryStorage();
    storage.set(KEY, storedSignedIn(new Date(Date.now() + days * 24 * HOUR_MS)));
    const session = createAuthSession(offlineClient().client, { storage });
    vi.advanceTimersByTime(days * 24 * HOUR_MS - 1000);
    expect(session.getState().status).toBe("signed_in");
    vi.advanceTimersByTime(1000);
    expect(session.getState().status).toBe("signed_out");
    session.dispose();
  });

  it("leaves no timer behind once disposed", () => {
    vi.useFakeTimers();
    const storage = memoryStorage();
    storage.set(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    const session = createAuthSession(offlineClient().client, { storage });
    expect(vi.getTimerCount()).toBe(1);
    session.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("arms the expiry of a session another tab signed in with", () => {
    vi.useFakeTimers();
    const { first, other } = twoTabs();
    first.storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    expect(other.getState().status).toBe("signed_in");
    vi.advanceTimersByTime(HOUR_MS);
    expect(other.getState().status).toBe("signed_out");
    other.dispose();
  });
});

describe("createAuthSession: changes", () => {
  it("answers the same snapshot until something changes, and a new one after", () => {
    const { first, other } = twoTabs();
    const signedOut = other.getState();
    expect(other.getState()).toBe(signedOut);

    const value = storedSignedIn(new Date(Date.now() + HOUR_MS));
    first.storage.setItem(KEY, value);
    const signedIn = other.getState();
    expect(signedIn).not.toBe(signedOut);
    expect(other.getState()).toBe(signedIn);
    // The same value written again is no change.
    first.storage.setItem(KEY, value);
    expect(other.getState()).toBe(signedIn);
    other.dispose();
  });

  it("calls each listener once per change until it unsubscribes", () => {
    const { first, other } = twoTabs();
    const kept = vi.fn();
    const dropped = vi.fn();
    other.subscribe(kept);
    const unsubscribe = other.subscribe(dropped);

    first.storage.setItem(KEY, storedSignedIn(new Date(Date.now() + HOUR_MS)));
    unsubscribe();
    first.storage.removeItem(KEY);
    expect(kept.mock.calls.map(([state]) => state.status)).toEqual(["signed_in", "signed_out"]);
    expect(dropped.mock.calls.map(([state]) => state.status)).toEqual(["signed_in"]);
    other.dispose();
  });
});
