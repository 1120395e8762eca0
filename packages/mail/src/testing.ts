/** Test support, imported only by tests and benchmarks: `@authsvc/mail/testing`. */
export * from "./smtp-inbox.js";
