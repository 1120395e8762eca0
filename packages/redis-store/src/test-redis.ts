import { randomUUID } from "node:crypto";
import { redisForTests } from "@authsvc/test-support";

/** The Redis the tests run against (REDIS_URL, or the standard local port); "" when none answers. */
export const redisUrl = (await redisForTests("RedisStore tests over Redis")) ?? "";

/** Each test writes under its own prefix, so runs and tests never see each other's keys. */
export function randomPrefix(): string {
  return `authsvc-test:${randomUUID()}:`;
}
