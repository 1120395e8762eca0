import { isIP } from "node:net";
import {
  AuthError,
  type Caller,
  DEFAULT_PENDING_USER_TTL_SECONDS,
  type EphemeralStore,
  type IdentityProvider,
  MemoryStore,
  type NewUser,
  type OktaEmailFactor,
  type OktaSession,
  type OktaUser,
  oktaError,
  type PasswordCheck,
  TtlCache,
  unknownSession,
} from "@authsvc/core";
import { Client, type User, type UserFactor } from "@okta/okta-sdk-nodejs";
import type { ServiceAppCredential } from "./credential.js";
import { MailboxProofs } from "./mailbox-proofs.js";
import { toAuthError, unavailable } from "./okta-failures.js";
import { activated, type SessionJson, toOktaEmailFactor, toOktaSession, toOktaUser } from "./okta-shapes.js";
import { type AuthnAnswer, mfaEnrollAtAuthn, mfaRequiredAtAuthn, readAuthnAnswer } from "./password-check.js";
import { type OktaCallObserver, TimeBoundRequestExecutor } from "./request-executor.js";
import { ServiceAppTokens } from "./service-app.js";

export interface OktaProviderOptions {
  /** The org's URL, e.g. https://example.okta.com. */
  orgUrl: string;
  /**
   * The credential, exactly one of: an Okta API token (sent as `SSWS <token>`), or an OAuth 2.0
   * service app (scoped access tokens; see ServiceAppTokens for which calls carry one).
   */
  apiToken?: string;
  serviceApp?: ServiceAppCredential;
  /**
   * Groups every new user is created in (createUser's `groupIds`): what lets an admin whose role is
   * scoped to these groups (Group Administrator) create users and manage them afterwards.
   */
  groupIds?: readonly string[];
  /** Longest wait for one call to Okta, its 429 retries included; then SERVICE_UNAVAILABLE. */
  requestTimeoutMs?: number;
  /** Retries of a 429, each after Okta's X-Rate-Limit-Reset (the SDK's default: 2). */
  maxRetries?: number;
  /** How long a user's profile and active email factor are remembered between calls; 0 remembers nothing. */
  profileCacheSeconds?: number;
  /**
   * How long a registration may stay unfinished; DEFAULT_PENDING_USER_TTL_SECONDS unless set.
   * Okta cannot list users by factor status, so an expired one is removed when the provider
   * meets it (login, activation, a resend), not swept.
   */
  pendingUserTtlSeconds?: number;
  /**
   * Where the provider keeps which users proved their mailbox on an Identity Engine org (see
   * MailboxProofs): the service's shared store. A store of this process alone when not given.
   */
  store?: EphemeralStore;
  /** Told of every call to Okta (its endpoint, status and X-Rate-Limit-Remaining): the service's metrics. */
  observeCalls?: OktaCallObserver;
}

/** The org's authentication pipeline, as `/.well-known/okta-organization` tells it. */
type Engine = "identity" | "classic";

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 2;
/**
 * Long enough to cover one sign-in (login, code, grant, profile) without asking Okta twice
 * for the same user, short enough that a change made in Okta's console shows soon.
 */
export const DEFAULT_PROFILE_CACHE_SECONDS = 60;
/** A registration replaced by another of the same email while it was being replaced: tries before E0000001. */
const REPLACE_ATTEMPTS = 3;

