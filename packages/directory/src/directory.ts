import {
  type Clock,
  DEFAULT_PENDING_USER_TTL_SECONDS,
  type EphemeralStore,
  type IdentityProvider,
  type NewUser,
  type OktaEmailFactor,
  type OktaSession,
  type OktaUser,
  type OneTimeCodes,
  oktaError,
  type PasswordCheck,
  TtlCache,
} from "@authsvc/core";
import { newFactorId, newSessionId, newSessionToken, newUserId } from "./ids.js";
import { DEFAULT_LOCKOUT_SECONDS, PasswordLockout } from "./lockout.js";
import { migrate } from "./migrations.js";
import { notFound, validationFailed } from "./okta-errors.js";
import {
  type FactorRow,
  type SessionRow,
  toOktaFactor,
  toOktaSession,
  toOktaUser,
  type UserRow,
} from "./okta-shapes.js";
import { assertPasswordPolicy } from "./password-policy.js";
import { hashPassword, hashUnknowablePassword, verifyPassword } from "./passwords.js";
import { SQL } from "./sql.js";
import { isConstraintViolation, type SqlDatabase } from "./sql-database.js";
import { SqliteDatabase } from "./sqlite-database.js";

interface CommonOptions {
  codes: OneTimeCodes;
  clock: Clock;
  /** Where failed passwords are counted (shared by instances over Redis). */
  store: EphemeralStore;
  /** How long ten failed passwords in a row lock a login; DEFAULT_LOCKOUT_SECONDS (15 minutes) unless set. */
  lockoutSeconds?: number;
  /** Base of the `_links` hrefs, without a trailing slash (e.g. http://localhost:3000). */
  orgUrl: string;
  /** Okta's default: two hours. */
  sessionTtlSeconds?: number;
  /** How long a user whose email factor is not active yet is kept; DEFAULT_PENDING_USER_TTL_SECONDS unless set. */
  pendingUserTtlSeconds?: number;
}

/** The directory lives in a SQLite file (one process), or in PostgreSQL (several instances). */
export type DirectoryOptions = CommonOptions &
  ({ databaseFile: string; postgresUrl?: never } | { postgresUrl: string; databaseFile?: never });

export const DEFAULT_SESSION_TTL_SECONDS = 7200;
const AMR_PASSWORD = JSON.stringify(["pwd"]);
const AMR_PASSWORD_AND_CODE = JSON.stringify(["pwd", "otp", "mfa"]);
/** Sessions and users kept in memory (SQLite only); about 2 KB each. */
const READ_CACHE_ENTRIES = 10_000;
/** Longest a kept row is answered without reading it again. */
const READ_CACHE_TTL_MS = 5_000;
const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";

/**
 * Opens the database (creating the SQLite file as needed), applies pending migrations and answers the
 * embedded identity provider. PostgreSQL unreachable: rejects with SERVICE_UNAVAILABLE.
 */
export async function createDirectory(options: DirectoryOptions): Promise<IdentityProvider> {
  const unknowableHash = await hashUnknowablePassword();
  const db =
    options.postgresUrl === undefined
      ? new SqliteDatabase(options.databaseFile)
      : // pg is loaded only for PostgreSQL: most deployments never need it.
        new (await import("./postgres-database.js")).PostgresDatabase(options.postgresUrl);
  try {
    await migrate(db, options.clock.now());
    return new EmbeddedDirectory(db, options, unknowableHash);
  } catch (error) {
    await db.close();
    throw error;
  }
}

type FactorWithEmail = FactorRow & { email: string };
type CredentialsRow = {
  id: string;
  login: string;
  password_hash: string;
  status: string;
  pending_since: number | null;
  factor_status: string | null;
};
/** A registration replaced by another of the same email while it was being replaced: tries before E0000001. */
const REPLACE_ATTEMPTS = 3;

class EmbeddedDirectory implements IdentityProvider {
  private readonly sessionTtlMs: number;
  private readonly pendingUserTtlMs: number;
  private readonly lockout: PasswordLockout;
  /**
   * The hot reads (a session on every `user.me`, its user) answered from memory. Only for
   * SQLite, where one process owns the file and every write passes through this directory,
   * which drops what a write changes; the TTL bounds what a second process on the same file
   * (not supported) could see stale. Values are frozen: callers share them.
   */
  private readonly users: TtlCache<OktaUser>;
  private readonly sessions: TtlCache<OktaSession>;

  constructor(
    private readonly db: SqlDatabase,
    private readonly options: DirectoryOptions,
    private readonly unknowableHash: string,
  ) {
    this.sessionTtlMs = (options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS) * 1000;
    this.pendingUserTtlMs = (options.pendingUserTtlSeconds ?? DEFAULT_PENDING_USER_TTL_SECONDS) * 1000;
    // PostgreSQL serves several instances, whose writes this one would not see: no cache there.
    const cached = db.dialect === "sqlite" ? READ_CACHE_ENTRIES : 0;
    this.users = new TtlCache(READ_CACHE_TTL_MS, cached, options.clock);
    this.sessions = new TtlCache(READ_CACHE_TTL_MS, cached, options.clock);
    this.lockout = new PasswordLockout(
      options.store,
      options.clock,
      options.lockoutSeconds ?? DEFAULT_LOCKOUT_SECONDS,
    );
  }

