import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

/** "salt:key" in hex. A test double's store: scrypt keeps it honest without a native dependency. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH);
  return `${salt.toString("hex")}:${key.toString("hex")}`;
}

/**
 * Checks a password; with no stored hash it spends the same work and fails, so that an unknown
 * login answers as slowly as a wrong password (callers measure that timing does not tell them apart).
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  const [saltHex, keyHex] = (stored ?? `${"00".repeat(16)}:`).split(":");
  const key = await scryptAsync(password, Buffer.from(saltHex ?? "", "hex"), KEY_LENGTH);
  const expected = Buffer.from(keyHex ?? "", "hex");
  return expected.length === KEY_LENGTH && timingSafeEqual(expected, key);
}
