import { AuthError, type EphemeralStore } from "@authsvc/core";
import { Redis, ReplyError } from "ioredis";

/**
 * Keys in Redis. Every key is `<keyPrefix><name>` (keyPrefix "authsvc:" by default, so that the
 * service can share a Redis with others) and every key is written with a TTL, so nothing outlives
 * its use. The names are chosen by @authsvc/core; secrets name keys only by their SHA-256:
 *
 *   otp:<userId>                     the user's live one-time code (JSON, HMAC only)  OTP_TTL_SECONDS
 *   otp-tries:<userId>:<codeId>      wrong tries of that code (counter)               OTP_TTL_SECONDS
 *   otp-wrong:<userId>:<window>      wrong codes of the user this hour (counter)      to the hour's end
 *   otp-sent:<userId>                resend throttle                                  OTP_RESEND_SECONDS
 *   grant:<sha256(code)>             an SSO authorization code's grant (JSON)         AUTH_CODE_TTL_SECONDS
 *   mfa-verified:<userId>            when the user last passed a code check (ms)      12 hours
 *   session-start:<sha256(session)>  when this service opened the session (ms)        12 hours
 *   rate:<action>:<ip|account>:<sha256(who)>:<window>   calls in a rate-limit window  to the window's end
 *   pw-failures:<sha256(login)>      failed passwords in a row (counter)              1 hour
 *   pw-locked:<sha256(login)>        the login is locked out                          PASSWORD_LOCKOUT_SECONDS
 */

export interface RedisStoreOptions {
  /** redis://[[user]:password@]host[:port][/db], or rediss:// for TLS. */
  url: string;
  /** Put before every key; "authsvc:" by default. */
  keyPrefix?: string;
}

export const DEFAULT_KEY_PREFIX = "authsvc:";
/** What a caller waits at most for Redis, whether it is down, unreachable or hung. */
const TIMEOUT_MS = 1000;
/** How long `createRedisStore` waits for the first connection: Redis may be starting alongside us. */
const STARTUP_TIMEOUT_MS = 5000;
/** Seconds a caller is told to wait: reconnection is tried at least this often. */
const RETRY_AFTER_SECONDS = 1;

/** INCR and, on the first increment only, PEXPIRE: the window opens with the first count, as in MemoryStore. */
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/** DECR only while the key lives: on an expired key, DECR would make a -1 that never expires. */
const DECREMENT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end
return 0`;

/** The client with the scripts above defined on it (the constructor defines them). */
type Client = Redis & {
  incrementWithTtl(key: string, ttlMs: number): Promise<number>;
  decrementIfPresent(key: string): Promise<number>;
};

/** The ephemeral store shared by several instances of the service; every method is one atomic command. */
export class RedisStore implements EphemeralStore {
  private readonly redis: Client;
  private readonly prefix: string;

  /**
   * Connects in the background; calls made before the connection is up fail with SERVICE_UNAVAILABLE
   * (`createRedisStore` waits for it).
   */
  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.redis = new Redis(options.url, {
      // Fail fast instead of queueing while disconnected: a caller gets a 503 at once, not after a wait,
      // and no queued command runs later, after its caller was told it failed.
      enableOfflineQueue: false,
      // Commands in flight when the connection drops fail instead of being sent again on reconnection
      // (INCR twice would count one try as two).
      maxRetriesPerRequest: 0,
      connectTimeout: TIMEOUT_MS,
      // A hung server (or a silent network) answers nothing: give up rather than hang the request.
      commandTimeout: TIMEOUT_MS,
      // Reconnect forever, at least once a second, so the store recovers by itself when Redis returns.
      retryStrategy: (attempt) => Math.min(attempt * 100, RETRY_AFTER_SECONDS * 1000),
    }) as Client;
    // Each failing call reports its own error; without a listener ioredis prints every failed reconnection.
    this.redis.on("error", () => undefined);
    this.redis.defineCommand("incrementWithTtl", { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.redis.defineCommand("decrementIfPresent", { numberOfKeys: 1, lua: DECREMENT_SCRIPT });
  }

  get(key: string): Promise<string | null> {
    return this.call(() => this.redis.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.call(() => this.redis.set(this.prefix + key, value, "PX", milliseconds(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const answer = await this.call(() =>
      this.redis.set(this.prefix + key, value, "PX", milliseconds(ttlMs), "NX"),
    );
    return answer === "OK";
  }

  take(key: string): Promise<string | null> {
    return this.call(() => this.redis.getdel(this.prefix + key));
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return this.call(() => this.redis.incrementWithTtl(this.prefix + key, milliseconds(ttlMs)));
  }

  async decrement(key: string): Promise<void> {
    await this.call(() => this.redis.decrementIfPresent(this.prefix + key));
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.redis.del(this.prefix + key));
  }

  async ping(): Promise<void> {
    await this.call(() => this.redis.ping());
  }

  async close(): Promise<void> {
    // QUIT needs a live connection; otherwise stop reconnecting at once.
    if (this.redis.status === "ready") await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** Resolves once connected (at once when already); SERVICE_UNAVAILABLE when not within `timeoutMs`. */
  ready(timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
    if (this.redis.status === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off("ready", onReady);
        reject(unavailable(new Error(`Redis did not answer within ${timeoutMs} ms`)));
      }, timeoutMs);
      this.redis.once("ready", onReady);
    });
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      // Redis answered with an error: a bug to report as such, not an outage.
      if (error instanceof ReplyError) throw error;
      throw unavailable(error);
    }
  }
}

/** Connects to Redis and answers the store once Redis answers (for start-up: fails when Redis is unreachable). */
export async function createRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const store = new RedisStore(options);
  try {
    await store.ready();
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** PX takes whole milliseconds of at least one; MemoryStore takes any number. */
function milliseconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

function unavailable(cause: unknown): AuthError {
  const error = new AuthError(
    "SERVICE_UNAVAILABLE",
    "The shared store (Redis) is unavailable. Try again shortly.",
    {
      retryAfter: RETRY_AFTER_SECONDS,
    },
  );
  error.cause = cause;
  return error;
}
