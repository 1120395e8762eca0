import { ID_TOKEN_LIFETIME_SECONDS, ISSUED_AT_LEEWAY_SECONDS } from "@authsvc/core";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, post, type RunningService, startService, TEST_JWT_SECRET, trpc } from "../harness.js";

/** Both doors' answers to verifying `token`: status and error code, so that they can be compared. */
async function verifyOnBothDoors(url: string, token: string) {
  const rest = await post(url, "/api/sso/verify", { token });
  const viaTrpc = await trpc(url, "sso.verify", { token });
  return {
    rest: { status: rest.status, error: rest.body.error },
    trpc: { status: viaTrpc.status, error: viaTrpc.body.error?.data.error },
  };
}

const REFUSED = {
  rest: { status: 401, error: "INVALID_TOKEN" },
  trpc: { status: 401, error: "INVALID_TOKEN" },
};
const ACCEPTED = { rest: { status: 200, error: undefined }, trpc: { status: 200, error: undefined } };

describe("ID tokens that are not exactly the service's, on both doors", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ SSO_REQUIRE_MFA: "false" });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** A token the service issued, through the documented flow. */
  async function issuedToken(): Promise<string> {
    const person = newPerson();
    const { userId } = (await post(svc.url, "/api/register", person)).body as { userId: string };
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const login = await post(svc.url, "/api/login", { email: person.email, password: person.password });
    const { code } = (await post(svc.url, "/api/sso/grant", { sessionId: login.body.id })).body;
    return (await post(svc.url, "/api/sso/token", { code })).body.token as string;
  }

  /** The issued token's claims with some changed, signed with the service's own key, as a leak of it would allow. */
  async function resigned(token: string, changes: Record<string, unknown>): Promise<string> {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
    return new SignJWT({ ...claims, ...changes })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  }

  it("refuses an audience list that holds the service's audience", async () => {
    const token = await issuedToken();
    expect(await verifyOnBothDoors(svc.url, await resigned(token, { aud: ["other", "authsvc"] }))).toEqual(
      REFUSED,
    );
    expect(await verifyOnBothDoors(svc.url, await resigned(token, { aud: "authsvc" }))).toEqual(ACCEPTED);
  });

  it("refuses a token that lives longer than an ID token lives, or that is issued in the future", async () => {
    const token = await issuedToken();
    const now = Math.floor(Date.now() / 1000);
    const longLived = await resigned(token, { iat: now, exp: now + ID_TOKEN_LIFETIME_SECONDS + 3600 });
    const future = now + ISSUED_AT_LEEWAY_SECONDS + 600;
    const postDated = await resigned(token, { iat: future, exp: future + 60 });
    expect(await verifyOnBothDoors(svc.url, longLived)).toEqual(REFUSED);
    expect(await verifyOnBothDoors(svc.url, postDated)).toEqual(REFUSED);
  });

  it.each([
    ["fresh", false],
    ["remembered", true],
  ])("refuses a %s token with a trailing '=' or space", async (_, verifiedFirst) => {
    const token = await issuedToken();
    if (verifiedFirst) expect(await verifyOnBothDoors(svc.url, token)).toEqual(ACCEPTED);
    for (const variant of [`${token}=`, `${token} `]) {
      expect(await verifyOnBothDoors(svc.url, variant)).toEqual(REFUSED);
    }
    expect(await verifyOnBothDoors(svc.url, token)).toEqual(ACCEPTED);
  });
});
