import type { Database } from "better-sqlite3";
import { MIGRATIONS, type Migration, SQL } from "./sql.js";

/**
 * Brings the schema up to date and answers the versions it applied. One IMMEDIATE transaction takes
 * the write lock before reading what is applied, so two processes opening the same file at once apply
 * each migration once, and a failing migration leaves the schema as it was.
 */
export function migrate(db: Database, now: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(SQL.createMigrationsTable);
  const run = db.transaction(() => {
    const applied = new Set(db.prepare<[], number>(SQL.appliedMigrations).pluck().all());
    const record = db.prepare(SQL.recordMigration);
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run({ version: migration.version, name: migration.name, appliedAt: now });
    }
    return pending.map((migration) => migration.version);
  });
  return run.immediate();
}
