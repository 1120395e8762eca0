import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The largest multiple of 62 below 256: bytes from it up are dropped, so every character is equally likely. */
const UNBIASED_LIMIT = 248;

export function randomBase62(length: number): string {
  let id = "";
  while (id.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte < UNBIASED_LIMIT && id.length < length) id += BASE62[byte % 62];
    }
  }
  return id;
}

/** Okta's ids: a three-character type prefix and 17 random characters. */
export const newUserId = () => `00u${randomBase62(17)}`;
export const newFactorId = () => `emf${randomBase62(17)}`;
/** 25 base62 characters carry 148 bits, above the 128 the design requires of session ids. */
export const newSessionId = () => `102${randomBase62(25)}`;
/** Okta's sessionTokens start with "20111". */
export const newSessionToken = () => `20111${randomBase62(32)}`;
