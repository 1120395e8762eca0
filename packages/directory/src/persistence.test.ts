import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "./migrations.js";
import { MIGRATIONS } from "./sql.js";
import { describeEachBackend, sqliteBackend } from "./test-backends.js";
import { ada, Harness } from "./test-harness.js";

let h: Harness;

describeEachBackend("persistence", (backend) => {
  afterEach(async () => {
    await h.dispose();
  });

  it("keeps users, factors and sessions across a restart", async () => {
    h = await Harness.start(backend);
    const userId = await h.activeUser();
    const session = await h.directory.createSession(await h.directory.checkPassword(ada.email, ada.password));
    const user = await h.directory.getUser(userId);

    await h.close();
    await h.open();

    expect(await h.directory.getUser(userId)).toEqual(user);
    expect(await h.directory.getSession(session.id)).toEqual(session);
    expect((await h.directory.checkPassword(ada.email, ada.password)).mfaActive).toBe(true);
  });

  it("applies each migration once, however often the database is opened", async () => {
    h = await Harness.start(backend);
    await h.close();
    await h.open();
    await h.close();
    await h.open();

    const versions = await h.rows<{ version: number }>("SELECT version FROM schema_migrations");
    expect(versions.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("answers ping while open and fails it once closed", async () => {
    h = await Harness.start(backend);
    await expect(h.directory.ping()).resolves.toBeUndefined();
    await h.directory.close();
    await expect(h.directory.ping()).rejects.toThrow();
  });
});

describe("the SQLite file", () => {
  afterEach(async () => {
    await h.dispose();
  });

  it("is in WAL mode, so that readers do not wait for a writer", async () => {
    h = await Harness.start(sqliteBackend);
    expect(await h.rows("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
  });
});

describeEachBackend("migrate", (backend) => {
  it("leaves the schema as it was when a migration fails, and applies it whole later", async () => {
    const database = await backend.create();
    const db = database.connect();
    try {
      const broken = [
        ...MIGRATIONS,
        { version: 99, name: "broken", sql: "CREATE TABLE extra (id TEXT); SELECT nope;" },
      ];
      const tables = async () => (await db.query<{ name: string }>(backend.listTables)).map((t) => t.name);

      await expect(migrate(db, 0, broken)).rejects.toThrow();
      expect(await tables()).toEqual(["schema_migrations"]);

      expect(await migrate(db, 0)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(db, 0)).toEqual([]);
      expect(await tables()).toEqual(["factors", "schema_migrations", "sessions", "users"]);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
