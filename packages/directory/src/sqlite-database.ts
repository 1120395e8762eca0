import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import {
  ConstraintViolation,
  databaseUnavailable,
  type SqlDatabase,
  type SqlParams,
  type SqlQueries,
} from "./sql-database.js";

/**
 * Waiting for another connection's lock (another process on the same file, a backup, a shell).
 *
 * better-sqlite3 runs statements on the event loop's thread, and SQLite's busy handler sleeps on
 * the thread that called it: with a busy timeout, one write waiting for another program's lock
 * stopped every request of the process (health checks, token checks) for as long as it waited,
 * and then failed with a 500. So SQLite itself never waits here (busy timeout 0): a statement
 * refused with SQLITE_BUSY is tried again from a timer, after pauses that grow from
 * FIRST_PAUSE_MS to LONGEST_PAUSE_MS, and the event loop serves everything else in between
 * (in WAL mode reads never wait for a writer). Past LOCK_WAIT_MS the caller is told to come
 * back: SERVICE_UNAVAILABLE, 503 with Retry-After. A writer thread with its own connection was
 * the other way to keep the wait off the event loop; it would cost a thread hop on every write
 * and a second connection whose writes this one's transactions would have to wait for, for a
 * wait that should end in a quick answer anyway.
 */
const LOCK_WAIT_MS = 500;
const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 100;

/**
 * SqlDatabase over one better-sqlite3 connection. Its calls are synchronous, so each statement runs
 * as soon as it is called (or, when another connection holds the lock, from a timer); statements
 * are prepared once per SQL text. One process should open a file once: SQLite's locks are meant
 * for other processes.
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
    this.db = new Database(file, { timeout: 0 });
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("foreign_keys = ON");
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.inTransaction = {
      dialect: this.dialect,
      query: async (sql, params) => translated(() => this.all(sql, params)),
      queryOne: async (sql, params) => translated(() => this.get(sql, params)),
      execute: async (sql, params) => translated(() => this.change(sql, params)),
      runScript: async (script) => {
        translated(() => this.db.exec(script));
      },
    };
  }

  query<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.outsideTransactions(() => this.all<T>(sql, params));
  }

  queryOne<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.outsideTransactions(() => this.get<T>(sql, params));
  }

  execute(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.outsideTransactions(() => this.change(sql, params));
  }

  runScript(script: string): Promise<void> {
    return this.outsideTransactions(() => {
      this.db.exec(script);
    });
  }

  async transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T> {
    let end = () => {};
    // IMMEDIATE takes the write lock before the first read, so another process cannot write in between.
    // The transaction is marked begun in the same step, before any other caller's statement can run.
    await this.outsideTransactions(() => {
      this.db.exec("BEGIN IMMEDIATE");
      this.transactionEnded = new Promise((resolve) => {
        end = resolve;
      });
    });
    try {
      const result = await work(this.inTransaction);
      translated(() => this.db.exec("COMMIT"));
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
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
    return call(statement);
  }

  /**
   * Runs `step` when no transaction is open on this connection (another caller's statement would
   * join it); while another connection holds the lock, again after a pause, until LOCK_WAIT_MS.
   */
  private async outsideTransactions<R>(step: () => R): Promise<R> {
    const deadline = performance.now() + LOCK_WAIT_MS;
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      while (this.transactionEnded) await this.transactionEnded;
      try {
        return step();
      } catch (error) {
        const left = deadline - performance.now();
        if (!isLocked(error) || left <= 0) throw translate(error);
        await sleep(Math.min(pause, left));
      }
    }
  }
}

/** better-sqlite3 binds named parameters from one object, and refuses an object where there are none. */
function bound(params: SqlParams | undefined): [SqlParams] | [] {
  return params ? [params] : [];
}

/** Another connection holds the lock this statement needs (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
const LOCK_CODES = /^SQLITE_(BUSY|LOCKED)(_|$)/;

function isLocked(error: unknown): boolean {
  return error instanceof Database.SqliteError && LOCK_CODES.test(error.code);
}

function translated<R>(step: () => R): R {
  try {
    return step();
  } catch (error) {
    throw translate(error);
  }
}

function translate(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (isLocked(error)) return databaseUnavailable(error);
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
