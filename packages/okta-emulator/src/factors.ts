import { checkCode, sendCode } from "./codes.js";
import { type Context, noContent, ok, type Route, record, text } from "./context.js";
import { newFactorId } from "./ids.js";
import { notFound, oktaFailure, validationFailed } from "./okta-errors.js";
import type { StoredFactor, StoredUser } from "./org.js";
import { toFactor } from "./shapes.js";
import { userOrThrow } from "./users.js";

const FACTOR_ALREADY_SET_UP = "A factor of this type is already set up.";
const FACTOR_NOT_ALLOWED = "Factor not allowed for the user based on the Multifactor policy.";
const FACTOR_ALREADY_ACTIVE = "factor: Factor is already active";
const FACTOR_NOT_ACTIVE = "factor: Factor is not active";

function factorOrThrow(context: Context, params: Record<string, string>): StoredFactor {
  const user = userOrThrow(context, params.id as string);
  const factor = context.org.factors.get(params.factorId as string);
  if (!factor || factor.userId !== user.id) throw notFound(params.factorId as string, "UserFactor");
  return factor;
}

/**
 * Okta: "Okta enforces a rate limit of five activation attempts within five minutes ... an OTP
 * resend request isn't allowed for the same factor" (management.yaml, activateFactor and
 * resendEnrollFactor). Answered as Okta's rate limit, 429 E0000047.
 */
const ACTIVATION_FAILURES_ALLOWED = 5;
const ACTIVATION_FAILURE_WINDOW_MS = 5 * 60 * 1000;

function refuseOverActivationLimit(factor: StoredFactor): void {
  const since = Date.now() - ACTIVATION_FAILURE_WINDOW_MS;
  factor.failedActivations = factor.failedActivations.filter((at) => at > since);
  if (factor.failedActivations.length >= ACTIVATION_FAILURES_ALLOWED) throw oktaFailure("E0000047");
}

function newEmailFactor(user: StoredUser, status: StoredFactor["status"]): StoredFactor {
  const now = Date.now();
  return {
    id: newFactorId(),
    userId: user.id,
    status,
    created: now,
    lastUpdated: now,
    email: user.profile.email,
    failedActivations: [],
  };
}

/**
 * Identity Engine enrols the email authenticator of a user with an email by itself, ACTIVE, and
 * enrols it again after a reset ("Email auto-enrolls, so the reset behavior differs": Okta's
 * "API changes after the upgrade", developer.okta.com/docs/guides/oie-upgrade-api-changes).
 * A Classic org enrols nothing until asked.
 */
export function autoEnrollEmail(context: Context, user: StoredUser): void {
  if (context.settings.engine !== "identity" || context.org.emailFactorOf(user.id)) return;
  const factor = newEmailFactor(user, "ACTIVE");
  context.org.factors.set(factor.id, factor);
}

function touch(factor: StoredFactor, status: StoredFactor["status"]): StoredFactor {
  factor.status = status;
  factor.lastUpdated = Date.now();
  return factor;
}

export const factorRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/v1/users/{id}/factors",
    async handle(context, { params, query, body }) {
      const user = userOrThrow(context, params.id as string);
      // The emulated org's Multifactor policy enables the email factor only.
      if (body.factorType !== "email" || body.provider !== "OKTA") {
        throw validationFailed("factorEnrollRequest", FACTOR_NOT_ALLOWED);
      }
      const email = text(record(body.profile), "email") ?? user.profile.email;
      if (email.toLowerCase() !== user.profile.email.toLowerCase()) {
        throw oktaFailure("E0000001", {
          summary: "Api validation failed: Only verified primary or secondary email can be enrolled.",
        });
      }
      const existing = context.org.emailFactorOf(user.id);
      if (existing?.status === "ACTIVE") throw validationFailed("factorEnrollRequest", FACTOR_ALREADY_SET_UP);
      const activate = query.get("activate") === "true";
      if (activate) {
        await context.codes.discard(user.id);
      } else {
        // Mailed before anything is written: a refused or failed send leaves the factor as it was.
        await sendCode(context, user.id, user.profile.email, "activation");
      }
      // Enrolling again while activation is pending keeps the factor and mails a fresh code.
      const factor = existing ?? newEmailFactor(user, "PENDING_ACTIVATION");
      context.org.factors.set(factor.id, touch(factor, activate ? "ACTIVE" : "PENDING_ACTIVATION"));
      return ok(toFactor(factor, context.url));
    },
  },
  {
    method: "GET",
    path: "/api/v1/users/{id}/factors",
    // Identity Engine lists only the factors the user's enrolment policy allows; this org's allows
    // the email factor only, and no other type can be enrolled here, so the list is already that.
    handle(context, { params }) {
      const user = userOrThrow(context, params.id as string);
      return ok(context.org.factorsOf(user.id).map((factor) => toFactor(factor, context.url)));
    },
  },
  {
    method: "GET",
    path: "/api/v1/users/{id}/factors/{factorId}",
    handle: (context, { params }) => ok(toFactor(factorOrThrow(context, params), context.url)),
  },
  {
    method: "DELETE",
    path: "/api/v1/users/{id}/factors/{factorId}",
    async handle(context, { params }) {
      const factor = factorOrThrow(context, params);
      context.org.factors.delete(factor.id);
      await context.codes.discard(factor.userId);
      autoEnrollEmail(context, userOrThrow(context, factor.userId));
      return noContent;
    },
  },
  {
    method: "POST",
    path: "/api/v1/users/{id}/factors/{factorId}/lifecycle/activate",
    async handle(context, { params, body }) {
      const factor = factorOrThrow(context, params);
      if (factor.status === "ACTIVE") throw validationFailed("factor", FACTOR_ALREADY_ACTIVE);
      refuseOverActivationLimit(factor);
      try {
        await checkCode(context, factor.userId, "activation", text(body, "passCode") ?? "");
      } catch (error) {
        factor.failedActivations.push(Date.now());
        throw error;
      }
      return ok(toFactor(touch(factor, "ACTIVE"), context.url));
    },
  },
  {
    method: "POST",
    path: "/api/v1/users/{id}/factors/{factorId}/resend",
    async handle(context, { params }) {
      const factor = factorOrThrow(context, params);
      if (factor.status === "ACTIVE") throw validationFailed("factor", FACTOR_ALREADY_ACTIVE);
      refuseOverActivationLimit(factor);
      await sendCode(context, factor.userId, factor.email, "activation");
      return ok(toFactor(touch(factor, factor.status), context.url));
    },
  },
  {
    method: "POST",
    path: "/api/v1/users/{id}/factors/{factorId}/verify",
    async handle(context, { params, body }) {
      const factor = factorOrThrow(context, params);
      if (factor.status !== "ACTIVE") throw validationFailed("factor", FACTOR_NOT_ACTIVE);
      const passCode = text(body, "passCode");
      if (passCode === undefined) {
        await sendCode(context, factor.userId, factor.email, "verification");
        const self = toFactor(factor, context.url)._links.self.href;
        return ok({
          factorResult: "CHALLENGE",
          _links: {
            verify: { href: `${self}/verify`, hints: { allow: ["POST"] } },
            factor: { href: self, hints: { allow: ["GET", "DELETE"] } },
          },
        });
      }
      await checkCode(context, factor.userId, "verification", passCode);
      return ok({ factorResult: "SUCCESS" });
    },
  },
];
