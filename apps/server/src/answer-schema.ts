import { z } from "zod";

/**
 * An answer as JSON Schema for fast-json-stringify (Fastify's response serializer for REST routes,
 * and the tRPC door's for procedure outputs): core's zod output schema, the same `z.toJSONSchema`
 * the OpenAPI document publishes. The serializer writes the documented keys only, as the tRPC door's
 * output parse does (required keys first), in half of JSON.stringify's time on verify's claims
 * (bench/RESULTS.md). answer-schema.test.ts holds it to
 * `JSON.stringify(schema.parse(answer))`: the same JSON, once sent as UTF-8.
 */
export function answerSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...jsonSchema } = z.toJSONSchema(schema, { io: "output", target: "draft-7" });
  return jsonSchema;
}
