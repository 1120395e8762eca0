import { z } from "zod";

/**
 * The one definition of every operation's input and answer. tRPC validates with
 * these directly; the REST shim's Joi schemas are checked against them by a test.
 */
export const LIMITS = {
  name: 50,
  /** RFC 5321: a mailbox is at most 254 characters. */
  email: 254,
  /** Long enough for any passphrase, short enough that hashing it is no DoS. */
  password: 256,
  id: 64,
  code: 128,
  token: 4096,
  clientId: 200,
  redirectUri: 2048,
} as const;

/**
 * Text a field may hold: what both databases store, and argon2 hashes, as it was sent. PostgreSQL's
 * text cannot hold NUL (U+0000): it refused the INSERT, a 500. A lone UTF-16 surrogate is not
 * Unicode: encoded to UTF-8 (by SQLite, PostgreSQL and argon2 alike) it becomes U+FFFD, so
 * "x\uD800" and "x\uD801" would be stored, or hashed, as one value. Passwords are never stored,
 * and argon2 takes a NUL as any other byte, but they follow the same rule: they are hashed as UTF-8
 * (the surrogates), nobody types a NUL, the Okta provider hands passwords on to a system whose
 * handling of NUL is its own, and one rule for every field is simpler to keep in step at two doors.
 * Other control characters store and hash faithfully and are left alone.
 */
export const storablePattern = /^[^\0\p{Cs}]*$/u;
export const notStorable = "must not contain NUL or unpaired surrogate characters";

const name = z.string().trim().min(1).max(LIMITS.name).regex(storablePattern, notStorable);
/**
 * The one email rule, for both doors and both providers. ASCII only: a dot-atom local part of
 * RFC 5322's characters and a domain of LDH labels, so an IDN domain is given in punycode
 * (`xn--`). Unicode is refused rather than normalised: NFKC or a case fold maps lookalikes (the
 * Kelvin sign, fullwidth letters, dotless i, ß) onto other people's addresses, and Okta supports
 * no diacritics in email addresses (its help page "Supported Okta email address characters"), nor
 * a top-level domain longer than 20. `/` is left out: Okta cannot look such a login up
 * (GET /api/v1/users/{login}), which replacing a registration that never finished needs.
 * No quoted local parts, comments or address literals: neither Okta nor most mail systems take them.
 * Both cases are spelt out, with no `i` flag: a JSON Schema `pattern` (the OpenAPI document) has no flags.
 */
export const emailPattern =
  /^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,20}|[Xx][Nn]--[A-Za-z0-9-]{1,16})$/;
/**
 * An address's one stored and compared form: trimmed, then lower-cased once it is known to be
 * ASCII (logins are case-insensitive in Okta and in the directory; lower-casing ASCII maps no
 * address onto another).
 */
const email = z.string().trim().max(LIMITS.email).regex(emailPattern, "must be a valid email").toLowerCase();
const password = z.string().min(1).max(LIMITS.password).regex(storablePattern, notStorable);
export const idPattern = /^[A-Za-z0-9_-]+$/;
const id = z.string().min(1).max(LIMITS.id).regex(idPattern);
export const otpPattern = /^\d{6}$/;
const otp = z.string().regex(otpPattern, "must be 6 digits");

export const registerInput = z.object({ firstName: name, lastName: name, email, password });
export const activateInput = z.object({ userId: id, otp: otp.optional() });
export const loginInput = z.object({ email, password });
/** `sessionId`: the session a passed check steps up (SSO_REQUIRE_MFA=session needs it for a grant). */
export const mfaVerifyInput = z.object({ userId: id, otp: otp.optional(), sessionId: id.optional() });
export const sessionInput = z.object({ sessionId: id });
/** A client id: visible ASCII (RFC 6749 A.1). */
export const clientIdPattern = /^[\x21-\x7E]+$/;
/** An absolute URI without spaces: https://app/cb, or a native app's com.example.app:/cb. */
export const redirectUriPattern = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7E]+$/;
/** RFC 7636 4.2: BASE64URL(SHA256(verifier)), 43 characters. */
export const codeChallengePattern = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 4.1: 43 to 128 unreserved characters. */
export const codeVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;
const clientId = z.string().max(LIMITS.clientId).regex(clientIdPattern);
const redirectUri = z.string().max(LIMITS.redirectUri).regex(redirectUriPattern);
/**
 * What a grant may be bound to (RFC 6749 4.1.1, RFC 7636 4.3): the code is then redeemed only by
 * that client, with that redirect URI and the verifier of that challenge. A redirect URI or a
 * challenge belongs to a client: they need `clientId`.
 */
