import { existsSync } from "node:fs";
import {
  activateInput,
  loginInput,
  mfaVerifyInput,
  registerInput,
  sessionInput,
  tokenInput,
  verifyInput,
} from "@authsvc/core";
import { CHROMIUM, CHROMIUM_ARGS, EMAIL_CORPUS } from "@authsvc/test-support";
import { compileErrors, validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { DOCS_PAGE_CSP } from "../src/rest/docs.js";
import { openApiDocument } from "../src/rest/openapi.js";
import { call, expectHardened, type RunningService, startService } from "./harness.js";
import { openApiChecker } from "./openapi-check.js";

type Json = Record<string, unknown>;

const document = openApiDocument({ errorsAs200: false });

describe("the OpenAPI document", () => {
  it.each([false, true])("is valid OpenAPI 3.1 (ERRORS_AS_200=%s)", async (errorsAs200) => {
    const result = await validate(structuredClone(openApiDocument({ errorsAs200 })) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("has each request schema accept and refuse what the service's zod schema does", () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(document, "openapi");
    const person = {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      password: "Correct-Horse-9",
    };
    const cases: [string, z.ZodType, Record<string, unknown>[]][] = [
      [
        "RegisterRequest",
        registerInput,
        [person, { ...person, firstName: "A\u0000" }, { ...person, lastName: "" }],
      ],
      ["LoginRequest", loginInput, EMAIL_CORPUS.map((email) => ({ email, password: "x" }))],
      [
        "MfaVerifyRequest",
        mfaVerifyInput,
        ["123456", "12345", "12a456", "1234567"].map((otp) => ({
          userId: "00uAbc",
          otp,
          sessionId: "102x_y-z",
        })),
      ],
      ["TokenRequest", tokenInput, ["abc-_D9", "", "a b", "a".repeat(129)].map((code) => ({ code }))],
    ];
    for (const [name, zod, inputs] of cases) {
      const schema = ajv.getSchema(`openapi#/components/schemas/${name}`);
      for (const input of inputs) {
        // zod trims before it checks; the document describes what is sent, so compare on trimmed text.
        const sent = { ...input, ...(typeof input.email === "string" ? { email: input.email.trim() } : {}) };
        expect({ name, input, accepted: schema?.(sent) }).toEqual({
          name,
          input,
          accepted: zod.safeParse(input).success,
        });
      }
    }
  });

  it("shows request examples that the service's zod schemas accept", () => {
    const zodOf: Record<string, z.ZodType> = {
      RegisterRequest: registerInput,
      ActivateRequest: activateInput,
      LoginRequest: loginInput,
      MfaVerifyRequest: mfaVerifyInput,
      SessionRequest: sessionInput,
      TokenRequest: tokenInput,
      VerifyRequest: verifyInput,
    };
    const bodies = Object.values(document.paths as Record<string, Record<string, Json>>)
      .flatMap((item) => Object.values(item))
      .map((operation) => (operation.requestBody as Json | undefined)?.content as Json | undefined)
      .map((content) => content?.["application/json"] as { schema: { $ref: string }; example?: unknown })
      .filter((body) => body?.example !== undefined);
    expect(bodies.length).toBe(8);
    for (const { schema, example } of bodies) {
      const name = schema.$ref.split("/").pop() as string;
      expect({ name, ...zodOf[name]?.safeParse(example) }).toMatchObject({ name, success: true });
    }
  });
});

describe("the answer checker", () => {
  const check = openApiChecker(document as Record<string, unknown>);
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers({ "content-type": "application/json; charset=utf-8", ...headers }),
    text: JSON.stringify(body),
  });
  const refusal = { error: "RATE_LIMITED", reason: "rate_limited", message: "API call exceeded rate limit" };

  it("passes answers the document allows", () => {
    expect(check("POST", "/api/logout", answer(200, { success: true }))).toBeUndefined();
    expect(check("POST", "/api/login", answer(429, refusal, { "retry-after": "30" }))).toBeUndefined();
    const notFound = { error: "404", reason: "not_found", message: "No such endpoint" };
    expect(check("DELETE", "/api/login", answer(404, notFound))).toBeUndefined();
    const unreadable = { error: "INVALID_JSON", reason: "invalid_request", message: "The body is empty" };
    expect(check("DELETE", "/api/login", answer(400, unreadable))).toBeUndefined();
  });

  it("fails a deliberately wrong answer, naming the route, the status and what broke", () => {
    expect(check("POST", "/api/logout", answer(200, { success: "yes" }))).toMatch(
      /^POST \/api\/logout answered 200, which breaks the OpenAPI document .*body\/success must be equal to constant/,
    );
    expect(check("POST", "/api/sso/token", answer(200, { token: "ey", extra: 1 }))).toMatch(
      /POST \/api\/sso\/token answered 200.*must NOT have additional properties.*extra/,
    );
    expect(check("POST", "/api/login", answer(429, refusal))).toMatch(
      /POST \/api\/login answered 429.*the required header Retry-After is missing/,
    );
    expect(check("POST", "/api/login", answer(429, refusal, { "retry-after": "soon" }))).toMatch(
      /header Retry-After is "soon", not an integer/,
    );
    expect(check("POST", "/api/login", answer(418, refusal))).toMatch(
      /POST \/api\/login answered 418, a status its OpenAPI operation does not list/,
    );
    expect(check("POST", "/api/sso/verify", answer(401, { ...refusal, error: "INVALID_GRANT" }))).toMatch(
      /answered 401.*body\/error must be equal to constant/,
    );
    expect(check("PUT", "/api/login", answer(500, refusal))).toMatch(
      /PUT \/api\/login is not in the OpenAPI document, yet answered 500/,
    );
    expect(check("POST", "/api/nothing", answer(200, { success: true }))).toMatch(
      /POST \/api\/nothing answered 200.*NotFound.*required property 'error'/,
    );
  });
});

describe("GET /api/openapi.json and GET /api/docs", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("serve the document as JSON, under the API's own headers", async () => {
    const served = await call(svc.url, "GET", "/api/openapi.json");
    expect(served).toMatchObject({ status: 200, body: document });
    expectHardened(served);
    // The copy the page fetches is the same document, under the same strict headers.
    const pages = await fetch(`${svc.url}/api/docs/json`);
    expect(await pages.json()).toEqual(document);
    expectHardened(pages);
  });

  it("serve the page under its own CSP, and every asset it names from this service", async () => {
    const page = await fetch(`${svc.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(DOCS_PAGE_CSP);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const url = new URL(asset, `${svc.url}/api/docs`);
      expect(url.origin).toBe(svc.url);
      expect((await fetch(url)).status, asset).toBe(200);
    }
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "render the reference in Chromium, loading nothing from elsewhere and breaking no CSP rule",
    async () => {
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
        const page = await browser.newPage();
        const elsewhere: string[] = [];
        const complaints: string[] = [];
        page.on("request", (request) => {
          if (!request.url().startsWith(svc.url) && !request.url().startsWith("data:"))
            elsewhere.push(request.url());
        });
        page.on("console", (message) => {
          if (message.type() === "error") complaints.push(message.text());
        });
        page.on("pageerror", (error) => complaints.push(error.message));
        await page.goto(`${svc.url}/api/docs`);
        await page.getByText("/api/sso/verify").first().waitFor({ timeout: 30_000 });
        await page.getByText("/api/login").first().click();
        await page.getByText("E0000004 (invalid_credentials)").first().waitFor();
        // Swagger UI shows what it cannot render of a document in a box headed "Warning".
        expect(await page.getByText("Warning", { exact: true }).count()).toBe(0);
        expect(elsewhere).toEqual([]);
        expect(complaints).toEqual([]);
      } finally {
        await browser?.close();
      }
    },
    60_000,
  );
});
