import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

/** Where Redis and PostgreSQL answer on a developer's machine or CI when nothing else is said. */
export const STANDARD_REDIS_URL = "redis://127.0.0.1:6379";
/** A role that may CREATE DATABASE: the tests make a fresh database each and drop it. */
export const STANDARD_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** Long enough for a loaded machine's loopback, short enough that an absent service costs `npm test` nothing. */
const PROBE_TIMEOUT_MS = 1500;

/**
 * The Redis a suite's tests run against: REDIS_URL, or else the standard local port. Undefined when
 * nothing answers there, and the suite is told it is skipped and which URL was tried; when REDIS_URL
 * is set, it must answer (the caller asked for it: a skip would hide that it is down). `standardUrl`
 * is for this helper's own tests.
 */
export function redisForTests(suite: string, standardUrl = STANDARD_REDIS_URL): Promise<string | undefined> {
  return serviceForTests(suite, "REDIS_URL", standardUrl, pingRedis);
}

/**
 * The PostgreSQL a suite's tests run against: TEST_POSTGRES_URL (not DATABASE_URL, which may name a
 * database that must not be touched), or else the standard local port; as `redisForTests`.
 */
export function postgresForTests(
  suite: string,
  standardUrl = STANDARD_POSTGRES_URL,
): Promise<string | undefined> {
  return serviceForTests(suite, "TEST_POSTGRES_URL", standardUrl, selectOne);
}

export interface TestDatabase {
  name: string;
  /** The same server and role as the admin URL, on this database. */
  url: string;
  /** Drops it, whatever connections a failed test left open. */
  drop(): Promise<void>;
}

/** A fresh, empty database on the PostgreSQL of `adminUrl` (a role that may CREATE DATABASE). */
export async function freshPostgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `authsvc_test_${randomBytes(8).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One probe per URL and process, however many suites ask. */
const probes = new Map<string, Promise<unknown>>();

async function serviceForTests(
  suite: string,
  variable: string,
  standardUrl: string,
  probe: (url: string) => Promise<void>,
): Promise<string | undefined> {
  const configured = process.env[variable];
  const url = configured || standardUrl;
  let answered = probes.get(url);
  if (!answered) {
    answered = probe(url).then(
      () => undefined,
      (error: unknown) => error,
    );
    probes.set(url, answered);
  }
  const failure = await answered;
  if (failure === undefined) return url;
  const reason = failure instanceof Error ? failure.message : String(failure);
  if (configured) throw new Error(`${variable}=${redacted(url)} does not answer: ${reason}`);
  console.log(
    `${suite} skipped: nothing answered at ${redacted(url)} (${reason}); ` +
      `start the service there, or set ${variable}.`,
  );
  return undefined;
}

async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() fails with "Connection is closed." only; the event says why (ECONNREFUSED, ...).
  let cause: unknown;
  redis.on("error", (error: unknown) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

async function selectOne(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A URL as it may be printed: without its password. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}
