import { AuthError, digest, type EphemeralStore } from "@authsvc/core";
import { type Adapter, type AdapterFactory, type AdapterPayload, errors } from "oidc-provider";

/**
 * oidc-provider's storage over the service's EphemeralStore: Redis when REDIS_URL is set, memory
 * otherwise, so that sessions, interactions, codes and tokens are shared by every instance, with
 * the library's TTLs. Keys name ids (codes, tokens, session cookies) only by their hash.
 *
 * Two things the library leaves to the adapter are made atomic here:
 * - consume: the library checks `consumed` on what it found, then consumes; two instances redeeming
 *   one code at once would both pass that check. Consuming is a set-if-absent, and the loser is
 *   refused as a replay (and, as a replay, voids the grant: RFC 6749 4.1.2).
 * - revokeByGrantId: one mark per grant, checked on every find, instead of an index of its tokens.
 */
export function storeAdapter(store: EphemeralStore, grantTtlSeconds: number): AdapterFactory {
  const unavailableInOAuthTerms = inOAuthTerms(store);
  return (model) => new StoreAdapter(unavailableInOAuthTerms, grantTtlSeconds, model);
}

/**
 * What a revoked grant takes with it: its codes and tokens (the library's own adapter revokes the
 * same). An interaction also names the grant its client had, but outlives it: signing in as
 * another user ends the first one's session and grants (prompt=login), then resumes that interaction.
 */
const REVOKED_WITH_GRANT = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
]);

type UsedStore = Pick<EphemeralStore, "get" | "set" | "setIfAbsent" | "delete">;

/**
 * The store being away (SERVICE_UNAVAILABLE) answers as OAuth says (RFC 6749 4.1.2.1:
 * `temporarily_unavailable`), with 503 as the rest of the service, instead of a 500 server_error.
 */
class StoreUnavailable extends errors.OIDCProviderError {
  override error_description = "the service cannot reach its store; try again shortly";

  constructor() {
    super(503, "temporarily_unavailable");
    this.expose = true;
  }
}

function inOAuthTerms(store: EphemeralStore): UsedStore {
  const translated = async <T>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (error instanceof AuthError && error.code === "SERVICE_UNAVAILABLE") throw new StoreUnavailable();
      throw error;
    }
  };
  return {
    get: (key) => translated(store.get(key)),
    set: (key, value, ttlMs) => translated(store.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => translated(store.setIfAbsent(key, value, ttlMs)),
    delete: (key) => translated(store.delete(key)),
  };
}

class StoreAdapter implements Adapter {
  constructor(
    private readonly store: UsedStore,
    private readonly grantTtlSeconds: number,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const ttlMs = expiresIn * 1000;
    const { jti: _id, ...kept } = payload;
    await this.store.set(this.key(id), JSON.stringify(kept), ttlMs);
    // Sessions are also found by their uid: an index from the uid to the id.
    if (payload.uid) await this.store.set(this.key(`uid:${payload.uid}`), id, ttlMs);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const raw = await this.store.get(this.key(id));
    if (raw === null) return undefined;
    const payload = JSON.parse(raw) as AdapterPayload;
    const grantId =
      this.model === "Grant" ? id : REVOKED_WITH_GRANT.has(this.model) ? payload.grantId : undefined;
    const [consumed, revoked] = await Promise.all([
      this.store.get(consumedKey(id)),
      grantId ? this.store.get(revokedGrantKey(grantId)) : null,
    ]);
    if (revoked !== null) return undefined;
    return { ...payload, jti: id, ...consumedAt(consumed) };
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get(this.key(`uid:${uid}`));
    return id === null ? undefined : this.find(id);
  }

  /** The device flow (user codes) is not enabled. */
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = await this.find(id);
    if (!payload) throw new errors.InvalidGrant("grant not found");
    const ttlMs = Math.max(1000, (payload.exp ?? 0) * 1000 - Date.now());
    const first = await this.store.setIfAbsent(consumedKey(id), String(Math.floor(Date.now() / 1000)), ttlMs);
    if (first) return;
    if (payload.grantId) await this.revokeByGrantId(payload.grantId);
    throw new errors.InvalidGrant(
      `${this.model === "AuthorizationCode" ? "authorization code" : "grant"} already consumed`,
    );
  }

  async destroy(id: string): Promise<void> {
    await Promise.all([this.store.delete(this.key(id)), this.store.delete(consumedKey(id))]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.set(revokedGrantKey(grantId), "1", this.grantTtlSeconds * 1000);
  }

  private key(id: string): string {
    return `oidc:${this.model}:${digest(id)}`;
  }
}

function consumedKey(id: string): string {
  return `oidc:consumed:${digest(id)}`;
}

/** Every token of a grant outlives it by no more than the grant's own TTL. */
function revokedGrantKey(grantId: string): string {
  return `oidc:revoked-grant:${digest(grantId)}`;
}

function consumedAt(value: string | null): { consumed?: number } {
  return value === null ? {} : { consumed: Number(value) };
}
