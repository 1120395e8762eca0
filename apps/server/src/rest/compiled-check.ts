import { Ajv } from "ajv";
import { z } from "zod";

/**
 * A compiled check of a body that is valid as it stands, for the hot routes: core's zod input
 * schema as JSON Schema (the same `z.toJSONSchema` the OpenAPI document uses), compiled by ajv.
 * It returns the body as Joi would pass it on (the declared keys only: Joi strips the others), or
 * undefined, and then Joi runs to word the documented VALIDATION_ERROR details. Only for inputs
 * that Joi takes unchanged (no trim, no lower-casing); compiled-check.test.ts holds each one to Joi:
 * accepted exactly when Joi accepts, with Joi's value.
 */
export function compiledCheck(schema: z.ZodObject): (data: unknown) => Record<string, unknown> | undefined {
  const { $schema: _, ...jsonSchema } = z.toJSONSchema(schema, { io: "input", target: "draft-7" });
  const valid = ajv.compile(jsonSchema);
  const keys = Object.keys(schema.shape);
  return (data) => {
    if (!valid(data)) return undefined;
    const body = data as Record<string, unknown>;
    const value: Record<string, unknown> = {};
    for (const key of keys) if (body[key] !== undefined) value[key] = body[key];
    return value;
  };
}

// Lengths in UTF-16 code units, as Joi and zod count them (ajv counts code points by default). ajv
// warns that `unicode` is deprecated (it still works: compiled-check.test.ts fails without it); no logger.
const ajv = new Ajv({ unicode: false, logger: false });
