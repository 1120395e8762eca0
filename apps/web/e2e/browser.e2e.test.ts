import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAuthClient } from "@authsvc/client";
import { SmtpInbox } from "@authsvc/mail/testing";
import { type AuthServer, createServer, loadConfig } from "@authsvc/server";
import { CHROMIUM, CHROMIUM_ARGS } from "@authsvc/test-support";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WEB_APP_DIR = fileURLToPath(new URL("../dist", import.meta.url));
/** A screenshot of each step, kept after the run (gitignored): what the user saw when a step failed. */
const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots", import.meta.url));
/** Generous: codes arrive by SMTP and passwords are hashed with argon2id on a machine shared by many. */
const MAIL_TIMEOUT_MS = 30_000;

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) {
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}

let people = 0;
function newPerson() {
  people += 1;
  return {
    firstName: "Grace",
    lastName: "Hopper",
    email: `grace.${process.pid}-${people}-${Date.now()}@example.com`,
    password: "Correct-Horse-9",
  };
}
type Person = ReturnType<typeof newPerson>;

describe.skipIf(chromiumMissing)("the web app in Chromium", { timeout: 120_000 }, () => {
  let inbox: SmtpInbox;
  let service: AuthServer;
  let url: string;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(join(WEB_APP_DIR, "index.html"))) {
      throw new Error("apps/web is not built: npx turbo run build --filter=@authsvc/web");
    }
    dataDir = mkdtempSync(join(tmpdir(), "authsvc-web-e2e-"));
    inbox = await SmtpInbox.start();
    const config = loadConfig({
      NODE_ENV: "test",
      PORT: "0",
      DATA_DIR: dataDir,
      SMTP_URL: inbox.url,
      JWT_SECRET: "web-e2e-secret-of-more-than-thirty-two-bytes",
      OTP_RESEND_SECONDS: "0",
      WEB_APP: "on",
      LOG_LEVEL: "warn",
      // Every page calls from 127.0.0.1: per-IP limits would count the whole suite as one client.
      RATE_LIMIT_LOGIN_PER_IP: "off",
      RATE_LIMIT_REGISTER_PER_IP: "off",
      RATE_LIMIT_CODE_SEND_PER_IP: "off",
      RATE_LIMIT_CODE_CHECK_PER_IP: "off",
    });
    service = await createServer(config);
    url = (await service.start()).replace("0.0.0.0", "127.0.0.1");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await inbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The next code mailed to `email` by `action`. */
  async function codeMailedBy(email: string, action: () => Promise<unknown>): Promise<string> {
    const seen = inbox.mailsTo(email).length;
    await action();
    return inbox.nextCode(email, seen, MAIL_TIMEOUT_MS);
  }

  async function snap(page: Page, test: string, step: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${test}-${step}.png`), fullPage: true });
  }

  async function openPage(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    return page;
  }

  /** Someone registered and confirmed through the API, so that a test starts at the log-in. */
  async function confirmedPerson(): Promise<Person> {
    const person = newPerson();
    const client = createAuthClient({ url });
    let userId = "";
    const code = await codeMailedBy(person.email, async () => {
      ({ userId } = await client.auth.register.mutate(person));
    });
    await client.mfa.activate.mutate({ userId, otp: code });
    return person;
  }

  async function logIn(page: Page, person: Person, password = person.password): Promise<string> {
    await page.getByLabel("Email", { exact: true }).fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    return codeMailedBy(person.email, () => page.getByRole("button", { name: "Log in" }).click());
  }

  async function enterCode(page: Page, code: string, button: string): Promise<void> {
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: button }).click();
  }

  async function signedIn(page: Page, person: Person): Promise<void> {
    await enterCode(page, await logIn(page, person), "Verify");
    await expect.poll(() => page.getByRole("heading", { name: "Welcome, Grace" }).isVisible()).toBe(true);
  }

  it("creates an account, confirms the code, logs in with the MFA code, continues to the app, logs out", async () => {
    const person = newPerson();
    const page = await openPage();
    const heading = (name: string) => page.getByRole("heading", { name });
    await heading("Log in").waitFor();
    await snap(page, "flow", "01-start");

    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("First name", { exact: true }).fill(person.firstName);
    await page.getByLabel("Last name", { exact: true }).fill(person.lastName);
    await page.getByLabel("Email", { exact: true }).fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await snap(page, "flow", "02-sign-up");
    const confirmation = await codeMailedBy(person.email, () =>
      page.getByRole("button", { name: "Create account" }).click(),
    );
    await heading("Confirm your email").waitFor();
    await snap(page, "flow", "03-confirm");

    await enterCode(page, confirmation, "Confirm");
    await page.getByRole("status").filter({ hasText: "Email confirmed. Log in." }).waitFor();
    await snap(page, "flow", "04-confirmed");

    const mfaCode = await logIn(page, person);
    await heading("Enter your code").waitFor();
    await snap(page, "flow", "05-mfa");
    await enterCode(page, mfaCode, "Verify");
    await heading("Welcome, Grace").waitFor();
    await expect(page.getByText(`You are signed in as ${person.email}.`).isVisible()).resolves.toBe(true);
    await snap(page, "flow", "06-signed-in");

    await page.getByRole("button", { name: "Continue to app" }).click();
    const profile = page.getByRole("region", { name: "Verified profile" });
    await profile.waitFor();
    await expect(profile.textContent()).resolves.toContain(person.email);
    await expect(profile.textContent()).resolves.toContain("Grace Hopper");
    await snap(page, "flow", "07-verified-profile");

    await page.getByRole("button", { name: "Log out" }).click();
    await heading("Log in").waitFor();
    await snap(page, "flow", "08-logged-out");
    await page.context().close();
  });

  it("serves the page under its own policy, runs it without a violation, and keeps the API's", async () => {
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
    page.on("pageerror", (error) => void problems.push(error.message));
    const answer = await page.goto(url);
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(problems).toEqual([]);
    const api = await fetch(`${url}/healthz`);
    expect(api.headers.get("content-security-policy")).toBe("default-src 'none';frame-ancestors 'none'");
    expect((await fetch(`${url}/no-such-page`)).status).toBe(404);
    await page.context().close();
  });

  it("says a wrong code is wrong, and takes the right one after it", async () => {
    const person = newPerson();
    const page = await openPage();
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("First name", { exact: true }).fill(person.firstName);
    await page.getByLabel("Last name", { exact: true }).fill(person.lastName);
    await page.getByLabel("Email", { exact: true }).fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    const code = await codeMailedBy(person.email, () =>
      page.getByRole("button", { name: "Create account" }).click(),
    );
    await page.getByRole("heading", { name: "Confirm your email" }).waitFor();

    await enterCode(page, String((Number(code) + 1) % 1_000_000).padStart(6, "0"), "Confirm");
    await page.getByRole("alert").filter({ hasText: "That code is not right." }).waitFor();
    await snap(page, "wrong-code", "01-refused");

    await enterCode(page, code, "Confirm");
    await page.getByRole("status").filter({ hasText: "Email confirmed. Log in." }).waitFor();
    await snap(page, "wrong-code", "02-right-code");
    await page.context().close();
  });

  it("says a wrong password is wrong, and stays on the log-in", async () => {
    const person = await confirmedPerson();
    const page = await openPage();
    await page.getByLabel("Email", { exact: true }).fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill("Wrong-Horse-9");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await expect(page.getByRole("heading", { name: "Log in" }).isVisible()).resolves.toBe(true);
    expect(inbox.mailsTo(person.email)).toHaveLength(1);
    await snap(page, "wrong-password", "01-refused");
    await page.context().close();
  });

  it("keeps the session through a reload", async () => {
    const person = await confirmedPerson();
    const page = await openPage();
    await signedIn(page, person);
    await page.reload();
    await page.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await snap(page, "reload", "01-still-signed-in");
    // Still a live session on the server, not only a page that remembers one.
    await page.getByRole("button", { name: "Continue to app" }).click();
    await page.getByRole("region", { name: "Verified profile" }).waitFor();
    await page.context().close();
  });

  it("logs out every tab when one logs out", async () => {
    const person = await confirmedPerson();
    const first = await openPage();
    await signedIn(first, person);
    const second = await first.context().newPage();
    await second.goto(url);
    await second.getByRole("heading", { name: "Welcome, Grace" }).waitFor();
    await snap(second, "two-tabs", "01-second-tab-signed-in");

    await first.getByRole("button", { name: "Log out" }).click();
    await first.getByRole("heading", { name: "Log in" }).waitFor();
    await second.getByRole("heading", { name: "Log in" }).waitFor();
    await snap(second, "two-tabs", "02-second-tab-logged-out");
    await first.context().close();
  });
});