/** The identity provider over an Okta org, through the official SDK. Makes no call until used. */
export function createOktaProvider(options: OktaProviderOptions): IdentityProvider {
  const orgUrl = options.orgUrl.replace(/\/+$/, "");
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // 0 would mean "no timeout" to the SDK, and every call failing at once to this provider's own bound.
  if (!(requestTimeoutMs > 0)) throw new Error("requestTimeoutMs must be a positive number of milliseconds");
  if ((options.apiToken === undefined) === (options.serviceApp === undefined)) {
    throw new Error("give exactly one Okta credential: apiToken or serviceApp");
  }
  const serviceApp = options.serviceApp && new ServiceAppTokens(orgUrl, options.serviceApp, requestTimeoutMs);
  const client = new Client({
    orgUrl,
    // The SDK wants a token even when the executor authorizes each call (see below).
    token: options.apiToken ?? "service-app",
    // The SDK's default cache serves GETs by URL: a revoked session would still read as live.
    cacheMiddleware: null,
    // The SDK's default executor has no timeout: it would wait forever on a silent server.
    requestExecutor: new TimeBoundRequestExecutor(
      {
        requestTimeout: requestTimeoutMs,
        maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
        serviceApp,
      },
      options.observeCalls,
    ),
  });
  // With a service app, no call carries the SDK's SSWS header: the executor adds an access token
  // to the calls that take one, and leaves the public ones (authn, session create) without.
  if (serviceApp) delete client.http.defaultHeaders.Authorization;
  const cacheMs = (options.profileCacheSeconds ?? DEFAULT_PROFILE_CACHE_SECONDS) * 1000;
  const pendingUserTtlMs = (options.pendingUserTtlSeconds ?? DEFAULT_PENDING_USER_TTL_SECONDS) * 1000;
  const proofs = new MailboxProofs(options.store ?? new MemoryStore(), pendingUserTtlMs);
  return new OktaProvider(
    client,
    orgUrl,
    requestTimeoutMs,
    cacheMs,
    pendingUserTtlMs,
    proofs,
    [...(options.groupIds ?? [])],
    serviceApp !== undefined,
  );
}

class OktaProvider implements IdentityProvider {
  private readonly users: TtlCache<OktaUser>;
  /**
   * Only proven email factors are remembered: a proven factor stays so (this service never
   * removes one, and refuses to re-enrol it), so a remembered one can only be stale towards
   * asking for a code, never towards skipping it. Others are always read afresh.
   */
  private readonly provenEmailFactors: TtlCache<OktaEmailFactor>;
  /** Learnt once per provider; forgotten when the asking failed, so that the next call asks again. */
  private engine: Promise<Engine> | undefined;

  constructor(
    private readonly client: Client,
    private readonly orgUrl: string,
    private readonly requestTimeoutMs: number,
    cacheMs: number,
    private readonly pendingUserTtlMs: number,
    private readonly proofs: MailboxProofs,
    private readonly groupIds: string[],
    /** Whether calls go with a service app's token (see ping). */
    private readonly serviceApp: boolean,
  ) {
    this.users = new TtlCache(cacheMs);
    this.provenEmailFactors = new TtlCache(cacheMs);
  }

