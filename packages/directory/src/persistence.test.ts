import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "./migrations.js";
import { MIGRATIONS } from "./sql.js";
import { ada, Harness } from "./test-harness.js";

let h: Harness;
afterEach(async () => {
  await h.close();
});

function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe("persistence", () => {
  it("keeps users, factors and sessions across a restart", async () => {
    h = await Harness.start();
    const userId = await h.activeUser();
    const session = await h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
    const user = await h.directory.getUser(userId);

    await h.close();
    await h.open();

    expect(await h.directory.getUser(userId)).toEqual(user);
    expect(await h.directory.getSession(session.id)).toEqual(session);
    expect((await h.directory.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
  });

  it("applies each migration once, however often the file is opened", async () => {
    h = await Harness.start();
    await h.close();
    await h.open();
    await h.close();
    await h.open();

    const versions = readOnly(h.databaseFile, (db) =>
      db.prepare("SELECT version FROM schema_migrations").pluck().all(),
    );
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(readOnly(h.databaseFile, (db) => db.pragma("journal_mode", { simple: true }))).toBe("wal");
  });

  it("answers ping while open and fails it once closed", async () => {
    h = await Harness.start();
    await expect(h.directory.ping()).resolves.toBeUndefined();
    await h.directory.close();
    await expect(h.directory.ping()).rejects.toThrow();
  });
});

describe("migrate", () => {
  it("leaves the schema as it was when a migration fails, and applies it whole later", () => {
    const db = new Database(":memory:");
    const broken = [
      ...MIGRATIONS,
      { version: 99, name: "broken", sql: "CREATE TABLE extra (id TEXT); SELECT nope;" },
    ];

    expect(() => migrate(db, 0, broken)).toThrow();
    const tables = () =>
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables()).toEqual(["schema_migrations"]);

    expect(migrate(db, 0)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(db, 0)).toEqual([]);
    expect(tables()).toEqual(["factors", "schema_migrations", "sessions", "users"]);
    db.close();
  });
});
