import { readFileSync } from "node:fs";
import { Ajv, type AnySchema, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { AUTHN_TRANSACTION, OKTA_ERROR } from "./authn-schema.js";

/** One HTTP answer as it went over the wire. */
export interface RecordedAnswer {
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

type Json = Record<string, unknown>;
type Schema = Json | boolean;

const SCHEMA_REF = "#/components/schemas/";

/** Statuses Okta may answer on any endpoint: a bad API token, its rate limits, its outages. */
const ANY_ENDPOINT_ERRORS = new Set([401, 429, 500, 503]);
/** The Authentication API's error statuses (Okta's developer documentation). */
const AUTHN_ERRORS = new Set([400, 401, 403, 404, 429, 500, 503]);

/**
 * Where management.yaml's schemas are stricter than the Okta it describes:
 * - Okta's Sessions API reference lists both verification timestamps as nullable
 *   ("lastFactorVerification": null before any MFA);
 * - a factor's `resend` link is a list of links, one per channel, in Okta's Factors reference and
 *   in management.yaml's own examples (EnrollFactorEmailResponse), though its schema says one link.
 */
function applyErrata(schemas: Record<string, Json>): void {
  const session = schemas.Session?.properties as Record<string, Json>;
  for (const field of ["lastFactorVerification", "lastPasswordVerification"]) {
    (session[field] as Json).nullable = true;
  }
  // Deprecated but still sent by Okta (Sessions API reference: "mfaActive ... deprecated"); the provider reads it.
  session.mfaActive = { type: "boolean" };
  const href = { $ref: `${SCHEMA_REF}HrefObject` };
  (schemas.LinksResend?.properties as Record<string, Json>).resend = {
    anyOf: [href, { type: "array", items: href }],
  };
}

/**
 * What the provider (packages/okta/src) reads of each answer, required here: management.yaml
 * declares almost nothing required, so `{}` would pass as a User, a Session or a factor. Fields
 * Okta sends as null when unset (a user's `lastLogin`, ...) are required too: Okta always sends
 * them. `closed`: a field the schema does not declare is refused, so that a misspelt or invented
 * field (`mfaActive` as a string, `state` for `status`) is caught.
 */
const PROVIDER_READS: Record<string, { required: string[]; closed?: boolean }> = {
  User: {
    required: [
      "id",
      "status",
      "created",
      "activated",
      "statusChanged",
      "lastLogin",
      "lastUpdated",
      "passwordChanged",
      "type",
      "profile",
      "credentials",
      "_links",
    ],
    closed: true,
  },
  UserProfile: { required: ["firstName", "lastName", "email", "login"] },
  UserCredentials: { required: ["provider"] },
  AuthenticationProvider: { required: ["type", "name"] },
  Session: {
    required: [
      "id",
      "userId",
      "login",
      "createdAt",
      "expiresAt",
      "status",
      "lastPasswordVerification",
      "lastFactorVerification",
      "amr",
      "idp",
      "mfaActive",
      "_links",
    ],
    closed: true,
  },
  SessionIdentityProvider: { required: ["id", "type"] },
  UserFactor: {
    required: ["id", "factorType", "provider", "status", "created", "lastUpdated", "profile", "_links"],
    closed: true,
  },
  UserFactorEmailProfile: { required: ["email"] },
  UserFactorVerifyResponse: { required: ["factorResult"] },
  WellKnownOrgMetadata: { required: ["id", "pipeline"] },
};

function applyProviderReads(schemas: Record<string, Json>): void {
  for (const [name, { required, closed }] of Object.entries(PROVIDER_READS)) {
    const schema = schemas[name] as Json;
    schema.required = [...new Set([...((schema.required as string[]) ?? []), ...required])];
    if (closed) schema.additionalProperties = false;
  }
  // The User's `type` names its user type by id (management.yaml: "it contains a single element, `id`").
  const type = ((schemas.User as Json).properties as Record<string, Json>).type as Json;
  type.required = ["id"];
}

/**
 * OpenAPI 3.0 to JSON Schema for answers: `nullable` becomes a null type, and a `writeOnly`
 * property (a password's value) must not be present at all.
 */
function normalize(node: Schema): Schema {
  if (typeof node !== "object") return node;
  if (node.writeOnly === true) return false;
  const out: Json = { ...node };
  delete out.discriminator;
  if (typeof out.$ref === "string") out.$ref = out.$ref.replace(/^#/, "okta#");
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map(normalize);
  }
  for (const key of ["items", "additionalProperties", "not"]) {
    if (typeof out[key] === "object") out[key] = normalize(out[key] as Schema);
  }
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties as Record<string, Schema>).map(([name, schema]) => [
        name,
        normalize(schema),
      ]),
    );
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type !== "string") return { anyOf: [{ type: "null" }, out] };
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

/**
 * A discriminated schema (UserFactor by factorType) checks its base, then the mapped subtype; the
 * subtypes' own `allOf` refer to the base, so that the check does not loop back into the dispatch.
 */