export const grantInput = sessionInput
  .extend({
    clientId: clientId.optional(),
    redirectUri: redirectUri.optional(),
    codeChallenge: z.string().regex(codeChallengePattern).optional(),
    codeChallengeMethod: z.literal("S256").optional(),
  })
  .refine(
    (input) =>
      input.clientId !== undefined || (input.redirectUri === undefined && input.codeChallenge === undefined),
    { message: "clientId is required with redirectUri or codeChallenge", path: ["clientId"] },
  );
export const tokenInput = z.object({
  code: z.string().min(1).max(LIMITS.code).regex(idPattern),
  clientId: clientId.optional(),
  redirectUri: redirectUri.optional(),
  codeVerifier: z.string().regex(codeVerifierPattern).optional(),
});
export const verifyInput = z.object({ token: z.string().min(1).max(LIMITS.token) });

export type RegisterInput = z.infer<typeof registerInput>;
export type ActivateInput = z.infer<typeof activateInput>;
export type LoginInput = z.infer<typeof loginInput>;
export type MfaVerifyInput = z.infer<typeof mfaVerifyInput>;
export type SessionInput = z.infer<typeof sessionInput>;
export type GrantInput = z.infer<typeof grantInput>;
export type TokenInput = z.infer<typeof tokenInput>;
export type VerifyInput = z.infer<typeof verifyInput>;

const link = z.object({
  href: z.string(),
  name: z.string().optional(),
  method: z.string().optional(),
  hints: z.object({ allow: z.array(z.string()) }).optional(),
});
const links = z.record(z.string(), link);
const timestamp = z.string();

export const userProfile = z.object({
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  login: z.string(),
  mobilePhone: z.string().nullable().optional(),
  secondEmail: z.string().nullable().optional(),
});

/** Okta's User object (https://developer.okta.com/docs/reference/api/users/#user-object), without secrets. */
export const oktaUser = z.object({
  id: z.string(),
  status: z.enum([
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
  ]),
  created: timestamp,
  activated: timestamp.nullable(),
  statusChanged: timestamp.nullable(),
  lastLogin: timestamp.nullable(),
  lastUpdated: timestamp,
  passwordChanged: timestamp.nullable(),
  type: z.object({ id: z.string() }),
  profile: userProfile,
  credentials: z.object({
    password: z.object({}),
    emails: z
      .array(
        z.object({
          value: z.string(),
          status: z.enum(["VERIFIED", "UNVERIFIED"]),
          type: z.enum(["PRIMARY", "SECONDARY"]),
        }),
      )
      .optional(),
    provider: z.object({ type: z.string(), name: z.string() }),
  }),
  _links: links,
});

/** Okta's Session object (https://developer.okta.com/docs/reference/api/sessions/#session-object). */
export const oktaSession = z.object({
  id: z.string(),
  userId: z.string(),
  login: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp,
  status: z.enum(["ACTIVE", "MFA_REQUIRED", "MFA_ENROLL"]),
  lastPasswordVerification: timestamp.nullable(),
  lastFactorVerification: timestamp.nullable(),
  amr: z.array(z.string()),
  idp: z.object({ id: z.string(), type: z.string() }),
  mfaActive: z.boolean(),
  _links: links,
});

/** Okta's email Factor object. */
export const oktaEmailFactor = z.object({
  id: z.string(),
  factorType: z.literal("email"),
  provider: z.literal("OKTA"),
  vendorName: z.literal("OKTA"),
  status: z.enum(["PENDING_ACTIVATION", "ACTIVE"]),
  created: timestamp,
  lastUpdated: timestamp,
  profile: z.object({ email: z.string() }),
  _links: links,
});

export type UserProfile = z.infer<typeof userProfile>;
export type OktaUser = z.infer<typeof oktaUser>;
export type OktaSession = z.infer<typeof oktaSession>;
export type OktaEmailFactor = z.infer<typeof oktaEmailFactor>;

export const success = z.object({ success: z.literal(true) });
export const userIdAnswer = z.object({ userId: z.string() });
export const loginAnswer = z.union([oktaSession, userIdAnswer]);
export const grantAnswer = z.object({ code: z.string() });
export const tokenAnswer = z.object({ token: z.string() });
export const idTokenClaims = userProfile.extend({
  iss: z.string(),
  aud: z.string(),
  sub: z.string(),
  iat: z.number(),
  exp: z.number(),
  jti: z.string(),
  /** The client the code was bound to (OIDC Core 2: authorized party), when it was. */
  azp: z.string().optional(),
});

export type LoginAnswer = z.infer<typeof loginAnswer>;
