export * from "./contract.js";
export * from "./id-tokens.js";
export * from "./memory-store.js";
export * from "./one-time-codes.js";
export * from "./operations/index.js";
export * from "./ports.js";
export * from "./rate-limiter.js";
export * from "./ttl-cache.js";
