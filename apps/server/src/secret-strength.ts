/**
 * The least a production JWT_SECRET must seem to carry. RFC 7518 3.2 asks HS256 keys for 256 bits;
 * this estimate undercounts short random strings (32 random bytes scored 135 or more in hex and 149
 * or more in base64 over 200,000 draws), so the bar sits at half: it refuses what is plainly not
 * random, and no real random key.
 */
export const MIN_SECRET_ENTROPY_BITS = 128;

/**
 * A rough measure of the bits a secret carries: the Shannon entropy of its characters, counted only
 * for characters that do not merely continue a run ("aaaa", "abcd", "4321", "abab" add nothing).
 * Enough to catch a repeated character, a keyboard walk or a word padded to length.
 */
export function estimatedEntropyBits(secret: string): number {
  const chars = [...secret].map((char) => char.codePointAt(0) ?? 0);
  const counts = new Map<number, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    bitsPerChar -= p * Math.log2(p);
  }
  let fresh = Math.min(chars.length, 1);
  for (let i = 1; i < chars.length; i++) {
    if (Math.abs((chars[i] ?? 0) - (chars[i - 1] ?? 0)) > 1) fresh += 1;
  }
  return bitsPerChar * fresh;
}
