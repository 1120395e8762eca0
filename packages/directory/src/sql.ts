/**
 * Every SQL statement of the embedded directory, kept in one module so that SQLite and PostgreSQL run
 * the same schema and the same queries. The dialect is the part both databases share:
 * - ids are TEXT (Okta's base62 ids);
 * - timestamps are BIGINT milliseconds since the epoch, UTC: no time-zone ambiguity, compared as numbers
 *   for expiry, and turned into Okta's ISO strings only at the edge (okta-shapes.ts);
 * - upserts use `ON CONFLICT ... DO UPDATE ... WHERE` and writes that answer use `RETURNING`
 *   (SQLite 3.35+, PostgreSQL 9.5+);
 * - parameters are named `@name`: better-sqlite3 binds them as written, the PostgreSQL driver after
 *   rewriting them to `$1`, `$2`, ... (so no `@` may appear in a literal or a comment).
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order, each once; append new ones, never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "users, email factors and sessions",
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL,
  -- Okta's logins are unique whatever their case; the constraint, not a prior read, settles races.
  login_key TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'LOCKED_OUT',
    'PASSWORD_EXPIRED', 'SUSPENDED', 'DEPROVISIONED')),
  created BIGINT NOT NULL,
  activated BIGINT,
  status_changed BIGINT,
  last_login BIGINT,
  last_updated BIGINT NOT NULL,
  password_changed BIGINT
);

CREATE TABLE factors (
  id TEXT PRIMARY KEY,
  -- One email factor per user.
  user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('PENDING_ACTIVATION', 'ACTIVE')),
  created BIGINT NOT NULL,
  last_updated BIGINT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  login TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_password_verification BIGINT,
  last_factor_verification BIGINT,
  -- A JSON array of Okta's authentication method references.
  amr TEXT NOT NULL
);
-- For the cascade from users and for marking a user's sessions after a factor check.
CREATE INDEX sessions_user_id ON sessions (user_id);
-- For sweeping expired sessions.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
`,
  },
  {
    version: 2,
    name: "registrations that never finished",
    sql: `
-- When the registration started, while the user's email factor is not active: such a user may be
-- replaced by a registration of the same email, and is removed once it is older than the pending
-- users' TTL. Users registered before this migration and not activated count from their creation.
ALTER TABLE users ADD COLUMN pending_since BIGINT;
UPDATE users SET pending_since = created
WHERE NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = users.id AND f.status = 'ACTIVE');
-- Holds only the pending users, so that sweeping the expired ones reads nothing else.
CREATE INDEX users_pending_since ON users (pending_since) WHERE pending_since IS NOT NULL;
`,
  },
];

/** Whether a user's registration never finished: no active email factor. Reads `users` as the outer row. */
const NO_ACTIVE_FACTOR = `NOT EXISTS (SELECT 1 FROM factors f WHERE f.user_id = users.id AND f.status = 'ACTIVE')`;

export const SQL = {
  createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`,
  appliedMigrations: "SELECT version FROM schema_migrations ORDER BY version",
  recordMigration:
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @appliedAt)",
  // PostgreSQL only (SQLite's BEGIN IMMEDIATE is its lock): held until the transaction ends. The key is
  // any number no other advisory lock of the database uses.
  lockMigrations: "SELECT pg_advisory_xact_lock(7305060001)",

  ping: "SELECT 1",

  // Answers the new user, so creating one is a single round trip.
  insertUser: `INSERT INTO users (id, login, login_key, email, first_name, last_name, password_hash, status,
  created, activated, status_changed, last_login, last_updated, password_changed, pending_since)
VALUES (@id, @login, @loginKey, @email, @firstName, @lastName, @passwordHash, 'ACTIVE',
  @now, @now, @now, NULL, @now, @now, @now)
RETURNING id, login, email, first_name, last_name, status, created, activated, status_changed,
  last_login, last_updated, password_changed`,
  // Lists its columns so that the password hash never reaches an Okta shape.
  selectUser: `SELECT id, login, email, first_name, last_name, status, created, activated, status_changed,
  last_login, last_updated, password_changed
FROM users WHERE id = @id`,
  selectCredentials: `SELECT u.id, u.login, u.password_hash, u.status, u.pending_since, f.status AS factor_status
FROM users u LEFT JOIN factors f ON f.user_id = u.id
WHERE u.login_key = @loginKey`,
  recordLogin: "UPDATE users SET last_login = @now WHERE id = @id",
  deleteUser: "DELETE FROM users WHERE id = @id",
  // The guard on the factor, not pending_since alone, decides: an activated user is never removed.
  deleteUnfinishedRegistration: `DELETE FROM users WHERE login_key = @loginKey AND ${NO_ACTIVE_FACTOR}
RETURNING id`,
  deleteExpiredRegistrations: `DELETE FROM users WHERE pending_since <= @cutoff AND ${NO_ACTIVE_FACTOR}
RETURNING id`,
  endRegistration: "UPDATE users SET pending_since = NULL WHERE id = @id",

  selectFactor: `SELECT f.id, f.user_id, f.status, f.created, f.last_updated, u.email
FROM factors f JOIN users u ON u.id = f.user_id
WHERE f.user_id = @userId`,
  // Re-enrolling a pending factor keeps it; an active one is left alone and nothing is returned.
  upsertPendingFactor: `INSERT INTO factors (id, user_id, status, created, last_updated)
VALUES (@id, @userId, 'PENDING_ACTIVATION', @now, @now)
ON CONFLICT (user_id) DO UPDATE SET last_updated = excluded.last_updated
WHERE factors.status = 'PENDING_ACTIVATION'
RETURNING id, user_id, status, created, last_updated`,
  activateFactor: `UPDATE factors SET status = 'ACTIVE', last_updated = @now
WHERE user_id = @userId AND status = 'PENDING_ACTIVATION'
RETURNING id, user_id, status, created, last_updated`,

  insertSession: `INSERT INTO sessions (id, user_id, login, created_at, expires_at, last_password_verification,
  last_factor_verification, amr)
VALUES (@id, @userId, @login, @now, @expiresAt, @now, NULL, @amr)`,
  selectLiveSession: `SELECT s.id, s.user_id, s.login, s.created_at, s.expires_at, s.last_password_verification,
  s.last_factor_verification, s.amr, u.first_name, u.last_name, f.status AS factor_status
FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN factors f ON f.user_id = s.user_id
WHERE s.id = @id AND s.expires_at > @now`,
  deleteSession: "DELETE FROM sessions WHERE id = @id RETURNING expires_at",
  deleteExpiredSessions: "DELETE FROM sessions WHERE expires_at <= @now",
  recordFactorVerification: `UPDATE sessions SET last_factor_verification = @now, amr = @amr
WHERE user_id = @userId AND expires_at > @now`,
} as const;
