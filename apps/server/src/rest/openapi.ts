import { readFileSync } from "node:fs";
import {
  activateInput,
  defaultReason,
  type ErrorCode,
  grantAnswer,
  idTokenClaims,
  loginAnswer,
  loginInput,
  mfaVerifyInput,
  oktaErrorBody,
  oktaSession,
  oktaUser,
  plainErrorBody,
  registerInput,
  sessionInput,
  success,
  tokenAnswer,
  tokenInput,
  userIdAnswer,
  userProfile,
  validationDetail,
  validationErrorBody,
  verifyInput,
} from "@authsvc/core";
import { z } from "zod";

/**
 * The REST shim's OpenAPI 3.1 document, made from core's zod schemas (the ones tRPC validates
 * with, and the REST shim's Joi schemas are held to by rest/schemas.test.ts): nothing in it is a
 * second copy of a schema. What is written here is what zod cannot know: the routes, which errors
 * each answers at which status, and the headers of a refusal.
 */

type Json = Record<string, unknown>;

const SCHEMAS = "#/components/schemas/";

/** Each error body by its code; the name is the component's. */
const PLAIN_CODES = [
  "INVALID_JSON",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "INVALID_GRANT",
  "INVALID_TOKEN",
  "MFA_REQUIRED",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "SERVER_ERROR",
  "404",
] as const satisfies ErrorCode[];

function errorSchemaName(code: ErrorCode): string {
  if (code === "404") return "NotFoundError";
  const name = code
    .toLowerCase()
    .split("_")
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");
  return name.endsWith("Error") ? name : `${name}Error`;
}

/** The components, as zod writes them: inputs as a caller sends them, answers as the service sends them. */
function componentSchemas(): Record<string, Json> {
  const inputs = z.registry<{ id: string }>();
  inputs.add(registerInput, { id: "RegisterRequest" });
  inputs.add(activateInput, { id: "ActivateRequest" });
  inputs.add(loginInput, { id: "LoginRequest" });
  inputs.add(mfaVerifyInput, { id: "MfaVerifyRequest" });
  inputs.add(sessionInput, { id: "SessionRequest" });
  inputs.add(tokenInput, { id: "TokenRequest" });
  inputs.add(verifyInput, { id: "VerifyRequest" });

  const outputs = z.registry<{ id: string }>();
  outputs.add(userProfile, { id: "UserProfile" });
  outputs.add(oktaUser, { id: "User" });
  outputs.add(oktaSession, { id: "Session" });
  outputs.add(userIdAnswer, { id: "UserId" });
  outputs.add(loginAnswer, { id: "LoginAnswer" });
  outputs.add(success, { id: "Success" });
  outputs.add(grantAnswer, { id: "Grant" });
  outputs.add(tokenAnswer, { id: "Token" });
  outputs.add(idTokenClaims, { id: "IdTokenClaims" });
  outputs.add(validationDetail, { id: "ValidationDetail" });
  outputs.add(validationErrorBody, { id: errorSchemaName("VALIDATION_ERROR") });
  outputs.add(oktaErrorBody, { id: errorSchemaName("OKTA_ERROR") });
  for (const code of PLAIN_CODES) {
    outputs.add(plainErrorBody(code, defaultReason(code, undefined)), { id: errorSchemaName(code) });
  }

  const options = { target: "draft-2020-12", uri: (id: string) => `${SCHEMAS}${id}` } as const;
  const written = {
    ...z.toJSONSchema(inputs, { ...options, io: "input" }).schemas,
    ...z.toJSONSchema(outputs, { ...options, io: "output" }).schemas,
  };
  // Each is a component of one document: the dialect is OpenAPI 3.1's own (JSON Schema 2020-12), the id its path.
  return Object.fromEntries(
    Object.entries(written).map(([name, { $schema: _dialect, $id: _id, ...schema }]) => [
      name,
      schema as Json,
    ]),
  );
}

