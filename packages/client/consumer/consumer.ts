// A frontend's view of the client: this file must type-check, and each expected
// error below must meet a real type error.
import {
  type AuthClientError,
  createAuthClient,
  createAuthSession,
  type ErrorCode,
  type ErrorReason,
  isAuthClientError,
  localStorageAdapter,
  type RouterOutputs,
} from "@authsvc/client";

const auth = createAuthClient({ url: "https://auth.example.com", headers: { "x-app": "web" } });

export async function signIn(email: string, password: string): Promise<string | null> {
  const answer = await auth.auth.login.mutate({ email, password });
  if ("id" in answer) return answer.id;
  const userId: string = answer.userId;
  return userId ? null : null;
}

export async function profile(sessionId: string): Promise<RouterOutputs["user"]["me"]["profile"]> {
  const me = await auth.user.me.query({ sessionId });
  return me.profile;
}

export function codeOf(error: unknown): ErrorCode | undefined {
  if (!isAuthClientError(error)) return undefined;
  const failure: AuthClientError = error;
  return failure.data?.error;
}

/** An app's message per reason: `error.data.reason` is the union, so a misspelt reason fails to compile. */
export function messageOf(error: unknown): string {
  if (!isAuthClientError(error)) return "Network error";
  const reason: ErrorReason | undefined = error.data?.reason;
  if (reason === "code_expired") return "That code has expired: ask for a new one.";
  // @ts-expect-error: no such reason
  if (reason === "wrong_password") return "Wrong password";
  return reason ?? "Something went wrong";
}

export async function misuses() {
  // @ts-expect-error: register needs the names and a password
  await auth.auth.register.mutate({ email: "a@b.c" });
  // @ts-expect-error: a code is a string
  await auth.mfa.verify.mutate({ userId: "00u1", otp: 123456 });
  // @ts-expect-error: no such procedure
  await auth.sso.revoke.mutate({ token: "t" });
  const claims = await auth.sso.verify.query({ token: "t" });
  // @ts-expect-error: claims carry no password
  return claims.password;
}

export function browserSession(): string | undefined {
  const session = createAuthSession(auth, {
    storage: localStorageAdapter({ storage: localStorage, events: window }),
  });
  const state = session.getState();
  // @ts-expect-error: a signed-out state holds no session
  void state.session;
  if (state.status === "signed_in") return state.user?.profile.email;
  return state.status === "needs_code" ? state.session.expiresAt : undefined;
}
