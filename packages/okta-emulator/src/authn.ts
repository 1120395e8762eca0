import { checkCode, sendCode } from "./codes.js";
import { type Context, ok, type Route, text } from "./context.js";
import { newStateToken } from "./ids.js";
import { notFound, oktaFailure } from "./okta-errors.js";
import type { StoredFactor, StoredUser, Transaction } from "./org.js";
import { verifyPassword } from "./passwords.js";
import { issueSessionToken } from "./sessions.js";
import { authnVerifyHref, iso, toAuthnFactor, toAuthnUser } from "./shapes.js";

/**
 * Okta's default password policy locks a user out after 10 failed sign-ins in a row; with the
 * org's "Show lockout failures" off (the default), authn answers a locked user E0000004 as for a
 * wrong password, with it on, LOCKED_OUT (Okta's Authentication API reference, LOCKED_OUT; help
 * center, password policy). Self-service unlock is off: the answer carries no unlock link.
 */
const LOCKOUT_ATTEMPTS = 10;
/** Okta's per-username limit on `/api/v1/authn` ("Authentication: 4 requests per second per username", rate-limit docs). */
const AUTHN_PER_USERNAME_PER_SECOND = 4;

/** A stateToken's life, renewed by every step of the transaction (Okta's sliding expiry). */
const STATE_TOKEN_TTL_MS = 5 * 60 * 1000;
const AMR_PASSWORD = ["pwd"];
const AMR_PASSWORD_AND_CODE = ["pwd", "otp", "mfa"];
/** The sign-on policy's remember-device settings, which Okta embeds in MFA states. */
const NO_REMEMBERED_DEVICE = {
  allowRememberDevice: false,
  rememberDeviceLifetimeInMinutes: 0,
  rememberDeviceByDefault: false,
  factorsPolicyInfo: {},
};

function success(
  context: Context,
  user: StoredUser,
  passwordVerifiedAt: number,
  factorVerifiedAt: number | null,
) {
  const { token, expiresAt } = issueSessionToken(context, {
    userId: user.id,
    passwordVerifiedAt,
    factorVerifiedAt,
    amr: factorVerifiedAt === null ? AMR_PASSWORD : AMR_PASSWORD_AND_CODE,
  });
  return ok({
    expiresAt: iso(expiresAt),
    status: "SUCCESS",
    sessionToken: token,
    _embedded: { user: toAuthnUser(user) },
  });
}

function countPerUsername(context: Context, username: string, now: number): void {
  const key = username.toLowerCase();
  const second = Math.floor(now / 1000);
  const entry = context.org.authnRequests.get(key);
  const count = entry?.second === second ? entry.count + 1 : 1;
  context.org.authnRequests.set(key, { second, count });
  if (count > AUTHN_PER_USERNAME_PER_SECOND) {
    // This limit's own headers: the SDK waits for X-Rate-Limit-Reset, the next second here, then retries.
    throw Object.assign(oktaFailure("E0000047"), {
      rateLimitHeaders: {
        "X-Rate-Limit-Limit": String(AUTHN_PER_USERNAME_PER_SECOND),
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": String(second + 1),
      },
    });
  }
}

/** The password was right but has expired: a transaction whose only way on is a password change. */
function passwordExpired(context: Context, user: StoredUser, now: number) {
  const stateToken = newStateToken();
  const expiresAt = now + STATE_TOKEN_TTL_MS;
  context.org.transactions.set(stateToken, { userId: user.id, expiresAt, passwordVerifiedAt: now });
  return ok({
    stateToken,
    expiresAt: iso(expiresAt),
    status: "PASSWORD_EXPIRED",
    _embedded: { user: toAuthnUser(user), policy: { complexity: { minLength: 8 } } },
    _links: {
      next: {
        name: "changePassword",
        href: `${context.url}/api/v1/authn/credentials/change_password`,
        hints: { allow: ["POST"] },
      },
    },
  });
}

/**
 * The enrolment policy requires a factor the user has not enrolled (Authentication API, MFA_ENROLL):
 * the email factor while it is not active, else Google Authenticator, which this org cannot enrol. The
 * factors come without ids or links: the emulator serves no `/api/v1/authn/factors` enrolment.
 */
