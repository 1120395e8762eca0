/**
 * JSON Schemas of answers management.yaml does not describe, written from Okta's developer
 * documentation: the Authentication API's transaction (reference/api/authn: "Authentication
 * transaction object", "Embedded resources") and the error object every API answers.
 */

const link = {
  type: "object",
  required: ["href"],
  properties: {
    href: { type: "string", format: "uri" },
    name: { type: "string" },
    hints: { type: "object", properties: { allow: { type: "array", items: { type: "string" } } } },
  },
};

const links = { type: "object", additionalProperties: link };

const user = {
  type: "object",
  additionalProperties: false,
  required: ["id", "profile"],
  properties: {
    id: { type: "string" },
    passwordChanged: { type: ["string", "null"], format: "date-time" },
    profile: {
      type: "object",
      additionalProperties: false,
      required: ["login", "firstName", "lastName"],
      properties: {
        login: { type: "string" },
        firstName: { type: "string" },
        lastName: { type: "string" },
        locale: { type: "string" },
        timeZone: { type: "string" },
      },
    },
  },
};

/** A factor as authn embeds it: an enrolled one has an id; one to enrol (MFA_ENROLL) a status and an enrollment. */
const factor = {
  type: "object",
  additionalProperties: false,
  required: ["factorType", "provider"],
  properties: {
    id: { type: "string" },
    factorType: { type: "string" },
    provider: { type: "string" },
    vendorName: { type: "string" },
    profile: { type: "object" },
    status: { enum: ["ACTIVE", "NOT_SETUP", "PENDING_ACTIVATION"] },
    enrollment: { enum: ["REQUIRED", "OPTIONAL"] },
    _links: links,
  },
};

const enrolled = { required: ["id"] };
const toEnrol = { required: ["status", "enrollment"] };

/**
 * The fields a status comes with (the reference's "Transaction state" and its examples), `_embedded`
 * ones included; `factor` / `factors`: what each embedded factor must have besides.
 */
const requiredWhen = (
  status: string,
  required: string[],
  embedded: string[] = [],
  factors: { factor?: object; factors?: object } = {},
) => ({
  if: { properties: { status: { const: status } }, required: ["status"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
  then: {
    required: embedded.length ? [...required, "_embedded"] : required,
    properties: {
      _embedded: {
        required: embedded,
        properties: {
          ...(factors.factor ? { factor: factors.factor } : {}),
          ...(factors.factors ? { factors: { items: factors.factors } } : {}),
        },
      },
    },
  },
});

const STATUSES = [
  "LOCKED_OUT",
  "MFA_CHALLENGE",
  "MFA_ENROLL_ACTIVATE",
  "MFA_ENROLL",
  "MFA_REQUIRED",
  "PASSWORD_EXPIRED",
  "PASSWORD_RESET",
  "PASSWORD_WARN",
  "RECOVERY_CHALLENGE",
  "RECOVERY",
  "SUCCESS",
  "UNAUTHENTICATED",
];

export const AUTHN_TRANSACTION = {
  type: "object",
  additionalProperties: false,
  required: ["status"],
  properties: {
    status: { enum: STATUSES },
    stateToken: { type: "string" },
    sessionToken: { type: "string" },
    expiresAt: { type: "string", format: "date-time" },
    factorResult: { type: "string" },
    _embedded: {
      type: "object",
      additionalProperties: false,
      properties: {
        user,
        factor,
        factors: { type: "array", items: factor },
        policy: { type: "object" },
      },
    },
    _links: links,
  },
  allOf: [
    requiredWhen("SUCCESS", ["sessionToken", "expiresAt"], ["user"]),
    requiredWhen("MFA_REQUIRED", ["stateToken", "expiresAt"], ["user", "factors"], { factors: enrolled }),
    requiredWhen("MFA_CHALLENGE", ["stateToken", "expiresAt"], ["user", "factor"], { factor: enrolled }),
    requiredWhen("MFA_ENROLL", ["stateToken", "expiresAt"], ["user", "factors"], { factors: toEnrol }),
    requiredWhen("MFA_ENROLL_ACTIVATE", ["stateToken", "expiresAt"], ["user", "factor"], {
      factor: enrolled,
    }),
    requiredWhen("PASSWORD_EXPIRED", ["stateToken", "expiresAt", "_links"], ["user"]),
    requiredWhen("PASSWORD_WARN", ["stateToken", "expiresAt"], ["user"]),
    ...["PASSWORD_RESET", "RECOVERY", "RECOVERY_CHALLENGE", "UNAUTHENTICATED"].map((status) =>
      requiredWhen(status, ["stateToken", "expiresAt"]),
    ),
    // A sessionToken is a signed-in user: no other state may carry one, LOCKED_OUT not even a stateToken.
    {
      if: { properties: { status: { not: { const: "SUCCESS" } } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: { not: { required: ["sessionToken"] } },
    },
    {
      if: { properties: { status: { const: "LOCKED_OUT" } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: { not: { anyOf: [{ required: ["stateToken"] }, { required: ["_embedded"] }] } },
    },
  ],
};

/** Okta's error object: management.yaml's ModelError, with the fields Okta always sends required. */
export const OKTA_ERROR = {
  type: "object",
  additionalProperties: false,
  required: ["errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"],
  properties: {
    errorCode: { type: "string", pattern: "^E\\d{7}$" },
    errorSummary: { type: "string", minLength: 1 },
    errorLink: { type: "string" },
    errorId: { type: "string", pattern: "^oae" },
    errorCauses: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["errorSummary"],
        properties: { errorSummary: { type: "string" } },
      },
    },
  },
};
