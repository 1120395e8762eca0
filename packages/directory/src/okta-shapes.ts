import type { OktaEmailFactor, OktaSession, OktaUser } from "@authsvc/core";

/** The embedded directory is one org; these stand for the ids Okta gives each org's objects. */
export const ORG_ID = "00oEmbeddedDirectory";
export const USER_TYPE_ID = "otyEmbeddedDefault00";
export const USER_SCHEMA_ID = "oscEmbeddedDefault00";

export interface UserRow {
  id: string;
  login: string;
  email: string;
  first_name: string;
  last_name: string;
  status: OktaUser["status"];
  created: number;
  activated: number | null;
  status_changed: number | null;
  last_login: number | null;
  last_updated: number;
  password_changed: number | null;
}

export interface FactorRow {
  id: string;
  user_id: string;
  status: OktaEmailFactor["status"];
  created: number;
  last_updated: number;
}

export interface SessionRow {
  id: string;
  user_id: string;
  login: string;
  created_at: number;
  expires_at: number;
  last_password_verification: number | null;
  last_factor_verification: number | null;
  amr: string;
  first_name: string;
  last_name: string;
  factor_status: FactorRow["status"] | null;
}

interface Link {
  href: string;
  method?: string;
  name?: string;
  hints?: { allow: string[] };
}

/** Okta's timestamps: ISO 8601 in UTC with milliseconds. */
function iso(epochMs: number): string;
function iso(epochMs: number | null): string | null;
function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

export function toOktaUser(row: UserRow, orgUrl: string): OktaUser {
  const self = `${orgUrl}/api/v1/users/${row.id}`;
  const links: Record<string, Link> = {
    self: { href: self },
    type: { href: `${orgUrl}/api/v1/meta/types/user/${USER_TYPE_ID}` },
    schema: { href: `${orgUrl}/api/v1/meta/schemas/user/${USER_SCHEMA_ID}` },
    suspend: { href: `${self}/lifecycle/suspend`, method: "POST" },
    deactivate: { href: `${self}/lifecycle/deactivate`, method: "POST" },
    resetPassword: { href: `${self}/lifecycle/reset_password`, method: "POST" },
    expirePassword: { href: `${self}/lifecycle/expire_password`, method: "POST" },
    changePassword: { href: `${self}/credentials/change_password`, method: "POST" },
  };
  return {
    id: row.id,
    status: row.status,
    created: iso(row.created),
    activated: iso(row.activated),
    statusChanged: iso(row.status_changed),
    lastLogin: iso(row.last_login),
    lastUpdated: iso(row.last_updated),
    passwordChanged: iso(row.password_changed),
    type: { id: USER_TYPE_ID },
    profile: {
      firstName: row.first_name,
      lastName: row.last_name,
      mobilePhone: null,
      secondEmail: null,
      login: row.login,
      email: row.email,
    },
    credentials: {
      password: {},
      emails: [{ value: row.email, status: "VERIFIED", type: "PRIMARY" }],
      provider: { type: "OKTA", name: "OKTA" },
    },
    _links: links,
  };
}

export function toOktaFactor(row: FactorRow, email: string, orgUrl: string): OktaEmailFactor {
  const user = `${orgUrl}/api/v1/users/${row.user_id}`;
  const self = `${user}/factors/${row.id}`;
  const links: Record<string, Link> =
    row.status === "ACTIVE"
      ? { verify: { href: `${self}/verify`, hints: { allow: ["POST"] } } }
      : { activate: { href: `${self}/lifecycle/activate`, hints: { allow: ["POST"] } } };
  links.self = { href: self, hints: { allow: ["GET", "DELETE"] } };
  links.user = { href: user, hints: { allow: ["GET"] } };
  return {
    id: row.id,
    factorType: "email",
    provider: "OKTA",
    vendorName: "OKTA",
    status: row.status,
    created: iso(row.created),
    lastUpdated: iso(row.last_updated),
    profile: { email },
    _links: links,
  };
}

export function toOktaSession(row: SessionRow, orgUrl: string): OktaSession {
  const self = `${orgUrl}/api/v1/sessions/${row.id}`;
  const links: Record<string, Link> = {
    self: { href: self, hints: { allow: ["DELETE"] } },
    refresh: { href: `${self}/lifecycle/refresh`, hints: { allow: ["POST"] } },
    user: {
      href: `${orgUrl}/api/v1/users/${row.user_id}`,
      name: `${row.first_name} ${row.last_name}`,
      hints: { allow: ["GET"] },
    },
  };
  return {
    id: row.id,
    userId: row.user_id,
    login: row.login,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    status: "ACTIVE",
    lastPasswordVerification: iso(row.last_password_verification),
    lastFactorVerification: iso(row.last_factor_verification),
    amr: JSON.parse(row.amr) as string[],
    idp: { id: ORG_ID, type: "OKTA" },
    mfaActive: row.factor_status === "ACTIVE",
    _links: links,
  };
}
