import { newOrgId } from "./ids.js";

export type UserStatus =
  | "STAGED"
  | "PROVISIONED"
  | "ACTIVE"
  | "PASSWORD_EXPIRED"
  | "LOCKED_OUT"
  | "DEPROVISIONED";

export interface StoredUser {
  id: string;
  status: UserStatus;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: { firstName: string; lastName: string; email: string; login: string };
  passwordHash: string | undefined;
  /** Wrong passwords in a row, for the password policy's lockout. */
  failedPasswords: number;
  /** The groups it was created in (createUser's `groupIds`); the emulator models no other group. */
  groupIds: string[];
}

export interface StoredFactor {
  id: string;
  userId: string;
  status: "PENDING_ACTIVATION" | "ACTIVE";
  created: number;
  lastUpdated: number;
  email: string;
  /** When each failed activation happened: Okta refuses activations and resends past five in five minutes. */
  failedActivations: number[];
}

export interface StoredSession {
  id: string;
  userId: string;
  login: string;
  createdAt: number;
  expiresAt: number;
  lastPasswordVerification: number;
  lastFactorVerification: number | null;
  amr: string[];
}

/** What an authentication proved, held under its one-time sessionToken until a session is made from it. */
export interface Proof {
  userId: string;
  expiresAt: number;
  passwordVerifiedAt: number;
  factorVerifiedAt: number | null;
  amr: string[];
}

/** An authentication transaction waiting for a factor, held under its stateToken. */
export interface Transaction {
  userId: string;
  expiresAt: number;
  passwordVerifiedAt: number;
}

/** Everything one emulated Okta org holds, in memory. */
export class Org {
  readonly id = newOrgId();
  readonly users = new Map<string, StoredUser>();
  readonly factors = new Map<string, StoredFactor>();
  readonly sessions = new Map<string, StoredSession>();
  readonly sessionTokens = new Map<string, Proof>();
  readonly transactions = new Map<string, Transaction>();
  /** Authn requests per lower-cased username in the current second, for Okta's per-username limit. */
  readonly authnRequests = new Map<string, { second: number; count: number }>();
  /** Okta's logins are case-insensitive: lower-cased login to user id. */
  private readonly logins = new Map<string, string>();

  addUser(user: StoredUser): void {
    this.users.set(user.id, user);
    this.logins.set(user.profile.login.toLowerCase(), user.id);
  }

  userByLogin(login: string): StoredUser | undefined {
    const id = this.logins.get(login.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  /** Okta's `GET /api/v1/users/{id}` takes an id or a login. */
  userByIdOrLogin(idOrLogin: string): StoredUser | undefined {
    return this.users.get(idOrLogin) ?? this.userByLogin(idOrLogin);
  }

  factorsOf(userId: string): StoredFactor[] {
    return [...this.factors.values()].filter((factor) => factor.userId === userId);
  }

  emailFactorOf(userId: string): StoredFactor | undefined {
    return this.factorsOf(userId)[0];
  }

  endSessionsOf(userId: string): void {
    for (const [id, session] of this.sessions) if (session.userId === userId) this.sessions.delete(id);
  }

  removeUser(user: StoredUser): void {
    this.endSessionsOf(user.id);
    for (const factor of this.factorsOf(user.id)) this.factors.delete(factor.id);
    this.logins.delete(user.profile.login.toLowerCase());
    this.users.delete(user.id);
  }

  /** Drops expired sessions and tokens, so that a long-running emulator does not grow without bound. */
  sweep(now: number): void {
    for (const [key, entry] of this.authnRequests)
      if (entry.second < Math.floor(now / 1000)) this.authnRequests.delete(key);
    for (const map of [this.sessions, this.sessionTokens, this.transactions] as Map<
      string,
      { expiresAt: number }
    >[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }

  clear(): void {
    for (const map of [
      this.users,
      this.factors,
      this.sessions,
      this.sessionTokens,
      this.transactions,
      this.logins,
      this.authnRequests,
    ]) {
      map.clear();
    }
  }
}
