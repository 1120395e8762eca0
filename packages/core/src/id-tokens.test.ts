import { createPublicKey, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  ID_TOKEN_LIFETIME_SECONDS,
  IdTokens,
  ISSUED_AT_LEEWAY_SECONDS,
  type PrivateKeySet,
} from "./id-tokens.js";

const secret = new TextEncoder().encode("a-test-secret-that-is-32-bytes-long!!");
const tokens = new IdTokens({ secret, issuer: "http://auth.test", audience: "apps" });
const profile = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  login: "ada@example.com",
};
const now = Date.UTC(2026, 10, 28, 12);

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A token signed with the right key (or `key`), issuer and audience, with `claims` changed or added. */
function signed(
  claims: Record<string, unknown>,
  header: { alg: string; typ: string; kid?: string } = { alg: "HS256", typ: "JWT" },
  key: Uint8Array = secret,
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({
    ...profile,
    iss: "http://auth.test",
    aud: "apps",
    sub: "00u1",
    iat,
    exp: iat + 60,
    jti: "j",
    ...claims,
  })
    .setProtectedHeader(header)
    .sign(key);
}

describe("IdTokens", () => {
  it("signs HS256 tokens that carry the profile and the registered claims", async () => {
    const token = await tokens.issue("00u1", profile, now);
    expect(JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString())).toMatchObject({
      alg: "HS256",
    });
    const claims = await tokens.verify(token, now);
    expect(claims).toMatchObject({ ...profile, sub: "00u1", iss: "http://auth.test", aud: "apps" });
    expect(claims.exp - claims.iat).toBe(ID_TOKEN_LIFETIME_SECONDS);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses an expired token", async () => {
    const token = await tokens.issue("00u1", profile, now);
    await expect(tokens.verify(token, now + (ID_TOKEN_LIFETIME_SECONDS + 1) * 1000)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
      message: "The token has expired",
    });
  });

  it("refuses a tampered payload", async () => {
    const [header, , signature] = (await tokens.issue("00u1", profile, now)).split(".");
    const forged = `${header}.${b64({ ...profile, sub: "00uADMIN", iss: "http://auth.test", aud: "apps" })}.${signature}`;
    await expect(tokens.verify(forged, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("refuses alg none", async () => {
    const iat = Math.floor(now / 1000);
    const claims = {
      ...profile,
      sub: "00u1",
      iss: "http://auth.test",
      aud: "apps",
      iat,
      exp: iat + 60,
      jti: "x",
    };
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    await expect(tokens.verify(unsigned, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("refuses a token signed with another key, issuer or audience", async () => {
    const other = new IdTokens({
      secret: new TextEncoder().encode("another-secret-that-is-32-bytes-long"),
      issuer: "http://auth.test",
      audience: "apps",
    });
    await expect(tokens.verify(await other.issue("00u1", profile, now), now)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
    });
    const foreignIssuer = new IdTokens({ secret, issuer: "http://evil.test", audience: "apps" });
    await expect(tokens.verify(await foreignIssuer.issue("00u1", profile, now), now)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
    });
    const foreignAudience = new IdTokens({ secret, issuer: "http://auth.test", audience: "other" });
    await expect(tokens.verify(await foreignAudience.issue("00u1", profile, now), now)).rejects.toMatchObject(
      { code: "INVALID_TOKEN" },
    );
  });

  it("refuses HS512 even with the right key", async () => {
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ ...profile })
      .setProtectedHeader({ alg: "HS512" })
      .setIssuer("http://auth.test")
      .setAudience("apps")
      .setSubject("00u1")
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .setJti("j")
      .sign(secret);
    await expect(tokens.verify(token, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("refuses a secret shorter than 32 bytes", () => {
    expect(() => new IdTokens({ secret: new Uint8Array(31), issuer: "i", audience: "a" })).toThrow(
      /32 bytes/,
    );
  });

  it("still refuses a remembered token once it expires", async () => {
    const token = await tokens.issue("00u1", profile, now);
    await tokens.verify(token, now);
    await expect(tokens.verify(token, now + ID_TOKEN_LIFETIME_SECONDS * 1000)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
      message: "The token has expired",
    });
    await expect(tokens.verify(token, now + 1000)).resolves.toMatchObject({ sub: "00u1" });
  });

  it("remembers a bounded number of tokens, and hands out claims nobody can alter", async () => {
    const small = new IdTokens({
      secret,
      issuer: "http://auth.test",
      audience: "apps",
      verifiedCacheSize: 2,
    });
    const issued = await Promise.all(["a", "b", "c"].map((sub) => small.issue(sub, profile, now)));
    for (const token of issued) await small.verify(token, now);
    expect((small as unknown as { verified: Map<string, unknown> }).verified.size).toBe(2);
    const claims = await small.verify(issued[0] as string, now);
    expect(() => Object.assign(claims, { sub: "admin" })).toThrow(TypeError);
    expect((await small.verify(issued[0] as string, now)).sub).toBe("a");
  });

  it("refuses an audience list, even one that holds ours: its tokens carry our audience alone", async () => {
    const verified = tokens.verify(await signed({ aud: ["other", "apps"] }), now);
    await expect(verified).rejects.toMatchObject({
      code: "INVALID_TOKEN",
      message: "The token is not valid",
    });
    await expect(tokens.verify(await signed({ aud: ["apps"] }), now)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
    });
    await expect(tokens.verify(await signed({ aud: "apps" }), now)).resolves.toMatchObject({ aud: "apps" });
  });

  it("refuses a token made to live longer than an ID token lives", async () => {
    const iat = Math.floor(now / 1000);
    await expect(
      tokens.verify(await signed({ iat, exp: iat + ID_TOKEN_LIFETIME_SECONDS + 1 }), now),
    ).rejects.toMatchObject({ code: "INVALID_TOKEN" });
    await expect(
      tokens.verify(await signed({ iat, exp: iat + ID_TOKEN_LIFETIME_SECONDS }), now),
    ).resolves.toMatchObject({ sub: "00u1" });
  });

  it(`refuses a token issued more than ${ISSUED_AT_LEEWAY_SECONDS} s in the future`, async () => {
    const later = (seconds: number) => {
      const iat = Math.floor(now / 1000) + seconds;
      return signed({ iat, exp: iat + 60 });
    };
    await expect(tokens.verify(await later(ISSUED_AT_LEEWAY_SECONDS + 1), now)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
    });
    await expect(tokens.verify(await later(ISSUED_AT_LEEWAY_SECONDS), now)).resolves.toMatchObject({
      sub: "00u1",
    });
  });

  describe.each([
    ["fresh", false],
    ["already verified", true],
  ])("a %s token written another way", (_, verifiedFirst) => {
    it.each([
      ["with padding", (token: string) => `${token}=`],
      ["with a trailing space", (token: string) => `${token} `],
      ["with a trailing newline", (token: string) => `${token}\n`],
      ["with a leading space", (token: string) => ` ${token}`],
      ["with the signature's unused bits set", (token: string) => withUnusedBitsSet(token)],
    ])("is refused %s", async (_how, rewrite) => {
      const token = await tokens.issue("00u1", profile, now);
      if (verifiedFirst) await tokens.verify(token, now);
      const variant = rewrite(token);
      expect(variant).not.toBe(token);
      await expect(tokens.verify(variant, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
      await expect(tokens.verify(token, now)).resolves.toMatchObject({ sub: "00u1" });
    });
  });
});

/**
 * The same signature bytes under another last character: an HS256 signature is 32 bytes, 43 base64url
 * characters, and the last one carries 2 bits that decoders ignore.
 */
function withUnusedBitsSet(token: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(token.at(-1) as string);
  return token.slice(0, -1) + alphabet[last | 0b11];
}

describe("IdTokens under ES256 and EdDSA", () => {
  /** A private JWK named by `kid`, as OIDC_JWKS holds it. */
  function privateJwk(kind: "ec" | "ed25519", kid: string) {
    const { privateKey } =
      kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
    return { ...privateKey.export({ format: "jwk" }), kid };
  }
  const [oldKey, newKey, edKey] = [
    privateJwk("ec", "old"),
    privateJwk("ec", "new"),
    privateJwk("ed25519", "ed"),
  ];
  const asymmetric = (alg: "ES256" | "EdDSA", keys: PrivateKeySet["keys"]) =>
    new IdTokens({ issuer: "http://auth.test", audience: "apps", keys: { alg, jwks: { keys } } });
  const header = (token: string) =>
    JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString());

  it("signs with the first key that suits the algorithm, naming it, and verifies with the public key alone", async () => {
    for (const [alg, keys, kid] of [
      ["ES256", [edKey, newKey, oldKey], "new"],
      ["EdDSA", [newKey, edKey], "ed"],
    ] as const) {
      const token = await asymmetric(alg, [...keys]).issue("00u1", profile, now);
      expect(header(token)).toEqual({ alg, typ: "JWT", kid });
      const signer = keys.find((key) => key.kid === kid) as JsonWebKey;
      const { payload } = await jwtVerify(token, createPublicKey({ key: signer, format: "jwk" }), {
        algorithms: [alg],
        currentDate: new Date(now),
      });
      expect(payload).toMatchObject({ sub: "00u1", iss: "http://auth.test", aud: "apps" });
    }
  });

  it("verifies the old key's tokens while the new one signs (rotation), and refuses keys it does not hold", async () => {
    const beforeRotation = await asymmetric("ES256", [oldKey]).issue("00u1", profile, now);
    const afterRotation = asymmetric("ES256", [newKey, oldKey]);
    await expect(afterRotation.verify(beforeRotation, now)).resolves.toMatchObject({ sub: "00u1" });

    const foreign = await asymmetric("ES256", [{ ...privateJwk("ec", "old") }]).issue("00u1", profile, now);
    await expect(afterRotation.verify(foreign, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
    const oldOnlyAfterRemoval = asymmetric("ES256", [newKey]);
    await expect(oldOnlyAfterRemoval.verify(beforeRotation, now)).rejects.toMatchObject({
      code: "INVALID_TOKEN",
    });
  });

  it("refuses an HS256 token keyed with the public key (algorithm confusion)", async () => {
    const tokensEs256 = asymmetric("ES256", [newKey]);
    const publicPem = createPublicKey({ key: newKey, format: "jwk" }).export({ type: "spki", format: "pem" });
    const forged = await signed(
      {},
      { alg: "HS256", typ: "JWT", kid: "new" },
      new TextEncoder().encode(String(publicPem)),
    );
    await expect(tokensEs256.verify(forged, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("refuses a key set with no key for the algorithm", () => {
    expect(() => asymmetric("EdDSA", [newKey])).toThrow(/no key for EdDSA/);
  });
});
