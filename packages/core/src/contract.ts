/** What clients may import at run time: error codes and schemas, nothing that runs a server. */
export * from "./errors.js";
export * from "./schemas.js";
