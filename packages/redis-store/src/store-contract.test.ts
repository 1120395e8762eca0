import { MemoryStore } from "@authsvc/core";
import { describe } from "vitest";
import { createRedisStore } from "./redis-store.js";
import { ephemeralStoreContract } from "./store-contract.js";
import { randomPrefix, redisUrl } from "./test-redis.js";

ephemeralStoreContract("MemoryStore", async () => new MemoryStore());

describe.skipIf(!redisUrl)("over Redis", () => {
  ephemeralStoreContract("RedisStore", () => createRedisStore({ url: redisUrl, keyPrefix: randomPrefix() }));
});
