import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { signingKeys } from "./keys.js";

const directory = mkdtempSync(join(tmpdir(), "oidc-settings-"));
const file = (name: string, text: string) => {
  writeFileSync(join(directory, name), text);
  return join(directory, name);
};
const spa = {
  client_id: "spa",
  token_endpoint_auth_method: "none",
  redirect_uris: ["https://app.example/cb"],
};

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return "none";
}

describe("OIDC_CLIENTS and OIDC_JWKS", () => {
  it("reads clients inline or from a file, with defaults for what they leave out", () => {
    const inline = loadConfig({ OIDC_CLIENTS: JSON.stringify([spa]) });
    const fromFile = loadConfig({ OIDC_CLIENTS: file("clients.json", JSON.stringify([spa])) });
    expect(inline.oidc).toEqual(fromFile.oidc);
    expect(inline.oidc?.clients).toEqual([{ ...spa, post_logout_redirect_uris: [] }]);
    expect(loadConfig({}).oidc).toBeUndefined();
  });

  it.each([
    [file("missing-dir", "").replace("missing-dir", "none/clients.json"), "names a file that cannot be read"],
    [file("broken.json", "[{"), "names a file that is not valid JSON"],
    ["[{", "is not valid JSON"],
    [
      JSON.stringify([{ ...spa, redirect_uris: [] }]),
      "client 0 (spa): redirect_uris must list at least one URI",
    ],
    [
      JSON.stringify([{ ...spa, redirect_uris: ["javascript:alert(1)"] }]),
      "client 0 (spa): redirect_uris.0 must be",
    ],
    [JSON.stringify([{ ...spa, client_secret: "s".repeat(40) }]), "client_secret is not used with none"],
    [JSON.stringify([{ ...spa, token_endpoint_auth_method: undefined }]), "client_secret is required"],
    [JSON.stringify([spa, spa]), 'client_id "spa" is listed twice'],
    [JSON.stringify([{ ...spa, grant_types: ["implicit"] }]), "client 0 (spa): Unrecognized key"],
  ])("stops on %s with one line naming the problem", (value, message) => {
    const line = problem({ OIDC_CLIENTS: value });
    expect(line).toMatch(/^Invalid configuration: OIDC_CLIENTS /);
    expect(line).toContain(message);
    expect(line).not.toContain("\n");
  });

  it("refuses a JWKS that cannot sign, and generated keys in production", async () => {
    const [publicOnly] = (await signingKeys(undefined, directory)).keys.map(({ d: _d, ...rest }) => rest);
    expect(problem({ OIDC_JWKS: JSON.stringify({ keys: [publicOnly] }) })).toBe(
      'Invalid configuration: OIDC_JWKS key 0 is not a private key (no "d")',
    );
    expect(problem({ OIDC_JWKS: "{}" })).toContain("must be a JWKS");
    const production = {
      NODE_ENV: "production",
      JWT_SECRET: randomBytes(32).toString("base64"),
      OIDC_CLIENTS: JSON.stringify([spa]),
    };
    expect(problem(production)).toMatch(/^Invalid configuration: OIDC_JWKS is required in production/);
    const { OIDC_CLIENTS: _clients, ...withoutClients } = production;
    expect(problem({ ...withoutClients, TOKEN_ALG: "ES256" })).toMatch(
      /^Invalid configuration: OIDC_JWKS is required/,
    );
    expect(problem({ TOKEN_ALG: "RS256" })).toBe(
      'Invalid configuration: TOKEN_ALG must be "HS256", "ES256" or "EdDSA"',
    );
  });

  it("generates development keys once: ES256, EdDSA and RS256, kept across restarts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "oidc-keys-"));
    const first = await signingKeys(undefined, dataDir);
    expect(first.keys.map((key) => [key.kty, key.crv ?? "", (key as { alg?: string }).alg])).toEqual([
      ["EC", "P-256", "ES256"],
      ["OKP", "Ed25519", "EdDSA"],
      ["RSA", "", "RS256"],
    ]);
    expect(await signingKeys(undefined, dataDir)).toEqual(first);
  });

  it("stops the process on a client the library refuses, with one line and exit code 78", () => {
    const main = join(dirname(fileURLToPath(import.meta.url)), "../../dist/main.js");
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [main], {
        env: {
          PATH: process.env.PATH,
          PORT: "0",
          DATA_DIR: mkdtempSync(join(tmpdir(), "oidc-start-")),
          // A redirect URI with a fragment (RFC 6749 3.1.2): the library, not our schema, refuses it.
          OIDC_CLIENTS: JSON.stringify([{ ...spa, redirect_uris: ["https://app.example/cb#fragment"] }]),
        },
        encoding: "utf8",
        stdio: "pipe",
        timeout: 20_000,
      });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(78);
    expect(failure?.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^Invalid configuration: OIDC_CLIENTS client spa: redirect_uris must not contain fragments$/,
      ),
    ]);
  });
});
