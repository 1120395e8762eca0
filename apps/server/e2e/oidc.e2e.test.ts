import { createRemoteJWKSet, jwtVerify, SignJWT } from "jose";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PROVIDERS,
  type Provider,
  post,
  type RunningService,
  startService,
  TEST_JWT_SECRET,
} from "./harness.js";
import {
  activatedUser,
  authorization,
  Browser,
  discover,
  expectFields,
  ISSUER,
  isPage,
  REDIRECT_URI,
  SIGNED_OUT_URI,
  signIn,
  TEST_CLIENTS,
} from "./oidc-relying-party.js";

/** The algorithm a JWT's header names. */
function algOf(jwt: string | undefined): string {
  return JSON.parse(Buffer.from(jwt?.split(".")[0] ?? "", "base64url").toString()).alg;
}

async function startWithClients(provider: Provider = "embedded", env: Record<string, string> = {}) {
  return startService({ OIDC_CLIENTS: JSON.stringify(TEST_CLIENTS), ...env }, provider);
}

/** An ID token of the documented SSO: login, the emailed code naming the session, grant, token. */
async function ssoToken(service: RunningService) {
  const { person, userId, nextCode } = await activatedUser(service);
  const login = await post(service.url, "/api/login", { email: person.email, password: person.password });
  const sessionId = login.body.id as string;
  await post(service.url, "/api/mfa/verify", { userId });
  const otp = await nextCode();
  expect((await post(service.url, "/api/mfa/verify", { userId, otp, sessionId })).status).toBe(200);
  const { body: grant } = await post(service.url, "/api/sso/grant", { sessionId });
  const { body } = await post(service.url, "/api/sso/token", { code: grant.code });
  return { userId, token: body.token as string };
}

/**
 * An SSO token that a relying party verifies offline (the signature against the published JWKS,
 * issuer, audience) with jose's createRemoteJWKSet, and that sso/verify still accepts.
 */
