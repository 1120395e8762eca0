import { LIMITS, sessionInput, verifyInput } from "@authsvc/core";
import fc from "fast-check";
import type Joi from "joi";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { compiledCheck } from "./compiled-check.js";
import { sessionBody, verifyBody } from "./schemas.js";

/** Strings at and around each limit, in ASCII and in characters of two UTF-16 units. */
const nearLimits = [LIMITS.id, LIMITS.token].flatMap((limit) => [
  fc.integer({ min: limit - 1, max: limit + 1 }).map((length) => "a".repeat(length)),
  fc
    .integer({ min: Math.floor(limit / 2) - 1, max: Math.floor(limit / 2) + 1 })
    .map((length) => "🔑".repeat(length)),
  fc.integer({ min: limit - 2, max: limit + 1 }).map((length) => `${"b".repeat(length - 1)}\uD800`),
]);
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,70}$/),
  fc.constantFrom("", " ", "ab cd", "A\u0000B", "abc\n", "abc-_XYZ09"),
  ...nearLimits,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);
/** Bodies with any of the schema's keys and one it does not know, or no object at all. */
const bodyOf = (schema: z.ZodObject) =>
  fc.oneof(
    fc.record(Object.fromEntries([...Object.keys(schema.shape), "extra"].map((key) => [key, value])), {
      requiredKeys: [],
    }),
    value,
  );

const pairs: [string, Joi.Schema, z.ZodObject][] = [
  ["session", sessionBody, sessionInput],
  ["verify", verifyBody, verifyInput],
];

describe.each(pairs)("the compiled check of the %s body", (_name, joi, zod) => {
  const compiled = compiledCheck(zod);

  it("accepts exactly the bodies Joi accepts, and passes on what Joi passes on", () => {
    fc.assert(
      fc.property(bodyOf(zod), (data) => {
        const byJoi = joi.validate(data, { abortEarly: false });
        const byCompiled = compiled(data);
        if (byJoi.error) expect(byCompiled).toBeUndefined();
        else expect(byCompiled).toEqual(byJoi.value);
      }),
      { numRuns: 3000 },
    );
  });
});