function expandDiscriminators(original: Record<string, Json>, schemas: Record<string, Schema>): void {
  const discriminated = Object.keys(original).filter((name) => original[name]?.discriminator);
  const toBase = (ref: unknown) => {
    const name = typeof ref === "string" ? ref.replace(`okta${SCHEMA_REF}`, "") : "";
    return discriminated.includes(name) ? `okta${SCHEMA_REF}${name}__base` : ref;
  };
  for (const name of discriminated) {
    const { propertyName, mapping } = (original[name] as Json).discriminator as {
      propertyName: string;
      mapping: Json;
    };
    schemas[`${name}__base`] = schemas[name] as Schema;
    schemas[name] = {
      allOf: [
        { $ref: `okta${SCHEMA_REF}${name}__base` },
        ...Object.entries(mapping).map(([value, ref]) => {
          const target = schemas[(ref as string).replace(SCHEMA_REF, "")] as Json;
          if (Array.isArray(target.allOf)) {
            target.allOf = (target.allOf as Json[]).map((part) =>
              part.$ref ? { ...part, $ref: toBase(part.$ref) } : part,
            );
          }
          return {
            if: { properties: { [propertyName]: { const: value } }, required: [propertyName] },
            // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
            then: { $ref: `okta${ref}` },
          };
        }),
      ],
    };
  }
}

interface Operation {
  pattern: RegExp;
  literalLength: number;
  responses: Record<string, Json>;
}

/** Checks recorded answers against management.yaml (and Okta's documented Authentication API shapes). */
export class SpecChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  private readonly operations = new Map<string, Operation[]>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly responses: Record<string, Json>;

  constructor(specFile: URL = new URL("../spec/management.yaml", import.meta.url)) {
    const spec = parse(readFileSync(specFile, "utf8")) as {
      paths: Record<string, Record<string, { responses?: Record<string, Json> }>>;
      components: { schemas: Record<string, Json>; responses: Record<string, Json> };
    };
    const original = spec.components.schemas;
    applyErrata(original);
    applyProviderReads(original);
    const schemas = Object.fromEntries(
      Object.entries(original).map(([name, schema]) => [name, normalize(schema)]),
    );
    expandDiscriminators(original, schemas);
    addFormats.default(this.ajv);
    // Formats the spec uses that JSON Schema has no rule for: annotations only.
    for (const format of ["base64", "utf-8", "boolean", "opaque"]) this.ajv.addFormat(format, true);
    this.ajv.addSchema({ $id: "okta", components: { schemas } });
    this.responses = spec.components.responses;
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.responses) continue;
        const list = this.operations.get(method.toUpperCase()) ?? [];
        list.push({
          pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
          literalLength: path.replace(/\{[^}]+\}/g, "").length,
          responses: operation.responses,
        });
        this.operations.set(method.toUpperCase(), list);
      }
    }
  }

  /** What is wrong with an answer (empty when it is one Okta could give). */
  problems(answer: RecordedAnswer): string[] {
    const where = `${answer.method} ${answer.path} ${answer.status}`;
    const parsed = this.parse(answer);
    if ("problem" in parsed) return [`${where}: ${parsed.problem}`];
    const { body } = parsed;
    const failures = (schema: AnySchema, key: string) =>
      this.validate(schema, key, body).map((e) => `${where}: ${e}`);

    if (answer.status >= 400) {
      const { errorCode, errorLink } = (body ?? {}) as Json;
      const link = errorLink === errorCode ? [] : [`${where}: errorLink is not the errorCode`];
      return [...failures(OKTA_ERROR, "OktaError"), ...link, ...this.statusProblems(answer, where)];
    }
    if (answer.path.startsWith("/api/v1/authn")) {
      return answer.status === 200
        ? failures(AUTHN_TRANSACTION, "AuthnTransaction")
        : [`${where}: status not documented`];
    }
    const operation = this.operation(answer);
    const response = operation && this.response(operation, answer.status);
    if (!response) return [`${where}: status not declared in management.yaml`];
    const schema = (response.content as Record<string, Json> | undefined)?.["application/json"]?.schema;
    if (!schema) return body === undefined ? [] : [`${where}: declares no body, got one`];
    return failures(normalize(schema as Json), JSON.stringify(schema));
  }

  /** Error statuses: declared for the operation, or ones Okta answers anywhere (bad token, rate, outage). */
  private statusProblems(answer: RecordedAnswer, where: string): string[] {
    if (ANY_ENDPOINT_ERRORS.has(answer.status)) return [];
    if (answer.path.startsWith("/api/v1/authn") && answer.method === "POST") {
      return AUTHN_ERRORS.has(answer.status) ? [] : [`${where}: status not documented`];
    }
    const operation = this.operation(answer);
    // Okta's answers to a path it does not serve (E0000008), or a method the path does not take (E0000022).
    if (!operation) return [404, 405].includes(answer.status) ? [] : [`${where}: no such operation`];
    return this.response(operation, answer.status)
      ? []
      : [`${where}: status not declared in management.yaml`];
  }

  private parse(answer: RecordedAnswer): { body: unknown } | { problem: string } {
    if (answer.status === 204)
      return answer.body === "" ? { body: undefined } : { problem: "a 204 with a body" };
    if (answer.contentType?.split(";")[0]?.trim() !== "application/json") {
      return { problem: "Content-Type is not application/json" };
    }
    if (answer.body === "") return { body: undefined };
    try {
      return { body: JSON.parse(answer.body) };
    } catch {
      return { problem: "the body is not JSON" };
    }
  }

  private operation(answer: RecordedAnswer): Operation | undefined {
    return (this.operations.get(answer.method) ?? [])
      .filter((operation) => operation.pattern.test(answer.path))
      .sort((a, b) => b.literalLength - a.literalLength)[0];
  }

  private response(operation: Operation, status: number): Json | undefined {
    const declared = operation.responses[String(status)];
    const ref = declared?.$ref;
    return typeof ref === "string" ? this.responses[ref.replace("#/components/responses/", "")] : declared;
  }

  private validate(schema: AnySchema, key: string, body: unknown): string[] {
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.validators.set(key, validator);
    }
    if (validator(body)) return [];
    return (validator.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}`);
  }
}
