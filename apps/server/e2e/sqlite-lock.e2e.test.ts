import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Answer, call, newPerson, post, type RunningService, startService, trpc } from "./harness.js";

/** Longest a write waiting for the lock may take to be refused (the wait, the password hash, a busy machine). */
const REFUSED_WITHIN_MS = 1500;
/** What the routes that need no write must stay under while the lock is held. */
const P99_LIMIT_MS = 50;
const READS = 200;
/** Reads in flight at once. */
const READERS = 4;
/** No new read after this long: with the event loop stalled for seconds, the figures are clear already. */
const READING_MS = 20_000;

/**
 * Another program (a backup, a shell, a second process on the same file) holds SQLite's write lock:
 * the writes that need it are refused at once with 503, and nothing else in the service waits.
 */
describe("the service on a SQLite file another connection has locked", () => {
  let svc: RunningService;
  let dir: string;
  let databaseFile: string;
  let token: string;
  let sessionId: string;
  let lock: Database.Database | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "authsvc-sqlite-lock-"));
    databaseFile = join(dir, "directory.sqlite");
    // The step-up before a grant is not what this suite is about.
    svc = await startService({ DATABASE_URL: databaseFile, SSO_REQUIRE_MFA: "false" });
    const person = newPerson();
    const { body } = await post(svc.url, "/api/register", person);
    const userId = body.userId as string;
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
    sessionId = login.body.id as string;
    const grant = await post(svc.url, "/api/sso/grant", { sessionId });
    token = (await post(svc.url, "/api/sso/token", { code: grant.body.code })).body.token as string;
    expect(token).toBeTypeOf("string");
  });
  afterEach(() => {
    releaseLock();
  });
  afterAll(async () => {
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const holdLock = () => {
    lock = new Database(databaseFile);
    lock.exec("BEGIN IMMEDIATE");
  };
  const releaseLock = () => {
    if (lock?.inTransaction) lock.exec("ROLLBACK");
    lock?.close();
    lock = undefined;
  };
  const users = () => {
    const db = new Database(databaseFile, { readonly: true });
    try {
      return (db.prepare("SELECT login FROM users").all() as { login: string }[]).map((row) => row.login);
    } finally {
      db.close();
    }
  };

  async function timed<T>(request: () => Promise<T>): Promise<{ answer: T; ms: number }> {
    const start = performance.now();
    const answer = await request();
    return { answer, ms: performance.now() - start };
  }

  it("refuses register with 503 and Retry-After at once, on both doors, and writes nothing", async () => {
    const before = users();
    holdLock();
    const people = [newPerson(), newPerson()];
    const rest = await timed(() => post(svc.url, "/api/register", people[0]));
    const viaTrpc = await timed(() => trpc(svc.url, "auth.register", people[1]));

    expect(rest.answer).toMatchObject({ status: 503, body: { error: "SERVICE_UNAVAILABLE" } });
    expect(viaTrpc.answer.status).toBe(503);
    expect(viaTrpc.answer.body.error?.data).toMatchObject({ error: "SERVICE_UNAVAILABLE", httpStatus: 503 });
    for (const { answer, ms } of [rest, viaTrpc]) {
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(ms).toBeLessThan(REFUSED_WITHIN_MS);
    }
    releaseLock();
    expect(users()).toEqual(before);
    expect((await post(svc.url, "/api/register", people[0])).status).toBe(200);
  });

  /** p99 per route of READS calls to each, READERS at a time. */
  async function readLatencies(): Promise<Record<string, number>> {
    const reads: Record<string, () => Promise<Answer>> = {
      "sso/verify": () => post(svc.url, "/api/sso/verify", { token }),
      healthz: () => call(svc.url, "GET", "/healthz"),
      user: () => call(svc.url, "GET", `/api/user?sessionId=${sessionId}`),
    };
    const routes = Object.keys(reads);
    const samples: Record<string, number[]> = Object.fromEntries(routes.map((route) => [route, []]));
    const stop = performance.now() + READING_MS;
    const reader = async (offset: number) => {
      for (let i = offset; i < READS * routes.length && performance.now() < stop; i += READERS) {
        const route = routes[i % routes.length] as string;
        const { answer, ms } = await timed(reads[route] as () => Promise<Answer>);
        expect(answer.status, route).toBe(200);
        samples[route]?.push(ms);
      }
    };
    await Promise.all(Array.from({ length: READERS }, (_, offset) => reader(offset)));
    return Object.fromEntries(routes.map((route) => [route, Math.round(p99(samples[route] ?? []))]));
  }

  it(`keeps sso/verify, /healthz and user reads fast (p99 under ${P99_LIMIT_MS} ms on a quiet machine) while writes wait for the lock`, async () => {
    // The machine's own p99, without lock or writes: a shared machine's load raises the bound with it,
    // up to a fifth of the five-second stall the lock used to cause.
    const quiet = await readLatencies();
    const limit = Math.min(Math.max(P99_LIMIT_MS, 4 * (quiet["sso/verify"] ?? 0)), 1000);

    holdLock();
    let writing = true;
    // Registrations, one after another, for as long as the reads are measured: each waits for the lock.
    const writes = (async () => {
      const answers: Answer[] = [];
      while (writing) answers.push(await post(svc.url, "/api/register", newPerson()));
      return answers;
    })();
    const locked = await readLatencies();
    writing = false;
    const refused = await writes;

    const figures = JSON.stringify({ quiet, locked, limit });
    for (const latency of Object.values(locked)) expect(latency, figures).toBeLessThan(limit);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expect(answer.status).toBe(503);
  }, 60_000);
});

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1] ?? Number.POSITIVE_INFINITY;
}
