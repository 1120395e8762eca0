export { createDirectory, DEFAULT_SESSION_TTL_SECONDS, type DirectoryOptions } from "./directory.js";
