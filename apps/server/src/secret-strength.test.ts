import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { estimatedEntropyBits, MIN_SECRET_ENTROPY_BITS } from "./secret-strength.js";

describe("estimatedEntropyBits", () => {
  it("passes every random key of 32 bytes, however it is written", () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      for (const encoding of ["base64", "base64url", "hex"] as const) {
        expect(estimatedEntropyBits(key.toString(encoding))).toBeGreaterThanOrEqual(MIN_SECRET_ENTROPY_BITS);
      }
    }
  });

  it.each([
    "a".repeat(64),
    "ab".repeat(32),
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "0123456789".repeat(4),
    "qwertyqwertyqwertyqwertyqwertyqwerty",
    "secret".repeat(6),
    "my-jwt-secret-my-jwt-secret-12345",
  ])("refuses %s", (secret) => {
    expect(estimatedEntropyBits(secret)).toBeLessThan(MIN_SECRET_ENTROPY_BITS);
  });
});
