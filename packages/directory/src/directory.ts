import {
  type Clock,
  type IdentityProvider,
  type NewUser,
  type OktaEmailFactor,
  type OktaSession,
  type OktaUser,
  type OneTimeCodes,
  oktaError,
  type PasswordCheck,
} from "@authsvc/core";
import Database from "better-sqlite3";
import { newFactorId, newSessionId, newSessionToken, newUserId } from "./ids.js";
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
import { assertPasswordPolicy, hashPassword, hashUnknowablePassword, verifyPassword } from "./passwords.js";
import { SQL } from "./sql.js";

export interface DirectoryOptions {
  databaseFile: string;
  codes: OneTimeCodes;
  clock: Clock;
  /** Base of the `_links` hrefs, without a trailing slash (e.g. http://localhost:3000). */
  orgUrl: string;
  /** Okta's default: two hours. */
  sessionTtlSeconds?: number;
}

export const DEFAULT_SESSION_TTL_SECONDS = 7200;
/** How long a write waits for another connection's write lock (another process on the same file). */
const BUSY_TIMEOUT_MS = 5000;
const AMR_PASSWORD = JSON.stringify(["pwd"]);
const AMR_PASSWORD_AND_CODE = JSON.stringify(["pwd", "otp", "mfa"]);
const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";

/** Opens (creating and migrating as needed) the SQLite file and answers the embedded identity provider. */
export async function createDirectory(options: DirectoryOptions): Promise<IdentityProvider> {
  const unknowableHash = await hashUnknowablePassword();
  const db = new Database(options.databaseFile, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db, options.clock.now());
    return new EmbeddedDirectory(db, options, unknowableHash);
  } catch (error) {
    db.close();
    throw error;
  }
}

type FactorWithEmail = FactorRow & { email: string };

function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare(SQL.ping),
    insertUser: db.prepare<{
      id: string;
      login: string;
      loginKey: string;
      email: string;
      firstName: string;
      lastName: string;
      passwordHash: string;
      now: number;
    }>(SQL.insertUser),
    selectUser: db.prepare<{ id: string }, UserRow>(SQL.selectUser),
    selectCredentials: db.prepare<
      { loginKey: string },
      { id: string; login: string; password_hash: string; status: string; factor_status: string | null }
    >(SQL.selectCredentials),
    recordLogin: db.prepare<{ id: string; now: number }>(SQL.recordLogin),
    deleteUser: db.prepare<{ id: string }>(SQL.deleteUser),
    selectFactor: db.prepare<{ userId: string }, FactorWithEmail>(SQL.selectFactor),
    upsertPendingFactor: db.prepare<{ id: string; userId: string; now: number }, FactorRow>(
      SQL.upsertPendingFactor,
    ),
    activateFactor: db.prepare<{ userId: string; now: number }, FactorRow>(SQL.activateFactor),
    insertSession: db.prepare<{
      id: string;
      userId: string;
      login: string;
      now: number;
      expiresAt: number;
      amr: string;
    }>(SQL.insertSession),
    selectLiveSession: db.prepare<{ id: string; now: number }, SessionRow>(SQL.selectLiveSession),
    deleteSession: db.prepare<{ id: string }, { expires_at: number }>(SQL.deleteSession),
    deleteExpiredSessions: db.prepare<{ now: number }>(SQL.deleteExpiredSessions),
    recordFactorVerification: db.prepare<{ userId: string; now: number; amr: string }>(
      SQL.recordFactorVerification,
    ),
  };
}

class EmbeddedDirectory implements IdentityProvider {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly sessionTtlMs: number;

  constructor(
    private readonly db: Database.Database,
    private readonly options: DirectoryOptions,
    private readonly unknowableHash: string,
  ) {
    this.statements = prepareStatements(db);
    this.sessionTtlMs = (options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS) * 1000;
  }

  async createUser(user: NewUser): Promise<OktaUser> {
    const login = user.email;
    assertPasswordPolicy(user.password, { login, firstName: user.firstName, lastName: user.lastName });
    const passwordHash = await hashPassword(user.password);
    const id = newUserId();
    try {
      this.statements.insertUser.run({
        id,
        login,
        loginKey: loginKey(login),
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        passwordHash,
        now: this.options.clock.now(),
      });
    } catch (error) {
      if (isConstraintError(error, "SQLITE_CONSTRAINT_UNIQUE")) throw validationFailed("login", LOGIN_TAKEN);
      throw error;
    }
    return this.getUser(id);
  }

  async deleteUser(userId: string): Promise<void> {
    if (this.statements.deleteUser.run({ id: userId }).changes === 0) throw notFound(userId, "User");
  }