async function expectVerifiableSsoToken(service: RunningService, alg: string) {
  const { userId, token } = await ssoToken(service);
  const jwks = createRemoteJWKSet(new URL(`${service.url}/oidc/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: "http://auth.test",
    audience: "authsvc",
    algorithms: [alg],
  });
  expect([protectedHeader.alg, payload.sub]).toEqual([alg, userId]);
  expect(await post(service.url, "/api/sso/verify", { token })).toMatchObject({
    status: 200,
    body: { sub: userId },
  });
  return userId;
}

describe("TOKEN_ALG=ES256 without registered clients", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ TOKEN_ALG: "ES256" });
  }, 30_000);
  afterAll(() => service?.stop());

  it("signs /api/sso/token's tokens with ES256, verifiable offline with jose's createRemoteJWKSet; sso/verify still answers", async () => {
    const userId = await expectVerifiableSsoToken(service, "ES256");

    const published = await fetch(`${service.url}/oidc/jwks`).then((answer) => answer.json());
    expect(JSON.stringify(published)).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    // An HS256 token keyed with JWT_SECRET, valid under the default, is not one of ours any more.
    const iat = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT({ email: "ada@example.com" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("http://auth.test")
      .setAudience("authsvc")
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .setJti("j")
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(await post(service.url, "/api/sso/verify", { token: hs256 })).toMatchObject({
      status: 401,
      body: { error: "INVALID_TOKEN" },
    });
  });
});

/**
 * The sign-in on the embedded directory and on both Okta engines: whether a user's email factor
 * is proven, which the sign-in's code step relies on, is decided otherwise on a Classic org
 * (okta-provider.ts), and this run costs about two seconds.
 */
const RELYING_PARTY_PROVIDERS: Provider[] = [...PROVIDERS, "okta-classic"];

describe.each(RELYING_PARTY_PROVIDERS)(
  "OpenID Connect with openid-client as the relying party (%s)",
  (provider) => {
    let service: RunningService;
    const target = () => service.url;

    beforeAll(async () => {
      service = await startWithClients(provider);
    }, 30_000);
    afterAll(() => service?.stop());

    it("signs a user in by code + PKCE: discovery, ID token checked against the JWKS, userinfo", async () => {
      const { person, userId, nextCode } = await activatedUser(service);
      const config = await discover(target);
      const metadata = config.serverMetadata();
      expect(metadata).toMatchObject({
        issuer: ISSUER,
        code_challenge_methods_supported: ["S256"],
        end_session_endpoint: `${ISSUER}/session/end`,
      });
      expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256", "EdDSA", "RS256"]);

      const { url, codeVerifier, state } = await authorization(config);
      const callback = await signIn(new Browser(target), url, person, nextCode);
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);

      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
      });
      const claims = tokens.claims();
      expect(claims).toMatchObject({ iss: ISSUER, aud: "spa", sub: userId });
      expect(algOf(tokens.id_token)).toBe("ES256");
      expect(await client.fetchUserInfo(config, tokens.access_token, userId)).toEqual({
        sub: userId,
        email: person.email,
        email_verified: true,
        name: `${person.firstName} ${person.lastName}`,
        given_name: person.firstName,
        family_name: person.lastName,
        preferred_username: person.email,
      });
    });
  },
);

/** Long enough for every flow here to redeem its code, short enough to wait out once. */
const CODE_TTL_SECONDS = 3;

describe("OpenID Connect refusals", () => {
  let service: RunningService;
  const target = () => service.url;

  beforeAll(async () => {
    service = await startWithClients("embedded", {
      TOKEN_ALG: "EdDSA",
      AUTH_CODE_TTL_SECONDS: String(CODE_TTL_SECONDS),
    });
  }, 30_000);
  afterAll(() => service?.stop());

  it("signs /api/sso/token's tokens with TOKEN_ALG=EdDSA, under the provider's own JWKS", async () => {
    await expectVerifiableSsoToken(service, "EdDSA");
  });

  /** A code for a client (the public one unless named), from a signed-in user. */
  async function codeFlow(clientId = "spa") {
    const user = await activatedUser(service);
    const config = await discover(target, clientId);
    const started = await authorization(config);
    const callback = await signIn(new Browser(target), started.url, user.person, user.nextCode);
    return { ...user, config, ...started, callback };
  }

  /** The tokens of a whole code flow for the client. */
  async function signedIn(clientId: string) {
    const flow = await codeFlow(clientId);
    const tokens = await client.authorizationCodeGrant(flow.config, flow.callback, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
    });
    return { ...flow, tokens };
  }

  async function oauthError(promise: Promise<unknown>): Promise<string | undefined> {
    const failure = await promise.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(client.ResponseBodyError);
    return (failure as client.ResponseBodyError).error;
  }

  it("answers an unregistered redirect URI, or an unknown client, with an error page and no redirect", async () => {
    const config = await discover(target);
    const { url } = await authorization(config);
    const browser = new Browser(target);
    for (const [parameter, value] of [
      ["redirect_uri", "http://evil.test/callback"],
      ["client_id", "nobody"],
    ] as const) {
      const wrong = new URL(url);
      wrong.searchParams.set(parameter, value);
      const answer = await browser.visit(wrong.href);
      if (!isPage(answer)) throw new Error(`redirected to ${answer.redirectedTo}`);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(parameter === "client_id" ? "invalid_client" : "invalid_redirect_uri");
    }
  });

  it("refuses a public client's request without PKCE, back at its registered redirect URI", async () => {
    const config = await discover(target);
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: "openid" });
    const answer = await new Browser(target).visit(url.href);
    if (isPage(answer)) throw new Error(`expected a redirect, got ${answer.status}: ${answer.text}`);
    const back = new URL(answer.redirectedTo);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("refuses a wrong or missing PKCE verifier", async () => {
    const { config, callback, state } = await codeFlow();
    const wrongVerifier = client.randomPKCECodeVerifier();
    expect(
      await oauthError(
        client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: wrongVerifier,
          expectedState: state,
        }),
      ),
    ).toBe("invalid_grant");
    expect(await oauthError(client.authorizationCodeGrant(config, callback, { expectedState: state }))).toBe(
      "invalid_grant",
    );
  });

  it("redeems a code once; a replay is refused and voids the tokens issued from it", async () => {
    const { config, callback, codeVerifier, state, userId } = await codeFlow();
    const checks = { pkceCodeVerifier: codeVerifier, expectedState: state };
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    expect((await client.fetchUserInfo(config, tokens.access_token, userId)).sub).toBe(userId);

    expect(await oauthError(client.authorizationCodeGrant(config, callback, checks))).toBe("invalid_grant");
    await expect(client.fetchUserInfo(config, tokens.access_token, userId)).rejects.toThrow();
  });

  it("refreshes for offline_access, refuses a rotated refresh token's replay, and signs out (RP-initiated)", async () => {
    const user = await activatedUser(service);
    const config = await discover(target);
    const browser = new Browser(target);
    const started = await authorization(config, "openid offline_access");
    const callback = await signIn(browser, started.url, user.person, user.nextCode);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.codeVerifier,
      expectedState: started.state,
    });
    const firstRefresh = tokens.refresh_token as string;
    expect(firstRefresh).toBeTruthy();

    const refreshed = await client.refreshTokenGrant(config, firstRefresh);
    expect(refreshed.claims()?.sub).toBe(user.userId);
    expect((await client.fetchUserInfo(config, refreshed.access_token, user.userId)).sub).toBe(user.userId);
    // A public client's refresh token is rotated: the old one, used again, is a stolen one.
    expect(refreshed.refresh_token).not.toBe(firstRefresh);
    expect(await oauthError(client.refreshTokenGrant(config, firstRefresh))).toBe("invalid_grant");
    expect(await oauthError(client.refreshTokenGrant(config, refreshed.refresh_token as string))).toBe(
      "invalid_grant",
    );

    // Signed in: another authorization goes straight back to the client, with no page.
    const again = await authorization(config);
    expect(isPage(await browser.visit(again.url.href))).toBe(false);

    const logout = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: SIGNED_OUT_URI,
    });
    const confirm = await browser.visit(logout.href);
    if (!isPage(confirm)) throw new Error(`expected the sign-out page, went to ${confirm.redirectedTo}`);
    const signedOut = await browser.submit(confirm, { logout: "yes" });
    expect(signedOut).toEqual({ redirectedTo: SIGNED_OUT_URI });
    // Signed out: the next authorization asks for the password again.
    expectFields(await browser.visit((await authorization(config)).url.href), ["Email", "Password"]);
  });

  it("refuses an expired code", async () => {
    const { config, callback, codeVerifier, state } = await codeFlow();
    await new Promise((resolve) => setTimeout(resolve, CODE_TTL_SECONDS * 1000 + 200));
    const checks = { pkceCodeVerifier: codeVerifier, expectedState: state };
    expect(await oauthError(client.authorizationCodeGrant(config, callback, checks))).toBe("invalid_grant");
  });

  it("keeps the provider's tokens and the SSO's apart, under one key: each refuses the other's", async () => {
    const { config, tokens, userId } = await signedIn("ed");
    // Signed with the Ed25519 key that also signs TOKEN_ALG=EdDSA tokens, but for issuer PUBLIC_URL/oidc.
    expect(algOf(tokens.id_token)).toBe("EdDSA");
    expect(await post(service.url, "/api/sso/verify", { token: tokens.id_token })).toMatchObject({
      status: 401,
      body: { error: "INVALID_TOKEN" },
    });
    const { token: ssoIdToken } = await ssoToken(service);
    await expect(client.fetchUserInfo(config, ssoIdToken, userId)).rejects.toThrow();
  });

  it("signs an old client's ID token with RS256, its registered algorithm", async () => {
    const { tokens, userId } = await signedIn("legacy");
    expect(tokens.claims()?.sub).toBe(userId);
    expect(algOf(tokens.id_token)).toBe("RS256");
  });

  /** A user, and a browser on the sign-in page of a new authorization by the public client. */
  async function onSignInPage() {
    const user = await activatedUser(service);
    const { url } = await authorization(await discover(target));
    const browser = new Browser(target);
    const signInPage = expectFields(await browser.visit(url.href), ["Email", "Password"]);
    return { ...user, browser, signInPage };
  }

  it("asks for the code again after a wrong one, and keeps the form labelled", async () => {
    const { person, nextCode, browser, signInPage } = await onSignInPage();
    const wrongPassword = expectFields(
      await browser.submit(signInPage, { email: person.email, password: "Wrong-Horse-1" }),
      ["Email", "Password"],
    );
    expect(wrongPassword.status).toBe(401);
    const codePage = expectFields(await browser.submit(wrongPassword, person), ["Code"]);
    const code = await nextCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const again = expectFields(await browser.submit(codePage, { code: wrong }), ["Code"]);
    expect(again.status).toBeGreaterThanOrEqual(400);
    const back = await browser.submit(again, { code });
    expect(isPage(back)).toBe(false);
  });

  it("mails a new code when asked on the code page, and the new one signs in", async () => {
    const { person, nextCode, browser, signInPage } = await onSignInPage();
    const codePage = expectFields(await browser.submit(signInPage, person), ["Code"]);
    await nextCode();
    expect(codePage.text).toContain(
      '<button type="submit" name="resend" value="yes" formnovalidate>Send a new code',
    );
    const resent = expectFields(await browser.submit(codePage, { resend: "yes" }), ["Code"]);
    expect(resent.text).toContain("A new code is on its way.");
    expect(isPage(await browser.submit(resent, { code: await nextCode() }))).toBe(false);
  });
});
