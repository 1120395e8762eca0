import { type Context, noContent, ok, type Route, text } from "./context.js";
import { newSessionId, newSessionToken } from "./ids.js";
import { notFound, oktaFailure, validationFailed } from "./okta-errors.js";
import type { Proof, StoredSession } from "./org.js";
import { toSession } from "./shapes.js";

/** Okta's default session lifetime: two hours. */
export const SESSION_TTL_MS = 2 * 60 * 60 * 1000;
/** A sessionToken lives five minutes and is redeemed once. */
const SESSION_TOKEN_TTL_MS = 5 * 60 * 1000;

/** Stores what an authentication proved under a new one-time sessionToken. */
export function issueSessionToken(context: Context, proof: Omit<Proof, "expiresAt">) {
  const token = newSessionToken();
  const expiresAt = Date.now() + SESSION_TOKEN_TTL_MS;
  context.org.sessionTokens.set(token, { ...proof, expiresAt });
  return { token, expiresAt };
}

function liveSession(context: Context, id: string): StoredSession {
  const session = context.org.sessions.get(id);
  if (!session || session.expiresAt <= Date.now()) throw notFound(id, "Session");
  return session;
}

export const sessionRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/v1/sessions",
    // Okta's docs: "This operation can be performed anonymously without an API Token."
    public: true,
    handle(context, { body }) {
      const sessionToken = text(body, "sessionToken");
      if (!sessionToken) {
        throw validationFailed("sessionToken", "sessionToken: The field cannot be left blank");
      }
      const proof = context.org.sessionTokens.get(sessionToken);
      context.org.sessionTokens.delete(sessionToken);
      const user = proof && context.org.users.get(proof.userId);
      const now = Date.now();
      if (!proof || proof.expiresAt <= now || user?.status !== "ACTIVE") throw oktaFailure("E0000004");
      const session: StoredSession = {
        id: newSessionId(),
        userId: user.id,
        login: user.profile.login,
        createdAt: now,
        expiresAt: now + SESSION_TTL_MS,
        lastPasswordVerification: proof.passwordVerifiedAt,
        lastFactorVerification: proof.factorVerifiedAt,
        amr: proof.amr,
      };
      context.org.sessions.set(session.id, session);
      return ok(toSession(session, context.org, context.url));
    },
  },
  {
    method: "GET",
    path: "/api/v1/sessions/{sessionId}",
    handle: (context, { params }) =>
      ok(toSession(liveSession(context, params.sessionId as string), context.org, context.url)),
  },
  {
    method: "DELETE",
    path: "/api/v1/sessions/{sessionId}",
    handle(context, { params }) {
      context.org.sessions.delete(liveSession(context, params.sessionId as string).id);
      return noContent;
    },
  },
  {
    method: "POST",
    path: "/api/v1/sessions/{sessionId}/lifecycle/refresh",
    handle(context, { params }) {
      const session = liveSession(context, params.sessionId as string);
      session.expiresAt = Date.now() + SESSION_TTL_MS;
      return ok(toSession(session, context.org, context.url));
    },
  },
];
