import {
  clientIdPattern,
  codeChallengePattern,
  codeVerifierPattern,
  emailPattern,
  idPattern,
  LIMITS,
  notStorable,
  otpPattern,
  redirectUriPattern,
  storablePattern,
} from "@authsvc/core";
import Joi from "joi";

/**
 * The REST shim's documented validation, with Joi's `details` in VALIDATION_ERROR.
 * They mirror core's zod schemas; schemas.test.ts holds the two in step.
 */
const text = Joi.string()
  .pattern(storablePattern)
  .messages({ "string.pattern.base": `{{#label}} ${notStorable}` });
const name = text.trim().min(1).max(LIMITS.name).required();
// core's email rule, checked before lower-casing: Joi's own lowercase() would run first and turn a
// Kelvin sign into a "k" that the rule then accepts.
const email = Joi.string()
  .trim()
  .max(LIMITS.email)
  .custom((value: string, helpers) =>
    emailPattern.test(value) ? value.toLowerCase() : helpers.error("string.email"),
  )
  .required();
const password = text.min(1).max(LIMITS.password).required();
// Pattern messages name the rule, never the value: a value may be a code or a session id.
const id = Joi.string()
  .max(LIMITS.id)
  .pattern(idPattern)
  .messages({ "string.pattern.base": "{{#label}} must contain only letters, digits, '-' and '_'" });
const otp = Joi.string()
  .pattern(otpPattern)
  .messages({ "string.pattern.base": "{{#label}} must be 6 digits" });

const body = (keys: Joi.PartialSchemaMap) => Joi.object(keys).required().options({ stripUnknown: true });

export const registerBody = body({ firstName: name, lastName: name, email, password });
export const activateBody = body({ userId: id.required(), otp });
export const loginBody = body({ email, password });
export const mfaVerifyBody = body({ userId: id.required(), otp, sessionId: id });
export const sessionBody = body({ sessionId: id.required() });
// What an SSO code may be bound to; pattern messages name the rule, never the value.
const clientId = Joi.string()
  .max(LIMITS.clientId)
  .pattern(clientIdPattern)
  .messages({ "string.pattern.base": "{{#label}} must be visible ASCII characters" });
const redirectUri = Joi.string()
  .max(LIMITS.redirectUri)
  .pattern(redirectUriPattern)
  .messages({ "string.pattern.base": "{{#label}} must be an absolute URI" });
export const grantBody = body({
  sessionId: id.required(),
  clientId,
  redirectUri,
  codeChallenge: Joi.string()
    .pattern(codeChallengePattern)
    .messages({ "string.pattern.base": "{{#label}} must be 43 base64url characters (S256)" }),
  codeChallengeMethod: Joi.string().valid("S256"),
})
  .with("redirectUri", "clientId")
  .with("codeChallenge", "clientId");
export const tokenBody = body({
  code: Joi.string().max(LIMITS.code).pattern(idPattern).required(),
  clientId,
  redirectUri,
  codeVerifier: Joi.string()
    .pattern(codeVerifierPattern)
    .messages({ "string.pattern.base": "{{#label}} must be 43 to 128 unreserved characters (RFC 7636)" }),
});
export const verifyBody = body({ token: Joi.string().max(LIMITS.token).required() });
