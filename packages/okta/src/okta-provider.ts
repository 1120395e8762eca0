import {
  AuthError,
  type IdentityProvider,
  type NewUser,
  type OktaEmailFactor,
  type OktaSession,
  type OktaUser,
  oktaError,
  type PasswordCheck,
  TtlCache,
} from "@authsvc/core";
import { Client } from "@okta/okta-sdk-nodejs";
import { toAuthError, unavailable } from "./okta-failures.js";
import { activated, type SessionJson, toOktaEmailFactor, toOktaSession, toOktaUser } from "./okta-shapes.js";
import { type AuthnAnswer, mfaRequiredAtAuthn, readAuthnAnswer } from "./password-check.js";
import { TimeBoundRequestExecutor } from "./request-executor.js";

export interface OktaProviderOptions {
  /** The org's URL, e.g. https://example.okta.com. */
  orgUrl: string;
  /** An Okta API token (sent as `SSWS <token>`). */
  apiToken: string;
  /** Longest wait for one call to Okta, its 429 retries included; then SERVICE_UNAVAILABLE. */
  requestTimeoutMs?: number;
  /** Retries of a 429, each after Okta's X-Rate-Limit-Reset (the SDK's default: 2). */
  maxRetries?: number;
  /** How long a user's profile and active email factor are remembered between calls; 0 remembers nothing. */
  profileCacheSeconds?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 2;
/**
 * Long enough to cover one sign-in (login, code, grant, profile) without asking Okta twice
 * for the same user, short enough that a change made in Okta's console shows soon.
 */
export const DEFAULT_PROFILE_CACHE_SECONDS = 60;

/** The identity provider over an Okta org, through the official SDK. Makes no call until used. */
export function createOktaProvider(options: OktaProviderOptions): IdentityProvider {
  const orgUrl = options.orgUrl.replace(/\/+$/, "");
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // 0 would mean "no timeout" to the SDK, and every call failing at once to this provider's own bound.
  if (!(requestTimeoutMs > 0)) throw new Error("requestTimeoutMs must be a positive number of milliseconds");
  const client = new Client({
    orgUrl,
    token: options.apiToken,
    // The SDK's default cache serves GETs by URL: a revoked session would still read as live.
    cacheMiddleware: null,
    // The SDK's default executor has no timeout: it would wait forever on a silent server.
    requestExecutor: new TimeBoundRequestExecutor({
      requestTimeout: requestTimeoutMs,
      maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    }),
  });
  const cacheMs = (options.profileCacheSeconds ?? DEFAULT_PROFILE_CACHE_SECONDS) * 1000;
  return new OktaProvider(client, orgUrl, requestTimeoutMs, cacheMs);
}

class OktaProvider implements IdentityProvider {
  private readonly users: TtlCache<OktaUser>;
  /**
   * Only active email factors are remembered: an active factor stays active (this service
   * never removes one, and refuses to re-enrol it), so a remembered one can only be stale
   * towards asking for a code, never towards skipping it. Pending ones are always read afresh.
   */
  private readonly activeEmailFactors: TtlCache<OktaEmailFactor>;

  constructor(
    private readonly client: Client,
    private readonly orgUrl: string,
    private readonly requestTimeoutMs: number,
    cacheMs: number,
  ) {
    this.users = new TtlCache(cacheMs);
    this.activeEmailFactors = new TtlCache(cacheMs);
  }

