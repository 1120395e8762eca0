import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Algorithm } from "@node-rs/argon2";
import { HashingThreads } from "./hashing-threads.js";

/**
 * argon2id at the first configuration of the OWASP Password Storage Cheat Sheet: 19 MiB of memory,
 * two passes, one lane. Hashing runs on threads of its own, off the event loop (hashing-threads.ts).
 */
export const ARGON2ID_OWASP = {
  // Algorithm.Argon2id: a const enum, which isolatedModules cannot read from a declaration file.
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

/**
 * Hashes that may run at once. Each one holds a core for milliseconds; left unbounded, a
 * login storm takes every core and the event loop with them, and token checks and user
 * reads stall. One core is kept for everything else.
 */
export const HASHING_CONCURRENCY = Math.max(1, availableParallelism() - 1);

let threads: HashingThreads | undefined;
const hashing = () => {
  threads ??= new HashingThreads(HASHING_CONCURRENCY);
  return threads;
};

export function hashPassword(password: string): Promise<string> {
  return hashing().run("hash", [password, ARGON2ID_OWASP]);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return hashing().run("verify", [passwordHash, password]);
}

/**
 * A hash of a password nobody knows, checked when the login is unknown, so that an unknown login
 * costs the same argon2 work as a wrong password and timing does not tell which emails exist.
 */
export function hashUnknowablePassword(): Promise<string> {
  return hashPassword(randomBytes(32).toString("base64url"));
}
