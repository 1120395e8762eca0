import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordedAnswer, SpecChecker } from "./spec-check.js";
import {
  createUser,
  type Harness,
  PASSWORD,
  postJson,
  SPEC_CHECK_TIMEOUT_MS,
  startHarness,
} from "./test-harness.js";

/** The checker must catch a wrong answer, or a green fidelity test would mean nothing. */
describe("SpecChecker", () => {
  let h: Harness;
  let checker: SpecChecker;
  const answers: Record<string, RecordedAnswer> = {};

  beforeAll(async () => {
    h = await startHarness();
    checker = new SpecChecker();
    const client = h.client();
    const user = await createUser(client);
    const login = user.profile?.login as string;
    const factor = await client.userFactorApi.enrollFactor({
      userId: user.id as string,
      body: { factorType: "email", provider: "OKTA" },
    });
    const authn = await postJson(client, `${h.orgUrl}/api/v1/authn`, { username: login, password: PASSWORD });
    await client.sessionApi.createSession({
      createSessionRequest: { sessionToken: authn.sessionToken as string },
    });
    await h.fetch(`/api/v1/users/${user.id}`, { headers: { Authorization: "SSWS wrong" } });
    const recorded = h.recorded();
    const find = (method: string, path: string) =>
      recorded.find((a) => a.method === method && a.path === path) as RecordedAnswer;
    answers.user = find("POST", "/api/v1/users");
    answers.factor = find("POST", `/api/v1/users/${user.id}/factors`);
    answers.authn = find("POST", "/api/v1/authn");
    answers.session = find("POST", "/api/v1/sessions");
    answers.error = find("GET", `/api/v1/users/${user.id}`);
    expect(factor.id).toBeTruthy();
  }, SPEC_CHECK_TIMEOUT_MS);
  afterAll(() => h.close());

  /** The answer with one field of its body set (or, with undefined, removed). */
  const withField = (answer: RecordedAnswer, path: string[], value: unknown): RecordedAnswer => {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const parent = path.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, body);
    const last = path.at(-1) as string;
    if (value === undefined) delete parent[last];
    else parent[last] = value;
    return { ...answer, body: JSON.stringify(body) };
  };

  it("passes the emulator's real answers", () => {
    for (const answer of Object.values(answers)) expect(checker.problems(answer)).toEqual([]);
    expect(JSON.parse(answers.session?.body as string).lastFactorVerification).toBeNull();
  });

  it("catches a wrong type, a wrong enum value and a leaked write-only field in a User", () => {
    const user = answers.user as RecordedAnswer;
    expect(checker.problems(withField(user, ["status"], 42))).not.toEqual([]);
    expect(checker.problems(withField(user, ["status"], "ENABLED"))).not.toEqual([]);
    expect(checker.problems(withField(user, ["created"], "yesterday"))).not.toEqual([]);
    expect(checker.problems(withField(user, ["credentials", "password", "value"], PASSWORD))).not.toEqual([]);
  });

  it("checks a factor against its discriminated subtype (email: provider OKTA)", () => {
    const factor = answers.factor as RecordedAnswer;
    expect(checker.problems(withField(factor, ["provider"], "GOOGLE"))).not.toEqual([]);
    expect(checker.problems(withField(factor, ["factorType"], "sms"))).toEqual([]);
    expect(checker.problems(withField(factor, ["status"], "ON"))).not.toEqual([]);
  });

  it("catches undeclared statuses, missing Content-Type and bodies where none is declared", () => {
    const user = answers.user as RecordedAnswer;
    expect(checker.problems({ ...user, status: 201 })).not.toEqual([]);
    expect(checker.problems({ ...user, contentType: "text/plain" })).not.toEqual([]);
    expect(
      checker.problems({ ...user, method: "DELETE", path: "/api/v1/sessions/102x", status: 204 }),
    ).not.toEqual([]);
    expect(checker.problems({ ...user, method: "GET", path: "/api/v1/users/00u1", status: 409 })).not.toEqual(
      [],
    );
  });

  it("requires Okta's full error object", () => {
    const error = answers.error as RecordedAnswer;
    expect(error.status).toBe(401);
    expect(checker.problems(withField(error, ["errorId"], undefined))).not.toEqual([]);
    expect(checker.problems(withField(error, ["errorLink"], "E0000001"))).not.toEqual([]);
    expect(checker.problems(withField(error, ["stack"], "at ..."))).not.toEqual([]);
  });

  it("refuses {} as a User, a Session, a factor: the fields the provider reads are required", () => {
    for (const name of ["user", "session", "factor"] as const) {
      const empty = { ...(answers[name] as RecordedAnswer), body: "{}" };
      expect(checker.problems(empty).join("\n")).toMatch(/must have required property 'id'/);
    }
    const list = { ...(answers.factor as RecordedAnswer), method: "GET", body: "[{}]" };
    expect(checker.problems(list)).not.toEqual([]);
  });

  it("refuses a missing status, a field of the wrong type and a field Okta does not send", () => {
    const user = answers.user as RecordedAnswer;
    const session = answers.session as RecordedAnswer;
    const factor = answers.factor as RecordedAnswer;
    for (const [answer, path] of [
      [user, ["status"]],
      [user, ["profile", "login"]],
      [user, ["lastLogin"]],
      [user, ["credentials", "provider"]],
      [session, ["status"]],
      [session, ["mfaActive"]],
      [session, ["idp", "id"]],
      [factor, ["status"]],
      [factor, ["profile", "email"]],
    ] as const) {
      expect(checker.problems(withField(answer, [...path], undefined)), path.join(".")).not.toEqual([]);
    }
    expect(checker.problems(withField(session, ["mfaActive"], "yes"))).not.toEqual([]);
    expect(checker.problems(withField(session, ["amr"], "pwd"))).not.toEqual([]);
    expect(checker.problems(withField(user, ["type", "id"], 7))).not.toEqual([]);
    expect(checker.problems(withField(user, ["state"], "ACTIVE"))).not.toEqual([]);
    expect(checker.problems(withField(session, ["mfa_active"], true))).not.toEqual([]);
    expect(checker.problems(withField(factor, ["factorStatus"], "ACTIVE"))).not.toEqual([]);
  });

  it("requires factorResult in a factor verify's answer and the pipeline in the org's metadata", () => {
    const verify = {
      method: "POST",
      path: "/api/v1/users/00u1/factors/emf1/verify",
      status: 200,
      contentType: "application/json",
    };
    expect(checker.problems({ ...verify, body: '{"factorResult":"CHALLENGE"}' })).toEqual([]);
    expect(checker.problems({ ...verify, body: "{}" })).not.toEqual([]);
    expect(checker.problems({ ...verify, body: '{"factorResult":"OK"}' })).not.toEqual([]);
    const metadata = { ...verify, method: "GET", path: "/.well-known/okta-organization" };
    expect(checker.problems({ ...metadata, body: '{"id":"00o1","pipeline":"idx"}' })).toEqual([]);
    expect(checker.problems({ ...metadata, body: '{"id":"00o1"}' })).not.toEqual([]);
  });

  it("knows every authn status the emulator and the provider handle, each with its own fields", () => {
    const authn = (body: object): RecordedAnswer => ({
      ...(answers.authn as RecordedAnswer),
      body: JSON.stringify(body),
    });
    const user = { id: "00u1", profile: { login: "a@example.com", firstName: "A", lastName: "L" } };
    const state = { stateToken: "00s1", expiresAt: "2026-12-01T00:00:00.000Z" };
    const email = { factorType: "email", provider: "OKTA" };
    const next = { next: { name: "changePassword", href: "https://example.okta.com/api/v1/authn/x" } };
    const good = [
      { status: "LOCKED_OUT" },
      { ...state, status: "PASSWORD_EXPIRED", _embedded: { user }, _links: next },
      { ...state, status: "MFA_REQUIRED", _embedded: { user, factors: [{ ...email, id: "emf1" }] } },
      { ...state, status: "MFA_CHALLENGE", _embedded: { user, factor: { ...email, id: "emf1" } } },
      {
        ...state,
        status: "MFA_ENROLL",
        _embedded: { user, factors: [{ ...email, status: "NOT_SETUP", enrollment: "REQUIRED" }] },
      },
    ];
    for (const body of good) expect(checker.problems(authn(body)), body.status).toEqual([]);
    const bad = [
      {},
      { status: "LOCKED_OUT", stateToken: "00s1" },
      { status: "LOCKED_OUT", sessionToken: "20111" },
      { ...state, status: "MFA_REQUIRED", sessionToken: "20111", _embedded: { user, factors: [] } },
      { ...state, status: "MFA_REQUIRED", _embedded: { user, factors: [email] } },
      { ...state, status: "PASSWORD_EXPIRED", _embedded: { user } },
      { status: "PASSWORD_EXPIRED", _embedded: { user }, _links: next },
      { ...state, status: "MFA_ENROLL", _embedded: { user, factors: [email] } },
      { ...state, status: "MFA_ENROLL", _embedded: { user } },
      { ...state, status: "MFA_ENROLL", _embedded: { factors: [] } },
      { ...state, status: "MFA_ENROLL_ACTIVATE", _embedded: { user } },
      { status: "RECOVERY" },
    ];
    for (const body of bad) expect(checker.problems(authn(body)), JSON.stringify(body)).not.toEqual([]);
  });

  it("checks authn answers against Okta's documented transaction shapes", () => {
    const authn = answers.authn as RecordedAnswer;
    expect(checker.problems(withField(authn, ["sessionToken"], undefined))).not.toEqual([]);
    expect(checker.problems(withField(authn, ["_embedded", "user", "profile", "email"], "x"))).not.toEqual(
      [],
    );
    expect(checker.problems(withField(authn, ["status"], "MFA_REQUIRED"))).not.toEqual([]);
  });
});
