import { createHash, generateKeyPairSync, type JsonWebKey, randomUUID } from "node:crypto";
import { access, link, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type PrivateJwks, privateJwksProblem } from "./settings.js";

/** Where development keeps the keys it generated, so that tokens stay verifiable across restarts. */
export const DEVELOPMENT_JWKS_FILE = "oidc-jwks.json";

/**
 * OIDC_JWKS when set (required in production); otherwise keys generated once under DATA_DIR:
 * ES256 first (it signs by default), then EdDSA and RS256 for the clients that ask for them.
 */
export async function signingKeys(
  configured: PrivateJwks | undefined,
  dataDir: string,
): Promise<PrivateJwks> {
  if (configured) return configured;
  const file = join(dataDir, DEVELOPMENT_JWKS_FILE);
  // Written whole under another name, then linked: instances starting together over one
  // DATA_DIR all read the one set that was linked first, never a half-written file.
  if (!(await exists(file))) {
    const draft = `${file}.${process.pid}.${randomUUID()}`;
    await writeFile(draft, JSON.stringify(generateJwks()), { flag: "wx", mode: 0o600 });
    try {
      await link(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      await unlink(draft);
    }
  }
  const jwks = JSON.parse(await readFile(file, "utf8")) as PrivateJwks;
  const problem = privateJwksProblem(jwks);
  if (problem) throw new Error(`${file}: ${problem}`);
  return jwks;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function generateJwks(): PrivateJwks {
  const pairs = [
    ["ES256", generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ["EdDSA", generateKeyPairSync("ed25519")],
    ["RS256", generateKeyPairSync("rsa", { modulusLength: 2048 })],
  ] as const;
  return {
    keys: pairs.map(([alg, { privateKey }]) => {
      const jwk = privateKey.export({ format: "jwk" });
      return { ...jwk, kid: thumbprint(jwk), alg, use: "sig" };
    }),
  };
}

/** What may be published of each key: its public members and its name. */
export function publicJwks(jwks: PrivateJwks): PrivateJwks {
  return {
    keys: jwks.keys.map(({ kty, crv, x, y, n, e, kid, alg, use }) =>
      Object.fromEntries(
        Object.entries({ kty, crv, x, y, n, e, kid, alg, use }).filter(([, v]) => v !== undefined),
      ),
    ),
  };
}

/** RFC 7638: the key's own hash names it, so a kid never collides across rotations. */
export function thumbprint(jwk: JsonWebKey): string {
  const members: Record<string, readonly string[]> = {
    EC: ["crv", "kty", "x", "y"],
    OKP: ["crv", "kty", "x"],
    RSA: ["e", "kty", "n"],
  };
  const names = members[String(jwk.kty)] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(names.map((name) => [name, jwk[name]])));
  return createHash("sha256").update(canonical).digest("base64url");
}
