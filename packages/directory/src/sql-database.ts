import { AuthError } from "@authsvc/core";

export type SqlValue = string | number | null;
/** Named parameters: `@name` in the SQL text, `{ name: value }` here. */
export type SqlParams = Readonly<Record<string, SqlValue>>;

/** The statements the directory runs, whether on a connection of its own or inside a transaction. */
export interface SqlQueries {
  readonly dialect: "sqlite" | "postgres";
  /** Every row the statement answers. */
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row the statement answers, if any. */
  queryOne<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** Runs a statement that answers no rows; how many rows it changed. */
  execute(sql: string, params?: SqlParams): Promise<{ changes: number }>;
  /** Runs several statements without parameters in one go (migrations). */
  runScript(script: string): Promise<void>;
}

/**
 * The directory's one view of its database, so that one implementation of its logic runs over SQLite
 * (better-sqlite3) and PostgreSQL (pg). Each driver prepares a statement once per SQL text and reuses
 * it, translates constraint failures into `ConstraintViolation`, and the PostgreSQL one an unreachable
 * server into SERVICE_UNAVAILABLE.
 */
export interface SqlDatabase extends SqlQueries {
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when
   * it throws. SQLite takes the write lock at BEGIN, so a read-then-write is never interleaved.
   */
  transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A UNIQUE (or primary key) or FOREIGN KEY constraint refused a write, in either database. */
export class ConstraintViolation extends Error {
  constructor(
    readonly kind: "unique" | "foreign-key",
    options: { cause: unknown },
  ) {
    super(`${kind} constraint violated`, options);
    this.name = "ConstraintViolation";
  }
}

export function isConstraintViolation(error: unknown, kind: ConstraintViolation["kind"]): boolean {
  return error instanceof ConstraintViolation && error.kind === kind;
}

/** Seconds a caller is told to wait when the database cannot be reached. */
const RETRY_AFTER_SECONDS = 1;

export function databaseUnavailable(cause: unknown): AuthError {
  const error = new AuthError(
    "SERVICE_UNAVAILABLE",
    "The directory's database is unavailable. Try again shortly.",
    {
      retryAfter: RETRY_AFTER_SECONDS,
    },
  );
  error.cause = cause;
  return error;
}
