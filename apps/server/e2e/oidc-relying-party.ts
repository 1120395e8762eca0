import * as client from "openid-client";
import { expect } from "vitest";
import { newPerson, post, type RunningService } from "./harness.js";

/** The harness's PUBLIC_URL: the issuer is under it, and requests to it reach the service under test. */
export const PUBLIC_URL = "http://auth.test";
export const ISSUER = `${PUBLIC_URL}/oidc`;
export const REDIRECT_URI = "http://rp.test/callback";
export const SIGNED_OUT_URI = "http://rp.test/signed-out";
export const CONFIDENTIAL_SECRET = "rp-secret-of-more-than-thirty-two-bytes";

/** The relying parties OIDC_CLIENTS registers: public ones (PKCE) on ES256 and EdDSA, a confidential one on RS256. */
export const TEST_CLIENTS = [
  {
    client_id: "spa",
    client_name: "Test SPA",
    token_endpoint_auth_method: "none",
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [SIGNED_OUT_URI],
  },
  {
    client_id: "ed",
    token_endpoint_auth_method: "none",
    redirect_uris: [REDIRECT_URI],
    id_token_signed_response_alg: "EdDSA",
  },
  {
    client_id: "legacy",
    client_secret: CONFIDENTIAL_SECRET,
    redirect_uris: [REDIRECT_URI],
    id_token_signed_response_alg: "RS256",
  },
];

/** Sends what is addressed to PUBLIC_URL to the instance `target()` names (it may change between calls). */
export function towards(target: () => string) {
  return (url: string, options?: RequestInit) => fetch(url.replace(PUBLIC_URL, target()), options);
}

/** openid-client as a relying party finds the provider: discovery, then every call through `towards`. */
export async function discover(target: () => string, clientId = "spa"): Promise<client.Configuration> {
  const auth = clientId === "legacy" ? client.ClientSecretBasic(CONFIDENTIAL_SECRET) : client.None();
  const config = await client.discovery(new URL(ISSUER), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
    [client.customFetch]: towards(target),
  });
  return config;
}

export interface Page {
  status: number;
  url: string;
  text: string;
}

/**
 * A browser as far as the provider can tell: it keeps cookies and follows redirects within
 * PUBLIC_URL; a redirect elsewhere (to the relying party) is where it stops.
 */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly target: () => string) {}

  /** The page at `url`, or the address outside the service that the redirects ended on. */
  async visit(url: string, form?: Record<string, string>): Promise<Page | { redirectedTo: string }> {
    let method = form ? "POST" : "GET";
    let body = form ? new URLSearchParams(form).toString() : undefined;
    let current = url;
    for (let hop = 0; hop < 10; hop += 1) {
      if (!current.startsWith(`${PUBLIC_URL}/`)) return { redirectedTo: current };
      const response = await fetch(current.replace(PUBLIC_URL, this.target()), {
        method,
        body,
        redirect: "manual",
        headers: {
          cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
          ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
      });
      this.keep(response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        method = "GET";
        body = undefined;
        continue;
      }
      return { status: response.status, url: current, text: await response.text() };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  /** Submits the page's form, its hidden fields and these, as a user filling it in would. */
  submit(page: Page, fields: Record<string, string>) {
    const action = /<form [^>]*method="post" action="([^"]+)"/.exec(page.text)?.[1];
    if (!action) throw new Error(`no form on the page: ${page.text}`);
    const hidden = [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)];
    const form = { ...Object.fromEntries(hidden.map(([, name, value]) => [name, value])), ...fields };
    return this.visit(new URL(action.replaceAll("&amp;", "&"), PUBLIC_URL).href, form);
  }

  private keep(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      const expires = attributes.find((attribute) => /^\s*expires=/i.test(attribute));
      const gone =
        value === "" || (expires !== undefined && Date.parse(expires.split("=")[1] ?? "") < Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export function isPage(answer: Page | { redirectedTo: string }): answer is Page {
  return "text" in answer;
}

/** Asserts the page is the one with these labelled fields. */
export function expectFields(answer: Page | { redirectedTo: string }, labels: string[]): Page {
  if (!isPage(answer)) throw new Error(`expected a page, was sent to ${answer.redirectedTo}`);
  for (const label of labels) expect(answer.text).toMatch(new RegExp(`<label for="\\w+">${label}</label>`));
  return answer;
}

/** Starts a code flow with PKCE (S256) and returns what the relying party keeps for the callback. */
export async function authorization(config: client.Configuration, scope = "openid email profile") {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
    ...(scope.includes("offline_access") ? { prompt: "consent" } : {}),
  });
  return { url, codeVerifier, state };
}

/** Signs in on the interaction pages: Email and Password, then the emailed Code. */
export async function signIn(
  browser: Browser,
  url: URL,
  person: { email: string; password: string },
  nextCode: () => Promise<string>,
): Promise<URL> {
  const signInPage = expectFields(await browser.visit(url.href), ["Email", "Password"]);
  const codePage = expectFields(
    await browser.submit(signInPage, { email: person.email, password: person.password }),
    ["Code"],
  );
  const back = await browser.submit(codePage, { code: await nextCode() });
  if (isPage(back)) throw new Error(`expected a redirect to the client, got ${back.status}: ${back.text}`);
  return new URL(back.redirectedTo);
}

/** A registered user whose email factor is active, with the number of mails sent to them so far. */
export async function activatedUser(service: RunningService) {
  const person = newPerson();
  const { body } = await post(service.url, "/api/register", person);
  const userId = body.userId as string;
  const otp = await service.inbox.nextCode(person.email, 0);
  expect((await post(service.url, "/api/activate", { userId, otp })).status).toBe(200);
  let mails = 1;
  return { person, userId, nextCode: () => service.inbox.nextCode(person.email, mails++) };
}
