import { domainToUnicode } from "node:url";
import { EMAIL_CORPUS } from "@authsvc/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Answer, PROVIDERS, post, type RunningService, startService, trpc } from "../harness.js";

/**
 * A differential test of the two doors over one corpus of addresses (lookalikes, unicode,
 * quoted local parts, IDN domains, case, whitespace), on a running server, for each provider:
 * what one door lets through the other must, and no two different addresses may ever reach one
 * account. "Different" is judged without the service's rule: after trimming and folding ASCII
 * letters only, which keeps a Kelvin sign a Kelvin sign.
 */
const fold = (email: string) => email.trim().replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** The inbox (smtp-server) notes a recipient's punycode domain in Unicode; the mail went to the punycode one. */
const inboxAddress = (email: string) =>
  email.replace(/@(.+)$/, (_, domain: string) => `@${domainToUnicode(domain)}`);

type Door = "rest" | "trpc";
const DOORS: Door[] = ["rest", "trpc"];
const PATHS = { register: ["/api/register", "auth.register"], login: ["/api/login", "auth.login"] } as const;

/** One call through a door, as the service answers it: the error code (or "ok") and, on success, the data. */
async function through(
  url: string,
  door: Door,
  operation: keyof typeof PATHS,
  input: Record<string, string>,
): Promise<{ status: number; code: string; data: Record<string, unknown> }> {
  const [path, procedure] = PATHS[operation];
  if (door === "rest") {
    const answer: Answer = await post(url, path, input);
    const code = answer.status === 200 ? "ok" : String(answer.body.errorCode ?? answer.body.error);
    return { status: answer.status, code, data: answer.body };
  }
  const answer = await trpc(url, procedure, input);
  const error = answer.body.error?.data;
  const code = answer.status === 200 ? "ok" : String(error?.errorCode ?? error?.error);
  return { status: answer.status, code, data: (answer.body.result?.data ?? {}) as Record<string, unknown> };
}

/** Per provider: each address of the corpus, and the account address it reached (or "refused"). */
const reached: Partial<Record<(typeof PROVIDERS)[number], Record<string, string>>> = {};

/** Generous: a registration hashes a password, and the machine is shared. */
const CORPUS_TIMEOUT_MS = 180_000;

describe.each(PROVIDERS)("one email rule for both doors over %s", (provider) => {
  let svc: RunningService;
  // Each test on a service of its own: the first one's failed logins would lock the second one's accounts.
  beforeEach(async () => {
    // The corpus holds many spellings of a few accounts: their per-account limits would end the test early.
    svc = await startService(
      { RATE_LIMIT_LOGIN_PER_ACCOUNT: "off", RATE_LIMIT_REGISTER_PER_ACCOUNT: "off" },
      provider,
    );
  });
  afterEach(async () => {
    await svc?.stop();
  });

  it(
    "refuses through one door exactly what it refuses through the other, at register and at login",
    async () => {
      const disagreements: unknown[] = [];
      for (const email of EMAIL_CORPUS) {
        const refusedBy: Record<string, boolean> = {};
        for (const door of DOORS) {
          // A password no policy takes: an address let through reaches the provider and creates nothing.
          const register = await through(svc.url, door, "register", {
            firstName: "Kim",
            lastName: "Doe",
            email,
            password: "x",
          });
          const login = await through(svc.url, door, "login", { email, password: "x" });
          for (const [operation, answer] of Object.entries({ register, login })) {
            expect(answer.status).toBeLessThan(500);
            refusedBy[`${door} ${operation}`] = answer.code === "VALIDATION_ERROR";
          }
        }
        if (new Set(Object.values(refusedBy)).size > 1) disagreements.push({ email, refusedBy });
      }

      expect(disagreements).toEqual([]);
    },
    CORPUS_TIMEOUT_MS,
  );

  it(
    "gives each different address an account of its own, and every spelling of one address that account",
    async () => {
      const accounts = new Map<string, { userId: string; password: string }>();
      const outcomes: Record<string, string> = {};
      reached[provider] = outcomes;
      for (const [index, email] of EMAIL_CORPUS.entries()) {
        const door = DOORS[index % 2] as Door;
        const other = DOORS[(index + 1) % 2] as Door;
        const password = `Correct-Horse-${index}`;
        const address = fold(email);
        const mailed = svc.inbox.mailsTo(inboxAddress(address)).length;
        const registered = await through(svc.url, door, "register", {
          firstName: "Kim",
          lastName: "Doe",
          email,
          password,
        });
        outcomes[email] = registered.code === "VALIDATION_ERROR" ? "refused" : address;
        if (registered.code === "VALIDATION_ERROR") continue;
        const account = accounts.get(address);

        if (account) {
          // The same address: its account, activated, is taken, and opens with its own password.
          expect({ email, code: registered.code }).toEqual({ email, code: "E0000001" });
          const login = await through(svc.url, other, "login", { email, password: account.password });
          expect({ email, userId: login.data.userId }).toEqual({ email, userId: account.userId });
          continue;
        }
        // A different address: an account of its own, whose code is mailed to that very address.
        expect({ email, code: registered.code }).toEqual({ email, code: "ok" });
        const userId = registered.data.userId as string;
        const otp = await svc.inbox.nextCode(inboxAddress(address), mailed);
        expect((await post(svc.url, "/api/activate", { userId, otp })).status).toBe(200);
        const login = await through(svc.url, other, "login", { email, password });
        expect({ email, userId: login.data.userId, login: login.data.login }).toEqual({
          email,
          userId,
          login: address,
        });
        accounts.set(address, { userId, password });
      }

      expect(accounts.size).toBeGreaterThan(10);
    },
    CORPUS_TIMEOUT_MS,
  );
});

// Runs after both providers' tests above (a file's tests run in order).
it("lets the same addresses through, to the same accounts, whichever the provider", () => {
  const [first, ...others] = PROVIDERS.map((provider) => reached[provider]);
  expect(first).toBeDefined();
  for (const other of others) expect(other).toEqual(first);
});
