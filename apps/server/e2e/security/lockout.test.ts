import { MAX_WRONG_CODES_PER_USER, MAX_WRONG_TRIES_PER_CODE } from "@authsvc/core";
import { MAX_FAILED_PASSWORDS } from "@authsvc/directory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  newPerson,
  post,
  type RunningService,
  startService,
  trpc,
  wrongCode,
} from "../harness.js";

/**
 * The embedded directory's own lockout and code budget (with Okta, Okta's policy applies). The
 * service's per-account rate limits are off here, so that these mechanisms alone are tested.
 */
describe("lockout and code budget of the embedded directory", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "off",
      RATE_LIMIT_CODE_SEND_PER_ACCOUNT: "off",
      RATE_LIMIT_CODE_CHECK_PER_ACCOUNT: "off",
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** A REST answer or a tRPC error, without the parts that differ on every answer. */
  function refusal(answer: Answer) {
    const body = (answer.body.error as { data?: Record<string, unknown> } | undefined)?.data ?? answer.body;
    const { errorId: _errorId, path: _path, requestId: _requestId, ...rest } = body;
    return { status: answer.status, ...rest };
  }

  async function registered() {
    const person = newPerson();
    const { body } = await post(svc.url, "/api/register", person);
    return { person, userId: body.userId as string };
  }

  it(`locks a login after ${MAX_FAILED_PASSWORDS} wrong passwords through either door, answering as for a wrong one`, async () => {
    const { person } = await registered();
    const wrong = { email: person.email, password: "Wrong-Password-1" };
    for (let i = 0; i < MAX_FAILED_PASSWORDS; i++) {
      const answer =
        i % 2 ? await post(svc.url, "/api/login", wrong) : await trpc(svc.url, "auth.login", wrong);
      expect(answer.status).toBe(401);
    }
    const right = { email: person.email, password: person.password };
    const locked = await post(svc.url, "/api/login", right);
    expect(refusal(locked)).toEqual(refusal(await post(svc.url, "/api/login", wrong)));
    expect(refusal(locked)).toEqual(
      refusal(await post(svc.url, "/api/login", { email: `x${person.email}`, password: person.password })),
    );
    expect(refusal(locked)).toMatchObject({ status: 401, error: "OKTA_ERROR", errorCode: "E0000004" });
    expect(refusal(await trpc(svc.url, "auth.login", right))).toMatchObject({ errorCode: "E0000004" });

    const other = await registered();
    expect((await post(svc.url, "/api/login", other.person)).status).toBe(200);
  });

  it("starts the count again after a right password", async () => {
    const { person } = await registered();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < MAX_FAILED_PASSWORDS - 1; i++) {
        await post(svc.url, "/api/login", { email: person.email, password: "Wrong-Password-1" });
      }
      expect((await post(svc.url, "/api/login", person)).status).toBe(200);
    }
  });

  it("keeps counting wrong codes across resends, then refuses checks and sends (better-auth#11162)", async () => {
    const { person, userId } = await registered();
    const voided = MAX_WRONG_CODES_PER_USER / MAX_WRONG_TRIES_PER_CODE;
    let code = "";
    for (let round = 0; round < voided; round++) {
      code = await svc.inbox.nextCode(person.email, round);
      const wrong = wrongCode(code);
      for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
        expect((await trpc(svc.url, "mfa.activate", { userId, otp: wrong })).status).toBe(403);
      }
      const resend = await post(svc.url, "/api/activate", { userId });
      if (round < voided - 1) expect(resend.status).toBe(200);
      else {
        expect(refusal(resend)).toMatchObject({ status: 429, errorCode: "E0000047" });
        expect(Number(resend.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(svc.inbox.mailsTo(person.email)).toHaveLength(voided);
    const check = await post(svc.url, "/api/activate", { userId, otp: code });
    expect(refusal(check)).toMatchObject({ status: 429, errorCode: "E0000047" });
  });
});
