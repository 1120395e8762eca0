import type { Org, StoredFactor, StoredSession, StoredUser } from "./org.js";

/** The org's default user type and schema: Okta names them in every user's `type` and `_links`. */
const USER_TYPE_ID = "otyEmulatorDefault00";
const USER_SCHEMA_ID = "oscEmulatorDefault00";

interface Link {
  href: string;
  name?: string;
  method?: string;
  hints?: { allow: string[] };
}

const allow = (...methods: string[]) => ({ allow: methods });

/** Okta's timestamps: ISO 8601 in UTC with milliseconds. */
export function iso(epochMs: number): string;
export function iso(epochMs: number | null): string | null;
export function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

function userLinks(user: StoredUser, url: string): Record<string, Link> {
  const self = `${url}/api/v1/users/${user.id}`;
  const lifecycle = (name: string, path = `lifecycle/${name}`) => ({
    href: `${self}/${path}`,
    method: "POST",
  });
  const byStatus: Record<StoredUser["status"], Record<string, Link>> = {
    ACTIVE: {
      suspend: lifecycle("suspend"),
      deactivate: lifecycle("deactivate"),
      resetPassword: lifecycle("reset_password"),
      expirePassword: lifecycle("expire_password"),
      changePassword: lifecycle("changePassword", "credentials/change_password"),
    },
    STAGED: { activate: lifecycle("activate"), deactivate: lifecycle("deactivate") },
    PROVISIONED: { activate: lifecycle("activate"), deactivate: lifecycle("deactivate") },
    DEPROVISIONED: { activate: lifecycle("activate") },
    PASSWORD_EXPIRED: { deactivate: lifecycle("deactivate"), resetPassword: lifecycle("reset_password") },
    LOCKED_OUT: { unlock: lifecycle("unlock"), deactivate: lifecycle("deactivate") },
  };
  return {
    self: { href: self },
    type: { href: `${url}/api/v1/meta/types/user/${USER_TYPE_ID}` },
    schema: { href: `${url}/api/v1/meta/schemas/user/${USER_SCHEMA_ID}` },
    ...byStatus[user.status],
  };
}

/**
 * A group as listUserGroups answers it (management.yaml's Group), for a group the emulator knows by
 * id only: its times are those of the member's creation, when it joined.
 */
export function toGroup(id: string, joined: number, url: string) {
  return {
    id,
    created: iso(joined),
    lastUpdated: iso(joined),
    lastMembershipUpdated: iso(joined),
    objectClass: ["okta:user_group"],
    type: "OKTA_GROUP",
    profile: { name: id, description: "" },
    _links: { self: { href: `${url}/api/v1/groups/${id}` } },
  };
}

export function toUser(user: StoredUser, url: string) {
  return {
    id: user.id,
    status: user.status,
    created: iso(user.created),
    activated: iso(user.activated),
    statusChanged: iso(user.statusChanged),
    lastLogin: iso(user.lastLogin),
    lastUpdated: iso(user.lastUpdated),
    passwordChanged: iso(user.passwordChanged),
    type: { id: USER_TYPE_ID },
    profile: { ...user.profile, mobilePhone: null, secondEmail: null },
    credentials: {
      ...(user.passwordHash === undefined ? {} : { password: {} }),
      emails: [{ value: user.profile.email, status: "VERIFIED", type: "PRIMARY" }],
      provider: { type: "OKTA", name: "OKTA" },
    },
    _links: userLinks(user, url),
  };
}

export function toFactor(factor: StoredFactor, url: string) {
  const user = `${url}/api/v1/users/${factor.userId}`;
  const self = `${user}/factors/${factor.id}`;
  const next: Record<string, Link | Link[]> =
    factor.status === "ACTIVE"
      ? { verify: { href: `${self}/verify`, hints: allow("POST") } }
      : {
          activate: { href: `${self}/lifecycle/activate`, hints: allow("POST") },
          resend: [{ name: "email", href: `${self}/resend`, hints: allow("POST") }],
        };
  return {
    id: factor.id,
    factorType: "email",
    provider: "OKTA",
    vendorName: "OKTA",
    status: factor.status,
    created: iso(factor.created),
    lastUpdated: iso(factor.lastUpdated),
    profile: { email: factor.email },
    _links: {
      ...next,
      self: { href: self, hints: allow("GET", "DELETE") },
      user: { href: user, hints: allow("GET") },
    },
  };
}

export function toSession(session: StoredSession, org: Org, url: string) {
  const self = `${url}/api/v1/sessions/${session.id}`;
  const user = org.users.get(session.userId);
  return {
    id: session.id,
    userId: session.userId,
    login: session.login,
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
    status: "ACTIVE",
    lastPasswordVerification: iso(session.lastPasswordVerification),
    lastFactorVerification: iso(session.lastFactorVerification),
    amr: session.amr,
    idp: { id: org.id, type: "OKTA" },
    mfaActive: org.factorsOf(session.userId).some((factor) => factor.status === "ACTIVE"),
    _links: {
      self: { href: self, hints: allow("GET", "DELETE") },
      refresh: { href: `${self}/lifecycle/refresh`, hints: allow("POST") },
      user: {
        href: `${url}/api/v1/users/${session.userId}`,
        name: user ? `${user.profile.firstName} ${user.profile.lastName}` : session.login,
        hints: allow("GET"),
      },
    },
  };
}

/** The subset of the user the Authentication API embeds in a transaction. */
export function toAuthnUser(user: StoredUser) {
  const { login, firstName, lastName } = user.profile;
  return {
    id: user.id,
    passwordChanged: iso(user.passwordChanged),
    profile: { login, firstName, lastName, locale: "en_US", timeZone: "America/Los_Angeles" },
  };
}

/** A factor as the Authentication API shows it to a caller not yet fully authenticated. */
export function toAuthnFactor(factor: StoredFactor, url: string, withLinks: boolean) {
  return {
    id: factor.id,
    factorType: "email",
    provider: "OKTA",
    vendorName: "OKTA",
    profile: { email: maskEmail(factor.email) },
    ...(withLinks
      ? { _links: { verify: { href: authnVerifyHref(factor, url), hints: allow("POST") } } }
      : {}),
  };
}

export function authnVerifyHref(factor: StoredFactor, url: string): string {
  return `${url}/api/v1/authn/factors/${factor.id}/verify`;
}

/** Okta's mask: the local part's first and last characters ("d...y@example.com"). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  return `${local.slice(0, 1)}...${local.slice(-1)}${email.slice(at)}`;
}
