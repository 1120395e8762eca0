import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ID_TOKEN_LIFETIME_SECONDS, IdTokens } from "./id-tokens.js";

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
});
