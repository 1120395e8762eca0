import Database from "better-sqlite3";
import { ConstraintViolation, type SqlDatabase, type SqlParams, type SqlQueries } from "./sql-database.js";

/** How long a write waits for another connection's write lock (another process on the same file). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * SqlDatabase over one better-sqlite3 connection. Its calls are synchronous, so each statement runs
 * as soon as it is called and the promise is only the port's shape; statements are prepared once
 * per SQL text. One process should open a file once: SQLite's locks are meant for other processes.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = "sqlite";
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Set while a transaction runs: on one connection, other callers' statements would join it. */
  private transactionEnded: Promise<void> | undefined;
  /** The statements of a transaction, which run without waiting for it to end. */
  private readonly inTransaction: SqlQueries;

  constructor(file: string) {
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("foreign_keys = ON");
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.inTransaction = {
      dialect: this.dialect,
      query: async (sql, params) => this.all(sql, params),
      queryOne: async (sql, params) => this.get(sql, params),
      execute: async (sql, params) => this.change(sql, params),
      runScript: async (script) => {
        this.db.exec(script);
      },
    };
  }

  async query<T>(sql: string, params?: SqlParams): Promise<T[]> {
    while (this.transactionEnded) await this.transactionEnded;
    return this.all<T>(sql, params);
  }

  async queryOne<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    while (this.transactionEnded) await this.transactionEnded;
    return this.get<T>(sql, params);
  }

  async execute(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    while (this.transactionEnded) await this.transactionEnded;
    return this.change(sql, params);
  }

  async runScript(script: string): Promise<void> {
    while (this.transactionEnded) await this.transactionEnded;
    this.db.exec(script);
  }

  async transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T> {
    while (this.transactionEnded) await this.transactionEnded;
    let end = () => {};
    this.transactionEnded = new Promise((resolve) => {
      end = resolve;
    });
    try {
      // IMMEDIATE takes the write lock before the first read, so another process cannot write in between.
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(this.inTransaction);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      this.transactionEnded = undefined;
      end();
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // Rows are typed by the caller, who wrote the SQL that selects them.
  private all<T>(sql: string, params: SqlParams | undefined): T[] {
    return this.run(sql, (statement) => statement.all(...bound(params)) as T[]);
  }

  private get<T>(sql: string, params: SqlParams | undefined): T | undefined {
    return this.run(sql, (statement) => statement.get(...bound(params)) as T | undefined);
  }

  private change(sql: string, params: SqlParams | undefined): { changes: number } {
    return { changes: this.run(sql, (statement) => statement.run(...bound(params))).changes };
  }

  private run<R>(sql: string, call: (statement: Database.Statement) => R): R {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    try {
      return call(statement);
    } catch (error) {
      throw translate(error);
    }
  }
}

/** better-sqlite3 binds named parameters from one object, and refuses an object where there are none. */
function bound(params: SqlParams | undefined): [SqlParams] | [] {
  return params ? [params] : [];
}

function translate(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  switch (error.code) {
    case "SQLITE_CONSTRAINT_UNIQUE":
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
      return new ConstraintViolation("unique", { cause: error });
    case "SQLITE_CONSTRAINT_FOREIGNKEY":
      return new ConstraintViolation("foreign-key", { cause: error });
    default:
      return error;
  }
}
