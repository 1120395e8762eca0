import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type OktaEmulator, startOktaEmulator } from "./emulator.js";
import { SCOPE_OF_ROUTE, type ServiceApp } from "./oauth.js";
import { SPEC_CHECK_TIMEOUT_MS } from "./test-harness.js";

const CLIENT_ID = "0oaServiceApp";
const API_TOKEN = "00emulator-oauth-token";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

describe("the org authorization server and scoped access tokens", () => {
  let emulator: OktaEmulator;
  let clientKey: KeyPair;
  let otherKey: KeyPair;
  let proofKey: KeyPair & { jwk: JWK };
  let publicKey: JWK;
  const app = (overrides: Partial<ServiceApp> = {}): ServiceApp => ({
    clientId: CLIENT_ID,
    publicKey,
    scopes: ["okta.users.read", "okta.users.manage"],
    dpop: false,
    ...overrides,
  });

  beforeAll(async () => {
    [clientKey, otherKey] = await Promise.all([generateKeyPair("RS256"), generateKeyPair("RS256")]);
    const proof = await generateKeyPair("ES256");
    proofKey = { ...proof, jwk: await exportJWK(proof.publicKey) };
    publicKey = await exportJWK(clientKey.publicKey);
    emulator = await startOktaEmulator({ apiToken: API_TOKEN });
  });
  afterAll(() => emulator.close());
  afterEach(() => emulator.reset());

  const tokenUrl = () => `${emulator.url}/oauth2/v1/token`;

  async function assertion(
    claims: { aud?: string; exp?: number; jti?: string; iss?: string } = {},
    key = clientKey,
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(claims.iss ?? CLIENT_ID)
      .setSubject(claims.iss ?? CLIENT_ID)
      .setAudience(claims.aud ?? tokenUrl())
      .setIssuedAt(now - 10)
      .setExpirationTime(claims.exp ?? now + 300)
      .setJti(claims.jti ?? randomUUID())
      .sign(key.privateKey);
  }

  async function proof(method: string, url: string, claims: Record<string, string> = {}, key = proofKey) {
    return new SignJWT({ htm: method, htu: url, ...claims })
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(key.privateKey);
  }

  async function askToken(
    options: { assertion?: string; scope?: string; dpop?: string } = {},
  ): Promise<{ status: number; body: Record<string, string>; headers: Headers }> {
    const response = await fetch(tokenUrl(), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        ...(options.dpop ? { DPoP: options.dpop } : {}),
      },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        scope: options.scope ?? "okta.users.read",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: options.assertion ?? (await assertion()),
      }),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, string>,
      headers: response.headers,
    };
  }

  const getUser = (headers: Record<string, string>) =>
    fetch(`${emulator.url}/api/v1/users/00uNobody`, { headers: { Accept: "application/json", ...headers } });

  it("issues a Bearer token for a private_key_jwt assertion, good for the granted scope's calls", async () => {
    emulator.configure({ serviceApps: [app()] });
    const { status, body } = await askToken();
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "okta.users.read" });
    const answer = await getUser({ Authorization: `Bearer ${body.access_token}` });
    expect([answer.status, ((await answer.json()) as { errorCode: string }).errorCode]).toEqual([
      404,
      "E0000007",
    ]);
  });

  it.each([
    [
      "a signature by another key",
      () => assertion({}, otherKey),
      "The client_assertion signature is invalid.",
    ],
    [
      "another audience",
      () => assertion({ aud: "https://example.okta.com/oauth2/v1/token" }),
      "The 'aud' claim",
    ],
    ["an expired assertion", () => assertion({ exp: Math.floor(Date.now() / 1000) - 60 }), "expired"],
    [
      "an expiry more than an hour away",
      () => assertion({ exp: Math.floor(Date.now() / 1000) + 7200 }),
      "too far",
    ],
    ["an unknown client", () => assertion({ iss: "0oaUnknown" }), "Invalid value for 'client_id' parameter."],
  ])("refuses %s with 401 invalid_client", async (_, make, description) => {
    emulator.configure({ serviceApps: [app()] });
    const { status, body } = await askToken({ assertion: await make() });
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
    expect(body.error_description).toContain(description);
  });

  it("takes an assertion's jti once", async () => {
    emulator.configure({ serviceApps: [app()] });
    const replayed = await assertion({ jti: "one-time" });
    expect((await askToken({ assertion: replayed })).status).toBe(200);
    const again = await askToken({ assertion: replayed });
    expect([again.status, again.body.error_description]).toEqual([
      401,
      "The client_assertion token has already been used.",
    ]);
  });

  it("refuses a scope not granted to the app with 400 invalid_scope", async () => {
    emulator.configure({ serviceApps: [app()] });
    const { status, body } = await askToken({ scope: "okta.users.read okta.sessions.manage" });
    expect([status, body.error]).toEqual([400, "invalid_scope"]);
    expect(body.error_description).toContain("okta.sessions.manage");
  });

  it("answers a call outside the token's scopes 403 E0000006 with Okta's insufficient_scope challenge", async () => {
    emulator.configure({ serviceApps: [app()] });
    const { body } = await askToken({ scope: "okta.users.read" });
    const answer = await fetch(`${emulator.url}/api/v1/users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${body.access_token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ profile: {} }),
    });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { errorCode: string }).errorCode).toBe("E0000006");
    expect(answer.headers.get("www-authenticate")).toBe(
      `Bearer authorization_uri="${emulator.url}/oauth2/v1/authorize", realm="${emulator.url}", scope="okta.users.manage", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/users"`,
    );
  });

  it("refuses an unknown token 401 E0000011, and any access token on authn and session create", async () => {
    emulator.configure({ serviceApps: [app()] });
    const unknown = await getUser({ Authorization: "Bearer not-a-token" });
    expect([unknown.status, ((await unknown.json()) as { errorCode: string }).errorCode]).toEqual([
      401,
      "E0000011",
    ]);
    expect(unknown.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const { body } = await askToken();
    for (const path of ["/api/v1/authn", "/api/v1/sessions"]) {
      const answer = await fetch(`${emulator.url}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${body.access_token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ username: "a@example.com", password: "x", sessionToken: "x" }),
      });
      expect([path, answer.status]).toEqual([path, 401]);
    }
  });

  describe("with DPoP required", () => {
    it("asks for a proof, then for its nonce, then binds the token to the proof's key", async () => {
      emulator.configure({ serviceApps: [app({ dpop: true })] });
      const missing = await askToken();
      expect([missing.status, missing.body.error, missing.body.error_description]).toEqual([
        400,
        "invalid_dpop_proof",
        "The DPoP proof JWT header is missing.",
      ]);
      const noNonce = await askToken({ dpop: await proof("POST", tokenUrl()) });
      expect([noNonce.status, noNonce.body.error]).toEqual([400, "use_dpop_nonce"]);
      const nonce = noNonce.headers.get("dpop-nonce") as string;
      expect(nonce).toBeTruthy();
      const granted = await askToken({ dpop: await proof("POST", tokenUrl(), { nonce }) });
      expect([granted.status, granted.body.token_type]).toEqual([200, "DPoP"]);

      const token = granted.body.access_token as string;
      const url = `${emulator.url}/api/v1/users/00uNobody`;
      const ath = createHash("sha256").update(token).digest("base64url");
      const good = await getUser({ Authorization: `DPoP ${token}`, DPoP: await proof("GET", url, { ath }) });
      expect(good.status).toBe(404);
      const asBearer = await getUser({ Authorization: `Bearer ${token}` });
      expect(asBearer.status).toBe(401);
    });

    /** A DPoP-bound token, through the nonce round trip. */
    async function dpopBoundToken(): Promise<string> {
      emulator.configure({ serviceApps: [app({ dpop: true })] });
      const nonce = (await askToken({ dpop: await proof("POST", tokenUrl()) })).headers.get("dpop-nonce");
      const granted = await askToken({ dpop: await proof("POST", tokenUrl(), { nonce: nonce as string }) });
      return granted.body.access_token as string;
    }

    it.each([
      ["no proof", async () => undefined, "The DPoP proof JWT header is missing."],
      ["a proof without ath", async (url: string) => proof("GET", url), "'ath' claim"],
      [
        "a proof for another URL",
        async (url: string, ath: string) => proof("GET", `${url}x`, { ath }),
        "'htu' claim",
      ],
      [
        "a proof for another method",
        async (url: string, ath: string) => proof("DELETE", url, { ath }),
        "'htm' claim",
      ],
    ])("refuses an API call with %s (invalid_dpop_proof)", async (_, make, description) => {
      const token = await dpopBoundToken();
      const url = `${emulator.url}/api/v1/users/00uNobody`;
      const dpop = await make(url, createHash("sha256").update(token).digest("base64url"));
      const answer = await getUser({ Authorization: `DPoP ${token}`, ...(dpop ? { DPoP: dpop } : {}) });
      expect(answer.status).toBe(400);
      const challenge = answer.headers.get("www-authenticate") ?? "";
      expect(challenge).toMatch(/^DPoP algs="/);
      expect(challenge).toContain('error="invalid_dpop_proof"');
      expect(challenge).toContain(description);
    });

    it("refuses a proof signed by a key other than the token's", async () => {
      const token = await dpopBoundToken();
      const other = await generateKeyPair("ES256");
      const stranger = { ...other, jwk: await exportJWK(other.publicKey) };
      const url = `${emulator.url}/api/v1/users/00uNobody`;
      const ath = createHash("sha256").update(token).digest("base64url");
      const answer = await getUser({
        Authorization: `DPoP ${token}`,
        DPoP: await proof("GET", url, { ath }, stranger),
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("www-authenticate")).toContain("not signed by the key");
    });
  });

  it("refuses a malformed service app in the settings, naming the field", () => {
    expect(() => emulator.configure({ serviceApps: [{ ...app(), publicKey: { kty: "oct" } }] })).toThrow(
      /serviceApps must be/,
    );
  });

  it(
    "asks each call for the scope management.yaml declares for it",
    () => {
      const spec = parse(readFileSync(new URL("../spec/management.yaml", import.meta.url), "utf8")) as {
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      };
      for (const [route, scope] of Object.entries(SCOPE_OF_ROUTE)) {
        const [method = "", path = ""] = route.split(" ");
        const specPath = path.replace("/users/{id}", "/users/{userId}");
        const operation = spec.paths[specPath]?.[method.toLowerCase()];
        const declared = operation?.security?.flatMap((each) => each.oauth2 ?? []);
        expect([route, declared]).toEqual([route, [scope]]);
      }
    },
    SPEC_CHECK_TIMEOUT_MS,
  );
});
