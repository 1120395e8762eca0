import { AuthError, MemoryStore, OneTimeCodes, systemClock } from "@authsvc/core";
import { failureOf, silentServer, TcpProxy } from "@authsvc/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { createDirectory, type DirectoryOptions } from "./directory.js";
import { migrate } from "./migrations.js";
import { MIGRATIONS } from "./sql.js";
import { postgresBackend, type TestDatabase } from "./test-backends.js";
import { ada, Harness, RecordingMailer } from "./test-harness.js";

function expectUnavailable({ error, ms }: { error: unknown; ms: number }, withinMs: number) {
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503, retryAfter: 1 });
  expect(ms).toBeLessThan(withinMs);
}

function postgresUrlOf(database: TestDatabase): string {
  if (!("postgresUrl" in database.target)) throw new Error("not a PostgreSQL database");
  return database.target.postgresUrl;
}

/** The same URL, with the server at another local port. */
function atPort(url: string, port: number): string {
  const moved = new URL(url);
  moved.hostname = "127.0.0.1";
  moved.port = String(port);
  return moved.toString();
}

/** A directory's options over `postgresUrl`, with core's real codes over a real memory store. */
function optionsFor(postgresUrl: string): DirectoryOptions {
  const store = new MemoryStore();
  const codes = new OneTimeCodes({
    store,
    mailer: new RecordingMailer(),
    clock: systemClock,
    ttlSeconds: 300,
    resendIntervalSeconds: 0,
    hashKey: new Uint8Array(32),
    serviceName: "Auth",
  });
  return { postgresUrl, codes, store, clock: systemClock, orgUrl: "" };
}

describe.skipIf(!postgresBackend.available)("the directory on PostgreSQL", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("applies each migration once when four instances start at once", async () => {
    const database = await postgresBackend.create();
    cleanups.push(() => database.drop());
    const instances = Array.from({ length: 4 }, () => database.connect());
    cleanups.push(async () => {
      await Promise.all(instances.map((db) => db.close()));
    });

    const applied = await Promise.all(instances.map((db) => migrate(db, 0)));

    expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    const [first] = instances;
    const rows = await first?.query<{ version: number }>("SELECT version FROM schema_migrations");
    expect(rows?.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("fails fast with SERVICE_UNAVAILABLE while the server is cut off, and recovers when it is back", async () => {
    const database = await postgresBackend.create();
    const direct = new URL(postgresUrlOf(database));
    const proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
    await proxy.start();
    const h = await Harness.on({
      ...database,
      target: { postgresUrl: atPort(direct.toString(), proxy.port) },
    });
    cleanups.push(() => h.dispose());
    cleanups.push(() => proxy.stop());
    const { id } = await h.directory.createUser(ada);

    await proxy.stop();
    expectUnavailable(await failureOf(() => h.directory.getUser(id)), 2500);
    expectUnavailable(await failureOf(() => h.directory.ping()), 2500);

    await proxy.start();
    await expect
      .poll(
        () =>
          h.directory.ping().then(
            () => "up",
            () => "down",
          ),
        { timeout: 5000, interval: 100 },
      )
      .toBe("up");
    expect((await h.directory.getUser(id)).profile.email).toBe(ada.email);
  });

  it("fails fast with SERVICE_UNAVAILABLE when a server accepts connections but never answers", async () => {
    const database = await postgresBackend.create();
    cleanups.push(() => database.drop());
    const silent = await silentServer();
    cleanups.push(() => silent.close());
    const url = atPort(postgresUrlOf(database), silent.port);

    expectUnavailable(await failureOf(() => createDirectory(optionsFor(url))), 3000);
  });

  it("refuses to start with SERVICE_UNAVAILABLE when nothing listens", async () => {
    const silent = await silentServer();
    await silent.close();
    const url = `postgres://postgres@127.0.0.1:${silent.port}/postgres`;

    expectUnavailable(await failureOf(() => createDirectory(optionsFor(url))), 1000);
  });
});
