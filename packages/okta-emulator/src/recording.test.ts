import { SmtpInbox } from "@authsvc/mail/testing";
import { Client, DefaultRequestExecutor } from "@okta/okta-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OktaEmulator, startOktaEmulator } from "./emulator.js";
import { type Recording, sanitizeRecording, startReplayServer } from "./recording.js";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.js";
import { API_TOKEN, createUser, PASSWORD, postJson, uniqueEmail } from "./test-harness.js";

/** A recording is committed: it must hold no secret and no one's address, and still replay. */
describe("recordings: sanitized, then replayed in order", () => {
  let inbox: SmtpInbox;
  let emulator: OktaEmulator;
  let proxy: RecordingProxy;
  const email = uniqueEmail("recorded");
  const secrets: string[] = [API_TOKEN, PASSWORD, email];
  let recording: Recording;

  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    emulator = await startOktaEmulator({ apiToken: API_TOKEN, smtpUrl: inbox.url, engine: "classic" });
    proxy = await startRecordingProxy(emulator.url);
    const client = new Client({
      orgUrl: proxy.url,
      token: API_TOKEN,
      cacheMiddleware: null,
      requestExecutor: new DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
    });
    const user = await createUser(client, email);
    const userId = user.id as string;
    const factor = await client.userFactorApi.enrollFactor({
      userId,
      body: { factorType: "email", provider: "OKTA", profile: { email } },
    });
    const code = await inbox.nextCode(email, 0);
    await client.userFactorApi.activateFactor({
      userId,
      factorId: factor.id as string,
      body: { passCode: code },
    });
    const authn = await postJson(client, `${proxy.url}/api/v1/authn`, {
      username: email,
      password: PASSWORD,
    });
    const session = await client.sessionApi.createSession({
      createSessionRequest: { sessionToken: authn.sessionToken as string },
    });
    await client.sessionApi.getSession({ sessionId: session.id as string });
    secrets.push(code, authn.sessionToken as string, session.id as string, emulator.url);
    recording = sanitizeRecording(proxy.exchanges, emulator.url, "emulator (classic)");
  });
  afterAll(async () => {
    await proxy.close();
    await emulator.close();
    await inbox.close();
  });

  it("keeps no API token, password, code, sessionToken, session id, email address or org URL", () => {
    const text = JSON.stringify(recording);
    // The code as a value: its six digits may well occur inside an id or a timestamp.
    for (const secret of secrets) expect(text).not.toContain(/^\d+$/.test(secret) ? `"${secret}"` : secret);
    expect(text).not.toMatch(/authorization|user-agent|x-forwarded-for/i);
    // The same stand-in wherever a value recurs, so that the calls still hang together.
    const exchange = (method: string, path: RegExp) => {
      const found = recording.exchanges.find(
        (each) => each.request.method === method && path.test(each.request.path),
      );
      if (!found) throw new Error(`no ${method} ${path} recorded`);
      return found;
    };
    const created = exchange("POST", /^\/api\/v1\/users\?/);
    expect(created.response.body).toMatchObject({ profile: { login: "user1@example.com" } });
    const { sessionToken } = exchange("POST", /^\/api\/v1\/authn$/).response.body as { sessionToken: string };
    const made = exchange("POST", /^\/api\/v1\/sessions$/);
    expect(made.request.body).toEqual({ sessionToken });
    const { id } = made.response.body as { id: string };
    const read = exchange("GET", /^\/api\/v1\/sessions\//);
    expect(read.request.path).toBe(`/api/v1/sessions/${id}`);
    expect(JSON.stringify(read.response.body)).toContain(`{orgUrl}/api/v1/sessions/${id}`);
  });

  it("refuses to make a recording that would still hold a secret", () => {
    const [first] = proxy.exchanges;
    if (!first) throw new Error("nothing recorded");
    // A token in a field the sanitizer does not know: the final check still finds it.
    const leaky = {
      ...first,
      response: { ...first.response, body: JSON.stringify({ note: `SSWS ${API_TOKEN}` }) },
    };
    expect(() => sanitizeRecording([leaky], emulator.url, "test")).toThrow(/would still hold/);
  });

  it("replays the answers in order, to the requests recorded with them, and names any other", async () => {
    const replay = await startReplayServer(recording);
    try {
      const [first, second] = recording.exchanges;
      const sent = await fetch(`${replay.url}${first?.request.path}`, {
        method: first?.request.method,
        body: "{}",
      });
      expect(sent.status).toBe(first?.response.status);
      expect(JSON.stringify(await sent.json())).toContain(`${replay.url}/api/v1/users/`);
      const wrong = await fetch(`${replay.url}/api/v1/users/00uOther`);
      expect(wrong.status).toBe(500);
      expect(replay.mismatches).toEqual([
        `expected ${second?.request.method} ${second?.request.path}, got GET /api/v1/users/00uOther`,
      ]);
      expect(replay.remaining()).toBe(recording.exchanges.length - 1);
    } finally {
      await replay.close();
    }
  });
});