  async getUser(userId: string): Promise<OktaUser> {
    const row = this.statements.selectUser.get({ id: userId });
    if (!row) throw notFound(userId, "User");
    return toOktaUser(row, this.options.orgUrl);
  }

  async checkPassword(login: string, password: string): Promise<PasswordCheck> {
    const row = this.statements.selectCredentials.get({ loginKey: loginKey(login) });
    const matches = await verifyPassword(row?.password_hash ?? this.unknowableHash, password);
    if (!row || !matches || row.status !== "ACTIVE") throw oktaError("E0000004");
    this.statements.recordLogin.run({ id: row.id, now: this.options.clock.now() });
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
    this.statements.deleteExpiredSessions.run({ now });
    const id = newSessionId();
    try {
      this.statements.insertSession.run({
        id,
        userId: check.userId,
        login: check.login,
        now,
        expiresAt: now + this.sessionTtlMs,
        amr: AMR_PASSWORD,
      });
    } catch (error) {
      if (isConstraintError(error, "SQLITE_CONSTRAINT_FOREIGNKEY")) throw notFound(check.userId, "User");
      throw error;
    }
    return this.liveSession(id, now);
  }

  async getSession(sessionId: string): Promise<OktaSession> {
    return this.liveSession(sessionId, this.options.clock.now());
  }

  async endSession(sessionId: string): Promise<void> {
    const ended = this.statements.deleteSession.get({ id: sessionId });
    if (!ended || ended.expires_at <= this.options.clock.now()) throw notFound(sessionId, "Session");
  }

  async enrollEmailFactor(userId: string): Promise<OktaEmailFactor> {
    const user = this.statements.selectUser.get({ id: userId });
    if (!user) throw notFound(userId, "User");
    if (this.statements.selectFactor.get({ userId })?.status === "ACTIVE") throw factorAlreadySetUp();
    // Mailed before anything is written: a failed send leaves the factor, and the code sent before it
    // (OneTimeCodes keeps it until a new mail went out), exactly as they were.
    await this.options.codes.send(userId, user.email, "activation");
    let factor: FactorRow | undefined;
    try {
      factor = this.statements.upsertPendingFactor.get({
        id: newFactorId(),
        userId,
        now: this.options.clock.now(),
      });
    } catch (error) {
      if (isConstraintError(error, "SQLITE_CONSTRAINT_FOREIGNKEY")) throw notFound(userId, "User");
      throw error;
    }
    // Nothing returned: a concurrent request activated the factor since it was read above.
    if (!factor) throw factorAlreadySetUp();
    return toOktaFactor(factor, user.email, this.options.orgUrl);
  }

  async activateEmailFactor(userId: string, passCode: string): Promise<OktaEmailFactor> {
    const pending = this.factorOf(userId);
    if (pending.status === "ACTIVE") throw validationFailed("factor", "factor: Factor is already active");
    await this.options.codes.check(userId, "activation", passCode);
    const factor = this.statements.activateFactor.get({ userId, now: this.options.clock.now() });
    if (!factor) throw notFound(userId, "Factor");
    return toOktaFactor(factor, pending.email, this.options.orgUrl);
  }

  async challengeEmailFactor(userId: string): Promise<void> {
    const factor = this.activeFactorOf(userId);
    await this.options.codes.send(userId, factor.email, "verification");
  }

  async verifyEmailFactor(userId: string, passCode: string): Promise<void> {
    this.activeFactorOf(userId);
    await this.options.codes.check(userId, "verification", passCode);
    this.statements.recordFactorVerification.run({
      userId,
      now: this.options.clock.now(),
      amr: AMR_PASSWORD_AND_CODE,
    });
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private liveSession(sessionId: string, now: number): OktaSession {
    const row = this.statements.selectLiveSession.get({ id: sessionId, now });
    if (!row) throw notFound(sessionId, "Session");
    return toOktaSession(row, this.options.orgUrl);
  }

  private factorOf(userId: string): FactorWithEmail {
    const factor = this.statements.selectFactor.get({ userId });
    if (factor) return factor;
    throw this.statements.selectUser.get({ id: userId })
      ? notFound(userId, "Factor")
      : notFound(userId, "User");
  }

  private activeFactorOf(userId: string): FactorWithEmail {
    const factor = this.factorOf(userId);
    if (factor.status !== "ACTIVE") throw notFound(userId, "Factor");
    return factor;
  }
}

/** Okta's logins are case-insensitive; this is the form the UNIQUE constraint compares. */
function loginKey(login: string): string {
  return login.toLowerCase();
}

function factorAlreadySetUp() {
  return validationFailed("factorEnrollRequest", "factorType: A factor of this type is already set up.");
}

function isConstraintError(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
}
