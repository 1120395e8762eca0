import { MIGRATIONS, type Migration, SQL } from "./sql.js";
import type { SqlDatabase, SqlQueries } from "./sql-database.js";

/**
 * Brings the schema up to date and answers the versions it applied. Each step runs in a transaction
 * that first takes the database's migration lock (SQLite: the write lock, at BEGIN IMMEDIATE;
 * PostgreSQL: an advisory lock), so instances starting at once apply each migration once, and a
 * failing migration leaves the schema as it was.
 */
export async function migrate(
  db: SqlDatabase,
  now: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  // On its own: PostgreSQL refuses two concurrent CREATE TABLE IF NOT EXISTS, hence under the lock too.
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.runScript(SQL.createMigrationsTable);
  });
  return db.transaction(async (tx) => {
    await lock(tx);
    const applied = new Set(
      (await tx.query<{ version: number }>(SQL.appliedMigrations)).map((row) => row.version),
    );
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await tx.runScript(migration.sql);
      await tx.execute(SQL.recordMigration, {
        version: migration.version,
        name: migration.name,
        appliedAt: now,
      });
    }
    return pending.map((migration) => migration.version);
  });
}

async function lock(tx: SqlQueries): Promise<void> {
  if (tx.dialect === "postgres") await tx.query(SQL.lockMigrations);
}
