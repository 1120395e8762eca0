import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { validationFailed } from "./okta-errors.js";

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

/** Okta's cause for a password its default policy refuses (same wording as packages/directory). */
export const PASSWORD_REQUIREMENTS_CAUSE =
  "password: Password requirements were not met. Password requirements: at least 8 characters, " +
  "a lowercase letter, an uppercase letter, a number, no parts of your username, " +
  "does not include your first name, does not include your last name.";

const MIN_LENGTH = 8;
/** Okta ignores shorter name parts (Al, Li, Bo): forbidding them would forbid too many passwords. */
const MIN_FORBIDDEN_PART_LENGTH = 3;

/** Okta's default password policy; throws E0000001 with Okta's cause when the password breaks it. */
export function assertPasswordPolicy(
  password: string,
  user: { login: string; firstName: string; lastName: string },
): void {
  const lowered = password.toLowerCase();
  const forbidden = [user.login.split("@")[0] ?? "", user.firstName, user.lastName]
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part.length >= MIN_FORBIDDEN_PART_LENGTH);
  const met =
    [...password].length >= MIN_LENGTH &&
    /\p{Ll}/u.test(password) &&
    /\p{Lu}/u.test(password) &&
    /\d/.test(password) &&
    !forbidden.some((part) => lowered.includes(part));
  if (!met) throw validationFailed("password", PASSWORD_REQUIREMENTS_CAUSE);
}
