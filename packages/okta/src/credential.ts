import { createPrivateKey, type JsonWebKey, type KeyObject } from "node:crypto";

// What the service's configuration checks at start-up, without loading Okta's SDK (see service-app.ts).

/**
 * An OAuth 2.0 service app of the org ("API Services" app, client credentials with `private_key_jwt`):
 * https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
export interface ServiceAppCredential {
  clientId: string;
  /** The app's private key: PEM (PKCS#8 or PKCS#1/SEC1) or a JWK as JSON. RSA or EC. */
  privateKey: string;
  /** The `kid` Okta shows for the registered public key; a JWK's own `kid` is used when this is absent. */
  keyId?: string;
  /** The scopes asked for; DEFAULT_SCOPES unless set. */
  scopes?: readonly string[];
}

/**
 * What the provider's calls need, one scope per operation as Okta's Management API spec declares it
 * (management.yaml, `security: oauth2`): users and their factors are read (getUser, listFactors) and
 * managed (createUser, deactivateUser, deleteUser, enrollFactor, activateFactor, resendEnrollFactor,
 * verifyFactor); sessions are read (getSession) and revoked (revokeSession). The spec names a `read`
 * scope for the reads and never says that `manage` covers them, so both are asked for.
 */
export const DEFAULT_SCOPES: readonly string[] = [
  "okta.users.read",
  "okta.users.manage",
  "okta.sessions.read",
  "okta.sessions.manage",
];

/**
 * The key as a KeyObject, from PEM or a JWK in JSON; throws an Error that never repeats the key.
 */
export function readPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.startsWith("{")
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: "jwk" })
      : createPrivateKey(trimmed);
  } catch {
    throw new Error("is not a private key in PEM or JWK form");
  }
  if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") {
    throw new Error("must be an RSA or EC key (Okta signs client assertions with RS* or ES*)");
  }
  return key;
}
