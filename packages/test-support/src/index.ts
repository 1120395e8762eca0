export { failureOf, silentServer } from "./outages.js";
export { postgresForTests, redisForTests, STANDARD_POSTGRES_URL, STANDARD_REDIS_URL } from "./services.js";
export { TcpProxy } from "./tcp-proxy.js";
