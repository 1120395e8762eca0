/**
 * What the server and the typed client agree on about batched tRPC calls. Its own
 * entry point (`@authsvc/core/batching`), free of imports, so that a frontend bundle
 * gets these numbers and nothing else.
 */

/** Most calls one batch may carry: the server refuses more; the client splits a longer batch. */
export const MAX_CALLS_PER_BATCH = 10;
