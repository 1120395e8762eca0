import { hkdfSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MIN_SECRET_BYTES } from "@authsvc/core";
import type { Config } from "./config.js";

export interface Secrets {
  /** Signs the ID tokens (HS256). */
  idTokenKey: Uint8Array;
  /** Keys the HMAC under which one-time codes are stored. */
  codeHashKey: Uint8Array;
  /** Signs the OpenID Provider's cookies. */
  oidcCookieKey: Uint8Array;
}

/**
 * JWT_SECRET when set (required in production); otherwise a secret generated once
 * and kept under DATA_DIR (made by then), so that development tokens survive a restart.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  const idTokenKey = config.jwtSecret
    ? Buffer.from(config.jwtSecret, "utf8")
    : await developmentSecret(config.dataDir);
  const codeHashKey = Buffer.from(hkdfSync("sha256", idTokenKey, "", "authsvc one-time codes", 32));
  const oidcCookieKey = Buffer.from(hkdfSync("sha256", idTokenKey, "", "authsvc oidc cookies", 32));
  return { idTokenKey, codeHashKey, oidcCookieKey };
}

async function developmentSecret(dataDir: string): Promise<Uint8Array> {
  const file = join(dataDir, "jwt-secret");
  try {
    await writeFile(file, randomBytes(MIN_SECRET_BYTES).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = Buffer.from((await readFile(file, "utf8")).trim(), "base64url");
  if (secret.byteLength < MIN_SECRET_BYTES)
    throw new Error(`${file} holds fewer than ${MIN_SECRET_BYTES} bytes`);
  return secret;
}