  /**
   * Okta refuses a taken login (E0000001): when the user holding it is a registration that never
   * finished, it is deleted and this one created in its place.
   */
  async createUser(user: NewUser): Promise<OktaUser> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.create(user);
      } catch (error) {
        if (!isLoginTaken(error) || attempt === REPLACE_ATTEMPTS) throw error;
        if (!(await this.removeUnfinishedRegistration(user.email))) throw error;
      }
    }
  }

  private async create(user: NewUser): Promise<OktaUser> {
    const created = await this.call(() =>
      this.client.userApi.createUser({
        body: {
          profile: {
            firstName: user.firstName,
            lastName: user.lastName,
            email: user.email,
            login: user.email,
          },
          credentials: { password: { value: user.password } },
          ...(this.groupIds.length > 0 ? { groupIds: this.groupIds } : {}),
        },
        activate: true,
      }),
    );
    const made = this.remember(toOktaUser(created));
    await this.proofs.awaitProof(made.id, Date.now());
    return made;
  }

  /** Okta deletes only a deactivated user: the first DELETE of an active one would merely deactivate it. */
  async deleteUser(userId: string): Promise<void> {
    this.forget(userId);
    await this.call(() => this.client.userApi.deactivateUser({ userId }));
    await this.call(() => this.client.userApi.deleteUser({ userId }));
    await this.proofs.forget(userId);
  }

  async getUser(userId: string): Promise<OktaUser> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    return this.remember(toOktaUser(await this.call(() => this.client.userApi.getUser({ userId }))));
  }

  async checkPassword(login: string, password: string, caller: Caller = {}): Promise<PasswordCheck> {
    const request = { ...jsonBody({ username: login, password }), headers: clientContextHeaders(caller) };
    const answer = (await this.call(() =>
      this.client.http.postJson(`${this.orgUrl}/api/v1/authn`, request),
    )) as unknown as AuthnAnswer;
    const outcome = readAuthnAnswer(answer);
    switch (outcome.kind) {
      case "success":
        return {
          userId: outcome.userId,
          login: outcome.login,
          // An expired registration is deleted on the way, and fails as an unknown login does.
          mfaActive: (await this.provenEmailFactorOf(outcome.userId).catch(unknownLogin)) !== undefined,
          sessionToken: outcome.sessionToken,
        };
      // No sessionToken exists yet: the empty one tells createSession so (see mfaRequiredAtAuthn).
      case "mfa-required":
        return {
          userId: outcome.userId,
          login: outcome.login,
          mfaActive:
            outcome.emailFactorActive && (await this.provenIfIdentity(outcome.userId, outcome.login)),
          sessionToken: "",
        };
      // The org's policy wants a factor enrolled inside authn. Before the mailbox is proven this is
      // an unfinished registration (login answers only the user id); after, no session can come of it.
      case "mfa-enroll":
        if (await this.provenEmailFactorOf(outcome.userId).catch(unknownLogin)) throw mfaEnrollAtAuthn();
        return { userId: outcome.userId, login: outcome.login, mfaActive: false, sessionToken: "" };
    }
  }

  /**
   * Sessions are read as Okta's JSON, through the SDK's HTTP layer (its auth, timeouts,
   * retries and errors): the SDK's Session model drops `mfaActive` and every link but `self`.
   */
  async createSession(check: PasswordCheck): Promise<OktaSession> {
    if (!check.sessionToken) throw mfaRequiredAtAuthn();
    const request = jsonBody({ sessionToken: check.sessionToken });
    const session = await this.call(() =>
      this.client.http.postJson(`${this.orgUrl}/api/v1/sessions`, request),
    );
    return toOktaSession(session as SessionJson, check.mfaActive);
  }

  /**
   * Okta's (deprecated) `mfaActive` says whether the user has any factor enrolled: it can
   * only over-state "the email factor is active" (the step-up is then asked for, never
   * skipped), and it saves a factor lookup on every session read. Should Okta stop sending
   * it, true is assumed: this service opens sessions only for users whose email factor is active.
   */
  async getSession(sessionId: string): Promise<OktaSession> {
    const url = `${this.orgUrl}/api/v1/sessions/${encodeURIComponent(sessionId)}`;
    const session = (await this.sessionCall(() => this.client.http.getJson(url))) as SessionJson;
    return toOktaSession(session, session.mfaActive !== false);
  }

  async endSession(sessionId: string): Promise<void> {
    await this.sessionCall(() => this.client.sessionApi.revokeSession({ sessionId }));
  }

  /**
   * Mails a code that proves the mailbox: with no email factor, enrols one (Classic, or an
   * Identity Engine org whose email is optional); while one is pending, Okta's resend (a fresh
   * code; the earlier one stops working); when Okta enrolled it by itself and it is not proven
   * yet, a verify challenge. A proven one Okta's enrol refuses with E0000001 itself, so that a
   * user id alone cannot reset someone's second factor. An expired registration is deleted
   * (E0000007) before a code is mailed for it.
   */
  async enrollEmailFactor(userId: string, caller: Caller = {}): Promise<OktaEmailFactor> {
    const { email } = (await this.getUser(userId)).profile;
    const factor = await this.emailFactorOf(userId);
    if (factor?.status === "PENDING_ACTIVATION") {
      await this.call(() =>
        this.client.userFactorApi.resendEnrollFactor({
          userId,
          factorId: factor.id,
          resendUserFactor: { factorType: "email" },
        }),
      );
      return factor;
    }
    if (factor?.status === "ACTIVE" && !(await this.isProven(userId, factor))) {
      await this.call(() =>
        this.client.userFactorApi.verifyFactor({ userId, factorId: factor.id, ...clientContext(caller) }),
      );
      return factor;
    }
    const enrolled = await this.call(() =>
      this.client.userFactorApi.enrollFactor({
        userId,
        body: { factorType: "email", provider: "OKTA", profile: { email } },
      }),
    );
    return toOktaEmailFactor(enrolled);
  }

  /** Activates a pending factor, or checks the code of the challenge that proves an auto-enrolled one. */
  async activateEmailFactor(userId: string, passCode: string, caller: Caller = {}): Promise<OktaEmailFactor> {
    const factor = await this.emailFactorOf(userId);
    if (!factor) throw factorNotFound(userId);
    if (factor.status === "ACTIVE" && !(await this.isProven(userId, factor))) {
      await this.checkPassCode((request) => this.call(request), userId, factor.id, passCode, caller);
    } else {
      // Okta refuses a factor that is already active (E0000001) itself.
      await this.call(() =>
        this.client.userFactorApi.activateFactor({ userId, factorId: factor.id, body: { passCode } }),
      );
    }
    await this.proofs.prove(userId, factor.profile.email);
    const active = activated(factor, userId, this.orgUrl);
    this.provenEmailFactors.set(userId, active);
    return active;
  }

  async challengeEmailFactor(userId: string, caller: Caller = {}): Promise<void> {
    const factor = await this.requireProvenEmailFactor(userId);
    await this.factorCall(userId, () =>
      this.client.userFactorApi.verifyFactor({ userId, factorId: factor.id, ...clientContext(caller) }),
    );
  }

  async verifyEmailFactor(userId: string, passCode: string, caller: Caller = {}): Promise<void> {
    const factor = await this.requireProvenEmailFactor(userId);
    await this.checkPassCode(
      (request) => this.factorCall(userId, request),
      userId,
      factor.id,
      passCode,
      caller,
    );
  }

  /** A code checked by the factor's verify, `through` the call's error handling. */
  private async checkPassCode(
    through: <T>(request: () => Promise<T>) => Promise<T>,
    userId: string,
    factorId: string,
    passCode: string,
    caller: Caller,
  ): Promise<void> {
    const result = await through(() =>
      this.client.userFactorApi.verifyFactor({
        userId,
        factorId,
        body: { passCode },
        ...clientContext(caller),
      }),
    );
    // Okta refuses a wrong code with E0000068 itself; anything short of SUCCESS is no pass either.
    if (!("factorResult" in result) || result.factorResult !== "SUCCESS") throw wrongPasscode();
  }

  /**
   * GET /api/v1/users/me (the token's owner): the cheapest call that proves the org answers
   * and accepts the token. Okta checks the token first, so even a 404 proves both. A service
   * app's token has no user behind it (what Okta answers for `me` then is not documented), so
   * with one, the first user of `GET /api/v1/users?limit=1` (listUsers, okta.users.read) is asked
   * for: it proves the key, the token request and the read scope.
   */
  async ping(): Promise<void> {
    if (this.serviceApp) {
      await this.call(() => this.client.http.getJson(`${this.orgUrl}/api/v1/users?limit=1`));
      return;
    }
    try {
      await this.call(() => this.client.userApi.getUser({ userId: "me" }));
    } catch (error) {
      if (!isOktaError(error, "E0000007")) throw error;
    }
  }

  async close(): Promise<void> {
    this.users.clear();
    this.provenEmailFactors.clear();
  }

  /**
   * The user's email factor as Okta has it now. A registration that never finished and is older
   * than the pending TTL (counted from its email factor's enrolment, which register makes, or,
   * when Okta enrolled it by itself, from the registration) is deleted here, and answered as an
   * unknown user (E0000007).
   */
  private async emailFactorOf(userId: string): Promise<OktaEmailFactor | undefined> {
    const factors = await this.factorsOf(userId);
    const [only] = factors;
    if (
      factors.length === 1 &&
      only?.factorType === "email" &&
      (await this.registrationExpired(userId, only))
    ) {
      const user = await this.call(() => this.client.userApi.getUser({ userId }));
      if (await this.isUnfinishedRegistration(user, factors)) {
        await this.deleteUser(userId).catch(ignoreNotFound);
        throw userNotFound(userId);
      }
    }
    const email = factors.find((each) => each.factorType === "email");
    const factor = email && toOktaEmailFactor(email);
    if (factor && (await this.isProven(userId, factor))) this.provenEmailFactors.set(userId, factor);
    else this.provenEmailFactors.delete(userId);
    return factor;
  }

  private async registrationExpired(userId: string, factor: UserFactor): Promise<boolean> {
    if (factor.status === "PENDING_ACTIVATION") return this.olderThanPendingTtl(factor.created);
    if (factor.status !== "ACTIVE") return false;
    const since = await this.proofs.awaitingSince(userId);
    return since !== undefined && this.olderThanPendingTtl(since);
  }

  /**
   * Okta records no user's creator: a registration that never finished is told by what register
   * leaves, a user of Okta's own (no directory or IdP behind it), active with a password, whose
   * only factor is an email factor still pending activation, or, on an Identity Engine org, active
   * by Okta's own doing and marked as waiting for its proof (see MailboxProofs). A user of another
   * application with a pending factor never proved the address either; one with no factor, or any
   * other, is never touched.
   */
  private async isUnfinishedRegistration(user: User, factors: UserFactor[]): Promise<boolean> {
    const [only] = factors;
    if (user.status !== "ACTIVE" || user.credentials?.provider?.type !== "OKTA") return false;
    if (factors.length !== 1 || only?.factorType !== "email") return false;
    if (only.status === "PENDING_ACTIVATION") return true;
    const userId = user.id ?? "";
    return (
      only.status === "ACTIVE" &&
      (await this.orgEngine()) === "identity" &&
      (await this.proofs.awaitingSince(userId)) !== undefined &&
      !(await this.proofs.isProven(userId, only.profile?.email ?? ""))
    );
  }

  /**
   * Whether the mailbox behind this factor was proven by a code: on a Classic org, an active email
   * factor says so (only its code activates it); on an Identity Engine org, MailboxProofs does.
   */
  private async isProven(userId: string, factor: OktaEmailFactor | UserFactor): Promise<boolean> {
    const email = factor.profile?.email ?? "";
    return factor.status === "ACTIVE" && (await this.provenIfIdentity(userId, email));
  }

  private async provenIfIdentity(userId: string, email: string): Promise<boolean> {
    return (await this.orgEngine()) === "classic" || (await this.proofs.isProven(userId, email));
  }

  /**
   * `GET /.well-known/okta-organization` (no token needed): `pipeline` is `v1` on a Classic org and
   * `idx` on an Identity Engine one. Anything but `v1` is taken as Identity Engine, which asks for
   * a proof where Classic would not: the safe side.
   */
  private orgEngine(): Promise<Engine> {
    this.engine ??= this.call(() =>
      this.client.http.getJson(`${this.orgUrl}/.well-known/okta-organization`),
    ).then(
      (metadata) => ((metadata as { pipeline?: unknown }).pipeline === "v1" ? "classic" : "identity"),
      (error: unknown) => {
        this.engine = undefined;
        throw error;
      },
    );
    return this.engine;
  }

  /** Every factor of the user (the SDK's list is lazy: nothing is fetched until iterated). */
  private async factorsOf(userId: string): Promise<UserFactor[]> {
    return this.call(async () => {
      const factors: UserFactor[] = [];
      for await (const each of await this.client.userFactorApi.listFactors({ userId })) {
        if (each) factors.push(each);
      }
      return factors;
    });
  }

  /**
   * Deletes the user holding `login` if it is a registration that never finished; false when it
   * is not one. Okta looks a user up by login too (GET /api/v1/users/{login}).
   */
  private async removeUnfinishedRegistration(login: string): Promise<boolean> {
    let holder: User;
    try {
      holder = await this.call(() => this.client.userApi.getUser({ userId: login }));
    } catch (error) {
      // Deleted since Okta refused the login: it is free again.
      if (isOktaError(error, "E0000007")) return true;
      throw error;
    }
    const userId = holder.id ?? "";
    if (!(await this.isUnfinishedRegistration(holder, await this.factorsOf(userId)))) return false;
    await this.deleteUser(userId).catch(ignoreNotFound);
    return true;
  }

  private olderThanPendingTtl(created: Date | string | number | undefined): boolean {
    return created !== undefined && Date.now() - new Date(created).getTime() >= this.pendingUserTtlMs;
  }

  private async provenEmailFactorOf(userId: string): Promise<OktaEmailFactor | undefined> {
    const cached = this.provenEmailFactors.get(userId);
    if (cached) return cached;
    const factor = await this.emailFactorOf(userId);
    return factor && (await this.isProven(userId, factor)) ? factor : undefined;
  }

  private async requireProvenEmailFactor(userId: string): Promise<OktaEmailFactor> {
    const factor = await this.provenEmailFactorOf(userId);
    if (!factor) throw factorNotFound(userId);
    return factor;
  }

  /** A factor Okta no longer knows (reset in Okta's console) is forgotten, so the next call reads afresh. */
  private async factorCall<T>(userId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await this.call(request);
    } catch (error) {
      if (isOktaError(error, "E0000007")) this.provenEmailFactors.delete(userId);
      throw error;
    }
  }

  /** A session id is a bearer secret: unlike Okta's, the not-found summary never repeats it (as the embedded directory). */
  private async sessionCall<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await this.call(request);
    } catch (error) {
      if (!isOktaError(error, "E0000007")) throw error;
      throw unknownSession(error.okta.errorId);
    }
  }

  /**
   * Every call to Okta goes through here: its failures become the service's errors, and it
   * settles within requestTimeoutMs whatever the network does (the SDK's own timeout aborts
   * the request; this bound also covers the SDK's waits between 429 retries and body reads).
   */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable()), this.requestTimeoutMs);
    });
    try {
      return await Promise.race([request(), deadline]);
    } catch (error) {
      throw toAuthError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(user: OktaUser): OktaUser {
    this.users.set(user.id, user);
    return user;
  }

  private forget(userId: string): void {
    this.users.delete(userId);
    this.provenEmailFactors.delete(userId);
  }
}

