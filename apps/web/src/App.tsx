import type { AuthSessionState } from "@authsvc/client";
import { useAuthSession, useAuthState, useTRPC } from "@authsvc/react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { messageFor } from "./messages.js";

export function App() {
  const state = useAuthState();
  // Said on the log-in screen after the email is confirmed (the session helper is then signed out).
  const [notice, setNotice] = useState<string>();
  return (
    <main>
      <h1>authsvc</h1>
      <Screen state={state} notice={notice} setNotice={setNotice} />
    </main>
  );
}

function Screen(props: { state: AuthSessionState; notice?: string; setNotice: (notice?: string) => void }) {
  const { state, notice, setNotice } = props;
  switch (state.status) {
    case "signed_out":
      return <SignedOut notice={notice} setNotice={setNotice} />;
    case "needs_confirmation":
      return <ConfirmEmail email={state.email} onConfirmed={() => setNotice("Email confirmed. Log in.")} />;
    case "needs_code":
      return <EnterCode login={state.session.login} />;
    case "signed_in":
      return <SignedIn />;
  }
}

/** A form's fields by name, as the browser holds them. */
function fields(event: FormEvent<HTMLFormElement>): Record<string, string> {
  event.preventDefault();
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(event.currentTarget)) values[name] = String(value);
  return values;
}

function SignedOut({ notice, setNotice }: { notice?: string; setNotice: (notice?: string) => void }) {
  const [mode, setMode] = useState<"log-in" | "sign-up">("log-in");
  return mode === "log-in" ? (
    <LogIn
      notice={notice}
      onSignUp={() => {
        setNotice(undefined);
        setMode("sign-up");
      }}
    />
  ) : (
    <SignUp onLogIn={() => setMode("log-in")} />
  );
}

function LogIn({ notice, onSignUp }: { notice: string | undefined; onSignUp: () => void }) {
  const session = useAuthSession();
  const logIn = useMutation({
    mutationFn: async (values: Record<string, string>) => {
      const next = await session.logIn({ email: values.email ?? "", password: values.password ?? "" });
      if (next.status === "needs_code") await session.sendCode();
    },
  });
  return (
    <section aria-labelledby="log-in">
      <h2 id="log-in">Log in</h2>
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={(event) => logIn.mutate(fields(event))}>
        <Field label="Email" name="email" type="email" autoComplete="username" />
        <Field label="Password" name="password" type="password" autoComplete="current-password" />
        <button type="submit" disabled={logIn.isPending}>
          Log in
        </button>
      </form>
      <Failure error={logIn.error} />
      <p>
        New here?{" "}
        <button type="button" className="link" onClick={onSignUp}>
          Create an account
        </button>
      </p>
    </section>
  );
}

function SignUp({ onLogIn }: { onLogIn: () => void }) {
  const session = useAuthSession();
  const signUp = useMutation({
    mutationFn: (values: Record<string, string>) =>
      session.signUp({
        firstName: values.firstName ?? "",
        lastName: values.lastName ?? "",
        email: values.email ?? "",
        password: values.password ?? "",
      }),
  });
  return (
    <section aria-labelledby="sign-up">
      <h2 id="sign-up">Create an account</h2>
      <form onSubmit={(event) => signUp.mutate(fields(event))}>
        <Field label="First name" name="firstName" autoComplete="given-name" />
        <Field label="Last name" name="lastName" autoComplete="family-name" />
        <Field label="Email" name="email" type="email" autoComplete="email" />
        <Field label="Password" name="password" type="password" autoComplete="new-password" />
        <button type="submit" disabled={signUp.isPending}>
          Create account
        </button>
      </form>
      <Failure error={signUp.error} />
      <p>
        Already registered?{" "}
        <button type="button" className="link" onClick={onLogIn}>
          Log in
        </button>
      </p>
    </section>
  );
}