  /**
   * Every registration sweeps the expired unfinished ones, so the table holds no more of them than
   * a TTL's worth of registrations. A login held by a registration that never finished is taken
   * over: that user is deleted (its id, password and code stop working) and this one created.
   */
  async createUser(user: NewUser): Promise<OktaUser> {
    const login = user.email;
    assertPasswordPolicy(user.password, { login, firstName: user.firstName, lastName: user.lastName });
    const passwordHash = await hashPassword(user.password);
    await this.sweepExpiredRegistrations();
    for (let attempt = 1; ; attempt++) {
      try {
        const row = await this.db.queryOne<UserRow>(SQL.insertUser, {
          id: newUserId(),
          login,
          loginKey: loginKey(login),
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          passwordHash,
          now: this.options.clock.now(),
        });
        if (!row) throw new Error("INSERT ... RETURNING answered no row");
        return toOktaUser(row, this.options.orgUrl);
      } catch (error) {
        if (!isConstraintViolation(error, "unique")) throw error;
        const replaced = await this.db.query<{ id: string }>(SQL.deleteUnfinishedRegistration, {
          loginKey: loginKey(login),
        });
        this.forget(replaced);
        if (replaced.length === 0 || attempt === REPLACE_ATTEMPTS)
          throw validationFailed("login", LOGIN_TAKEN, "email_taken");
      }
    }
  }

  async deleteUser(userId: string): Promise<void> {
    const { changes } = await this.db.execute(SQL.deleteUser, { id: userId });
    this.users.delete(userId);
    this.sessions.clear();
    if (changes === 0) throw notFound(userId, "User");
  }

