import { oktaError } from "./errors.js";
import { IdTokens } from "./id-tokens.js";
import { MemoryStore } from "./memory-store.js";
import { OneTimeCodes } from "./one-time-codes.js";
import type { StepUpRule } from "./operations/context.js";
import { createOperations } from "./operations/index.js";
import type {
  IdentityProvider,
  Mail,
  Mailer,
  NewUser,
  OktaEmailFactor,
  OktaSession,
  OktaUser,
  PasswordCheck,
} from "./ports.js";
import { type Caller, DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from "./rate-limiter.js";
import type { SecurityEvent, SecurityEvents } from "./security-events.js";

/** Test doubles for core's own tests, where no provider or mail server may be imported. */

export class RecordingMailer implements Mailer {
  readonly sent: Mail[] = [];
  failNext = false;
  async send(mail: Mail) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("SMTP down");
    }
    this.sent.push(mail);
  }
  async close() {}
  lastCode(): string {
    return /code is: (\d{6})/.exec(this.sent.at(-1)?.text ?? "")?.[1] ?? "";
  }
}

/** A six-digit code that is surely not the given one. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

/** Codes over memory at a test clock that starts at `start`: the store, a recording mailer, the codes. */
export function codesAtTestClock(start: number, resendIntervalSeconds = 0) {
  let now = start;
  const clock = { now: () => now };
  const store = new MemoryStore(clock);
  const mailer = new RecordingMailer();
  const codes = new OneTimeCodes({
    store,
    mailer,
    clock,
    ttlSeconds: 300,
    resendIntervalSeconds,
    hashKey: new Uint8Array(32).fill(7),
    serviceName: "Test",
  });
  return { codes, mailer, store, clock, advance: (ms: number) => (now += ms) };
}

export const ada = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  password: "Correct-Horse-9",
};
export const grace = {
  firstName: "Grace",
  lastName: "Hopper",
  email: "grace@example.com",
  password: "Cobol-1959-x",
};

/** The nine operations over memory: a fake provider, the real codes, store, limiter and tokens. */
export function operationsAtTestClock(
  options: { stepUp?: StepUpRule; resendSeconds?: number; limits?: RateLimits } = {},
) {
  // The start of a day: every limiter window starts with the test.
  const { codes, mailer, store, clock, advance } = codesAtTestClock(1_700_006_400_000, options.resendSeconds);
  const idp = new FakeIdentityProvider(codes, clock);
  const events = new RecordedEvents();
  const ops = createOperations({
    idp,
    store,
    clock,
    idTokens: new IdTokens({
      secret: new Uint8Array(32).fill(9),
      issuer: "http://auth.test",
      audience: "app",
    }),
    limiter: new RateLimiter({ store, clock, limits: options.limits ?? DEFAULT_RATE_LIMITS, events }),
    grantTtlSeconds: 60,
    stepUp: options.stepUp ?? "session",
    events,
  });
  return { ops, mailer, advance, idp, events };
}

/** The security events the operations told, in order, with the caller of each. */
export class RecordedEvents implements SecurityEvents {
  readonly recorded: { event: SecurityEvent; caller: Caller }[] = [];
  record(event: SecurityEvent, caller: Caller): void {
    this.recorded.push({ event, caller });
  }
  /** The events' names, in order. */
  names(): string[] {
    return this.recorded.map(({ event }) => event.event);
  }
}

export type TestOperations = ReturnType<typeof operationsAtTestClock>;

/** Registers and activates a person; answers their user id and a way to log in. */
export async function activated({ ops, mailer }: TestOperations, person = ada) {
  const { userId } = await ops.register(person);
  await ops.activate({ userId, otp: mailer.lastCode() });
  const logIn = async () => {
    const session = await ops.login({ email: person.email, password: person.password });
    if (!("id" in session)) throw new Error("expected a session");
    return session.id;
  };
  const mailedCode = async () => {
    await ops.verifyMfa({ userId });
    return mailer.lastCode();
  };
  return { userId, logIn, mailedCode };
}

interface StoredUser {
  user: OktaUser;
  password: string;
  factor: "none" | "PENDING_ACTIVATION" | "ACTIVE";
}

/**
 * An identity provider in memory, answering the port's documented errors; codes go through the real
 * OneTimeCodes, as the embedded directory's do. The real providers keep their own suites; this one
 * lets the operations' rules be tested with nothing else running.
 */
export class FakeIdentityProvider implements IdentityProvider {
  private readonly users = new Map<string, StoredUser>();
  private readonly sessions = new Map<string, OktaSession>();
  private lastId = 0;
  /** The callers handed to the calls that take one, in order, for tests of what the operations pass on. */
  readonly callers: Array<{
    call: "checkPassword" | "challengeEmailFactor" | "verifyEmailFactor";
    caller?: Caller;
  }> = [];

  constructor(
    private readonly codes: OneTimeCodes,
    private readonly clock: { now(): number },
  ) {}

