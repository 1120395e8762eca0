import {
  grantAnswer,
  idTokenClaims,
  oktaSession,
  oktaUser,
  success,
  tokenAnswer,
  userIdAnswer,
} from "@authsvc/core";
import fc from "fast-check";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { answerSchema } from "./answer-schema.js";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
};

/** Any text: quotes, backslashes, control characters, lone surrogates, astral characters. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", '"', "\\", "\u0000\u001f\u007f", "\uD800", "a\uDFFFb", "</script>", "\u2028\u2029"),
);
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e21, 1e-7, Number.MAX_SAFE_INTEGER + 2),
);

/**
 * Values the schema allows, from the JSON Schema itself (the subset zod writes for these answers),
 * with keys it does not declare, which the answer must not carry.
 */
function valuesOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case "string":
          return text;
        case "number":
        case "integer":
          return number;
        case "boolean":
          return fc.boolean();
        case "null":
          return fc.constant(null);
        case "array":
          return fc.array(valuesOf(schema.items ?? {}), { maxLength: 3 });
        case "object": {
          const properties = Object.entries(schema.properties ?? {});
          const declared = fc.record(
            Object.fromEntries(properties.map(([key, property]) => [key, valuesOf(property)])),
            { requiredKeys: schema.required ?? [] },
          );
          // A record's keys are its own; a closed object gets one it does not declare. Not
          // `__proto__`: zod's record parse assigns keys, which loses that one, where both
          // JSON.stringify and the serializer write it (no provider names a link so).
          if (typeof schema.additionalProperties === "object") {
            const key = text.filter((name) => name !== "__proto__");
            const record = fc.dictionary(key, valuesOf(schema.additionalProperties), { maxKeys: 3 });
            return fc.tuple(record, declared).map(([more, value]) => ({ ...more, ...value }));
          }
          return fc
            .tuple(declared, fc.option(text))
            .map(([value, extra]) => (extra === null ? value : { ...value, undeclared: extra }));
        }
        default:
          throw new Error(`no values for ${JSON.stringify(schema)}`);
      }
    }),
  );
}

const answers: [string, z.ZodType][] = [
  ["IdTokenClaims", idTokenClaims],
  ["User", oktaUser],
  ["Session", oktaSession],
  ["UserId", userIdAnswer],
  ["Success", success],
  ["Grant", grantAnswer],
  ["Token", tokenAnswer],
];

describe.each(answers)("a %s answer written by its schema", (_name, zod) => {
  // The same JSON, not the same text: the serializer writes required keys before optional ones.
  it("is the JSON of what the schema parses it to (the tRPC door's answer), as sent in UTF-8", async () => {
    const app = Fastify();
    let answer: unknown;
    app.get("/", { schema: { response: { 200: answerSchema(zod) } } }, async () => answer);
    await app.ready();
    await fc.assert(
      fc.asyncProperty(valuesOf(answerSchema(zod) as JsonSchema), async (value) => {
        answer = value;
        const response = await app.inject({ method: "GET", url: "/" });
        expect(JSON.parse(response.body)).toEqual(JSON.parse(JSON.stringify(zod.parse(value))));
      }),
      { numRuns: 500 },
    );
    await app.close();
  });
});
