import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan, withJsonDepthLimit } from "./json-depth.js";

const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { a: nested(depth - 1) });

describe("nestsDeeperThan", () => {
  it("counts objects and arrays alike, scalars as nothing", () => {
    expect(nestsDeeperThan("text", 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: null }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it("walks a nesting far deeper than the stack allows", () => {
    const deep = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`) as unknown;
    expect(nestsDeeperThan(deep, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe("withJsonDepthLimit", () => {
  const outcome = (error: Error | null, body?: unknown) => {
    let result: unknown;
    withJsonDepthLimit((e, b) => {
      result = e ? { error: (e as { code?: string }).code } : { body: b };
    })(error, body);
    return result;
  };

  it("passes a body within the limit and a parser's error through, and refuses a deeper one", () => {
    expect(outcome(null, { userId: "00u1" })).toEqual({ body: { userId: "00u1" } });
    expect(outcome(Object.assign(new Error("bad"), { code: "FST_ERR_CTP_INVALID_JSON_BODY" }))).toEqual({
      error: "FST_ERR_CTP_INVALID_JSON_BODY",
    });
    expect(outcome(null, nested(MAX_JSON_DEPTH + 1))).toEqual({ error: "INVALID_JSON" });
  });
});