function mfaEnroll(context: Context, user: StoredUser, email: StoredFactor | undefined, now: number) {
  const stateToken = newStateToken();
  const expiresAt = now + STATE_TOKEN_TTL_MS;
  context.org.transactions.set(stateToken, { userId: user.id, expiresAt, passwordVerifiedAt: now });
  const required =
    email?.status === "ACTIVE"
      ? { factorType: "token:software:totp", provider: "GOOGLE", vendorName: "GOOGLE" }
      : { factorType: "email", provider: "OKTA", vendorName: "OKTA" };
  return ok({
    stateToken,
    expiresAt: iso(expiresAt),
    status: "MFA_ENROLL",
    _embedded: {
      user: toAuthnUser(user),
      factors: [{ ...required, status: "NOT_SETUP", enrollment: "REQUIRED" }],
    },
  });
}

function transactionOrThrow(context: Context, stateToken: string | undefined) {
  const transaction = stateToken === undefined ? undefined : context.org.transactions.get(stateToken);
  const user = transaction && context.org.users.get(transaction.userId);
  if (!transaction || transaction.expiresAt <= Date.now() || !user) throw oktaFailure("E0000011");
  return { transaction, user, stateToken: stateToken as string };
}

export const authnRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/v1/authn",
    public: true,
    async handle(context, { body }) {
      const now = Date.now();
      context.org.sweep(now);
      const username = text(body, "username") ?? "";
      countPerUsername(context, username, now);
      const user = context.org.userByLogin(username);
      const matches = await verifyPassword(user?.passwordHash, text(body, "password") ?? "");
      if (user && !matches && user.status === "ACTIVE" && ++user.failedPasswords >= LOCKOUT_ATTEMPTS) {
        user.status = "LOCKED_OUT";
        user.statusChanged = now;
      }
      // With "Show lockout failures" on, a locked user is told so, whatever the password.
      if (user?.status === "LOCKED_OUT" && context.settings.showLockoutFailures)
        return ok({ status: "LOCKED_OUT" });
      // One answer for an unknown login, a wrong password, a locked and an inactive user.
      if (!user || !matches || !["ACTIVE", "PASSWORD_EXPIRED"].includes(user.status)) {
        throw oktaFailure("E0000004");
      }
      user.failedPasswords = 0;
      if (user.status === "PASSWORD_EXPIRED") return passwordExpired(context, user, now);
      user.lastLogin = now;

      const factor = context.org.emailFactorOf(user.id);
      if (context.settings.mfaEnrollOnAuthn) return mfaEnroll(context, user, factor, now);
      if (!context.settings.mfaRequiredOnAuthn || factor?.status !== "ACTIVE")
        return success(context, user, now, null);
      const stateToken = newStateToken();
      const transaction: Transaction = {
        userId: user.id,
        expiresAt: now + STATE_TOKEN_TTL_MS,
        passwordVerifiedAt: now,
      };
      context.org.transactions.set(stateToken, transaction);
      return ok({
        stateToken,
        expiresAt: iso(transaction.expiresAt),
        status: "MFA_REQUIRED",
        _embedded: {
          user: toAuthnUser(user),
          factors: [toAuthnFactor(factor, context.url, true)],
          policy: NO_REMEMBERED_DEVICE,
        },
      });
    },
  },
  {
    method: "POST",
    path: "/api/v1/authn/factors/{factorId}/verify",
    public: true,
    async handle(context, { params, body }) {
      const { transaction, user, stateToken } = transactionOrThrow(context, text(body, "stateToken"));
      const factor = context.org.factors.get(params.factorId as string);
      if (!factor || factor.userId !== user.id || factor.status !== "ACTIVE") {
        throw notFound(params.factorId as string, "UserFactor");
      }
      transaction.expiresAt = Date.now() + STATE_TOKEN_TTL_MS;
      const passCode = text(body, "passCode");
      if (passCode !== undefined) {
        await checkCode(context, user.id, "verification", passCode);
        context.org.transactions.delete(stateToken);
        return success(context, user, transaction.passwordVerifiedAt, Date.now());
      }
      await sendCode(context, user.id, factor.email, "verification");
      return ok({
        stateToken,
        expiresAt: iso(transaction.expiresAt),
        status: "MFA_CHALLENGE",
        _embedded: {
          user: toAuthnUser(user),
          factor: toAuthnFactor(factor, context.url, false),
          policy: NO_REMEMBERED_DEVICE,
        },
        _links: {
          next: { name: "verify", href: authnVerifyHref(factor, context.url), hints: { allow: ["POST"] } },
        },
      });
    },
  },
];
