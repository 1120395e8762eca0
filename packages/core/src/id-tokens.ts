import { createSecretKey, type KeyObject } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
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

export interface IdTokenOptions {
  secret: Uint8Array;
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

/** Signs and checks the service's ID tokens: HS256 only, issuer and audience pinned. */
export class IdTokens {
  private readonly key: KeyObject;
  /** Tokens that passed every check, by their exact text; oldest first, so the first is evicted. */
  private readonly verified = new Map<string, Readonly<IdTokenClaims>>();
  private readonly verifiedCacheSize: number;

  constructor(private readonly options: IdTokenOptions) {
    if (options.secret.byteLength < MIN_SECRET_BYTES) {
      throw new Error(`The ID token secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.key = createSecretKey(options.secret);
    this.verifiedCacheSize = options.verifiedCacheSize ?? DEFAULT_VERIFIED_CACHE_SIZE;
  }

  async issue(userId: string, profile: UserProfile, nowMs: number): Promise<string> {
    const { firstName, lastName, email, login } = profile;
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ firstName, lastName, email, login })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ID_TOKEN_LIFETIME_SECONDS)
      .setJti(crypto.randomUUID())
      .sign(this.key);
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
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
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
      if (error instanceof errors.JOSEError) {
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
