import {
  grantAnswer,
  idTokenClaims,
  type OperationName,
  type Operations,
  oktaUser,
  sessionInput,
  success,
  tokenAnswer,
  userIdAnswer,
  verifyInput,
} from "@authsvc/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Joi from "joi";
import type { z } from "zod";
import { answerSchema } from "../answer-schema.js";
import { throughDoor } from "../caller.js";
import { compiledCheck } from "./compiled-check.js";
import {
  activateBody,
  grantBody,
  loginBody,
  mfaVerifyBody,
  registerBody,
  sessionBody,
  tokenBody,
  verifyBody,
} from "./schemas.js";

/**
 * The hot routes' input (verify's body, the session id of GET /api/user and logout) passes a
 * compiled check first (Joi took 2–3 µs of a 35 µs verify); Joi runs on what it does not pass, to
 * take it or word the VALIDATION_ERROR details.
 */
const compiledChecks = new Map<Joi.Schema, ReturnType<typeof compiledCheck>>([
  [sessionBody, compiledCheck(sessionInput)],
  [verifyBody, compiledCheck(verifyInput)],
]);

/** Fastify's validator, taken by Joi: failures reach the error handler as Joi errors. */
function joiValidator({ schema }: { schema: Joi.Schema }) {
  const compiled = compiledChecks.get(schema);
  return (data: unknown) => {
    const value = compiled?.(data);
    return value ? { value } : schema.validate(data, { abortEarly: false });
  };
}

/**
 * The documented JSON contract: each route validates with Joi and calls one operation. Answers are
 * written by their schema (login's, one of two shapes, by JSON.stringify); with ERRORS_AS_200 a
 * refusal answers 200 too, so every answer is written by JSON.stringify.
 */
export async function restRoutes(
  app: FastifyInstance,
  { ops, errorsAs200 }: { ops: Operations; errorsAs200: boolean },
): Promise<void> {
  app.setValidatorCompiler(joiValidator);
  throughDoor(app, "rest");
  const response = (answer: z.ZodType | undefined) =>
    answer && !errorsAs200 ? { response: { 200: answerSchema(answer) } } : {};

  // The request is the operation's caller (its IP, User-Agent, request id and door); the route
  // names its operation, for the metrics of requests refused before it (bad input).
  const post = (url: string, body: Joi.Schema, operation: OperationName, answer?: z.ZodType) => {
    const run = ops[operation] as (body: unknown, caller: FastifyRequest) => Promise<unknown>;
    app.post(url, { schema: { body, ...response(answer) }, config: { operation } }, (request) =>
      run(request.body, request),
    );
  };

  post("/register", registerBody, "register", userIdAnswer);
  post("/activate", activateBody, "activate", success);
  post("/login", loginBody, "login");
  post("/mfa/verify", mfaVerifyBody, "verifyMfa", success);
  post("/logout", sessionBody, "logout", success);
  post("/sso/grant", grantBody, "issueAuthorizationCode", grantAnswer);
  post("/sso/token", tokenBody, "exchangeCodeForToken", tokenAnswer);
  post("/sso/verify", verifyBody, "verifyIdToken", idTokenClaims);

  app.get<{ Querystring: { sessionId?: string } }>(
    "/user",
    {
      preValidation: sessionIdFromAnywhere,
      schema: { querystring: sessionBody, ...response(oktaUser) },
      config: { operation: "currentUser" },
    },
    (request) => ops.currentUser(request.query as { sessionId: string }, request),
  );
}

/** Largest body read from a GET /api/user: it only ever carries a session id. */
const GET_BODY_LIMIT = 1024;

/**
 * GET /api/user takes the session id from the query string, an `Authorization: Bearer`
 * header or (as the original service did) a JSON body; browsers cannot send the last.
 */
function sessionIdFromAnywhere(
  request: FastifyRequest<{ Querystring: { sessionId?: string } }>,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  // A callback hook: the usual call (the id in the query) costs no promise.
  if (request.query.sessionId !== undefined) return done();
  sessionIdFromHeaderOrBody(request).then(() => done(), done);
}

async function sessionIdFromHeaderOrBody(request: FastifyRequest<{ Querystring: { sessionId?: string } }>) {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const sessionId = bearer ?? (await sessionIdInBody(request));
  // A non-string id goes on to validation, which names what is wrong with it.
  if (sessionId !== undefined) request.query = { ...request.query, sessionId: sessionId as string };
}

async function sessionIdInBody(request: FastifyRequest): Promise<unknown> {
  const length = Number(request.headers["content-length"] ?? 0);
  if (!length && request.headers["transfer-encoding"] === undefined) return undefined;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GET_BODY_LIMIT)
      throw Object.assign(new Error("body too large"), { code: "FST_ERR_CTP_BODY_TOO_LARGE" });
    chunks.push(chunk);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  return typeof parsed === "object" && parsed !== null
    ? (parsed as { sessionId?: unknown }).sessionId
    : undefined;
}
