import { AuthError } from "@authsvc/core";

/**
 * How deep a request body may nest. The deepest body the API takes is a tRPC batch,
 * `{"0": {"userId": ...}}`: two levels. Fastify sets no limit; a body within the 32 KiB
 * limit can nest 16,000 levels, which any recursive walk (a serializer, a validator, a
 * logger) would choke on. Eight leaves room and refuses the rest.
 */
export const MAX_JSON_DEPTH = 8;

/** True when `value` nests objects or arrays deeper than `maxDepth`; walks level by level, not recursively. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  let level = isContainer(value) ? [value] : [];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > maxDepth) return true;
    const next: object[] = [];
    for (const container of level) {
      for (const child of Object.values(container)) if (isContainer(child)) next.push(child);
    }
    level = next;
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * Wraps a JSON content-type parser's `done`: a body nested deeper than MAX_JSON_DEPTH is
 * refused with INVALID_JSON (400). Used as `parseJson(request, body, withJsonDepthLimit(done))`.
 */
export function withJsonDepthLimit(done: ParserDone): ParserDone {
  return (error, body) => {
    if (error) done(error);
    else if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new AuthError("INVALID_JSON", `The body nests deeper than ${MAX_JSON_DEPTH} levels`));
    } else done(null, body);
  };
}
