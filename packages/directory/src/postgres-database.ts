import pg from "pg";
import {
  ConstraintViolation,
  databaseUnavailable,
  type SqlDatabase,
  type SqlParams,
  type SqlQueries,
} from "./sql-database.js";

/** Time to get a connection from the pool, opening one if need be: a down server fails a call this fast. */
const CONNECT_TIMEOUT_MS = 2000;
/** The directory's statements are single indexed reads and writes: one that takes longer is stuck. */
const QUERY_TIMEOUT_MS = 5000;

/** A statement as PostgreSQL takes it: `$n` placeholders, and the parameter names in their order. */
interface Compiled {
  name: string;
  text: string;
  names: string[];
}

type Queryable = Pick<pg.PoolClient, "query">;

/**
 * SqlDatabase over a pg.Pool. Each SQL text is rewritten once from `@name` to `$n` and run as a named
 * prepared statement, which each connection parses and plans once. BIGINT columns (the millisecond
 * timestamps) come back as numbers: every value they hold is below 2^53.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = "postgres";
  private readonly pool: pg.Pool;
  private readonly compiled = new Map<string, Compiled>();
  private ended = false;

  constructor(url: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      application_name: "authsvc-directory",
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Client side, for a server that stopped answering; server side, for a statement stuck on a lock.
      query_timeout: QUERY_TIMEOUT_MS,
      statement_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      types: { getTypeParser: typeParser },
    });
    // A pooled connection that breaks while idle is dropped by the pool; the next call opens another.
    this.pool.on("error", () => undefined);
  }

  query<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.rows<T>(this.pool, sql, params);
  }

  async queryOne<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.rows<T>(this.pool, sql, params))[0];
  }

  async execute(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return { changes: (await this.send(this.pool, sql, params)).rowCount ?? 0 };
  }

  async runScript(script: string): Promise<void> {
    await this.sendScript(this.pool, script);
  }

  async transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw translate(error);
    });
    const tx: SqlQueries = {
      dialect: this.dialect,
      query: <R>(sql: string, params?: SqlParams) => this.rows<R>(client, sql, params),
      queryOne: async <R>(sql: string, params?: SqlParams) => (await this.rows<R>(client, sql, params))[0],
      execute: async (sql, params) => ({ changes: (await this.send(client, sql, params)).rowCount ?? 0 }),
      runScript: (script) => this.sendScript(client, script),
    };
    let broken = false;
    try {
      await this.sendScript(client, "BEGIN");
      const result = await work(tx);
      await this.sendScript(client, "COMMIT");
      return result;
    } catch (error) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  private async rows<T>(on: Queryable, sql: string, params: SqlParams | undefined): Promise<T[]> {
    // Rows are typed by the caller, who wrote the SQL that selects them.
    return (await this.send(on, sql, params)).rows as T[];
  }

  private async send(on: Queryable, sql: string, params: SqlParams | undefined): Promise<pg.QueryResult> {
    const { name, text, names } = this.compile(sql);
    const values = names.map((key) => {
      const value = params?.[key];
      if (value === undefined) throw new Error(`Missing named parameter "${key}"`);
      return value;
    });
    try {
      return await on.query({ name, text, values });
    } catch (error) {
      throw translate(error);
    }
  }

  /** Several statements in one simple query: no parameters, not prepared. */
  private async sendScript(on: Queryable, script: string): Promise<void> {
    try {
      await on.query(script);
    } catch (error) {
      throw translate(error);
    }
  }

  private compile(sql: string): Compiled {
    let compiled = this.compiled.get(sql);
    if (!compiled) {
      const names: string[] = [];
      // The directory's SQL holds no `@` but its parameters (no string literal or comment has one).
      const text = sql.replace(/@(\w+)/g, (_, key: string) => {
        const index = names.includes(key) ? names.indexOf(key) : names.push(key) - 1;
        return `$${index + 1}`;
      });
      compiled = { name: `authsvc_${this.compiled.size}`, text, names };
      this.compiled.set(sql, compiled);
    }
    return compiled;
  }
}

// One function cannot match getTypeParser's declared overloads, hence the cast.
const typeParser: typeof pg.types.getTypeParser = ((oid: number, format?: "text" | "binary") =>
  oid === pg.types.builtins.INT8
    ? Number
    : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

/**
 * SQLSTATE classes and codes that mean "the server cannot serve now": connection exceptions (08),
 * insufficient resources (53), shutting down or starting up (57P0x), a statement cancelled by its
 * timeout (57014).
 */
const UNAVAILABLE_STATE = /^(08|53|57P0)|^57014$/;

function translate(error: unknown): unknown {
  if (error instanceof pg.DatabaseError) {
    if (error.code === "23505") return new ConstraintViolation("unique", { cause: error });
    if (error.code === "23503") return new ConstraintViolation("foreign-key", { cause: error });
    return UNAVAILABLE_STATE.test(error.code ?? "") ? databaseUnavailable(error) : error;
  }
  // No answer from the server at all: refused, reset, timed out, or the pool already closed.
  return databaseUnavailable(error);
}