function ConfirmEmail({ email, onConfirmed }: { email: string; onConfirmed: () => void }) {
  const session = useAuthSession();
  const confirm = useMutation({
    mutationFn: (values: Record<string, string>) => session.confirmEmail(values.code ?? ""),
    onSuccess: onConfirmed,
  });
  const resend = useMutation({ mutationFn: () => session.resendConfirmation() });
  return (
    <section aria-labelledby="confirm">
      <h2 id="confirm">Confirm your email</h2>
      <p>We sent a code to {email}.</p>
      <CodeForm action="Confirm" pending={confirm.isPending} onCode={(values) => confirm.mutate(values)} />
      <Failure error={confirm.error ?? resend.error} />
      {resend.isSuccess && <p role="status">A new code is on its way.</p>}
      <p>
        <button type="button" className="link" onClick={() => resend.mutate()} disabled={resend.isPending}>
          Send a new code
        </button>{" "}
        <button type="button" className="link" onClick={() => void session.logOut()}>
          Start over
        </button>
      </p>
    </section>
  );
}

function EnterCode({ login }: { login: string }) {
  const session = useAuthSession();
  const verify = useMutation({
    mutationFn: (values: Record<string, string>) => session.verifyCode(values.code ?? ""),
  });
  const resend = useMutation({ mutationFn: () => session.sendCode() });
  return (
    <section aria-labelledby="mfa">
      <h2 id="mfa">Enter your code</h2>
      <p>We emailed a sign-in code to {login}.</p>
      <CodeForm action="Verify" pending={verify.isPending} onCode={(values) => verify.mutate(values)} />
      <Failure error={verify.error ?? resend.error} />
      {resend.isSuccess && <p role="status">A new code is on its way.</p>}
      <p>
        <button type="button" className="link" onClick={() => resend.mutate()} disabled={resend.isPending}>
          Send a new code
        </button>{" "}
        <button type="button" className="link" onClick={() => void session.logOut()}>
          Log out
        </button>
      </p>
    </section>
  );
}

function SignedIn() {
  const session = useAuthSession();
  const state = useAuthState();
  const user = state.status === "signed_in" ? state.user : null;
  const grant = useMutation({ mutationFn: () => session.ssoToken() });
  const logOut = useMutation({ mutationFn: () => session.logOut() });
  return (
    <section aria-labelledby="welcome">
      <h2 id="welcome">Welcome{user ? `, ${user.profile.firstName}` : ""}</h2>
      <p>You are signed in{user ? ` as ${user.profile.email}` : ""}.</p>
      <p>
        <button type="button" onClick={() => grant.mutate()} disabled={grant.isPending}>
          Continue to app
        </button>{" "}
        <button type="button" onClick={() => logOut.mutate()} disabled={logOut.isPending}>
          Log out
        </button>
      </p>
      <Failure error={grant.error ?? logOut.error} />
      {grant.data && <VerifiedProfile token={grant.data} />}
    </section>
  );
}

/** The ID token's claims as the service verified them: what an app behind the SSO would trust. */
function VerifiedProfile({ token }: { token: string }) {
  const trpc = useTRPC();
  const claims = useQuery(trpc.sso.verify.queryOptions({ token }));
  if (claims.error) return <Failure error={claims.error} />;
  if (!claims.data) return <p>Checking the token…</p>;
  const { firstName, lastName, email, sub, exp } = claims.data;
  return (
    <section aria-labelledby="profile">
      <h3 id="profile">Verified profile</h3>
      <dl>
        <dt>Name</dt>
        <dd>
          {firstName} {lastName}
        </dd>
        <dt>Email</dt>
        <dd>{email}</dd>
        <dt>User id</dt>
        <dd>{sub}</dd>
        <dt>Token valid until</dt>
        <dd>{new Date(exp * 1000).toLocaleString()}</dd>
      </dl>
    </section>
  );
}

function CodeForm(props: {
  action: string;
  pending: boolean;
  onCode: (values: Record<string, string>) => void;
}) {
  return (
    <form onSubmit={(event) => props.onCode(fields(event))}>
      <Field label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" />
      <button type="submit" disabled={props.pending}>
        {props.action}
      </button>
    </form>
  );
}

function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete?: string;
  inputMode?: "numeric";
}): ReactNode {
  const id = useId();
  return (
    <p className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        required
      />
    </p>
  );
}

function Failure({ error }: { error: unknown }) {
  return error ? <p role="alert">{messageFor(error)}</p> : null;
}
