import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, type RunningService, startService, wrongCode } from "../harness.js";
import {
  activatedUser,
  authorization,
  Browser,
  discover,
  expectFields,
  isPage,
  type Page,
  PUBLIC_URL,
  SIGNED_OUT_URI,
  signIn,
  TEST_CLIENTS,
} from "../oidc-relying-party.js";

/** Tries of each kind, as the API's login timing test makes (timing.test.ts): a steady median on a busy machine. */
const TRIES = 25;

/**
 * The OpenID Provider's interaction pages attacked as a browser meets them: forms posted from
 * elsewhere, frames, markup in what is typed, error pages, secrets in logs and addresses, steps
 * skipped, redirects to unregistered addresses, and accounts told apart.
 */
describe("the OpenID Provider's sign-in pages", () => {
  let service: RunningService;
  const target = () => service.url;

  beforeAll(async () => {
    // Per-account login limits off: the timing test fails one password many times.
    service = await startService({
      OIDC_CLIENTS: JSON.stringify(TEST_CLIENTS),
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "off",
    });
  }, 30_000);
  afterAll(() => service?.stop());

  /** A browser on the sign-in page of a new authorization by the public client. */
  async function onSignInPage() {
    const browser = new Browser(target);
    const config = await discover(target);
    const started = await authorization(config);
    const page = expectFields(await browser.visit(started.url.href), ["Email", "Password"]);
    return { browser, config, page, ...started };
  }

  /** Posts a form to the service at a PUBLIC_URL address, with these headers only. */
  function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return fetch(url.replace(PUBLIC_URL, service.url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  it("refuses a sign-in posted without the interaction's cookie, which SameSite=Lax keeps from other sites' posts", async () => {
    const { person } = await activatedUser(service);
    const mailsBefore = service.inbox.mailsTo(person.email).length;
    const { page, url } = await onSignInPage();

    const crossSite = await postForm(`${page.url}/password`, person, { origin: "http://elsewhere.test" });
    expect(crossSite.status).toBe(400);
    expect(await crossSite.text()).toContain("Sign-in expired");
    expect(service.inbox.mailsTo(person.email)).toHaveLength(mailsBefore);

    const started = await fetch(url.href.replace(PUBLIC_URL, service.url), { redirect: "manual" });
    const cookies = started.headers.getSetCookie().filter((line) => line.startsWith("_interaction"));
    expect(cookies.length).toBeGreaterThan(0);
    for (const line of cookies) expect(line.toLowerCase()).toMatch(/samesite=lax.*httponly/);
    // Signed: a cookie naming an interaction is not enough without its signature.
    expect(cookies.some((line) => line.startsWith("_interaction.sig="))).toBe(true);
    const forged = cookies[0]?.split(";")[0] ?? "";
    const unsigned = await postForm(`${page.url}/password`, person, { cookie: forged });
    expect(unsigned.status).toBe(400);
  });

  it("may not be framed: every page forbids framing (CSP frame-ancestors and X-Frame-Options)", async () => {
    const { person, nextCode } = await activatedUser(service);
    const { browser, config, page } = await onSignInPage();
    const codePage = expectFields(await browser.submit(page, person), ["Code"]);
    const errorPage = await browser.visit(`${PUBLIC_URL}/oidc/auth?client_id=nobody`);
    const framed = [page.url, codePage.url];
    if (isPage(errorPage)) framed.push(errorPage.url);
    const back = await browser.submit(codePage, { code: await nextCode() });
    expect(isPage(back)).toBe(false);
    const logout = client.buildEndSessionUrl(config, { post_logout_redirect_uri: SIGNED_OUT_URI });
    framed.push(logout.href);
    for (const address of framed) {
      const answer = await fetch(address.replace(PUBLIC_URL, service.url));
      expect(answer.headers.get("content-security-policy"), address).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers.get("x-frame-options"), address).toBe("DENY");
    }
  });

  it("shows a typed email back as typed, and never reflects markup", async () => {
    const { browser, page } = await onSignInPage();
    // A valid address (an RFC 5322 dot-atom) with characters that mean something in HTML.
    const email = "x'onfocus='confirm'&x{}@example.com";
    const again = expectFields(await browser.submit(page, { email, password: "Wrong-Horse-1" }), [
      "Email",
      "Password",
    ]);
    expect(again.status).toBe(401);
    const value = /<input id="email"[^>]* value="([^"]*)"/.exec(again.text)?.[1] ?? "";
    expect(decodeEntities(value)).toBe(email);

    const markup = "<script>alert(1)</script>@example.com";
    const refused = await browser.submit(page, { email: markup, password: "Wrong-Horse-1" });
    if (!isPage(refused)) throw new Error(`expected the form again, went to ${refused.redirectedTo}`);
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain("<script>");
  });

  it("shows no internals on its error pages", async () => {
    const { page } = await onSignInPage();
    const pages = [
      // An interaction this browser does not hold, a form posted with no cookie, an unknown client.
      await fetch(`${service.url}/oidc/interaction/${"x".repeat(21)}`),
      await postForm(`${page.url}/code`, { code: "123456" }),
      await fetch(`${service.url}/oidc/auth?client_id=nobody&response_type=code&scope=openid`),
      await fetch(`${service.url}/oidc/interaction/%E0%A4%A`),
    ];
    for (const answer of pages) {
      const text = await answer.text();
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(text).not.toMatch(/\bat \S+ \(|node_modules|\/src\/|Error:|SessionNotFound|stack/);
    }
  });

  it("keeps the password and the code out of the logs and out of every address the browser visits", async () => {
    const { person, nextCode } = await activatedUser(service);
    const visited: string[] = [];
    const { browser, url } = await onSignInPage();
    const original = browser.visit.bind(browser);
    browser.visit = async (address, form) => {
      visited.push(address);
      const answer = await original(address, form);
      visited.push(isPage(answer) ? answer.url : answer.redirectedTo);
      return answer;
    };
    let code = "";
    await signIn(browser, url, person, async () => {
      code = await nextCode();
      return code;
    });
    const logs = service.logs.join("");
    for (const secret of [person.password, code]) {
      expect(logs).not.toContain(secret);
      for (const address of visited) expect(address).not.toContain(secret);
    }
  });

  it("asks for the password first: the code form alone signs nobody in", async () => {
    const { person, nextCode } = await activatedUser(service);
    const { browser, page } = await onSignInPage();
    const codeAction = page.url.replace(/\/?$/, "/code");
    const skipped = await browser.visit(codeAction, { code: "123456" });
    const refused = expectFields(skipped, ["Email", "Password"]);
    expect(refused.status).toBe(400);
    const resend = await browser.visit(codeAction, { resend: "yes" });
    expect(expectFields(resend, ["Email", "Password"]).status).toBe(400);
    // Still refused with a real code, mailed for a password that was typed in another interaction.
    const elsewhere = await onSignInPage();
    expectFields(await elsewhere.browser.submit(elsewhere.page, person), ["Code"]);
    const code = await nextCode();
    expect(isPage(await browser.visit(codeAction, { code }))).toBe(true);
    expect(
      isPage(await elsewhere.browser.visit(`${elsewhere.page.url}/code`, { code: wrongCode(code) })),
    ).toBe(true);
  });

  it("redirects to no unregistered address after signing out", async () => {
    const config = await discover(target);
    for (const unregistered of [
      "http://evil.test/signed-out",
      `${SIGNED_OUT_URI}/../../evil`,
      `${SIGNED_OUT_URI}x`,
    ]) {
      const logout = client.buildEndSessionUrl(config, { post_logout_redirect_uri: unregistered });
      const answer = await fetch(logout.href.replace(PUBLIC_URL, service.url), { redirect: "manual" });
      expect(answer.status, unregistered).toBe(400);
      expect(answer.headers.get("location")).toBeNull();
      expect(await answer.text()).not.toContain("evil");
    }
  });

  it("answers an unknown email as a wrong password: the same page, the same status, in about the same time", async () => {
    const { person } = await activatedUser(service);
    const { browser, page } = await onSignInPage();
    const tries = { unknown: [] as number[], known: [] as number[] };
    const answers = new Set<string>();
    for (let i = 0; i < TRIES; i++) {
      // Interleaved, so that a slow spell of the machine hits both kinds alike.
      for (const [kind, email] of [
        ["unknown", newPerson().email],
        ["known", person.email],
      ] as const) {
        const start = performance.now();
        const answer = (await browser.submit(page, { email, password: "Wrong-Horse-1" })) as Page;
        tries[kind].push(performance.now() - start);
        answers.add(`${answer.status} ${answer.text.replace(email, "")}`);
      }
    }
    expect(answers.size).toBe(1);
    const [unknown, known] = [median(tries.unknown), median(tries.known)];
    expect(Math.abs(unknown - known), `unknown ${unknown} ms, known ${known} ms`).toBeLessThan(
      Math.max(2, 0.3 * Math.max(unknown, known)),
    );
  });
});

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_entity, name: string) => ENTITIES[name] as string);
}
