import { AuthError, type EphemeralStore, type IdentityProvider, type OktaUser } from "@authsvc/core";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { Config } from "../config.js";
import { ConfigError } from "../config.js";
import { logoutPage, messagePage } from "./pages.js";
import { type PrivateJwks, SIGNING_ALGORITHMS } from "./settings.js";
import { storeAdapter } from "./store-adapter.js";

/** Where the provider is mounted: the issuer is PUBLIC_URL followed by this. */
export const OIDC_PATH = "/oidc";

/** How long a user's consent to a client (and the refresh tokens issued under it) lasts: 14 days. */
const GRANT_TTL_SECONDS = 14 * 24 * 60 * 60;

export interface OidcProviderOptions {
  config: Pick<Config, "publicUrl" | "authCodeTtlSeconds" | "sessionTtlSeconds"> & {
    oidc: NonNullable<Config["oidc"]>;
  };
  jwks: PrivateJwks;
  /** Signs the provider's cookies (derived from JWT_SECRET). */
  cookieKey: Uint8Array;
  store: EphemeralStore;
  idp: IdentityProvider;
  /** Where its failures go: the service's log, not the library's stderr. */
  log: { error(details: object, message: string): void };
}

/**
 * The OpenID Provider (panva's oidc-provider, OpenID Certified): authorization code with PKCE,
 * token, userinfo, JWKS, RP-initiated logout and refresh tokens for `offline_access`. Users sign
 * in on the interaction pages (routes.ts) through the same operations as the API's.
 */
export async function createOidcProvider(options: OidcProviderOptions): Promise<Provider> {
  const { config, store, idp } = options;
  const configuration: Configuration = {
    clients: config.oidc.clients.map((client) => ({ ...client })),
    jwks: options.jwks as Configuration["jwks"],
    adapter: storeAdapter(store, GRANT_TTL_SECONDS),
    findAccount: async (_ctx, sub) => {
      const user = await userOrNothing(idp, sub);
      return user && { accountId: sub, claims: () => claimsOf(user) };
    },
    claims: {
      // The library's defaults: claims of the sign-in itself.
      acr: null,
      auth_time: null,
      sid: null,
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username"],
    },
    scopes: ["openid", "offline_access", "email", "profile"],
    responseTypes: ["code"],
    // PKCE is required of public clients (token_endpoint_auth_method "none"), the library's
    // default, and only S256 is accepted, also the default.
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
      token_endpoint_auth_method: "client_secret_basic",
    },
    enabledJWA: {
      idTokenSigningAlgValues: [...SIGNING_ALGORITHMS],
      userinfoSigningAlgValues: [...SIGNING_ALGORITHMS],
    },
    interactions: { url: (_ctx, interaction) => `${OIDC_PATH}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => html(ctx, logoutPage(form)),
        postLogoutSuccessSource: async (ctx) => html(ctx, messagePage("Signed out", "You are signed out.")),
      },
    },
    cookies: { keys: [Buffer.from(options.cookieKey).toString("base64url")] },
    ttl: {
      AuthorizationCode: config.authCodeTtlSeconds,
      // Signed in here for as long as a session of the API lives (SESSION_TTL_SECONDS).
      Session: config.sessionTtlSeconds,
      Interaction: 10 * 60,
      Grant: GRANT_TTL_SECONDS,
    },
    renderError: async (ctx, out) => {
      html(ctx, messagePage("Sign-in failed", `${out.error}: ${out.error_description ?? ""}`.trim()));
    },
  };
  const provider = new Provider(`${config.publicUrl}${OIDC_PATH}`, configuration);
  // Its requests carry X-Forwarded-* set from PUBLIC_URL by the routes (routes.ts), never the client's.
  provider.proxy = true;
  provider.on("server_error", (_ctx, error) => options.log.error({ err: error }, "OpenID Provider failed"));
  await checkClients(provider, config.oidc.clients);
  return provider;
}

/** The library checks client metadata when a client is first looked up: at start, so that a bad one stops it. */
async function checkClients(provider: Provider, clients: { client_id: string }[]): Promise<void> {
  for (const { client_id } of clients) {
    try {
      await provider.Client.find(client_id);
    } catch (error) {
      const { error_description, message } = error as { error_description?: string; message: string };
      throw new ConfigError(
        `Invalid configuration: OIDC_CLIENTS client ${client_id}: ${error_description ?? message}`,
      );
    }
  }
}

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = "html";
  ctx.body = body;
}

/** A user gone since signing in (deleted, or a registration that expired) has no claims: its tokens stop working. */
async function userOrNothing(idp: IdentityProvider, userId: string): Promise<OktaUser | undefined> {
  try {
    return await idp.getUser(userId);
  } catch (error) {
    if (error instanceof AuthError && error.status === 404) return undefined;
    throw error;
  }
}

/** Standard claims (OpenID Connect Core 5.1) from the profile; the address proved itself by the emailed code. */
function claimsOf(user: OktaUser) {
  const { firstName, lastName, email, login } = user.profile;
  return {
    sub: user.id,
    email,
    email_verified: true,
    name: `${firstName} ${lastName}`,
    given_name: firstName,
    family_name: lastName,
    preferred_username: login,
  };
}
