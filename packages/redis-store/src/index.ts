export { createRedisStore, DEFAULT_KEY_PREFIX, RedisStore, type RedisStoreOptions } from "./redis-store.js";
