import type { OktaEmailFactor, OktaSession, OktaUser } from "@authsvc/core";
import type { User, UserFactor } from "@okta/okta-sdk-nodejs";

/**
 * The SDK hands back class instances with `Date`s and drops what its models do not
 * know; the service answers Okta's JSON. These put Okta's JSON shapes back together
 * (the shapes the embedded directory answers), with nothing left undefined.
 */

interface Link {
  href: string;
  name?: string;
  hints?: { allow: string[] };
}

interface SdkLink {
  href?: string;
  name?: string;
  hints?: { allow?: string[] };
}

function iso(date: Date | null | undefined): string | null {
  return date instanceof Date ? date.toISOString() : null;
}

function links(sdkLinks: object | undefined): Record<string, Link> {
  const result: Record<string, Link> = {};
  for (const [name, value] of Object.entries(sdkLinks ?? {}) as [string, SdkLink | undefined][]) {
    if (!value?.href) continue;
    const link: Link = { href: value.href };
    if (value.name) link.name = value.name;
    if (value.hints?.allow) link.hints = { allow: [...value.hints.allow] };
    result[name] = link;
  }
  return result;
}

export function toOktaUser(user: User): OktaUser {
  const profile = user.profile ?? {};
  // Okta's profile carries whatever attributes the org defines; the SDK lists every known one, unset ones as undefined.
  const attributes = Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined));
  return {
    id: user.id ?? "",
    status: user.status ?? "ACTIVE",
    created: iso(user.created) ?? "",
    activated: iso(user.activated),
    statusChanged: iso(user.statusChanged),
    lastLogin: iso(user.lastLogin),
    lastUpdated: iso(user.lastUpdated) ?? "",
    passwordChanged: iso(user.passwordChanged),
    type: { id: user.type?.id ?? "" },
    profile: {
      ...attributes,
      firstName: profile.firstName ?? "",
      lastName: profile.lastName ?? "",
      email: profile.email ?? "",
      login: profile.login ?? "",
    },
    credentials: {
      password: {},
      provider: {
        type: user.credentials?.provider?.type ?? "OKTA",
        name: user.credentials?.provider?.name ?? "OKTA",
      },
    },
    _links: links(user._links),
  };
}

/** Okta's Session as Okta's JSON has it (the SDK's Session model keeps neither `mfaActive` nor most links). */
export interface SessionJson {
  id?: string;
  userId?: string;
  login?: string;
  createdAt?: string;
  expiresAt?: string;
  status?: string;
  lastPasswordVerification?: string | null;
  lastFactorVerification?: string | null;
  amr?: string[];
  idp?: { id?: string; type?: string };
  mfaActive?: boolean;
  _links?: object;
}

const SESSION_STATUSES: readonly OktaSession["status"][] = ["ACTIVE", "MFA_REQUIRED", "MFA_ENROLL"];

export function toOktaSession(session: SessionJson, mfaActive: boolean): OktaSession {
  return {
    id: session.id ?? "",
    userId: session.userId ?? "",
    login: session.login ?? "",
    createdAt: session.createdAt ?? "",
    expiresAt: session.expiresAt ?? "",
    status: SESSION_STATUSES.find((known) => known === session.status) ?? "ACTIVE",
    lastPasswordVerification: session.lastPasswordVerification ?? null,
    lastFactorVerification: session.lastFactorVerification ?? null,
    amr: [...(session.amr ?? [])],
    idp: { id: session.idp?.id ?? "", type: session.idp?.type ?? "OKTA" },
    mfaActive,
    _links: links(session._links),
  };
}

export function toOktaEmailFactor(factor: UserFactor): OktaEmailFactor {
  return {
    id: factor.id ?? "",
    factorType: "email",
    provider: "OKTA",
    vendorName: "OKTA",
    status: factor.status === "ACTIVE" ? "ACTIVE" : "PENDING_ACTIVATION",
    created: iso(factor.created) ?? "",
    lastUpdated: iso(factor.lastUpdated) ?? "",
    profile: { email: String(factor.profile?.email ?? "") },
    _links: links(factor._links),
  };
}

/**
 * The SDK's model of an activation's answer keeps only `factorType` and `_links`; the
 * factor it activated is the pending one, now active, with the links of an active factor.
 */
export function activated(pending: OktaEmailFactor, userId: string, orgUrl: string): OktaEmailFactor {
  const user = `${orgUrl}/api/v1/users/${userId}`;
  const self = `${user}/factors/${pending.id}`;
  return {
    ...pending,
    status: "ACTIVE",
    lastUpdated: new Date().toISOString(),
    _links: {
      verify: { href: `${self}/verify`, hints: { allow: ["POST"] } },
      self: { href: self, hints: { allow: ["GET", "DELETE"] } },
      user: { href: user, hints: { allow: ["GET"] } },
    },
  };
}
