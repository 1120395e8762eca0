// A frontend's code against the published package, outside this repository. The consumer
// check (e2e/consumer.test.ts) type-checks it with TypeScript strict under each module
// resolution and skipLibCheck setting, then runs it against a started service. Each
// `@ts-expect-error` must meet a real error (tsc fails on an unused one): misuse is caught,
// so `AppRouter` is the router's real type and not `any`.
import {
  type AppRouter,
  type AuthClient,
  createAuthClient,
  createAuthSession,
  ERROR_CODES,
  type ErrorCode,
  type ErrorReason,
  isAuthClientError,
  localStorageAdapter,
  type RouterInputs,
  type RouterOutputs,
} from "@authsvc/client";
import { createTRPCClient, httpLink } from "@trpc/client";

type IsAny<T> = 0 extends 1 & T ? true : false;
export const typedRouter: [IsAny<AppRouter>, IsAny<RouterOutputs["sso"]["verify"]>] = [false, false];

export type Person = RouterInputs["auth"]["register"];

/** What the flow saw: the answers and the error codes, for the check to hold against the service. */
export interface FlowResult {
  userId: string;
  profile: RouterOutputs["user"]["me"]["profile"];
  claims: RouterOutputs["sso"]["verify"];
  reusedGrant: ErrorCode | "no service error";
  abortedCall: ErrorCode | "no service error";
  ownClientError: ErrorCode | "no service error";
  endedSession: ErrorCode | "no service error";
  knownCodes: readonly ErrorCode[];
}

/** The service's code for a failed call; an error that is not the service's answer is said so. */
async function codeOf(call: Promise<unknown>): Promise<ErrorCode | "no service error"> {
  try {
    await call;
  } catch (error) {
    // Narrowed: `data` is there, no optional chaining needed.
    return isAuthClientError(error) ? error.data.error : "no service error";
  }
  throw new Error("expected the call to fail");
}

/** Sign-up, emailed code, login, second factor for this session, single sign-on, logout. */
export async function signUpToSingleSignOn(
  url: string,
  person: Person,
  nextCode: (email: string) => Promise<string>,
): Promise<FlowResult> {
  const auth: AuthClient = createAuthClient({ url });
  const { userId } = await auth.auth.register.mutate(person);
  await auth.mfa.activate.mutate({ userId, otp: await nextCode(person.email) });

  const session = await auth.auth.login.mutate({ email: person.email, password: person.password });
  if (!("id" in session)) throw new Error("with the factor active, login opens a session");
  await auth.mfa.verify.mutate({ userId });
  await auth.mfa.verify.mutate({ userId, otp: await nextCode(person.email), sessionId: session.id });

  const me = await auth.user.me.query({ sessionId: session.id });
  const { code } = await auth.sso.grant.mutate({ sessionId: session.id });
  const { token } = await auth.sso.token.mutate({ code });
  const claims = await auth.sso.verify.query({ token });

  const reusedGrant = await codeOf(auth.sso.token.mutate({ code }));
  const abortedCall = await codeOf(auth.sso.verify.query({ token }, { signal: AbortSignal.abort() }));
  // The app's own client, over its own @trpc/client, typed by the same router.
  const own = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc` })] });
  const ownClientError = await codeOf(own.sso.verify.query({ token: "not-a-token" }));

  await auth.auth.logout.mutate({ sessionId: session.id });
  const endedSession = await codeOf(auth.user.me.query({ sessionId: session.id }));
  return {
    userId,
    profile: me.profile,
    claims,
    reusedGrant,
    abortedCall,
    ownClientError,
    endedSession,
    knownCodes: ERROR_CODES,
  };
}

export async function misuses(auth: AuthClient) {
  // @ts-expect-error: register needs the names and a password
  await auth.auth.register.mutate({ email: "a@b.c" });
  // @ts-expect-error: a code is a string
  await auth.mfa.verify.mutate({ userId: "00u1", otp: 123456 });
  // @ts-expect-error: the session a check steps up is named by its id, a string
  await auth.mfa.verify.mutate({ userId: "00u1", otp: "123456", sessionId: 42 });
  // @ts-expect-error: no such procedure
  await auth.sso.revoke.mutate({ token: "t" });
  // @ts-expect-error: user.me is a query
  await auth.user.me.mutate({ sessionId: "102abc" });
  // @ts-expect-error: the error codes are a closed union
  const unknown: ErrorCode = "NOT_A_CODE";
  const claims = await auth.sso.verify.query({ token: "t" });
  // @ts-expect-error: claims carry no password
  return [unknown, claims.password];
}

/** An app's message per reason: `error.data.reason` is the union, so a misspelt reason fails to compile. */
export function messageOf(error: unknown): string {
  if (!isAuthClientError(error)) return "Network error";
  const reason: ErrorReason = error.data.reason;
  if (reason === "code_expired") return "That code has expired: ask for a new one.";
  // @ts-expect-error: no such reason
  if (reason === "wrong_password") return "Wrong password";
  return reason;
}

/** The session helper over the browser's storage, synced across tabs. */
export function browserSession(auth: AuthClient): string | undefined {
  const session = createAuthSession(auth, {
    storage: localStorageAdapter({ storage: localStorage, events: window }),
  });
  const state = session.getState();
  // @ts-expect-error: a signed-out state holds no session
  void state.session;
  if (state.status === "signed_in") return state.user?.profile.email;
  return state.status === "needs_code" ? state.session.expiresAt : undefined;
}
