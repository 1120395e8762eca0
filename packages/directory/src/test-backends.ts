import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freshPostgresDatabase, postgresForTests } from "@authsvc/test-support";
import { describe } from "vitest";
import { PostgresDatabase } from "./postgres-database.js";
import type { SqlDatabase } from "./sql-database.js";
import { SqliteDatabase } from "./sqlite-database.js";

/**
 * The databases the directory's tests run on, each test on a fresh one. PostgreSQL: TEST_POSTGRES_URL
 * or the standard local port, a role that may CREATE DATABASE; "" when none answers.
 */
export const postgresAdminUrl = (await postgresForTests("Directory tests on PostgreSQL")) ?? "";

/** One fresh, empty database, and what createDirectory is given to open it. */
export interface TestDatabase {
  target: { databaseFile: string } | { postgresUrl: string };
  /** Another connection to it, through the directory's own port, to look at its rows. */
  connect(): SqlDatabase;
  drop(): Promise<void>;
}

export interface Backend {
  name: "sqlite" | "postgres";
  available: boolean;
  create(): Promise<TestDatabase>;
  /** Lists the tables of the database, by name. */
  listTables: string;
}

export const sqliteBackend: Backend = {
  name: "sqlite",
  available: true,
  async create() {
    const databaseFile = join(mkdtempSync(join(tmpdir(), "directory-")), "directory.sqlite");
    return {
      target: { databaseFile },
      connect: () => new SqliteDatabase(databaseFile),
      drop: async () => rmSync(dirname(databaseFile), { recursive: true, force: true }),
    };
  },
  listTables: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
};

export const postgresBackend: Backend = {
  name: "postgres",
  available: postgresAdminUrl !== "",
  async create() {
    const database = await freshPostgresDatabase(postgresAdminUrl);
    return {
      target: { postgresUrl: database.url },
      connect: () => new PostgresDatabase(database.url),
      drop: database.drop,
    };
  },
  listTables:
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
};

export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];

/** Declares the same tests once per backend; those of a backend that is not configured are skipped. */
export function describeEachBackend(title: string, tests: (backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    describe.skipIf(!backend.available)(`${title} [${backend.name}]`, () => tests(backend));
  }
}
