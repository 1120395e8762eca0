import { AuthError, MemoryStore } from "@authsvc/core";
import { errors } from "oidc-provider";
import { describe, expect, it } from "vitest";
import { storeAdapter } from "./store-adapter.js";

const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

describe("the provider's storage over the EphemeralStore", () => {
  it("consumes a code once among concurrent consumers, and a replay voids every token of its grant", async () => {
    const store = new MemoryStore();
    const adapter = storeAdapter(store, 3600);
    const [codes, accessTokens] = [adapter("AuthorizationCode"), adapter("AccessToken")];
    await codes.upsert("code-1", { jti: "code-1", grantId: "grant-1", exp: inAMinute() }, 60);
    await accessTokens.upsert("token-1", { jti: "token-1", grantId: "grant-1", exp: inAMinute() }, 60);

    const consumed = await Promise.allSettled([codes.consume("code-1"), codes.consume("code-1")]);
    expect(consumed.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(
      (consumed.find((result) => result.status === "rejected") as PromiseRejectedResult).reason,
    ).toBeInstanceOf(errors.InvalidGrant);
    expect(await accessTokens.find("token-1")).toBeUndefined();
    expect(await codes.find("code-1")).toBeUndefined();
  });

  it("revokes a grant's codes and tokens, not the interaction that names it (another user signing in resumes it)", async () => {
    const adapter = storeAdapter(new MemoryStore(), 3600);
    const [interactions, refreshTokens] = [adapter("Interaction"), adapter("RefreshToken")];
    await interactions.upsert("uid-1", { jti: "uid-1", grantId: "grant-1", exp: inAMinute() }, 60);
    await refreshTokens.upsert("refresh-1", { jti: "refresh-1", grantId: "grant-1", exp: inAMinute() }, 60);

    await refreshTokens.revokeByGrantId("grant-1");
    expect(await refreshTokens.find("refresh-1")).toBeUndefined();
    expect(await interactions.find("uid-1")).toMatchObject({ jti: "uid-1" });
  });

  it("answers temporarily_unavailable (503) while the store is away, not a server_error", async () => {
    const store = new MemoryStore();
    store.get = () => Promise.reject(new AuthError("SERVICE_UNAVAILABLE", "Redis is unreachable"));
    const failure = await storeAdapter(
      store,
      3600,
    )("AccessToken")
      .find("token-1")
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ statusCode: 503, error: "temporarily_unavailable", expose: true });
  });

  it("finds by id and by uid, marks what was consumed, and keeps no id in a key", async () => {
    const store = new MemoryStore();
    const keys: string[] = [];
    const set = store.set.bind(store);
    store.set = (key, value, ttlMs) => {
      keys.push(key);
      return set(key, value, ttlMs);
    };
    const sessions = storeAdapter(store, 3600)("Session");
    await sessions.upsert(
      "secret-session-id",
      { jti: "secret-session-id", uid: "uid-1", exp: inAMinute() },
      60,
    );
    expect(await sessions.findByUid("uid-1")).toMatchObject({ jti: "secret-session-id", uid: "uid-1" });
    expect(keys.join(" ")).not.toContain("secret-session-id");

    await sessions.consume("secret-session-id");
    expect((await sessions.find("secret-session-id"))?.consumed).toEqual(expect.any(Number));
    await sessions.destroy("secret-session-id");
    expect(await sessions.find("secret-session-id")).toBeUndefined();
  });
});
