export { createDirectory, DEFAULT_SESSION_TTL_SECONDS, type DirectoryOptions } from "./directory.js";
export { DEFAULT_LOCKOUT_SECONDS, MAX_FAILED_PASSWORDS } from "./lockout.js";