  async createUser(input: NewUser): Promise<OktaUser> {
    const login = input.email.toLowerCase();
    if ([...this.users.values()].some(({ user }) => user.profile.login === login)) {
      throw oktaError("E0000001", {
        causes: ["login: An object with this field already exists"],
        reason: "email_taken",
      });
    }
    const now = this.timestamp();
    const user: OktaUser = {
      id: this.newId("00u"),
      status: "ACTIVE",
      created: now,
      activated: now,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: now,
      type: { id: "oty-default" },
      profile: { firstName: input.firstName, lastName: input.lastName, email: input.email, login },
      credentials: { password: {}, provider: { type: "OKTA", name: "OKTA" } },
      _links: {},
    };
    this.users.set(user.id, { user, password: input.password, factor: "none" });
    return user;
  }

  async deleteUser(userId: string): Promise<void> {
    this.stored(userId);
    this.users.delete(userId);
  }

  async getUser(userId: string): Promise<OktaUser> {
    return this.stored(userId).user;
  }

  async checkPassword(login: string, password: string, caller?: Caller): Promise<PasswordCheck> {
    this.callers.push({ call: "checkPassword", caller });
    const found = [...this.users.values()].find(({ user }) => user.profile.login === login.toLowerCase());
    if (!found || found.password !== password) throw oktaError("E0000004");
    return {
      userId: found.user.id,
      login: found.user.profile.login,
      mfaActive: found.factor === "ACTIVE",
      sessionToken: this.newId("token"),
    };
  }

  async createSession(check: PasswordCheck): Promise<OktaSession> {
    const now = this.clock.now();
    const session: OktaSession = {
      id: this.newId("102"),
      userId: check.userId,
      login: check.login,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 7_200_000).toISOString(),
      status: "ACTIVE",
      lastPasswordVerification: new Date(now).toISOString(),
      lastFactorVerification: null,
      amr: ["pwd"],
      idp: { id: "00o-okta", type: "OKTA" },
      mfaActive: check.mfaActive,
      _links: {},
    };
    this.sessions.set(session.id, session);
    return session;
  }

  async getSession(sessionId: string): Promise<OktaSession> {
    const session = this.sessions.get(sessionId);
    if (!session || Date.parse(session.expiresAt) <= this.clock.now()) throw sessionNotFound();
    return session;
  }

  async endSession(sessionId: string): Promise<void> {
    if (!this.sessions.delete(sessionId)) throw sessionNotFound();
  }

  async enrollEmailFactor(userId: string): Promise<OktaEmailFactor> {
    const stored = this.stored(userId);
    if (stored.factor === "ACTIVE") {
      throw oktaError("E0000001", {
        causes: ["A factor is already set up"],
        reason: "factor_already_active",
      });
    }
    await this.codes.send(userId, stored.user.profile.email, "activation");
    stored.factor = "PENDING_ACTIVATION";
    return this.factor(stored);
  }

  async activateEmailFactor(userId: string, passCode: string): Promise<OktaEmailFactor> {
    const stored = this.stored(userId);
    if (stored.factor !== "PENDING_ACTIVATION") throw factorNotFound();
    await this.codes.check(userId, "activation", passCode);
    stored.factor = "ACTIVE";
    return this.factor(stored);
  }

  async challengeEmailFactor(userId: string, caller?: Caller): Promise<void> {
    this.callers.push({ call: "challengeEmailFactor", caller });
    const stored = this.activeFactorOf(userId);
    await this.codes.send(userId, stored.user.profile.email, "verification");
  }

  async verifyEmailFactor(userId: string, passCode: string, caller?: Caller): Promise<void> {
    this.callers.push({ call: "verifyEmailFactor", caller });
    this.activeFactorOf(userId);
    await this.codes.check(userId, "verification", passCode);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  private stored(userId: string): StoredUser {
    const stored = this.users.get(userId);
    if (!stored) throw oktaError("E0000007", { reason: "user_not_found" });
    return stored;
  }

  private activeFactorOf(userId: string): StoredUser {
    const stored = this.stored(userId);
    if (stored.factor !== "ACTIVE") throw factorNotFound();
    return stored;
  }

  private factor(stored: StoredUser): OktaEmailFactor {
    const now = this.timestamp();
    return {
      id: `emf-${stored.user.id}`,
      factorType: "email",
      provider: "OKTA",
      vendorName: "OKTA",
      status: stored.factor === "ACTIVE" ? "ACTIVE" : "PENDING_ACTIVATION",
      created: now,
      lastUpdated: now,
      profile: { email: stored.user.profile.email },
      _links: {},
    };
  }

  private newId(prefix: string): string {
    this.lastId += 1;
    return `${prefix}${String(this.lastId).padStart(17, "0")}`;
  }

  private timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function sessionNotFound() {
  return oktaError("E0000007", {
    summary: "Not found: Resource not found: session (Session)",
    reason: "session_not_found",
  });
}

function factorNotFound() {
  return oktaError("E0000007", { reason: "factor_not_found" });
}
