import {
  AuthError,
  type Clock,
  type IdentityProvider,
  type Mail,
  type Mailer,
  MemoryStore,
  type NewUser,
  OneTimeCodes,
} from "@authsvc/core";
import { expect } from "vitest";
import { createDirectory, type DirectoryOptions } from "./directory.js";
import type { SqlParams } from "./sql-database.js";
import type { Backend, TestDatabase } from "./test-backends.js";

export const ORG_URL = "http://localhost:3000";

type HarnessOptions = Pick<DirectoryOptions, "sessionTtlSeconds" | "pendingUserTtlSeconds">;

/** The one stand-in: it keeps the mails (SMTP itself is tested in @authsvc/mail) and can be made to fail. */
export class RecordingMailer implements Mailer {
  readonly mails: Mail[] = [];
  failing = false;

  async send(mail: Mail): Promise<void> {
    if (this.failing) throw new Error("connect ECONNREFUSED 127.0.0.1:25");
    this.mails.push(mail);
  }

  async close(): Promise<void> {}

  lastCodeTo(email: string): string {
    const mail = this.mails.filter((m) => m.to === email).at(-1);
    const code = mail?.text.match(/code is: (\d{6})/)?.[1];
    if (!code) throw new Error(`no code was mailed to ${email}`);
    return code;
  }
}

export class TestClock implements Clock {
  time = Date.parse("2025-03-01T09:00:00.000Z");

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  iso(): string {
    return new Date(this.time).toISOString();
  }
}

/** A directory over a fresh real database of one backend, with core's real codes over a real memory store. */
export class Harness {
  readonly clock = new TestClock();
  readonly mailer = new RecordingMailer();
  directory!: IdentityProvider;
  /** Where codes, attempt counts and locks live. */
  store!: MemoryStore;

  private constructor(readonly database: TestDatabase) {}

  static async start(backend: Backend, options: HarnessOptions = {}): Promise<Harness> {
    return Harness.on(await backend.create(), options);
  }

  /** A harness over a database made already (which `dispose` drops). */
  static async on(database: TestDatabase, options: HarnessOptions = {}): Promise<Harness> {
    const harness = new Harness(database);
    await harness.open(options);
    return harness;
  }

  /** Opens the same database again, as a restarted process would. */
  async open(options: HarnessOptions = {}): Promise<void> {
    this.store = new MemoryStore(this.clock);
    this.directory = await this.newDirectory(options);
  }

  /** Another directory (as another process would open) over the same database, clock, mail and (unless given one) store. */
  async newDirectory(options: HarnessOptions & { store?: MemoryStore } = {}): Promise<IdentityProvider> {
    const { store = this.store, ...directoryOptions } = options;
    const codes = new OneTimeCodes({
      store,
      mailer: this.mailer,
      clock: this.clock,
      ttlSeconds: 300,
      resendIntervalSeconds: 0,
      hashKey: new Uint8Array(32).fill(7),
      serviceName: "Auth",
    });
    return createDirectory({
      ...this.database.target,
      codes,
      store,
      clock: this.clock,
      orgUrl: ORG_URL,
      ...directoryOptions,
    });
  }

  async close(): Promise<void> {
    await this.directory.close();
    await this.store.close();
  }

  /** Closes the directory and drops its database. */
  async dispose(): Promise<void> {
    await this.close();
    await this.database.drop();
  }

  /** Rows of the database, read on a connection of their own. */
  async rows<T>(sql: string, params?: SqlParams): Promise<T[]> {
    const db = this.database.connect();
    try {
      return await db.query<T>(sql, params);
    } finally {
      await db.close();
    }
  }

  /** A registered user whose email factor is active, as after register + activate. */
  async activeUser(user: NewUser = ada): Promise<string> {
    const { id } = await this.directory.createUser(user);
    await this.directory.enrollEmailFactor(id);
    await this.directory.activateEmailFactor(id, this.mailer.lastCodeTo(user.email));
    return id;
  }
}

export const ada: NewUser = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  password: "Analytical-Engine-1843",
};

/** The Okta error a call failed with; fails the test when it did not fail that way. */
export async function oktaFailure(call: Promise<unknown>) {
  const error = await call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  const { okta, status } = error as AuthError;
  if (!okta) throw new Error(`expected an Okta error, got ${(error as AuthError).code}`);
  return {
    status,
    errorCode: okta.errorCode,
    errorSummary: okta.errorSummary,
    causes: okta.errorCauses.map((cause) => cause.errorSummary),
  };
}

/** A six-digit code that is surely not the given one. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}
