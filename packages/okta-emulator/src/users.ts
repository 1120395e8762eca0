import { assertPasswordPolicy } from "@authsvc/directory/okta-rules";
import { type Context, noContent, ok, type Route, record, text } from "./context.js";
import { autoEnrollEmail } from "./factors.js";
import { newUserId } from "./ids.js";
import { notFound, validationFailed } from "./okta-errors.js";
import type { StoredUser } from "./org.js";
import { hashPassword } from "./passwords.js";
import { toGroup, toUser } from "./shapes.js";

const LOGIN_TAKEN = "login: An object with this field already exists in the current organization";
/** The attributes Okta's default user profile requires. */
const REQUIRED = ["firstName", "lastName", "email", "login"] as const;
/** Okta's group ids: "00g" and 17 more characters. */
const GROUP_ID = /^00g\w{17}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function userOrThrow(context: Context, idOrLogin: string): StoredUser {
  const user = context.org.userByIdOrLogin(idOrLogin);
  if (!user) throw notFound(idOrLogin, "User");
  return user;
}

function deactivate(context: Context, user: StoredUser): void {
  const now = Date.now();
  user.status = "DEPROVISIONED";
  user.statusChanged = now;
  user.lastUpdated = now;
  // Okta ends a deactivated user's sessions.
  context.org.endSessionsOf(user.id);
}

export const userRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/v1/users",
    async handle(context, { body, query }) {
      const profile = record(body.profile);
      const missing = REQUIRED.filter((field) => !text(profile, field)?.trim());
      const [first] = missing;
      if (first) throw validationFailed(first, ...missing.map((f) => `${f}: The field cannot be left blank`));
      const { firstName, lastName, email, login } = Object.fromEntries(
        REQUIRED.map((field) => [field, text(profile, field) as string]),
      ) as StoredUser["profile"];
      if (!EMAIL.test(email)) throw validationFailed("email", "email: Does not match required pattern");
      const groupIds = body.groupIds ?? [];
      if (!Array.isArray(groupIds) || !groupIds.every((id) => typeof id === "string" && GROUP_ID.test(id))) {
        throw validationFailed("groupIds", "groupIds: Must be a list of group ids");
      }
      const password = text(record(record(body.credentials).password), "value");
      if (password !== undefined) assertPasswordPolicy(password, { login, firstName, lastName });
      if (context.org.userByLogin(login)) throw validationFailed("login", LOGIN_TAKEN);
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      // Checked again: another request may have taken the login while the password was hashed.
      if (context.org.userByLogin(login)) throw validationFailed("login", LOGIN_TAKEN);

      const now = Date.now();
      const activate = query.get("activate") !== "false";
      const status = !activate ? "STAGED" : passwordHash ? "ACTIVE" : "PROVISIONED";
      const user: StoredUser = {
        id: newUserId(),
        status,
        created: now,
        activated: activate ? now : null,
        statusChanged: activate ? now : null,
        lastLogin: null,
        lastUpdated: now,
        passwordChanged: passwordHash ? now : null,
        profile: { firstName, lastName, email, login },
        passwordHash,
        failedPasswords: 0,
        groupIds: [...new Set(groupIds as string[])],
      };
      context.org.addUser(user);
      if (user.status === "ACTIVE") autoEnrollEmail(context, user);
      return ok(toUser(user, context.url));
    },
  },
  {
    method: "GET",
    path: "/api/v1/users/{id}",
    handle: (context, { params }) => ok(toUser(userOrThrow(context, params.id as string), context.url)),
  },
  {
    method: "GET",
    path: "/api/v1/users",
    // listUsers with `limit` only (no search or paging): what a health check asks.
    handle(context, { query }) {
      const limit = Number(query.get("limit") ?? 200);
      if (!Number.isInteger(limit) || limit < 1)
        throw validationFailed("limit", "limit: Must be a positive number");
      return ok([...context.org.users.values()].slice(0, limit).map((user) => toUser(user, context.url)));
    },
  },
  {
    method: "GET",
    path: "/api/v1/users/{id}/groups",
    // listUserGroups; only the groups given on create, each as a bare OKTA_GROUP named by its id.
    handle(context, { params }) {
      const user = userOrThrow(context, params.id as string);
      return ok(user.groupIds.map((id) => toGroup(id, user.created, context.url)));
    },
  },
  {
    method: "POST",
    path: "/api/v1/users/{id}/lifecycle/deactivate",
    handle(context, { params }) {
      const user = userOrThrow(context, params.id as string);
      if (user.status !== "DEPROVISIONED") deactivate(context, user);
      // Okta answers 200 with no body.
      return { status: 200 };
    },
  },
  {
    method: "POST",
    path: "/api/v1/users/{id}/lifecycle/expire_password",
    // management.yaml, expirePassword: the user must change the password at the next sign-in.
    handle(context, { params }) {
      const user = userOrThrow(context, params.id as string);
      const now = Date.now();
      user.status = "PASSWORD_EXPIRED";
      user.statusChanged = now;
      user.lastUpdated = now;
      return ok(toUser(user, context.url));
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/users/{id}",
    async handle(context, { params }) {
      const user = userOrThrow(context, params.id as string);
      // Okta deletes only a deactivated user; a first DELETE of any other deactivates it.
      if (user.status !== "DEPROVISIONED") {
        deactivate(context, user);
      } else {
        context.org.removeUser(user);
        await context.codes.discard(user.id);
      }
      return noContent;
    },
  },
];
