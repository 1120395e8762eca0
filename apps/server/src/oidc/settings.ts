import { createPrivateKey, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

/** A registered relying party, as OIDC_CLIENTS lists it (OAuth 2.0 Dynamic Client Registration names). */
export interface OidcClient {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  token_endpoint_auth_method: "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt";
  jwks?: { keys: JsonWebKey[] };
  jwks_uri?: string;
  id_token_signed_response_alg?: SigningAlgorithm;
}

/** A private JSON Web Key Set: what OIDC_JWKS holds and what development generates. */
export interface PrivateJwks {
  keys: (JsonWebKey & { kid?: string })[];
}

/** What signs: ES256 first, EdDSA for clients that ask, RS256 for old clients that know nothing else. */
export const SIGNING_ALGORITHMS = ["ES256", "EdDSA", "RS256"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** At least 32 bytes, as JWT_SECRET: a client secret is an HMAC key for client_secret_jwt-like uses too. */
const MIN_CLIENT_SECRET_BYTES = 32;

const uri = z.url({ protocol: /^https?$/, error: "must be http(s) URLs" });
const client = z
  .object({
    client_id: z.string().min(1).max(200),
    client_secret: z
      .string()
      .refine((secret) => Buffer.byteLength(secret) >= MIN_CLIENT_SECRET_BYTES, "must be at least 32 bytes")
      .optional(),
    client_name: z.string().min(1).max(200).optional(),
    redirect_uris: z.array(uri).min(1, "must list at least one URI"),
    post_logout_redirect_uris: z.array(uri).default([]),
    token_endpoint_auth_method: z
      .enum(["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
      .default("client_secret_basic"),
    jwks: z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }).optional(),
    jwks_uri: z.url().optional(),
    id_token_signed_response_alg: z.enum(SIGNING_ALGORITHMS).optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const method = entry.token_endpoint_auth_method;
    const needsSecret = method === "client_secret_basic" || method === "client_secret_post";
    if (needsSecret && !entry.client_secret) {
      ctx.addIssue({ code: "custom", message: `client_secret is required with ${method}` });
    }
    if (!needsSecret && entry.client_secret) {
      ctx.addIssue({ code: "custom", message: `client_secret is not used with ${method}: remove it` });
    }
    if (method === "private_key_jwt" && !entry.jwks && !entry.jwks_uri) {
      ctx.addIssue({ code: "custom", message: "private_key_jwt needs jwks or jwks_uri" });
    }
  });
const clientList = z.array(client).superRefine((clients, ctx) => {
  const seen = new Set<string>();
  for (const { client_id } of clients) {
    if (seen.has(client_id))
      ctx.addIssue({ code: "custom", message: `client_id "${client_id}" is listed twice` });
    seen.add(client_id);
  }
});

/** OIDC_CLIENTS: a JSON array of clients, inline or in a file. A problem is one line that names no secret. */
export const oidcClients = z
  .string()
  .min(1)
  .optional()
  .transform((value, ctx): OidcClient[] | undefined => {
    if (value === undefined) return undefined;
    const json = jsonSetting(value);
    if ("problem" in json) {
      ctx.addIssue({ code: "custom", message: json.problem });
      return z.NEVER;
    }
    const parsed = clientList.safeParse(json.value);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: describeIssue(parsed.error.issues[0], json.value) });
      return z.NEVER;
    }
    return parsed.data as OidcClient[];
  });

/** OIDC_JWKS: a private JWKS, inline or in a file; each key must load as a private key of a kind we sign with. */
export const oidcJwks = z
  .string()
  .min(1)
  .optional()
  .transform((value, ctx): PrivateJwks | undefined => {
    if (value === undefined) return undefined;
    const json = jsonSetting(value);
    const problem = "problem" in json ? json.problem : privateJwksProblem(json.value);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
    return (json as { value: PrivateJwks }).value;
  });

/** Why a JWKS cannot sign, or undefined when every key is a private ES256, EdDSA (Ed25519) or RS256 key. */
export function privateJwksProblem(value: unknown): string | undefined {
  const keys = (value as PrivateJwks | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    return 'must be a JWKS: {"keys": [...]} with at least one key';
  for (const [index, key] of keys.entries()) {
    if (typeof key?.d !== "string") return `key ${index} is not a private key (no "d")`;
    if (typeof key.kid !== "string" || key.kid === "") return `key ${index} has no "kid"`;
    try {
      createPrivateKey({ key, format: "jwk" });
    } catch {
      return `key ${index} is not a valid private JWK`;
    }
    const supported =
      (key.kty === "EC" && key.crv === "P-256") ||
      (key.kty === "OKP" && key.crv === "Ed25519") ||
      (key.kty === "RSA" && Buffer.from(String(key.n), "base64url").byteLength >= 256);
    if (!supported) return `key ${index} must be EC P-256, OKP Ed25519 or RSA of 2048 bits or more`;
  }
  return undefined;
}

/** A setting that holds JSON itself (it starts with { or [) or the path of a file holding it. */
function jsonSetting(value: string): { value: unknown } | { problem: string } {
  const inline = /^\s*[[{]/.test(value);
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(value, "utf8");
    } catch {
      return { problem: "names a file that cannot be read (or is not inline JSON)" };
    }
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { problem: inline ? "is not valid JSON" : "names a file that is not valid JSON" };
  }
}

/** "client 1 (web): redirect_uris.0 must be http(s) URLs": where, and what, but never a value. */
function describeIssue(issue: z.core.$ZodIssue | undefined, clients: unknown): string {
  if (!issue) return "is not valid";
  const [index, ...field] = issue.path;
  if (typeof index !== "number") return issue.message;
  const id = (clients as { client_id?: unknown }[])[index]?.client_id;
  const name = typeof id === "string" ? `client ${index} (${id})` : `client ${index}`;
  return `${name}: ${field.length > 0 ? `${field.join(".")} ` : ""}${issue.message}`;
}
