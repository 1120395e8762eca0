export { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";
export { EMAIL_CORPUS } from "./email-corpus.js";
export { failureOf, silentServer } from "./outages.js";
export {
  freshPostgresDatabase,
  postgresForTests,
  redisForTests,
  STANDARD_POSTGRES_URL,
  STANDARD_REDIS_URL,
  type TestDatabase as PostgresTestDatabase,
} from "./services.js";
export { TcpProxy } from "./tcp-proxy.js";
