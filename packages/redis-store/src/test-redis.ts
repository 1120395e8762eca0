import { randomUUID } from "node:crypto";

/** The Redis the tests run against; CI sets REDIS_URL=redis://127.0.0.1:6379. */
export const redisUrl = process.env.REDIS_URL ?? "";

if (!redisUrl) {
  console.log("RedisStore tests skipped: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379).");
}

/** Each test writes under its own prefix, so runs and tests never see each other's keys. */
export function randomPrefix(): string {
  return `authsvc-test:${randomUUID()}:`;
}