/** The SDK types postJson's options without node-fetch's `body` (and its answer as a Response, though it is the parsed JSON). */
function jsonBody(body: object): Parameters<Client["http"]["postJson"]>[1] {
  return { body: JSON.stringify(body) } as Parameters<Client["http"]["postJson"]>[1];
}

/**
 * The person behind a call, as Okta documents a server-side app tells it: their IP in X-Forwarded-For
 * (believed only from an org's trusted gateway IPs, and with an API token: the Authentication API's
 * "trusted application"; https://developer.okta.com/docs/api/rest/authn.html) and their browser in
 * User-Agent, on /authn and on factor verify (the Management API's verifyFactor takes both headers).
 * Network zones, ThreatInsight, behaviour detection and the System Log then judge the user, not this
 * service. Only a well-formed IP is forwarded; the User-Agent comes bounded and clean (userAgentOf).
 */
function clientContext(caller: Caller): { xForwardedFor?: string; userAgent?: string } {
  return {
    ...(caller.clientIp !== undefined && isIP(caller.clientIp) !== 0
      ? { xForwardedFor: caller.clientIp }
      : {}),
    ...(caller.userAgent !== undefined ? { userAgent: caller.userAgent } : {}),
  };
}

/** `clientContext` as the headers of a raw call; without a User-Agent, the SDK's own stays. */
function clientContextHeaders(caller: Caller): Record<string, string> {
  const { xForwardedFor, userAgent } = clientContext(caller);
  return {
    ...(xForwardedFor !== undefined ? { "X-Forwarded-For": xForwardedFor } : {}),
    ...(userAgent !== undefined ? { "User-Agent": userAgent } : {}),
  };
}

function isOktaError(error: unknown, errorCode: string): error is AuthError & { okta: { errorId: string } } {
  return error instanceof AuthError && error.okta?.errorCode === errorCode;
}

function isLoginTaken(error: unknown): boolean {
  return (
    isOktaError(error, "E0000001") &&
    (error.okta?.errorCauses ?? []).some((cause) => cause.errorSummary.startsWith("login:"))
  );
}

function ignoreNotFound(error: unknown): void {
  if (!isOktaError(error, "E0000007")) throw error;
}

/** A password check of a user deleted meanwhile fails as one of an unknown login. */
function unknownLogin(error: unknown): never {
  throw isOktaError(error, "E0000007") ? oktaError("E0000004") : error;
}

function userNotFound(userId: string): AuthError {
  return oktaError("E0000007", { summary: `Not found: Resource not found: ${userId} (User)` });
}

/** As the embedded directory answers a user without the factor asked for. */
function factorNotFound(userId: string): AuthError {
  return oktaError("E0000007", {
    summary: `Not found: Resource not found: ${userId} (Factor)`,
    reason: "factor_not_found",
  });
}

function wrongPasscode(): AuthError {
  return oktaError("E0000068", { causes: ["Your passcode doesn't match our records. Please try again."] });
}