const ref = (name: string) => ({ $ref: `${SCHEMAS}${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });

const integerHeader = (description: string, required = false) => ({
  description,
  required,
  schema: { type: "integer", minimum: 0 },
});

/** The headers a refusal carries (errors.ts's errorHeaders), by status. */
const HEADERS_BY_STATUS: Record<number, Json> = {
  429: {
    "Retry-After": integerHeader("Seconds to wait before a retry may succeed", true),
    "X-Rate-Limit-Limit": integerHeader("The service's own limit that refused the call (RATE_LIMITED only)"),
    "X-Rate-Limit-Remaining": integerHeader("Calls left in the window: 0 (RATE_LIMITED only)"),
    "X-Rate-Limit-Reset": integerHeader("When the window ends, in Unix seconds (RATE_LIMITED only)"),
  },
  503: { "Retry-After": integerHeader("Seconds to wait before a retry may succeed", true) },
};

/** What each status means, for the reference page. */
const STATUS_TEXT: Record<number, string> = {
  400: "The request is not valid",
  401: "Not authenticated",
  403: "Refused",
  404: "Not found",
  413: "The body is over 32 KiB",
  415: "The body is not application/json",
  429: "Too many requests: wait Retry-After seconds",
  500: "Something went wrong on the service's side; nothing internal is shown",
  503: "A dependency (database, Redis, mail, Okta) failed: retry after Retry-After seconds",
};

/** One refusal a route can answer: the codes it answers at one status, and when. */
interface Refusal {
  status: number;
  codes: ErrorCode[];
  when?: string;
}

/** Refusals of the request itself, before any operation runs. */
const BAD_REQUEST: Refusal = {
  status: 400,
  codes: ["VALIDATION_ERROR", "INVALID_JSON"],
  when: "VALIDATION_ERROR (`details` names each field and rule) or INVALID_JSON (not JSON, or nested deeper than 8 levels)",
};
const ANY_ROUTE: Refusal[] = [
  { status: 413, codes: ["PAYLOAD_TOO_LARGE"] },
  { status: 500, codes: ["SERVER_ERROR"] },
  { status: 503, codes: ["SERVICE_UNAVAILABLE"] },
];
const JSON_BODY: Refusal[] = [BAD_REQUEST, { status: 415, codes: ["UNSUPPORTED_MEDIA_TYPE"] }];

/**
 * Okta's refusals keep Okta's status and body (OKTA_ERROR), from Okta or the embedded directory
 * alike; with IDP=okta, Okta may also refuse the service's own API token (E0000011, 401) or
 * limit it (E0000047, 429) on any call.
 */
function identityProvider(when: Partial<Record<400 | 401 | 403 | 404 | 429, string>>): Refusal[] {
  const anyCall: Record<number, string> = {
    401: "E0000011 (server_error): Okta refused the service's API token",
    429: "E0000047 (rate_limited): Okta's rate limit",
  };
  return ([400, 401, 403, 404, 429] as const)
    .filter((status) => when[status] !== undefined || anyCall[status] !== undefined)
    .map((status) => ({
      status,
      codes: ["OKTA_ERROR"],
      when: [when[status], anyCall[status]].filter(Boolean).join("; "),
    }));
}

/** The service's own limits (RATE_LIMITED, with X-Rate-Limit-* headers), see SECURITY.md. */
const RATE_LIMITED: Refusal = {
  status: 429,
  codes: ["RATE_LIMITED"],
  when: "RATE_LIMITED (rate_limited): the service's own limit, with X-Rate-Limit-* headers",
};

interface Route {
  method: "get" | "post";
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  body?: string;
  /** What a caller sends (openapi.e2e.test.ts holds each to the zod schema). */
  example?: Json;
  answer: string;
  refusals: Refusal[];
}

const ROUTES: Route[] = [
  {
    method: "post",
    path: "/api/register",
    operationId: "register",
    summary: "Create a user, enrol the email factor and mail the first code",
    description:
      "An email whose account never activated starts over: that account is deleted and a fresh code mailed.",
    body: "RegisterRequest",
    example: {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      password: "Correct-Horse-9",
    },
    answer: "UserId",
    refusals: [
      ...JSON_BODY,
      ...identityProvider({
        400: "E0000001: email_taken, weak_password (`errorCauses` says how) or invalid_request",
        404: "E0000007 (user_not_found): a registration of the same email at the same moment replaced this one",
        429: "E0000118 (resend_too_soon)",
      }),
      RATE_LIMITED,
    ],
  },
  {
    method: "post",
    path: "/api/activate",
    operationId: "activate",
    summary: "With `otp`, activate the email factor; without, mail a fresh code",
    body: "ActivateRequest",
    example: { userId: "00u1a2b3c4d5e6f7g8h9", otp: "123456" },
    answer: "Success",
    refusals: [
      ...JSON_BODY,
      ...identityProvider({
        400: "E0000001 (factor_already_active): the factor is active, log in",
        403: "E0000068: invalid_code or code_expired",
        404: "E0000007: user_not_found or factor_not_found",
        429: "E0000047 (too_many_attempts) or E0000118 (resend_too_soon)",
      }),
      RATE_LIMITED,
    ],
  },
  {
    method: "post",
    path: "/api/login",
    operationId: "login",
    summary: "Check a password: an Okta Session, or only `{ userId }` until the email is confirmed",
    body: "LoginRequest",
    example: { email: "ada@example.com", password: "Correct-Horse-9" },
    answer: "LoginAnswer",
    refusals: [
      ...JSON_BODY,
      ...identityProvider({
        401: "E0000004 (invalid_credentials): wrong password, unknown email or a locked login, alike",
        403: "E0000079 (password_expired, with IDP=okta)",
      }),
      RATE_LIMITED,
    ],
  },
  {
    method: "post",
    path: "/api/mfa/verify",
    operationId: "verifyMfa",
    summary:
      "Without `otp`, mail a code; with `otp`, check it (stepping up the session named by `sessionId`)",
    body: "MfaVerifyRequest",
    example: { userId: "00u1a2b3c4d5e6f7g8h9", otp: "654321", sessionId: "102aBcDeFgHiJkLmNoPqRsTu" },
    answer: "Success",
    refusals: [
      ...JSON_BODY,
      ...identityProvider({
        403: "E0000068: invalid_code or code_expired",
        404: "E0000007: user_not_found, factor_not_found, or session_not_found (unknown, or another user's)",
        429: "E0000047 (too_many_attempts) or E0000118 (resend_too_soon)",
      }),
      RATE_LIMITED,
    ],
  },
  {
    method: "post",
    path: "/api/logout",
    operationId: "logout",
    summary: "End a session",
    body: "SessionRequest",
    example: { sessionId: "102aBcDeFgHiJkLmNoPqRsTu" },
    answer: "Success",
    refusals: [...JSON_BODY, ...identityProvider({ 404: "E0000007 (session_not_found)" })],
  },
  {
    method: "get",
    path: "/api/user",
    operationId: "currentUser",
    summary: "The session's user (Okta's User object)",
    description:
      "The session id comes from the `sessionId` query parameter, an `Authorization: Bearer <sessionId>` header, or a JSON body `{ sessionId }` (as the original service took it; browsers cannot send it).",
    answer: "User",
    refusals: [BAD_REQUEST, ...identityProvider({ 404: "E0000007 (session_not_found)" })],
  },
  {
    method: "post",
    path: "/api/sso/grant",
    operationId: "issueAuthorizationCode",
    summary: "An authorization code for the session's user",
    description:
      "For a user with MFA active, the session must first pass a code check naming it (SSO_REQUIRE_MFA).",
    body: "SessionRequest",
    example: { sessionId: "102aBcDeFgHiJkLmNoPqRsTu" },
    answer: "Grant",
    refusals: [
      ...JSON_BODY,
      {
        status: 403,
        codes: ["MFA_REQUIRED"],
        when: "MFA_REQUIRED (mfa_required): mfa/verify with this sessionId first",
      },
      ...identityProvider({ 404: "E0000007 (session_not_found)" }),
    ],
  },
  {
    method: "post",
    path: "/api/sso/token",
    operationId: "exchangeCodeForToken",
    summary: "Redeem an authorization code, once, for an HS256 ID token",
    body: "TokenRequest",
    example: { code: "x3Yk9fQ2_L-8wVt0bN4sRz7uHcJ1mPaE6dGiKoTyWq5" },
    answer: "Token",
    refusals: [
      {
        ...BAD_REQUEST,
        codes: [...BAD_REQUEST.codes, "INVALID_GRANT"],
        when: `${BAD_REQUEST.when}; INVALID_GRANT (invalid_grant): the code is unknown, used or expired`,
      },
      { status: 415, codes: ["UNSUPPORTED_MEDIA_TYPE"] },
    ],
  },
  {
    method: "post",
    path: "/api/sso/verify",
    operationId: "verifyIdToken",
    summary: "Check an ID token: its claims",
    body: "VerifyRequest",
    example: { token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMHUxYTJiM2M0ZDVlNmY3ZzhoOSJ9.c2lnbmF0dXJl" },
    answer: "IdTokenClaims",
    refusals: [
      ...JSON_BODY,
      {
        status: 401,
        codes: ["INVALID_TOKEN"],
        when: "INVALID_TOKEN (invalid_token): forged, altered, expired or not this service's",
      },
    ],
  },
];

/** Merges the refusals of one status (a route's own and the shared ones) into one. */
function byStatus(refusals: Refusal[]): Map<number, Refusal> {
  const merged = new Map<number, Refusal>();
  for (const refusal of [...refusals, ...ANY_ROUTE]) {
    const seen = merged.get(refusal.status);
    merged.set(refusal.status, {
      status: refusal.status,
      codes: [...new Set([...(seen?.codes ?? []), ...refusal.codes])],
      when: [seen?.when, refusal.when].filter(Boolean).join("; ") || undefined,
    });
  }
  return new Map([...merged].sort(([a], [b]) => a - b));
}

const anyOf = (names: string[]) => (names.length === 1 ? ref(names[0] as string) : { anyOf: names.map(ref) });

function operation(route: Route, errorsAs200: boolean): Json {
  const refusals = byStatus(route.refusals);
  const errorNames = [...refusals.values()].flatMap(({ codes }) => codes.map(errorSchemaName));
  const responses: Json = {
    200: {
      description: errorsAs200 ? "The answer, or any refusal below (ERRORS_AS_200 is on)" : "The answer",
      content: json(errorsAs200 ? anyOf([route.answer, ...new Set(errorNames)]) : ref(route.answer)),
    },
  };
  for (const { status, codes, when } of refusals.values()) {
    responses[status] = {
      description: [STATUS_TEXT[status], when].filter(Boolean).join(". "),
      ...(HEADERS_BY_STATUS[status] ? { headers: HEADERS_BY_STATUS[status] } : {}),
      content: json(anyOf(codes.map(errorSchemaName))),
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref(route.body), example: route.example } },
          },
        }
      : {}),
    ...(route.method === "get" ? sessionFromAnywhere() : {}),
    responses,
  };
}

/** GET /api/user's session id: a query parameter, a Bearer header or a JSON body (routes.ts). */
function sessionFromAnywhere(): Json {
  return {
    parameters: [
      {
        name: "sessionId",
        in: "query",
        required: false,
        schema: { $ref: `${SCHEMAS}SessionRequest/properties/sessionId` },
      },
    ],
    security: [{}, { sessionBearer: [] }],
    requestBody: {
      required: false,
      description: "`{ sessionId }`, when neither the query nor the header carries it",
      content: json(ref("SessionRequest")),
    },
  };
}

/** What any path answers when its body cannot be read, or its path cannot be decoded (errors.ts). */
const BEFORE_ROUTING: ErrorCode[] = [
  "VALIDATION_ERROR",
  "INVALID_JSON",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
];

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The document the service serves at GET /api/openapi.json; ERRORS_AS_200 changes what it says of errors. */
export function openApiDocument(options: { errorsAs200: boolean }): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route, options.errorsAs200) };
  }
  paths["/api/openapi.json"] = {
    get: {
      operationId: "openApiDocument",
      summary: "This document",
      responses: { 200: { description: "The OpenAPI 3.1 document", content: json({ type: "object" }) } },
    },
  };
  paths["/api/docs"] = {
    get: {
      operationId: "apiReference",
      summary: "This document as a reference page (Swagger UI, served with all its assets)",
      responses: {
        200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } },
      },
    },
  };
  return {
    openapi: "3.1.1",
    info: {
      title: "authsvc REST API",
      version: VERSION,
      description:
        "The REST shim of the auth service. Every refusal answers `{ error: CODE, reason, ... }`; " +
        '`reason` says what an app can act on. Any path or method not listed answers 404 `{ error: "404" }`.' +
        (options.errorsAs200
          ? " This instance runs with ERRORS_AS_200: every refusal comes with status 200."
          : ""),
    },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        sessionBearer: {
          type: "http",
          scheme: "bearer",
          description: "GET /api/user only: the session id as `Authorization: Bearer <sessionId>`",
        },
      },
      responses: {
        NotFound: {
          description: "No such endpoint: any path or method this document does not list",
          content: json(ref(errorSchemaName("404"))),
        },
        RefusedBeforeRouting: {
          description:
            "On any path, listed or not: a body that cannot be read (400 INVALID_JSON, 413, 415), or a path that is not valid percent-encoding (400 VALIDATION_ERROR), refused before the route is known",
          content: json(anyOf(BEFORE_ROUTING.map(errorSchemaName))),
        },
      },
    },
  };
}
