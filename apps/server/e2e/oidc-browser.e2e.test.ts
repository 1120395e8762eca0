import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CHROMIUM, CHROMIUM_ARGS } from "@authsvc/test-support";
import * as client from "openid-client";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, startService } from "./harness.js";
import {
  activatedUser,
  authorization,
  discover,
  ISSUER,
  PUBLIC_URL,
  REDIRECT_URI,
  SIGNED_OUT_URI,
  TEST_CLIENTS,
} from "./oidc-relying-party.js";

/**
 * The sign-in as a user meets it: Debian's Chromium on the interaction pages, under the service's
 * headers (CSP, cookies and their SameSite), with openid-client as the relying party.
 */
describe.skipIf(!existsSync(CHROMIUM))("OpenID Connect sign-in in Chromium", () => {
  let service: RunningService;
  let browser: Browser;
  /** The relying party's pages: whatever the browser is sent back to, it gets a page. */
  let app: Server;
  const target = () => service.url;

  beforeAll(async () => {
    service = await startService({ OIDC_CLIENTS: JSON.stringify(TEST_CLIENTS) });
    app = createServer((_request, response) => {
      response
        .writeHead(200, { "content-type": "text/html" })
        .end("<!DOCTYPE html><title>Back at the app</title>");
    }).listen(0, "127.0.0.1");
    await once(app, "listening");
    // PUBLIC_URL's host and the app's are loopback ports to the browser, as DNS names would be.
    const hosts = [
      `MAP ${new URL(PUBLIC_URL).host} 127.0.0.1:${new URL(service.url).port}`,
      `MAP ${new URL(REDIRECT_URI).host} 127.0.0.1:${(app.address() as AddressInfo).port}`,
    ];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=${hosts.join(",")}`],
      headless: true,
    });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    app?.close();
    await service?.stop();
  });

  /** Another site than PUBLIC_URL's, whose page the test serves. */
  const ELSEWHERE = "http://elsewhere.test/";

  /**
   * A new browser profile whose console errors, page errors and CSP violations are collected.
   */
  async function newPage() {
    const context = await browser.newContext();
    const page = await context.newPage();
    // A missing field or a page that never comes fails in seconds, not at the test's timeout.
    page.setDefaultTimeout(5000);
    const complaints: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") complaints.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => complaints.push(`page error: ${error.message}`));
    await page.exposeFunction("reportViolation", (text: string) => complaints.push(`CSP: ${text}`));
    // Run in the page (its CSP does not apply to scripts the browser's driver adds).
    await page.addInitScript(`document.addEventListener("securitypolicyviolation", (event) =>
      reportViolation(event.violatedDirective + " blocked " + event.blockedURI + " on " + location.href));`);
    return { page, complaints };
  }

  /** Email and Password, then the emailed Code, filled in by their labels; answers the request that went back to the app. */
  async function signIn(
    page: Page,
    person: { email: string; password: string },
    nextCode: () => Promise<string>,
  ) {
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Code").fill(await nextCode());
    const back = page.waitForRequest((request) => request.url().startsWith(REDIRECT_URI));
    await page.getByRole("button", { name: "Continue" }).click();
    return back;
  }

  it("signs a user in by code + PKCE: the pages work under the CSP, and openid-client validates the ID token", async () => {
    const { person, userId, nextCode } = await activatedUser(service);
    const config = await discover(target);
    const { url, codeVerifier, state } = await authorization(config);
    const { page, complaints } = await newPage();

    await page.goto(url.href);
    expect(page.url()).toMatch(new RegExp(`^${ISSUER}/interaction/`));
    const callback = new URL((await signIn(page, person, nextCode)).url());

    expect(callback.searchParams.get("code")).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
    });
    expect(tokens.claims()).toMatchObject({ iss: ISSUER, aud: "spa", sub: userId });
    expect(complaints).toEqual([]);
    await page.context().close();
  }, 30_000);

  it("answers with response_mode=form_post: its self-submitting form runs under the CSP and posts the code back", async () => {
    const { person, userId, nextCode } = await activatedUser(service);
    const config = await discover(target);
    const { url, codeVerifier, state } = await authorization(config);
    url.searchParams.set("response_mode", "form_post");
    const { page, complaints } = await newPage();

    await page.goto(url.href);
    const back = await signIn(page, person, nextCode);

    const callback = new Request(REDIRECT_URI, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: back.postData(),
    });
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
    });
    expect(tokens.claims()?.sub).toBe(userId);
    expect(complaints).toEqual([]);
    await page.context().close();
  }, 30_000);

  it("signs out (RP-initiated) back to the app when the browser's session has already ended", async () => {
    const config = await discover(target);
    const { page, complaints } = await newPage();
    // With no session to end, the provider confirms the sign-out itself, by a self-submitting form.
    const logout = client.buildEndSessionUrl(config, {
      client_id: "spa",
      post_logout_redirect_uri: SIGNED_OUT_URI,
    });
    await page.goto(logout.href);
    await page.waitForURL(SIGNED_OUT_URI);
    expect(complaints).toEqual([]);
    await page.context().close();
  }, 30_000);

  it("refuses a sign-in that another site's page posts into the user's interaction: the browser sends it no cookie", async () => {
    const victim = await activatedUser(service);
    const attacker = await activatedUser(service);
    const config = await discover(target);
    const { url } = await authorization(config);
    const form = (action: string) => `<!DOCTYPE html><form method="post" action="${action}">
<input name="email" value="${attacker.person.email}"><input name="password" value="${attacker.person.password}">
</form><script>document.forms[0].submit()</script>`;
    const { page } = await newPage();
    await page.goto(url.href);
    const action = `${page.url()}/password`;
    await page.route(ELSEWHERE, (route) => route.fulfill({ contentType: "text/html", body: form(action) }));

    await page.goto(ELSEWHERE);
    await page.waitForURL(action);
    expect(await page.getByRole("heading").textContent()).toBe("Sign-in expired");
    expect(service.inbox.mailsTo(attacker.person.email)).toHaveLength(1);
    // The user's own sign-in is untouched.
    await page.goto(url.href);
    await signIn(page, victim.person, victim.nextCode);
    await page.context().close();
  }, 30_000);

  it("mails a new code when the user asks for one, with the code field left empty", async () => {
    const { person, nextCode } = await activatedUser(service);
    const { url } = await authorization(await discover(target));
    const { page, complaints } = await newPage();
    await page.goto(url.href);
    await page.getByLabel("Email").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await nextCode();
    await page.getByRole("button", { name: "Send a new code" }).click();
    await page.getByRole("status").filter({ hasText: "A new code is on its way." }).waitFor();
    await page.getByLabel("Code").fill(await nextCode());
    await page.getByLabel("Code").press("Enter");
    await page.waitForURL((address) => address.href.startsWith(REDIRECT_URI));
    expect(complaints).toEqual([]);
    await page.context().close();
  }, 30_000);

  it("lets another user sign in when the app asks for a new sign-in (prompt=login): the first one is signed out", async () => {
    const first = await activatedUser(service);
    const second = await activatedUser(service);
    const config = await discover(target);
    const { page, complaints } = await newPage();
    await page.goto((await authorization(config)).url.href);
    await signIn(page, first.person, first.nextCode);

    const again = await authorization(config);
    again.url.searchParams.set("prompt", "login");
    await page.goto(again.url.href);
    const callback = new URL((await signIn(page, second.person, second.nextCode)).url());
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: again.codeVerifier,
      expectedState: again.state,
    });
    expect(tokens.claims()?.sub).toBe(second.userId);
    expect(complaints).toEqual([]);
    await page.context().close();
  }, 30_000);
});