  async createUser(user: NewUser): Promise<OktaUser> {
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
        },
        activate: true,
      }),
    );
    return this.remember(toOktaUser(created));
  }

  /** Okta deletes only a deactivated user: the first DELETE of an active one would merely deactivate it. */
  async deleteUser(userId: string): Promise<void> {
    this.forget(userId);
    await this.call(() => this.client.userApi.deactivateUser({ userId }));
    await this.call(() => this.client.userApi.deleteUser({ userId }));
  }

  async getUser(userId: string): Promise<OktaUser> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    return this.remember(toOktaUser(await this.call(() => this.client.userApi.getUser({ userId }))));
  }

  async checkPassword(login: string, password: string): Promise<PasswordCheck> {
    const request = jsonBody({ username: login, password });
    const answer = (await this.call(() =>
      this.client.http.postJson(`${this.orgUrl}/api/v1/authn`, request),
    )) as unknown as AuthnAnswer;
    const outcome = readAuthnAnswer(answer);
    switch (outcome.kind) {
      case "success":
        return {
          userId: outcome.userId,
          login: outcome.login,
          mfaActive: (await this.activeEmailFactorOf(outcome.userId)) !== undefined,
          sessionToken: outcome.sessionToken,
        };
      // No sessionToken exists yet: the empty one tells createSession so (see mfaRequiredAtAuthn).
      case "mfa-required":
        return {
          userId: outcome.userId,
          login: outcome.login,
          mfaActive: outcome.emailFactorActive,
          sessionToken: "",
        };
      case "mfa-enroll":
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
   * Okta enrols a new factor, or, while one is pending, keeps it and mails a fresh code (the
   * earlier one stops working); an active one it refuses with E0000001 itself, so that a
   * user id alone cannot reset someone's second factor.
   */
  async enrollEmailFactor(userId: string): Promise<OktaEmailFactor> {
    const { email } = (await this.getUser(userId)).profile;
    const factor = await this.call(() =>
      this.client.userFactorApi.enrollFactor({
        userId,
        body: { factorType: "email", provider: "OKTA", profile: { email } },
      }),
    );
    return toOktaEmailFactor(factor);
  }

  async activateEmailFactor(userId: string, passCode: string): Promise<OktaEmailFactor> {
    const factor = await this.emailFactorOf(userId);
    if (!factor) throw factorNotFound(userId);
    await this.call(() =>
      this.client.userFactorApi.activateFactor({ userId, factorId: factor.id, body: { passCode } }),
    );
    const active = activated(factor, userId, this.orgUrl);
    this.activeEmailFactors.set(userId, active);
    return active;
  }

  async challengeEmailFactor(userId: string): Promise<void> {
    const factor = await this.requireActiveEmailFactor(userId);
    await this.factorCall(userId, () =>
      this.client.userFactorApi.verifyFactor({ userId, factorId: factor.id }),
    );
  }

  async verifyEmailFactor(userId: string, passCode: string): Promise<void> {
    const factor = await this.requireActiveEmailFactor(userId);
    const result = await this.factorCall(userId, () =>
      this.client.userFactorApi.verifyFactor({ userId, factorId: factor.id, body: { passCode } }),
    );
    // Okta refuses a wrong code with E0000068 itself; anything short of SUCCESS is no pass either.
    if (!("factorResult" in result) || result.factorResult !== "SUCCESS") throw wrongPasscode();
  }

  /**
   * GET /api/v1/users/me (the token's owner): the cheapest call that proves the org answers
   * and accepts the token. Okta checks the token first, so even a 404 proves both.
   */
  async ping(): Promise<void> {
    try {
      await this.call(() => this.client.userApi.getUser({ userId: "me" }));
    } catch (error) {
      if (!isOktaError(error, "E0000007")) throw error;
    }
  }

  async close(): Promise<void> {
    this.users.clear();
    this.activeEmailFactors.clear();
  }

  /** The user's email factor as Okta has it now (its list is lazy: nothing is fetched until iterated). */
  private async emailFactorOf(userId: string): Promise<OktaEmailFactor | undefined> {
    const factor = await this.call(async () => {
      for await (const each of await this.client.userFactorApi.listFactors({ userId })) {
        if (each?.factorType === "email") return toOktaEmailFactor(each);
      }
      return undefined;
    });
    if (factor?.status === "ACTIVE") this.activeEmailFactors.set(userId, factor);
    else this.activeEmailFactors.delete(userId);
    return factor;
  }

  private async activeEmailFactorOf(userId: string): Promise<OktaEmailFactor | undefined> {
    const cached = this.activeEmailFactors.get(userId);
    if (cached) return cached;
    const factor = await this.emailFactorOf(userId);
    return factor?.status === "ACTIVE" ? factor : undefined;
  }

  private async requireActiveEmailFactor(userId: string): Promise<OktaEmailFactor> {
    const factor = await this.activeEmailFactorOf(userId);
    if (!factor) throw factorNotFound(userId);
    return factor;
  }

  /** A factor Okta no longer knows (reset in Okta's console) is forgotten, so the next call reads afresh. */
  private async factorCall<T>(userId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await this.call(request);
    } catch (error) {
      if (isOktaError(error, "E0000007")) this.activeEmailFactors.delete(userId);
      throw error;
    }
  }

  /** A session id is a bearer secret: unlike Okta's, the not-found summary never repeats it (as the embedded directory). */
  private async sessionCall<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await this.call(request);
    } catch (error) {
      if (!isOktaError(error, "E0000007")) throw error;
      throw oktaError("E0000007", {
        summary: "Not found: Resource not found: session (Session)",
        errorId: error.okta.errorId,
        reason: "session_not_found",
      });
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
    this.activeEmailFactors.delete(userId);
  }
}

/** The SDK types postJson's options without node-fetch's `body` (and its answer as a Response, though it is the parsed JSON). */
function jsonBody(body: object): Parameters<Client["http"]["postJson"]>[1] {
  return { body: JSON.stringify(body) } as Parameters<Client["http"]["postJson"]>[1];
}

function isOktaError(error: unknown, errorCode: string): error is AuthError & { okta: { errorId: string } } {
  return error instanceof AuthError && error.okta?.errorCode === errorCode;
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
