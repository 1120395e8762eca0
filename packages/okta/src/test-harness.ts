import { AuthError, type IdentityProvider, MemoryStore, type NewUser } from "@authsvc/core";
import { SmtpInbox } from "@authsvc/mail/testing";
import { type Engine, type OktaEmulator, startOktaEmulator } from "@authsvc/okta-emulator";
import { vi } from "vitest";
import { createOktaProvider, type OktaProviderOptions } from "./okta-provider.js";

export const API_TOKEN = "test-token";

/** Okta mails one code per user every 5 s (E0000118 otherwise). */
const RESEND_INTERVAL_MS = 5_000;

export type Calls = Record<string, number>;

/** The engine the suites' org runs: `OKTA_TEST_ENGINE` (CI runs them on both), else Identity Engine, as a new org is. */
export const ENGINE: Engine = process.env.OKTA_TEST_ENGINE === "classic" ? "classic" : "identity";

/** The provider, through the unmodified SDK, against the Okta emulator over HTTP, with a real SMTP inbox. */
export class Harness {
  private readonly providers: IdentityProvider[] = [];
  /** The service's shared store (Redis, in production), which every provider of the harness uses. */
  readonly store = new MemoryStore();
  readonly provider: IdentityProvider;

  private constructor(
    readonly emulator: OktaEmulator,
    readonly inbox: SmtpInbox,
  ) {
    this.provider = this.newProvider();
  }

  /**
   * The emulator runs in this process: with Date faked (and flowing with real time), a test
   * can let Okta's 5 s between two mails pass at once. Timers stay real, so HTTP is untouched.
   */
  static async start(): Promise<Harness> {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    const inbox = await SmtpInbox.start();
    const emulator = await startOktaEmulator({
      port: 0,
      apiToken: API_TOKEN,
      smtpUrl: inbox.url,
      otpTtlSeconds: 300,
      engine: ENGINE,
    });
    return new Harness(emulator, inbox);
  }

  /** Another provider over the same org (another instance of the service, or other options). */
  newProvider(options: Partial<OktaProviderOptions> = {}): IdentityProvider {
    const provider = createOktaProvider({
      orgUrl: this.emulator.url,
      apiToken: API_TOKEN,
      store: this.store,
      ...options,
    });
    this.providers.push(provider);
    return provider;
  }

  async close(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.close()));
    await this.emulator.close();
    await this.inbox.close();
    await this.store.close();
    vi.useRealTimers();
  }

  /** Lets Okta's least time between two mails to one user pass. */
  passResendInterval(): void {
    vi.setSystemTime(Date.now() + RESEND_INTERVAL_MS);
  }

  /** The calls Okta received while `action` ran, by "METHOD /path/template". */
  async callsOf(action: () => Promise<unknown>): Promise<Calls> {
    const before = this.emulator.stats();
    await action();
    const after = this.emulator.stats();
    const calls: Calls = {};
    for (const [route, count] of Object.entries(after)) {
      const made = count - (before[route] ?? 0);
      if (made > 0) calls[route] = made;
    }
    return calls;
  }

  mailsTo(email: string): number {
    return this.inbox.mailsTo(email).length;
  }

  /** The code in the next mail to `email`, after the `seen` ones. */
  nextCode(email: string, seen: number): Promise<string> {
    return this.inbox.nextCode(email, seen);
  }

  /** A user as after register: the code that proves the mailbox is mailed, and not yet checked. */
  async pendingUser(
    user: NewUser = ada,
    provider = this.provider,
  ): Promise<{ userId: string; code: string }> {
    const seen = this.mailsTo(user.email);
    const { id } = await provider.createUser(user);
    await provider.enrollEmailFactor(id);
    return { userId: id, code: await this.nextCode(user.email, seen) };
  }

  /** A user as after register and activate: the mailbox is proven, the email factor active. */
  async activeUser(user: NewUser = ada, provider = this.provider): Promise<string> {
    const { userId, code } = await this.pendingUser(user, provider);
    await provider.activateEmailFactor(userId, code);
    return userId;
  }
}

export const ada: NewUser = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  password: "Analytical-Engine-1843",
};

export const grace: NewUser = {
  firstName: "Grace",
  lastName: "Hopper",
  email: "grace@example.com",
  password: "Compiler-A0-1952",
};

/** The error a call failed with; throws when it did not fail, or not with an AuthError. */
export async function failure(call: Promise<unknown>): Promise<AuthError> {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (caught: unknown) => caught,
  );
  if (!(error instanceof AuthError)) throw error;
  return error;
}

/** The Okta error a call failed with, in the form the embedded directory's tests compare. */
export async function oktaFailure(call: Promise<unknown>) {
  const error = await failure(call);
  if (!error.okta) throw new Error(`expected an Okta error, got ${error.code}: ${error.message}`);
  return {
    status: error.status,
    errorCode: error.okta.errorCode,
    errorSummary: error.okta.errorSummary,
    causes: error.okta.errorCauses.map((cause) => cause.errorSummary),
  };
}

/** The calls but the org's engine lookup, which a provider makes once in its life (calls.test.ts counts it). */
export function apartFromEngineLookup(calls: Calls): Calls {
  const { [ENGINE_LOOKUP]: _, ...rest } = calls;
  return rest;
}

export const ENGINE_LOOKUP = "GET /.well-known/okta-organization";

/** A six-digit code that is surely not the given one. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}
