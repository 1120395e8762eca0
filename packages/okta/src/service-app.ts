import { createHash, type KeyObject, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { DEFAULT_SCOPES, readPrivateKey, type ServiceAppCredential } from "./credential.js";
import { unavailable } from "./okta-failures.js";

/**
 * The calls made with no credential under OAuth. OAuth for Okta covers only the APIs that have
 * scopes (https://developer.okta.com/docs/guides/implement-oauth-for-okta/main/: "OAuth for Okta
 * works only with the APIs listed on the OAuth 2.0 Scopes page"); these have none:
 * - `POST /api/v1/authn`, the Authentication API, is public; a token there is an API token (the
 *   "trusted application" of https://developer.okta.com/docs/reference/api/authn/#application-types),
 *   which an access token is not. Sent with none it is a public application's call.
 * - `POST /api/v1/sessions` (createSession) declares `apiToken` as its only security in the
 *   Management API spec, and Okta's Sessions API says it "can be performed anonymously without an
 *   API token" (https://developer.okta.com/docs/reference/api/sessions/#create-session-with-session-token).
 * - `GET /.well-known/okta-organization` is public metadata.
 * Sending a management access token there would only hand a bearer secret to calls that ignore it.
 */
const UNAUTHENTICATED_UNDER_OAUTH = [
  /^POST \/api\/v1\/authn$/,
  /^POST \/api\/v1\/sessions$/,
  /^GET \/\.well-known\/okta-organization$/,
];

/** A token is renewed this long before Okta's `expires_in` runs out, so no call carries a dying one. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/**
 * The client assertion's life: Okta refuses one that expires more than an hour after it was made
 * (https://developer.okta.com/docs/reference/api/oidc/#jwt-with-private-key).
 */
const ASSERTION_LIFETIME_SECONDS = 300;
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** A token request may meet "DPoP required" and then "use this nonce": three tries cover both. */
const TOKEN_ATTEMPTS = 3;

export function isUnauthenticatedUnderOAuth(method: string, url: string): boolean {
  const key = `${method.toUpperCase()} ${new URL(url).pathname}`;
  return UNAUTHENTICATED_UNDER_OAUTH.some((pattern) => pattern.test(key));
}

type ProofKeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface AccessToken {
  value: string;
  /** "DPoP" when Okta bound it to the proof key (RFC 9449 §5), else "Bearer". */
  type: "Bearer" | "DPoP";
  renewAt: number;
}

interface TokenAnswer {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/**
 * Access tokens of a service app, got with a `private_key_jwt` client assertion (RFC 7523) and kept
 * until a minute before they expire. DPoP (RFC 9449) is used when the org asks for it, as the app's
 * "Require Demonstrating Proof of Possession (DPoP) header in token requests" does (on by default
 * for new API Services apps): Okta then refuses a token request without a proof (`invalid_dpop_proof`,
 * https://support.okta.com/help/s/article/the-dpop-proof-jwt-header-is-missing) and then one without
 * its nonce (`use_dpop_nonce`, with a `DPoP-Nonce` header: RFC 9449 §8). The proofs are signed by a key
 * made for this process, never the client key: RFC 9449 lets the client choose it, and a stolen
 * token is then useless without this process's memory.
 *
 * Not the SDK's own `authorizationMode: 'PrivateKey'` (8.1.0): its DPoP nonce retry is unreachable
 * (Http.errorFilter throws on the 400 before the `use_dpop_nonce` check runs), it keeps a token until
 * a 401, and it puts the token on every request and repeats any request answered 401 with a new
 * token, the authn call included, so one wrong password would count twice towards lockout.
 */
export class ServiceAppTokens {
  private readonly signingKey: KeyObject;
  private readonly algorithm: string;
  private readonly keyId: string | undefined;
  private readonly scopes: string;
  private readonly tokenUrl: string;
  private token: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  /** Learnt from Okta's first refusal; then every token request and API call carries a proof. */
  private dpop = false;
  private dpopNonce: string | undefined;
  private proofKey: Promise<{ privateKey: ProofKeyPair["privateKey"]; jwk: JWK }> | undefined;

  constructor(
    orgUrl: string,
    private readonly credential: ServiceAppCredential,
    private readonly requestTimeoutMs: number,
  ) {
    this.signingKey = readPrivateKey(credential.privateKey);
    this.algorithm = signingAlgorithm(this.signingKey);
    this.keyId = credential.keyId ?? jwkKeyId(credential.privateKey);
    this.scopes = (credential.scopes ?? DEFAULT_SCOPES).join(" ");
    this.tokenUrl = `${orgUrl}/oauth2/v1/token`;
  }

  /** The Authorization (and DPoP) headers of one management call. */
  async headersFor(method: string, url: string): Promise<Record<string, string>> {
    const token = await this.current();
    if (token.type === "Bearer") return { Authorization: `Bearer ${token.value}` };
    return {
      Authorization: `DPoP ${token.value}`,
      DPoP: await this.proof(method, url, { ath: sha256Base64Url(token.value) }),
    };
  }

  /** Okta refused the token (revoked, or the app's keys changed): the next call gets a new one. */
  forget(): void {
    this.token = undefined;
  }

  private current(): Promise<AccessToken> {
    if (this.token && Date.now() < this.token.renewAt) return Promise.resolve(this.token);
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async request(): Promise<AccessToken> {
    for (let attempt = 1; ; attempt++) {
      const answer = await this.post();
      const body = answer.body;
      if (answer.status === 200 && body.access_token) {
        const type = body.token_type === "DPoP" ? "DPoP" : "Bearer";
        const lifetimeMs = (body.expires_in ?? 3600) * 1000;
        this.token = {
          value: body.access_token,
          type,
          renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 2),
        };
        return this.token;
      }
      const nonce = answer.nonce;
      const dpopAsked =
        body.error === "use_dpop_nonce" || (body.error === "invalid_dpop_proof" && !this.dpop);
      if (!dpopAsked || attempt === TOKEN_ATTEMPTS) throw tokenRefused(answer.status, body);
      this.dpop = true;
      if (nonce) this.dpopNonce = nonce;
    }
  }

  private async post(): Promise<{ status: number; body: TokenAnswer; nonce: string | undefined }> {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      scope: this.scopes,
      client_assertion_type: JWT_BEARER,
      client_assertion: await this.assertion(),
    });
    const headers: Record<string, string> = {
      Accept: "application/json",
      "Content-Type": "application/x-www-form-urlencoded",
    };
    if (this.dpop) {
      headers.DPoP = await this.proof("POST", this.tokenUrl, this.dpopNonce ? { nonce: this.dpopNonce } : {});
    }
    let response: Response;
    let body: TokenAnswer;
    try {
      response = await fetch(this.tokenUrl, {
        method: "POST",
        headers,
        body: form,
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      body = (await response.json().catch(() => ({}))) as TokenAnswer;
    } catch {
      throw unavailable();
    }
    if (response.status >= 500) throw unavailable();
    return { status: response.status, body, nonce: response.headers.get("dpop-nonce") ?? undefined };
  }

  /** RFC 7523 §3 as Okta checks it: iss = sub = client id, aud = the token endpoint, a single-use jti. */
  private assertion(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: this.algorithm, ...(this.keyId ? { kid: this.keyId } : {}) })
      .setIssuer(this.credential.clientId)
      .setSubject(this.credential.clientId)
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(this.signingKey);
  }

  /** A DPoP proof (RFC 9449 §4.2): htm, htu without query or fragment, iat, a fresh jti. */
  private async proof(
    method: string,
    url: string,
    claims: { ath?: string; nonce?: string },
  ): Promise<string> {
    this.proofKey ??= generateKeyPair("ES256").then(async ({ privateKey, publicKey }) => ({
      privateKey,
      jwk: await exportJWK(publicKey),
    }));
    const { privateKey, jwk } = await this.proofKey;
    const target = new URL(url);
    return new SignJWT({ htm: method.toUpperCase(), htu: `${target.origin}${target.pathname}`, ...claims })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(privateKey);
  }
}

function signingAlgorithm(key: KeyObject): string {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === "secp384r1" ? "ES384" : curve === "secp521r1" ? "ES512" : "ES256";
}

function jwkKeyId(text: string): string | undefined {
  if (!text.trim().startsWith("{")) return undefined;
  const { kid } = JSON.parse(text) as { kid?: unknown };
  return typeof kid === "string" ? kid : undefined;
}

function sha256Base64Url(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/**
 * Okta refused the service app itself (unknown client, a key it does not hold, a scope not granted):
 * no user can be served until an administrator fixes it, so this is a server error with Okta's words,
 * never the assertion or the key.
 */
function tokenRefused(status: number, body: TokenAnswer): Error {
  const reason = body.error ? `${body.error}: ${body.error_description ?? ""}`.trim() : `HTTP ${status}`;
  return new Error(`Okta refused the service app's token request (${reason})`);
}
