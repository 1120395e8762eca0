import { generateKeyPairSync } from "node:crypto";
import type { ServiceApp } from "@authsvc/okta-emulator";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SCOPES, type ServiceAppCredential } from "./credential.js";
import { ada, failure, Harness } from "./test-harness.js";

const CLIENT_ID = "0oaAuthService";
const KEY_ID = "kid-2026";
const TOKEN_CALL = "POST /oauth2/v1/token";

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(async () => {
  await h.close();
});

/** The app's key pair, as Okta's Admin Console makes one: the private half as PEM and as a JWK. */
let privatePem: string;
let privateJwk: string;
let publicJwk: ServiceApp["publicKey"];
beforeAll(() => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  privateJwk = JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid: KEY_ID });
  publicJwk = { ...publicKey.export({ format: "jwk" }), kid: KEY_ID } as ServiceApp["publicKey"];
});

function registerApp(app: Partial<ServiceApp> = {}): void {
  h.emulator.configure({
    serviceApps: [
      { clientId: CLIENT_ID, publicKey: publicJwk, scopes: [...DEFAULT_SCOPES], dpop: false, ...app },
    ],
  });
}

function oauthProvider(
  credential: Partial<ServiceAppCredential> = {},
  options: { profileCacheSeconds?: number } = {},
) {
  return h.newProvider({
    ...options,
    apiToken: undefined,
    serviceApp: { clientId: CLIENT_ID, privateKey: privatePem, keyId: KEY_ID, ...credential },
  });
}

/** Sign-up, sign-in, a session read and its end: every kind of call the provider makes. */
async function signUpAndIn(provider: ReturnType<typeof oauthProvider>) {
  await h.activeUser(ada, provider);
  const check = await provider.checkPassword(ada.email, ada.password, {
    clientIp: "203.0.113.7",
    userAgent: "Mozilla/5.0 (test)",
  });
  const session = await provider.createSession(check);
  expect((await provider.getSession(session.id)).userId).toBe(check.userId);
  await provider.endSession(session.id);
}

describe("an OAuth 2.0 service app instead of an API token", () => {
  it("gets one access token for all the calls, and sends none on authn and session create", async () => {
    registerApp();
    const provider = oauthProvider();

    const calls = await h.callsOf(() => signUpAndIn(provider));

    expect(calls[TOKEN_CALL]).toBe(1);
    // The emulator refuses an access token on both (no OAuth scope covers them): they went without.
    expect(calls["POST /api/v1/authn"]).toBe(1);
    expect(calls["POST /api/v1/sessions"]).toBe(1);
    // Client context still goes to authn, for Okta to believe from a trusted gateway IP.
    const authn = h.emulator.requests().find((request) => request.route === "POST /api/v1/authn");
    expect(authn).toMatchObject({ forwardedFor: "203.0.113.7", userAgent: "Mozilla/5.0 (test)" });
  });

  it("takes the private key as a JWK too, with the JWK's own kid", async () => {
    registerApp();
    const provider = oauthProvider({ privateKey: privateJwk, keyId: undefined });

    expect(await h.callsOf(() => provider.ping())).toEqual({ [TOKEN_CALL]: 1, "GET /api/v1/users": 1 });
    expect((await provider.createUser(ada)).profile.email).toBe(ada.email);
  });

  it("counts a wrong password once: a refused authn is not repeated with a new token", async () => {
    registerApp();
    const provider = oauthProvider();
    await h.activeUser(ada, provider);

    const calls = await h.callsOf(() => failure(provider.checkPassword(ada.email, "Wrong-Password-1")));

    expect(calls["POST /api/v1/authn"]).toBe(1);
  });

  it("gets a new token once when Okta no longer takes the one it holds", async () => {
    registerApp();
    const provider = oauthProvider({}, { profileCacheSeconds: 0 });
    const userId = (await provider.createUser(ada)).id;
    h.emulator.reset(); // forgets every token issued (and the org)
    registerApp();

    const calls = await h.callsOf(() => failure(provider.getUser(userId)));

    expect(calls[TOKEN_CALL]).toBe(1);
    expect(calls["GET /api/v1/users/{id}"]).toBe(2);
  });

  it("fails as a server error naming the scope when the app's token lacks one a call needs", async () => {
    registerApp({ scopes: ["okta.users.read", "okta.users.manage"] });
    const provider = oauthProvider({ scopes: ["okta.users.read", "okta.users.manage"] });
    await h.activeUser(ada, provider);
    const session = await provider.createSession(await provider.checkPassword(ada.email, ada.password));

    const refused = await provider.getSession(session.id).then(
      () => undefined,
      (error: Error) => error,
    );

    expect(refused?.message).toBe(
      "Okta refused GET /api/v1/sessions/{id}: the service app's token lacks the scope okta.sessions.read; grant it to the app in Okta and list it in OKTA_SCOPES",
    );
    expect(refused?.message).not.toContain(session.id);
  });

  it("fails with Okta's words when the token request is refused, never with the key", async () => {
    registerApp({ scopes: ["okta.users.read"] });
    const provider = oauthProvider();

    const refused = await provider.getUser("00uSomeone").then(
      () => undefined,
      (error: Error) => error,
    );

    expect(refused?.message).toMatch(
      /^Okta refused the service app's token request \(invalid_scope: .*okta\.users\.manage/,
    );
    expect(refused?.message).not.toContain("PRIVATE KEY");
  });

  it("uses DPoP when the app requires it: the nonce round trip once, then a proof on every call", async () => {
    registerApp({ dpop: true });
    const provider = oauthProvider();

    const calls = await h.callsOf(() => signUpAndIn(provider));

    // Refused without a proof, then without the nonce, then granted.
    expect(calls[TOKEN_CALL]).toBe(3);
    expect(calls["DELETE /api/v1/sessions/{sessionId}"]).toBe(1);
  });

  it("refuses a provider given both credentials or none", () => {
    expect(() => h.newProvider({ serviceApp: { clientId: CLIENT_ID, privateKey: privatePem } })).toThrow(
      "exactly one Okta credential",
    );
    expect(() => h.newProvider({ apiToken: undefined })).toThrow("exactly one Okta credential");
  });
});
