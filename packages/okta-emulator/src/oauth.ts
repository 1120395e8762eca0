import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthError } from "@authsvc/core";
import {
  calculateJwkThumbprint,
  decodeJwt,
  EmbeddedJWK,
  errors,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { oktaFailure } from "./okta-errors.js";

/**
 * An OAuth 2.0 service app ("API Services" app) registered in the org: its public key, the Okta API
 * scopes granted to it, and whether it requires DPoP ("Require Demonstrating Proof of Possession (DPoP)
 * header in token requests", on by default for new apps). Okta's set-up:
 * https://developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/main/
 */
export interface ServiceApp {
  clientId: string;
  /** The public JWK registered for `private_key_jwt`. */
  publicKey: JWK;
  /** The Okta API scopes granted ("Okta API Scopes" tab). */
  scopes: string[];
  dpop: boolean;
}

export const TOKEN_PATH = "/oauth2/v1/token";

/**
 * The scope each emulated Management API call needs: its `security: oauth2` in management.yaml
 * (oauth.test.ts checks this table against the spec). Calls missing here have no OAuth scope.
 */
export const SCOPE_OF_ROUTE: Record<string, string> = {
  "POST /api/v1/users": "okta.users.manage",
  "GET /api/v1/users": "okta.users.read",
  "GET /api/v1/users/{id}": "okta.users.read",
  "GET /api/v1/users/{id}/groups": "okta.users.read",
  "DELETE /api/v1/users/{id}": "okta.users.manage",
  "POST /api/v1/users/{id}/lifecycle/deactivate": "okta.users.manage",
  "POST /api/v1/users/{id}/lifecycle/expire_password": "okta.users.manage",
  "GET /api/v1/users/{id}/factors": "okta.users.read",
  "POST /api/v1/users/{id}/factors": "okta.users.manage",
  "GET /api/v1/users/{id}/factors/{factorId}": "okta.users.read",
  "DELETE /api/v1/users/{id}/factors/{factorId}": "okta.users.manage",
  "POST /api/v1/users/{id}/factors/{factorId}/lifecycle/activate": "okta.users.manage",
  "POST /api/v1/users/{id}/factors/{factorId}/resend": "okta.users.manage",
  "POST /api/v1/users/{id}/factors/{factorId}/verify": "okta.users.manage",
  "GET /api/v1/sessions/{sessionId}": "okta.sessions.read",
  "DELETE /api/v1/sessions/{sessionId}": "okta.sessions.manage",
  "POST /api/v1/sessions/{sessionId}/lifecycle/refresh": "okta.sessions.manage",
};

/** Okta's org authorization server issues access tokens that live an hour. */
const ACCESS_TOKEN_TTL_SECONDS = 3600;
/** Okta refuses a client assertion whose `exp` is more than an hour away. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
/** How old a DPoP proof may be, and how long a DPoP nonce is taken (RFC 9449 §11.1 leaves both to the server). */
const DPOP_PROOF_MAX_AGE_SECONDS = 300;
const DPOP_NONCE_TTL_MS = 5 * 60 * 1000;
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

interface IssuedToken {
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
  /** The thumbprint of the DPoP key it is bound to (RFC 9449 §6); undefined for a Bearer token. */
  jkt: string | undefined;
}

/** An OAuth answer of the token endpoint (RFC 6749 §5), with its headers. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A refusal of an API call, with the `WWW-Authenticate` challenge Okta sends with it. */
type Refusal = AuthError & { challenge?: Record<string, string> };

/**
 * The org authorization server's client credentials grant and the access-token check of the Management
 * API. Tokens are opaque here (Okta's are JWTs; nothing outside Okta reads them).
 */
export class OAuthServer {
  private tokens = new Map<string, IssuedToken>();
  /** Used client-assertion and DPoP-proof jtis, until they expire: each is taken once. */
  private usedJtis = new Map<string, number>();
  private nonces = new Map<string, number>();

  constructor(
    private readonly apps: () => ServiceApp[],
    private readonly orgUrl: () => string,
  ) {}

  clear(): void {
    this.tokens.clear();
    this.usedJtis.clear();
    this.nonces.clear();
  }

  /** `POST /oauth2/v1/token` with `grant_type=client_credentials` and a `private_key_jwt` assertion. */
  async token(headers: IncomingHttpHeaders, raw: string): Promise<TokenAnswer> {
    const form = new URLSearchParams(raw);
    if (form.get("grant_type") !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported.");
    }
    const assertion = form.get("client_assertion");
    if (form.get("client_assertion_type") !== JWT_BEARER || !assertion) {
      return oauthError(
        401,
        "invalid_client",
        "Client authentication failed: send a private_key_jwt client_assertion.",
      );
    }
    let clientId: string | undefined;
    try {
      clientId = decodeJwt(assertion).iss;
    } catch {
      return oauthError(401, "invalid_client", "The client_assertion is not a JWT.");
    }
    const app = this.apps().find((each) => each.clientId === clientId);
    if (!app) return oauthError(401, "invalid_client", "Invalid value for 'client_id' parameter.");
    const refusal = await this.checkAssertion(app, assertion);
    if (refusal) return oauthError(401, "invalid_client", refusal);

    const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const notGranted = asked.filter((scope) => !app.scopes.includes(scope));
    if (asked.length === 0 || notGranted.length > 0) {
      return oauthError(
        400,
        "invalid_scope",
        `The following scopes are not granted to the app: ${notGranted.join(" ") || "(none asked)"}.`,
      );
    }

    let jkt: string | undefined;
    if (app.dpop) {
      const proof = headers.dpop;
      if (typeof proof !== "string") {
        // https://support.okta.com/help/s/article/the-dpop-proof-jwt-header-is-missing
        return oauthError(400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.");
      }
      const checked = await this.checkProof(proof, "POST", TOKEN_PATH);
      if (typeof checked === "string") return oauthError(400, "invalid_dpop_proof", checked);
      if (!this.takeNonce(checked.payload.nonce)) {
        // RFC 9449 §8: 400 use_dpop_nonce with a DPoP-Nonce header to put in the next proof.
        const nonce = randomBytes(24).toString("base64url");
        this.nonces.set(nonce, Date.now() + DPOP_NONCE_TTL_MS);
        const answer = oauthError(
          400,
          "use_dpop_nonce",
          "Authorization server requires nonce in DPoP proof.",
        );
        answer.headers["DPoP-Nonce"] = nonce;
        return answer;
      }
      jkt = checked.jkt;
    }
    const accessToken = randomBytes(32).toString("base64url");
    this.tokens.set(accessToken, {
      clientId: app.clientId,
      scopes: new Set(asked),
      expiresAt: Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000,
      jkt,
    });
    return {
      status: 200,
      headers: { "Cache-Control": "no-store", Pragma: "no-cache" },
      body: {
        token_type: jkt ? "DPoP" : "Bearer",
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        access_token: accessToken,
        scope: asked.join(" "),
      },
    };
  }

  /** Whether `Authorization` holds an access token (as opposed to an API token). */
  static isAccessToken(authorization: string | undefined): boolean {
    return /^(Bearer|DPoP) /.test(authorization ?? "");
  }

  /**
   * Checks an API call's access token: live, DPoP-bound ones with a valid proof, and the call's scope
   * granted. Throws Okta's refusal with its `WWW-Authenticate` challenge.
   */
  async authorize(headers: IncomingHttpHeaders, method: string, path: string, routeKey: string) {
    const [scheme = "", value = ""] = (headers.authorization ?? "").split(" ", 2);
    const token = this.tokens.get(value);
    const scope = SCOPE_OF_ROUTE[routeKey];
    if (!token || token.expiresAt <= Date.now()) {
      throw this.refusal("E0000011", scheme, {
        error: "invalid_token",
        error_description: "The token is not valid.",
      });
    }
    // OAuth for Okta covers only APIs that have scopes (the authn and session-create calls have none):
    // https://developer.okta.com/docs/guides/implement-oauth-for-okta/main/
    if (!scope) {
      throw this.refusal("E0000011", scheme, {
        error: "invalid_token",
        error_description: "This endpoint does not accept OAuth 2.0 access tokens.",
      });
    }
    if (token.jkt) {
      if (scheme !== "DPoP") {
        throw this.refusal("E0000011", "DPoP", {
          error: "invalid_token",
          error_description: "The DPoP-bound access token must be sent with the DPoP scheme.",
        });
      }
      const proof = headers.dpop;
      const checked =
        typeof proof === "string"
          ? await this.checkProof(proof, method, path)
          : "The DPoP proof JWT header is missing.";
      const refusal =
        typeof checked === "string"
          ? checked
          : checked.payload.ath !== sha256(value)
            ? "'ath' claim in the DPoP proof JWT is invalid."
            : checked.jkt !== token.jkt
              ? "The DPoP proof JWT is not signed by the key the access token is bound to."
              : undefined;
      if (refusal) {
        throw this.refusal(
          "E0000011",
          "DPoP",
          { error: "invalid_dpop_proof", error_description: refusal },
          400,
          path,
        );
      }
    } else if (scheme !== "Bearer") {
      throw this.refusal("E0000011", "Bearer", {
        error: "invalid_token",
        error_description: "The token is not valid.",
      });
    }
    if (!token.scopes.has(scope)) {
      // https://support.okta.com/help/s/article/insufficient-scope-error-when-making-a-request-to-an-oauth-or-management-endpoint
      throw this.refusal(
        "E0000006",
        token.jkt ? "DPoP" : "Bearer",
        {
          scope,
          error: "insufficient_scope",
          error_description: "The access token provided does not contain the required scopes.",
        },
        undefined,
        path,
      );
    }
  }

  /** Okta's error body with a `WWW-Authenticate` challenge in Okta's form (authorization_uri, realm first). */
  private refusal(
    code: "E0000006" | "E0000011",
    scheme: string,
    params: Record<string, string>,
    status?: number,
    resource?: string,
  ): Refusal {
    const url = this.orgUrl();
    const fields = {
      authorization_uri: `${url}/oauth2/v1/authorize`,
      realm: url,
      ...params,
      ...(resource ? { resource } : {}),
    };
    const prefix = scheme === "DPoP" ? `DPoP algs="${ASYMMETRIC.join(" ")}", ` : "Bearer ";
    const challenge = Object.entries(fields)
      .map(([name, value]) => `${name}="${value}"`)
      .join(", ");
    const refusal: Refusal = oktaFailure(code, status === undefined ? {} : { status });
    refusal.challenge = { "WWW-Authenticate": prefix + challenge };
    return refusal;
  }

  /** RFC 7523 §3 as Okta applies it; a reason for the refusal, or undefined when the assertion is good. */
  private async checkAssertion(app: ServiceApp, assertion: string): Promise<string | undefined> {
    let payload: JWTPayload;
    try {
      // The registered key, for the algorithm the assertion names (a JWK need not carry `alg`).
      const key = (header: { alg?: string }) => importJWK(app.publicKey, header.alg);
      ({ payload } = await jwtVerify(assertion, key, {
        algorithms: ASYMMETRIC,
        issuer: app.clientId,
        subject: app.clientId,
        audience: `${this.orgUrl()}${TOKEN_PATH}`,
        requiredClaims: ["exp", "jti"],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return "The client_assertion token is expired.";
      if (error instanceof errors.JWTClaimValidationFailed) {
        return `The '${error.claim}' claim in the client_assertion token is invalid.`;
      }
      return "The client_assertion signature is invalid.";
    }
    const now = Date.now() / 1000;
    if ((payload.exp as number) - now > MAX_ASSERTION_LIFETIME_SECONDS) {
      return "The client_assertion token has an expiration too far into the future.";
    }
    if (!this.takeJti(`assertion:${payload.jti}`, (payload.exp as number) * 1000)) {
      return "The client_assertion token has already been used.";
    }
    return undefined;
  }

  /** RFC 9449 §4.3: typ, an asymmetric signature by the embedded public key, htm, htu, iat, a fresh jti. */
  private async checkProof(
    proof: string,
    method: string,
    path: string,
  ): Promise<string | { payload: JWTPayload; jkt: string }> {
    let payload: JWTPayload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: "dpop+jwt",
        algorithms: ASYMMETRIC,
        maxTokenAge: DPOP_PROOF_MAX_AGE_SECONDS,
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      return "The DPoP proof JWT is invalid.";
    }
    if (payload.htm !== method) return "'htm' claim in the DPoP proof JWT is invalid.";
    if (payload.htu !== `${this.orgUrl()}${path}`) return "'htu' claim in the DPoP proof JWT is invalid.";
    const expiresAt = ((payload.iat as number) + DPOP_PROOF_MAX_AGE_SECONDS) * 1000;
    if (typeof payload.jti !== "string" || !this.takeJti(`proof:${payload.jti}`, expiresAt)) {
      return "'jti' claim in the DPoP proof JWT is invalid.";
    }
    return { payload, jkt: await calculateJwkThumbprint(jwk) };
  }

  private takeJti(jti: string, expiresAt: number): boolean {
    const now = Date.now();
    for (const [used, until] of this.usedJtis) if (until <= now) this.usedJtis.delete(used);
    if (this.usedJtis.has(jti)) return false;
    this.usedJtis.set(jti, expiresAt);
    return true;
  }

  private takeNonce(nonce: unknown): boolean {
    if (typeof nonce !== "string") return false;
    const until = this.nonces.get(nonce);
    return until !== undefined && until > Date.now();
  }
}

function oauthError(status: number, error: string, description: string): TokenAnswer {
  return {
    status,
    headers: { "Cache-Control": "no-store", Pragma: "no-cache" },
    body: { error, error_description: description },
  };
}

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}
