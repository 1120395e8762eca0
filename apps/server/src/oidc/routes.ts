import { AuthError, loginInput, type Operations } from "@authsvc/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { errors } from "oidc-provider";
import { throughDoor } from "../caller.js";
import { publicJwks } from "./keys.js";
import { codePage, messagePage, signInPage } from "./pages.js";
import { OIDC_PATH } from "./provider.js";
import type { PrivateJwks } from "./settings.js";

/** Between the password and the code: whose password passed, and the session the code must name. */
interface PasswordPassed {
  userId: string;
  sessionId: string;
}

/**
 * Mounts the provider at /oidc, and its interaction pages at /oidc/interaction/:uid, where the
 * user signs in as through the API: `login`, then `verifyMfa` with the emailed code naming the
 * session `login` opened. Only then does the provider's own session begin (OIDC Core 3.1.2.3).
 */
export async function oidcRoutes(
  server: FastifyInstance,
  { provider, ops }: { provider: Provider; ops: Operations },
): Promise<void> {
  const handle = provider.callback();
  const publicUrl = new URL(provider.issuer);
  /**
   * The provider builds its URLs (endpoints, redirects, cookie paths) and decides whether cookies
   * are Secure from the request, as Koa sees it behind a proxy: it is told PUBLIC_URL, whatever
   * Host the proxy forwarded, and the client IP that TRUST_PROXY gave Fastify.
   */
  const asPublished = (request: FastifyRequest) => {
    const { headers } = request.raw;
    headers["x-forwarded-host"] = publicUrl.host;
    headers["x-forwarded-proto"] = publicUrl.protocol.slice(0, -1);
    headers["x-forwarded-for"] = request.ip;
  };
  server.addHook("onRequest", async (request) => {
    if (request.url.startsWith(`${OIDC_PATH}/`)) asPublished(request);
  });
  await server.register(async (scope) => {
    // The provider reads its request bodies itself: nothing here may consume them first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const toProvider = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      // The headers every answer carries (security-headers.ts), set on the reply by the onRequest hook.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      // The provider's self-submitting forms (form_post, and the sign-out it confirms by itself when
      // no one is signed in) need their one inline script: it adds that script's hash to a
      // script-src directive when there is one. An empty one allows nothing else.
      reply.raw.setHeader(
        "content-security-policy",
        `${reply.getHeader("content-security-policy")};script-src`,
      );
      // Mounted as the library's own Express example is: it finds its mount path from originalUrl.
      const raw = request.raw as typeof request.raw & { originalUrl?: string };
      raw.originalUrl = raw.url;
      raw.url = raw.url?.slice(OIDC_PATH.length) || "/";
      return handle(request.raw, reply.raw);
    };
    scope.all(OIDC_PATH, toProvider);
    scope.all(`${OIDC_PATH}/*`, toProvider);
  });

  await server.register(async (scope) => {
    throughDoor(scope, "oidc");
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof errors.SessionNotFound) {
        return reply
          .status(400)
          .type("text/html")
          .send(
            messagePage(
              "Sign-in expired",
              "This sign-in has expired or was started in another browser: start again from the application.",
            ),
          );
      }
      throw error;
    });

    scope.get<{ Params: { uid: string } }>(`${OIDC_PATH}/interaction/:uid`, async (request, reply) => {
      const interaction = await interactionOf(request, reply);
      // A user signed in here already, asked for by another client: registered clients need no consent.
      if (interaction.prompt.name !== "login" && interaction.session) {
        return finish(request, reply, interaction.session.accountId, interaction, false);
      }
      const pending = passwordPassed(interaction);
      return page(
        reply,
        200,
        pending ? codePage({ action: codeAction(interaction.uid) }) : await signIn(interaction),
      );
    });

    scope.post<{ Params: { uid: string }; Body: Record<string, string> }>(
      `${OIDC_PATH}/interaction/:uid/password`,
      async (request, reply) => {
        const interaction = await interactionOf(request, reply);
        const input = loginInput.safeParse({ email: request.body?.email, password: request.body?.password });
        if (!input.success)
          return page(reply, 400, await signIn(interaction, "Enter your email and password."));
        try {
          const answer = await ops.login(input.data, request);
          if (!("id" in answer)) {
            const error = "This account's email address is not confirmed yet: finish signing up first.";
            return page(reply, 403, await signIn(interaction, error, input.data.email));
          }
          await ops.verifyMfa({ userId: answer.userId, sessionId: answer.id }, request);
          const passed: PasswordPassed = { userId: answer.userId, sessionId: answer.id };
          interaction.result = { ...interaction.result, passwordPassed: passed };
          await interaction.persist();
          return page(reply, 200, codePage({ action: codeAction(interaction.uid) }));
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
          return page(reply, error.status, await signIn(interaction, error.message, input.data.email));
        }
      },
    );

    scope.post<{ Params: { uid: string }; Body: Record<string, string> }>(
      `${OIDC_PATH}/interaction/:uid/code`,
      async (request, reply) => {
        const interaction = await interactionOf(request, reply);
        const pending = passwordPassed(interaction);
        if (!pending) return page(reply, 400, await signIn(interaction, "Sign in with your password first."));
        const action = codeAction(interaction.uid);
        // "Send a new code" asks for one as the API's mfa/verify without a code does: the same resend interval and limits.
        const resend = request.body?.resend !== undefined;
        const otp = String(request.body?.code ?? "").trim();
        if (!resend && !/^\d{6}$/.test(otp))
          return page(reply, 400, codePage({ action, error: "Enter the six-digit code." }));
        try {
          await ops.verifyMfa(resend ? pending : { ...pending, otp }, request);
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
          return page(reply, error.status, codePage({ action, error: error.message }));
        }
        if (resend) return page(reply, 200, codePage({ action, resent: true }));
        // The API's session proved password and code; from here the provider's session is the sign-in.
        await ops.logout({ sessionId: pending.sessionId }, request);
        return finish(request, reply, pending.userId, interaction, true);
      },
    );
  });

  type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

  /** The interaction the browser's cookie names, which must be the one in the address. */
  async function interactionOf(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) {
    const interaction = await provider.interactionDetails(request.raw, reply.raw);
    if (interaction.uid !== request.params.uid) throw new errors.SessionNotFound("interaction mismatch");
    return interaction;
  }

  async function signIn(interaction: Interaction, error?: string, email?: string): Promise<string> {
    const client = await provider.Client.find(String(interaction.params.client_id));
    const name = client?.clientName ?? client?.clientId ?? "the application";
    return signInPage({
      action: `${OIDC_PATH}/interaction/${interaction.uid}/password`,
      client: name,
      error,
      email,
    });
  }

  /** Signs the user in (when `login`) and grants the client the scopes it asked for, then back to it. */
  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    accountId: string,
    interaction: Interaction,
    login: boolean,
  ) {
    const clientId = String(interaction.params.client_id);
    const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
    // The grant the client had is the signed-in user's: another user signing in (prompt=login) gets one of their own.
    const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(interaction.params.scope ?? "openid"));
    const grantId = await grant.save();
    reply.hijack();
    await provider.interactionFinished(
      request.raw,
      reply.raw,
      {
        ...(login ? { login: { accountId, amr: ["pwd", "otp"] } } : {}),
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }
}

/**
 * Without registered clients the provider is not mounted, but an asymmetric TOKEN_ALG still
 * publishes its keys where the provider would: relying parties verify /api/sso/token's tokens offline.
 */
export function publishKeys(server: FastifyInstance, jwks: PrivateJwks): void {
  const published = publicJwks(jwks);
  server.get(`${OIDC_PATH}/jwks`, async (_request, reply) =>
    reply
      .type("application/jwk-set+json; charset=utf-8")
      .header("cache-control", "max-age=600")
      .send(published),
  );
}

function passwordPassed(interaction: { result?: Record<string, unknown> }): PasswordPassed | undefined {
  return interaction.result?.passwordPassed as PasswordPassed | undefined;
}

function codeAction(uid: string): string {
  return `${OIDC_PATH}/interaction/${uid}/code`;
}

function page(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).type("text/html; charset=utf-8").send(html);
}
