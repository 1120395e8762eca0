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

const factor = {
  type: "object",
  additionalProperties: false,
  required: ["id", "factorType", "provider"],
  properties: {
    id: { type: "string" },
    factorType: { type: "string" },
    provider: { type: "string" },
    vendorName: { type: "string" },
    profile: { type: "object" },
    _links: links,
  },
};

const requiredWhen = (status: string, required: string[], embedded: string[]) => ({
  if: { properties: { status: { const: status } } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
  then: {
    required: [...required, "_embedded"],
    properties: { _embedded: { required: embedded } },
  },
});

export const AUTHN_TRANSACTION = {
  type: "object",
  additionalProperties: false,
  required: ["status"],
  properties: {
    status: {
      enum: [
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
      ],
    },
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
    requiredWhen("MFA_REQUIRED", ["stateToken", "expiresAt"], ["user", "factors"]),
    requiredWhen("MFA_CHALLENGE", ["stateToken", "expiresAt"], ["user", "factor"]),
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