  async getUser(userId: string): Promise<OktaUser> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    const row = await this.db.queryOne<UserRow>(SQL.selectUser, { id: userId });
    if (!row) throw notFound(userId, "User");
    const user = deepFreeze(toOktaUser(row, this.options.orgUrl));
    this.users.set(userId, user);
    return user;
  }

  /**
   * E0000004 for a wrong password, an unknown login and a locked one alike, after the same steps:
   * one argon2 verification (of a hash nobody knows the password of, for an unknown login), the lock
   * read, and a failure counted, whether the login exists or is locked or not.
   */
  async checkPassword(login: string, password: string): Promise<PasswordCheck> {
    const key = loginKey(login);
    const row = await this.db.queryOne<CredentialsRow>(SQL.selectCredentials, { loginKey: key });
    const matches = await verifyPassword(row?.password_hash ?? this.unknowableHash, password);
    // Read after the hash: a guess that was hashing while the tenth failure locked the login is refused too.
    const locked = await this.lockout.isLocked(key);
    if (!row || this.isExpiredRegistration(row) || !matches || locked || row.status !== "ACTIVE") {
      await this.lockout.recordFailure(key);
      // The same answer locked or not; the mark is for the audit log only.
      throw oktaError("E0000004", { lockedOut: locked });
    }
    await this.lockout.recordSuccess(key);
    await this.db.execute(SQL.recordLogin, { id: row.id, now: this.options.clock.now() });
    this.users.delete(row.id);
    return {
      userId: row.id,
      login: row.login,
      mfaActive: row.factor_status === "ACTIVE",
      sessionToken: newSessionToken(),
    };
  }

  async createSession(check: PasswordCheck): Promise<OktaSession> {
    const now = this.options.clock.now();
    // Every login sweeps expired sessions, so the table holds little more than the live ones.
    await this.db.execute(SQL.deleteExpiredSessions, { now });
    const id = newSessionId();
    try {
      await this.db.execute(SQL.insertSession, {
        id,
        userId: check.userId,
        login: check.login,
        now,
        expiresAt: now + this.sessionTtlMs,
        amr: AMR_PASSWORD,
      });
    } catch (error) {
      if (isConstraintViolation(error, "foreign-key")) throw notFound(check.userId, "User");
      throw error;
    }
    return this.liveSession(id, now);
  }

  async getSession(sessionId: string): Promise<OktaSession> {
    return this.liveSession(sessionId, this.options.clock.now());
  }

  async endSession(sessionId: string): Promise<void> {
    const ended = await this.db.queryOne<{ expires_at: number }>(SQL.deleteSession, { id: sessionId });
    this.sessions.delete(sessionId);
    if (!ended || ended.expires_at <= this.options.clock.now()) throw notFound(sessionId, "Session");
  }

  async enrollEmailFactor(userId: string): Promise<OktaEmailFactor> {
    await this.sweepExpiredRegistrations();
    const user = await this.db.queryOne<UserRow>(SQL.selectUser, { id: userId });
    if (!user) throw notFound(userId, "User");
    const existing = await this.db.queryOne<FactorWithEmail>(SQL.selectFactor, { userId });
    if (existing?.status === "ACTIVE") throw factorAlreadySetUp();
    // Mailed before anything is written: a failed send leaves the factor, and the code sent before it
    // (OneTimeCodes keeps it until a new mail went out), exactly as they were.
    await this.options.codes.send(userId, user.email, "activation");
    let factor: FactorRow | undefined;
    try {
      factor = await this.db.queryOne<FactorRow>(SQL.upsertPendingFactor, {
        id: newFactorId(),
        userId,
        now: this.options.clock.now(),
      });
    } catch (error) {
      if (isConstraintViolation(error, "foreign-key")) throw notFound(userId, "User");
      throw error;
    }
    this.sessions.clear();
    // Nothing returned: a concurrent request activated the factor since it was read above.
    if (!factor) throw factorAlreadySetUp();
    return toOktaFactor(factor, user.email, this.options.orgUrl);
  }

  async activateEmailFactor(userId: string, passCode: string): Promise<OktaEmailFactor> {
    await this.sweepExpiredRegistrations();
    const pending = await this.factorOf(userId);
    if (pending.status === "ACTIVE") {
      throw validationFailed("factor", "factor: Factor is already active", "factor_already_active");
    }
    await this.options.codes.check(userId, "activation", passCode);
    const factor = await this.db.queryOne<FactorRow>(SQL.activateFactor, {
      userId,
      now: this.options.clock.now(),
    });
    // Only takes the user out of the sweep's index: the factor, now active, already protects it.
    if (factor) await this.db.execute(SQL.endRegistration, { id: userId });
    // Sessions carry whether the factor is active (mfaActive).
    this.sessions.clear();
    if (!factor) throw notFound(userId, "Factor");
    return toOktaFactor(factor, pending.email, this.options.orgUrl);
  }

  async challengeEmailFactor(userId: string): Promise<void> {
    const factor = await this.activeFactorOf(userId);
    await this.options.codes.send(userId, factor.email, "verification");
  }

  async verifyEmailFactor(userId: string, passCode: string): Promise<void> {
    await this.activeFactorOf(userId);
    await this.options.codes.check(userId, "verification", passCode);
    await this.db.execute(SQL.recordFactorVerification, {
      userId,
      now: this.options.clock.now(),
      amr: AMR_PASSWORD_AND_CODE,
    });
    this.sessions.clear();
  }

  async ping(): Promise<void> {
    await this.db.queryOne(SQL.ping);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Removes the users whose email factor is still not active a pending TTL after they registered. */
  private async sweepExpiredRegistrations(): Promise<void> {
    const cutoff = this.options.clock.now() - this.pendingUserTtlMs;
    this.forget(await this.db.query<{ id: string }>(SQL.deleteExpiredRegistrations, { cutoff }));
  }

  /** Treated as absent until a sweep removes it. */
  private isExpiredRegistration(row: CredentialsRow): boolean {
    return (
      row.factor_status !== "ACTIVE" &&
      row.pending_since !== null &&
      row.pending_since <= this.options.clock.now() - this.pendingUserTtlMs
    );
  }

  private forget(users: { id: string }[]): void {
    for (const { id } of users) this.users.delete(id);
  }

  private async liveSession(sessionId: string, now: number): Promise<OktaSession> {
    const cached = this.sessions.get(sessionId);
    if (cached && Date.parse(cached.expiresAt) > now) return cached;
    const row = await this.db.queryOne<SessionRow>(SQL.selectLiveSession, { id: sessionId, now });
    if (!row) throw notFound(sessionId, "Session");
    const session = deepFreeze(toOktaSession(row, this.options.orgUrl));
    this.sessions.set(sessionId, session);
    return session;
  }

  private async factorOf(userId: string): Promise<FactorWithEmail> {
    const factor = await this.db.queryOne<FactorWithEmail>(SQL.selectFactor, { userId });
    if (factor) return factor;
    throw (await this.db.queryOne(SQL.selectUser, { id: userId }))
      ? notFound(userId, "Factor")
      : notFound(userId, "User");
  }

  private async activeFactorOf(userId: string): Promise<FactorWithEmail> {
    const factor = await this.factorOf(userId);
    if (factor.status !== "ACTIVE") throw notFound(userId, "Factor");
    return factor;
  }
}

/** Okta's logins are case-insensitive; this is the form the UNIQUE constraint compares. */
function loginKey(login: string): string {
  return login.toLowerCase();
}

function factorAlreadySetUp() {
  return validationFailed(
    "factorEnrollRequest",
    "factorType: A factor of this type is already set up.",
    "factor_already_active",
  );
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value))
    if (typeof child === "object" && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
