import { USER_AGENT_MAX_LENGTH } from "@authsvc/core";
import { afterEach, describe, expect, it } from "vitest";
import { type Answer, newPerson, post, type RunningService, startService, trpc } from "./harness.js";

/**
 * With Okta, the person signing in, not the service, is who Okta's network zones, ThreatInsight and
 * System Log should see: the client IP (as TRUST_PROXY decides it) and User-Agent reach /authn and
 * factor verify. Checked by what the emulated org received, mostly as a Classic org; on Identity Engine
 * the sign-up's own code proof (register, activate) is a factor verify too, and carries them as well.
 */

const AUTHN = "POST /api/v1/authn";
const FACTOR_VERIFY = "POST /api/v1/users/{id}/factors/{factorId}/verify";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 e2e-client-context";
const CLIENT_IP = "198.51.100.7";

type Door = "REST" | "tRPC";
const PROCEDURES = {
  register: ["/api/register", "auth.register"],
  activate: ["/api/activate", "mfa.activate"],
  login: ["/api/login", "auth.login"],
  verify: ["/api/mfa/verify", "mfa.verify"],
} as const;

async function through(
  door: Door,
  svc: RunningService,
  procedure: keyof typeof PROCEDURES,
  input: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Record<string, unknown>> {
  const [path, name] = PROCEDURES[procedure];
  const answer: Answer =
    door === "REST" ? await post(svc.url, path, input, headers) : await trpc(svc.url, name, input, headers);
  const body = answer.body as { result?: { data: Record<string, unknown> } };
  return door === "REST" ? answer.body : (body.result?.data ?? answer.body);
}

/** A whole sign-in through one door: register, activate, a wrong password, login, a code mailed and checked. */
async function signIn(door: Door, svc: RunningService, headers: Record<string, string>) {
  const person = newPerson();
  const call = (procedure: keyof typeof PROCEDURES, input: Record<string, unknown>) =>
    through(door, svc, procedure, input, headers);
  const { userId } = (await call("register", person)) as { userId: string };
  await call("activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
  await call("login", { email: person.email, password: "Not-The-Password-1" });
  const session = await call("login", { email: person.email, password: person.password });
  expect(session).toMatchObject({ id: expect.any(String) });
  await call("verify", { userId });
  await call("verify", { userId, otp: await svc.inbox.nextCode(person.email, 1), sessionId: session.id });
}

/** What Okta was told of the client on its authn and factor verify calls. */
function toldOkta(svc: RunningService) {
  return (svc.oktaRequests() ?? [])
    .filter(({ route }) => route === AUTHN || route === FACTOR_VERIFY)
    .map(({ route, forwardedFor, userAgent }) => ({ route, forwardedFor, userAgent }));
}

// Each test signs a user in on a fresh service and emulator: seconds, more on a loaded machine.
describe.each<Door>(["REST", "tRPC"])("Okta is told who signs in (%s)", { timeout: 30_000 }, (door) => {
  let svc: RunningService | undefined;
  afterEach(async () => {
    await svc?.stop();
    svc = undefined;
  });

  it("behind a trusted proxy: the address it saw, and the User-Agent, on every authn and factor verify", async () => {
    svc = await startService({ TRUST_PROXY: "127.0.0.1" }, "okta-classic");
    await signIn(door, svc, { "x-forwarded-for": `${CLIENT_IP}, 10.0.0.9`, "user-agent": BROWSER });
    const told = { forwardedFor: "10.0.0.9", userAgent: BROWSER };
    expect(toldOkta(svc)).toEqual([
      { route: AUTHN, ...told },
      { route: AUTHN, ...told },
      { route: FACTOR_VERIFY, ...told },
      { route: FACTOR_VERIFY, ...told },
    ]);
    expect(svc.logs.join("")).not.toContain("e2e-client-context");
  });

  it("with TRUST_PROXY naming every hop: the first address, the client's", async () => {
    svc = await startService({ TRUST_PROXY: "127.0.0.1,10.0.0.0/8" }, "okta-classic");
    await signIn(door, svc, { "x-forwarded-for": `${CLIENT_IP}, 10.0.0.9`, "user-agent": BROWSER });
    expect(new Set(toldOkta(svc).map(({ forwardedFor }) => forwardedFor))).toEqual(new Set([CLIENT_IP]));
  });

  it("without TRUST_PROXY: the peer's IP, whatever X-Forwarded-For claims; on Identity Engine also at sign-up", async () => {
    svc = await startService({}, "okta-identity");
    await signIn(door, svc, { "x-forwarded-for": CLIENT_IP, "user-agent": BROWSER });
    const told = toldOkta(svc);
    // Two authn, two verifies of the sign-in's step-up, and the two of register's and activate's mailbox proof.
    expect(told).toHaveLength(6);
    for (const request of told)
      expect(request).toMatchObject({ forwardedFor: "127.0.0.1", userAgent: BROWSER });
  });

  it("hands on a User-Agent bounded in length and stripped of bytes no header may carry on", async () => {
    svc = await startService({}, "okta-classic");
    const long = `Caf\u00e9/1.0 ${"x".repeat(4000)}`;
    await signIn(door, svc, { "user-agent": long });
    const told = toldOkta(svc);
    expect(told).toHaveLength(4);
    for (const request of told) {
      expect(request.userAgent).toBe(`Caf /1.0 ${"x".repeat(4000)}`.slice(0, USER_AGENT_MAX_LENGTH));
    }
  });
});
