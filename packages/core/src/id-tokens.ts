import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import { errors, type JWSHeaderParameters, jwtVerify, SignJWT } from "jose";
import type { z } from "zod";
import { AuthError } from "./errors.js";
import type { UserProfile } from "./ports.js";
import type { idTokenClaims } from "./schemas.js";

/** Design: ID tokens expire in 10 hours. */
export const ID_TOKEN_LIFETIME_SECONDS = 10 * 60 * 60;
/**
 * How far in the future a token's `iat` may be. Instances behind one load balancer issue and verify
 * each other's tokens, and NTP keeps their clocks within a second or so of each other; a minute
 * covers a badly drifting one, while an `iat` further ahead (a token minted to outlive its lifetime)
 * is refused, so no token lives past ID_TOKEN_LIFETIME_SECONDS plus this from now.
 */
export const ISSUED_AT_LEEWAY_SECONDS = 60;
/** RFC 7518 3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;

export type IdTokenClaims = z.infer<typeof idTokenClaims>;

/** TOKEN_ALG: HS256 (a shared secret, the documented contract) or a key pair whose public half anyone may hold. */
export type TokenAlgorithm = "HS256" | AsymmetricAlgorithm;
export type AsymmetricAlgorithm = "ES256" | "EdDSA";

/** A private JSON Web Key Set; each key named by its `kid`. */
export interface PrivateKeySet {
  keys: (JsonWebKey & { kid?: string; alg?: string })[];
}

export interface IdTokenOptions {
  /** HS256's key; unused when `keys` is set. */
  secret?: Uint8Array;
  /**
   * ES256 or EdDSA instead of HS256: tokens are signed with the first key of the set that suits the
   * algorithm, and verified with any key of the set that does, found by `kid` (so that, during a
   * rotation, tokens of the old key still verify while the new one signs).
   */
  keys?: { alg: AsymmetricAlgorithm; jwks: PrivateKeySet };
  issuer: string;
  audience: string;
  /** How many verified tokens to remember (0: none). */
  verifiedCacheSize?: number;
}

/**
 * Services verify the same token on every request for hours; a full check costs a
 * WebCrypto HMAC round trip through the thread pool. A token that passed once is
 * remembered, bounded in count, and its expiry is checked again on every hit.
 */
export const DEFAULT_VERIFIED_CACHE_SIZE = 10_000;

/** Signs and checks the service's ID tokens: one algorithm, issuer and audience pinned. */
export class IdTokens {
  private readonly alg: TokenAlgorithm;
  private readonly signingKey: { key: KeyObject; kid?: string };
  /** The key a token's header names, for the one algorithm accepted. */
  private readonly verificationKey: (header: JWSHeaderParameters) => KeyObject;
  /** Tokens that passed every check, by their exact text; oldest first, so the first is evicted. */
  private readonly verified = new Map<string, Readonly<IdTokenClaims>>();
  private readonly verifiedCacheSize: number;

  constructor(private readonly options: IdTokenOptions) {
    if (options.keys) {
      const { alg, jwks } = options.keys;
      const suited = jwks.keys.filter((jwk) => suits(jwk, alg));
      const [first] = suited;
      if (!first) throw new Error(`The key set has no key for ${alg}`);
      this.alg = alg;
      this.signingKey = { key: createPrivateKey({ key: first, format: "jwk" }), kid: first.kid };
      const byKid = new Map(suited.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: "jwk" })]));
      this.verificationKey = (header) => {
        const key = byKid.get(header.kid);
        if (!key) throw new AuthError("INVALID_TOKEN", "The token is not valid");
        return key;
      };
    } else {
      if (!options.secret || options.secret.byteLength < MIN_SECRET_BYTES) {
        throw new Error(`The ID token secret must be at least ${MIN_SECRET_BYTES} bytes`);
      }
      const key = createSecretKey(options.secret);
      this.alg = "HS256";
      this.signingKey = { key };
      this.verificationKey = () => key;
    }
    this.verifiedCacheSize = options.verifiedCacheSize ?? DEFAULT_VERIFIED_CACHE_SIZE;
  }

  /** `jti` when the caller must know it beforehand; `azp`, the client the token was issued to. */
  async issue(
    userId: string,
    profile: UserProfile,
    nowMs: number,
    options: { jti?: string; azp?: string } = {},
  ): Promise<string> {
    const { firstName, lastName, email, login } = profile;
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ firstName, lastName, email, login, ...(options.azp ? { azp: options.azp } : {}) })
      .setProtectedHeader({
        alg: this.alg,
        typ: "JWT",
        ...(this.signingKey.kid ? { kid: this.signingKey.kid } : {}),
      })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ID_TOKEN_LIFETIME_SECONDS)
      .setJti(options.jti ?? crypto.randomUUID())
      .sign(this.signingKey.key);
  }

  /** The token's claims, or INVALID_TOKEN for anything forged, altered, expired or not ours. */
  async verify(token: string, nowMs: number): Promise<Readonly<IdTokenClaims>> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > nowMs) return known;
      this.verified.delete(token);
      throw new AuthError("INVALID_TOKEN", "The token has expired");
    }
    const claims = Object.freeze(await this.check(token, nowMs));
    if (this.verifiedCacheSize > 0) {
      if (this.verified.size >= this.verifiedCacheSize)
        this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private async check(token: string, nowMs: number): Promise<IdTokenClaims> {
    if (!isCanonicalCompactJws(token)) throw new AuthError("INVALID_TOKEN", "The token is not valid");
    try {
      const { payload } = await jwtVerify(token, this.verificationKey, {
        algorithms: [this.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        currentDate: new Date(nowMs),
        requiredClaims: ["sub", "iat", "exp", "jti"],
      });
      const { aud, iat, exp } = payload as { aud: unknown; iat: number; exp: number };
      // jose accepts an array that holds our audience; this service only ever issues the one string.
      const ours =
        aud === this.options.audience &&
        exp - iat <= ID_TOKEN_LIFETIME_SECONDS &&
        iat <= nowMs / 1000 + ISSUED_AT_LEEWAY_SECONDS;
      if (!ours) throw new AuthError("INVALID_TOKEN", "The token is not valid");
      return payload as unknown as IdTokenClaims;
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof AuthError) {
        const reason =
          error instanceof errors.JWTExpired ? "The token has expired" : "The token is not valid";
        throw new AuthError("INVALID_TOKEN", reason);
      }
      throw error;
    }
  }
}

/**
 * Three base64url segments, each exactly as it encodes: base64url decoders forgive padding, spaces
 * and the unused low bits of the last character, so `token=` or `token ` would otherwise pass as the
 * same token under another name (and, in the verified cache, as another token).
 */
function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split(".");
  return (
    segments.length === 3 &&
    segments.every(
      (segment) =>
        /^[A-Za-z0-9_-]+$/.test(segment) &&
        Buffer.from(segment, "base64url").toString("base64url") === segment,
    )
  );
}

/** ES256: an EC P-256 key; EdDSA: an Ed25519 key; either unless the key is pinned to another algorithm. */
function suits(jwk: PrivateKeySet["keys"][number], alg: AsymmetricAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  return alg === "ES256"
    ? jwk.kty === "EC" && jwk.crv === "P-256"
    : jwk.kty === "OKP" && jwk.crv === "Ed25519";
}
