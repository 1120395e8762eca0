import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ERROR_CODES } from "@authsvc/core";
import { freshPostgresDatabase, type PostgresTestDatabase, postgresForTests } from "@authsvc/test-support";
import Database from "better-sqlite3";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/json-depth.js";
import { BODY_LIMIT_BYTES } from "../../src/server.js";
import {
  newPerson,
  post,
  type RawAnswer,
  type RunningService,
  rawRequest,
  startService,
} from "../harness.js";

/**
 * Runs per property. The default keeps `npm test` quick; FUZZ_RUNS=20000 (as .ci/run sets) runs long.
 * FUZZ_RUNS_POSTGRES, when set, is PostgreSQL's own count. FUZZ_SEED replays a failure that fast-check
 * reported.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const POSTGRES_RUNS = Number(process.env.FUZZ_RUNS_POSTGRES ?? RUNS);
const SEED = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };

const postgresAdminUrl = await postgresForTests("The hostile-input fuzz on PostgreSQL");
/**
 * The doors are the same over both databases; what each database refuses is not (PostgreSQL's text
 * holds no NUL), so the fuzz runs on each.
 */
const DATABASES: [name: string, numRuns: number][] = [
  ["SQLite", RUNS],
  ...(postgresAdminUrl ? [["PostgreSQL", POSTGRES_RUNS] as [string, number]] : []),
];

const REST_ROUTES = [
  { method: "POST", path: "/api/register", keys: ["firstName", "lastName", "email", "password"] },
  { method: "POST", path: "/api/activate", keys: ["userId", "otp"] },
  { method: "POST", path: "/api/login", keys: ["email", "password"] },
  { method: "POST", path: "/api/mfa/verify", keys: ["userId", "otp", "sessionId"] },
  { method: "POST", path: "/api/logout", keys: ["sessionId"] },
  { method: "POST", path: "/api/sso/grant", keys: ["sessionId"] },
  { method: "POST", path: "/api/sso/token", keys: ["code"] },
  { method: "POST", path: "/api/sso/verify", keys: ["token"] },
  { method: "GET", path: "/api/user", keys: ["sessionId"] },
];
const PROCEDURES = [
  { path: "auth.register", keys: ["firstName", "lastName", "email", "password"] },
  { path: "auth.login", keys: ["email", "password"] },
  { path: "auth.logout", keys: ["sessionId"] },
  { path: "mfa.activate", keys: ["userId", "otp"] },
  { path: "mfa.verify", keys: ["userId", "otp", "sessionId"] },
  { path: "user.me", keys: ["sessionId"] },
  { path: "sso.grant", keys: ["sessionId"] },
  { path: "sso.token", keys: ["code"] },
  { path: "sso.verify", keys: ["token"] },
];
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"];

/** Values an attacker tries: near-valid ones (to get past validation), huge, odd unicode, injections. */
const nasty = fc.constantFrom(
  "",
  " ",
  "a".repeat(20_000),
  "🔑".repeat(4_000),
  "\u0000",
  "\uFEFF",
  "\uD800",
  "\u202Eevil",
  "Ａｄａ",
  "e\u0301",
  "__proto__",
  "toString",
  "../../etc/passwd",
  "' OR '1'='1",
  "<script>alert(1)</script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe, as attackers send it.
  "${jndi:ldap://x}",
  "%00",
  "NaN",
  `00u${"A".repeat(17)}`,
  "123456",
  "fuzz@example.com",
  "Correct-Horse-9",
);
const value = fc.oneof(
  { weight: 3, arbitrary: nasty },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 3 }),
);

/** An object as JSON text, keys as given: `__proto__` stays a key of the text, as an attacker sends it. */
const objectText = (entries: [string, unknown][]) =>
  `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;

/** Nesting of any depth, up to what fits the body limit. */
const nested = fc
  .tuple(fc.integer({ min: 1, max: 4000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
/** Characters of any script and plane, with those a database may refuse or alter (NUL, lone surrogates) among them. */
const anyCharacter = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  fc.constantFrom("\u0000", "\uD800", "\uDFFF", "\u202E", "\uFEFF", "'", "\\"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const anyText = (maxLength: number) => fc.string({ unit: anyCharacter, minLength: 1, maxLength });
/** Values that pass each field's validation, or nearly, so that the operations behind it run too. */
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  firstName: anyText(50),
  lastName: anyText(50),
  // Most of fast-check's addresses are refused by the email rule: plain ones get registrations through.
  email: fc.oneof(fc.emailAddress(), fc.stringMatching(/^[a-z0-9]{1,30}@example\.(com|org)$/)),
  // Half of them meet the password policy, so that a registration reaches the database.
  password: fc.oneof(
    anyText(256),
    anyText(240).map((text) => `Aa1-${text}-zZ9`),
  ),
  userId: fc.oneof(id, fc.constant(`00u${"A".repeat(17)}`)),
  otp: fc.stringMatching(/^\d{6}$/),
  sessionId: id,
  code: id,
  token: fc.oneof(
    fc.string({ maxLength: 4096 }),
    fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => parts.join(".")),
  ),
};

/**
 * A JSON body for an operation with `keys`: its fields, mostly valid, with hostile values among them
 * and extra or prototype keys; or any JSON at all; or nesting of any depth.
 */
const jsonBody = (keys: string[]) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.tuple(...keys.map((key) => fc.oneof({ weight: 3, arbitrary: plausible[key] ?? value }, value))),
          fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS, "admin"), value), { maxLength: 2 }),
        )
        .map(([values, extra]) =>
          objectText([...keys.map((key, i): [string, unknown] => [key, values[i]]), ...extra]),
        ),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...keys, ...PROTOTYPE_KEYS), fc.string()), value), {
          maxLength: 6,
        })
        .map(objectText),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((json) => JSON.stringify(json) ?? "null") },
    nested,
  );

/** Bodies that are not JSON, or not sent as JSON. */
const notJson = fc.record({
  contentType: fc.constantFrom(
    undefined,
    "application/json",
    "application/json; charset=latin1",
    "APPLICATION/JSON",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
  ),
  body: fc.oneof(
    fc.string({ unit: "binary", maxLength: 2000 }),
    fc.uint8Array({ maxLength: 2000 }),
    fc.constantFrom('{"email":', "{'email':1}", "[1,2,", "{}{}", "NaN", "undefined", "\uFEFF{}", '{"a":1,}'),
  ),
});

function restAnswerOk(answer: RawAnswer) {
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
  expect(answer.status, answer.text).toBeLessThan(500);
  expect(answer.headers.get("cache-control")).toBe("no-store");
  const body = JSON.parse(answer.text) as { error?: unknown };
  if (answer.status !== 200) expect(ERROR_CODES).toContain(body.error);
}

function trpcAnswerOk(answer: RawAnswer) {
  expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
  expect(answer.status, answer.text).toBeLessThan(500);
  const body = JSON.parse(answer.text) as unknown;
  for (const result of Array.isArray(body) ? body : [body]) {
    const error = (result as { error?: { data?: { error?: unknown; httpStatus?: number } } }).error;
    if (error) {
      expect(ERROR_CODES).toContain(error.data?.error);
      expect(error.data?.httpStatus).toBeLessThan(500);
    } else expect(result).toHaveProperty("result");
  }
}

type Rows = { users: number; factors: number; sessions: number };

/** The directory's rows, read on a connection of their own. */
async function countRows(svc: RunningService): Promise<Rows> {
  const { postgresUrl, databaseFile } = svc.config;
  if (postgresUrl) {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const count = async (table: string) =>
        Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
      return {
        users: await count("users"),
        factors: await count("factors"),
        sessions: await count("sessions"),
      };
    } finally {
      await client.end();
    }
  }
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { users: count("users"), factors: count("factors"), sessions: count("sessions") };
  } finally {
    db.close();
  }
}

/** Hostile input everywhere, on the embedded directory (the doors' parsing and validation are the provider's). */
describe.each(DATABASES)("hostile input at every route and procedure, on %s", (name, numRuns) => {
  const runs = { numRuns, ...SEED };
  /** A run takes about a millisecond (three requests at most); the margin is for a slow machine. */
  const PROPERTY_TIMEOUT_MS = 10_000 + numRuns * 5;
  let postgres: PostgresTestDatabase | undefined;
  let svc: RunningService;
  let canary: { userId: string; sessionId: string; email: string };
  let before: {
    rows: Rows;
    mails: number;
    prototype: string[];
  };
  /** Registrations the fuzz may pass by chance (valid fields): they change state legitimately. */
  let registered = 0;

  beforeAll(async () => {
    if (name === "PostgreSQL" && postgresAdminUrl) {
      postgres = await freshPostgresDatabase(postgresAdminUrl);
    }
    // The canary's code must outlive the run: 20000 runs a property take minutes on a busy machine,
    // and a code lives five by default.
    const codesOutliveTheRun = { OTP_TTL_SECONDS: "3600" };
    svc = await startService({ ...codesOutliveTheRun, ...(postgres ? { DATABASE_URL: postgres.url } : {}) });
    // A user mid-sign-in: a live session and a code mailed but not yet checked. Nothing below may touch them.
    const person = newPerson();
    const { body } = await post(svc.url, "/api/register", person);
    const userId = body.userId as string;
    await post(svc.url, "/api/activate", { userId, otp: await svc.inbox.nextCode(person.email, 0) });
    const login = await post(svc.url, "/api/login", person);
    await post(svc.url, "/api/mfa/verify", { userId });
    await svc.inbox.nextCode(person.email, 1);
    canary = { userId, sessionId: login.body.id as string, email: person.email };
    before = {
      rows: await countRows(svc),
      mails: svc.inbox.received.length,
      prototype: Object.getOwnPropertyNames(Object.prototype),
    };
  });
  afterAll(async () => {
    await svc?.stop();
    await postgres?.drop();
  });

  /** Counts the registrations an answer reports as done (one per successful call of a batch). */
  const countRegistrations = (paths: string[], answer: RawAnswer) => {
    const body = JSON.parse(answer.text) as unknown;
    const results = Array.isArray(body) ? body : [body];
    paths.forEach((path, index) => {
      const result = results[index] as { error?: unknown } | undefined;
      if (/register/.test(path) && answer.status < 300 && result && !("error" in result)) registered += 1;
    });
  };

  it(
    "REST: answers any JSON body at any route with a 4xx and an error code, never a 5xx",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...REST_ROUTES)
            .chain((route) => fc.tuple(fc.constant(route), jsonBody(route.keys))),
          async ([route, body]) => {
            const answer = await rawRequest(svc.url, route.method, route.path, {
              headers: { "content-type": "application/json" },
              body,
            });
            countRegistrations([route.path], answer);
            restAnswerOk(answer);
          },
        ),
        runs,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "REST: answers bodies that are not JSON, any method and any path, in the same shape",
    async () => {
      const path = fc.oneof(
        fc.constantFrom(...REST_ROUTES.map((route) => route.path)),
        fc.webPath().map((p) => `/api${p}`),
      );
      const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH");
      await fc.assert(
        fc.asyncProperty(path, method, notJson, async (url, verb, { contentType, body }) => {
          const answer = await rawRequest(svc.url, verb, url, {
            headers: contentType === undefined ? {} : { "content-type": contentType },
            body,
          });
          restAnswerOk(answer);
        }),
        runs,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "REST: takes GET /api/user's session id from anywhere, hostile or not",
    async () => {
      const printable = fc.string({ unit: "grapheme-ascii", maxLength: 200 });
      await fc.assert(
        fc.asyncProperty(printable, value, printable, async (query, bodyValue, bearer) => {
          const answers = await Promise.all([
            rawRequest(svc.url, "GET", `/api/user?sessionId=${encodeURIComponent(query)}&sessionId=x`),
            rawRequest(svc.url, "GET", "/api/user", { headers: { authorization: `Bearer ${bearer}` } }),
            rawRequest(svc.url, "GET", "/api/user", {
              headers: { "content-type": "application/json" },
              body: objectText([["sessionId", bodyValue]]),
            }),
          ]);
          for (const answer of answers) restAnswerOk(answer);
        }),
        runs,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "tRPC: answers any input to any procedure, by POST, GET and in batches, with an error code, never a 5xx",
    async () => {
      const procedure = fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...PROCEDURES) },
        fc.string({ maxLength: 20 }).map((path) => ({ path, keys: ["x"] })),
      );
      const calls = fc.array(
        procedure.chain((p) => fc.tuple(fc.constant(p.path), jsonBody(p.keys))),
        { minLength: 1, maxLength: 3 },
      );
      await fc.assert(
        fc.asyncProperty(
          calls,
          fc.boolean(),
          fc.constantFrom("GET", "POST"),
          async (batch, batched, method) => {
            const paths = batch.map(([path]) => encodeURIComponent(path)).join(",");
            const input = batched
              ? `{${batch.map(([, body], index) => `"${index}":${body}`).join(",")}}`
              : (batch[0]?.[1] as string);
            const query = batched ? "?batch=1" : "";
            // A URL holds what a proxy lets through; a longer input goes in a body.
            const answer =
              method === "GET" && input.length < 4000
                ? await rawRequest(
                    svc.url,
                    "GET",
                    `/trpc/${paths}${query}${query ? "&" : "?"}input=${encodeURIComponent(input)}`,
                  )
                : await rawRequest(svc.url, "POST", `/trpc/${paths}${query}`, {
                    headers: { "content-type": "application/json" },
                    body: input,
                  });
            countRegistrations(
              batch.map(([path]) => path),
              answer,
            );
            trpcAnswerOk(answer);
          },
        ),
        runs,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "tRPC: answers bodies that are not JSON in tRPC's shape",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...PROCEDURES), notJson, async ({ path }, { contentType, body }) => {
          const answer = await rawRequest(svc.url, "POST", `/trpc/${path}`, {
            headers: contentType === undefined ? {} : { "content-type": contentType },
            body,
          });
          trpcAnswerOk(answer);
        }),
        runs,
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels as INVALID_JSON, at both doors`, async () => {
    const deep = (depth: number) => `{"email":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    const json = { "content-type": "application/json" };
    for (const [path, read] of [
      ["/api/login", (text: string) => JSON.parse(text).error],
      ["/trpc/auth.login", (text: string) => JSON.parse(text).error.data.error],
    ] as const) {
      const within = await rawRequest(svc.url, "POST", path, { headers: json, body: deep(MAX_JSON_DEPTH) });
      expect({ path, status: within.status, error: read(within.text) }).toEqual({
        path,
        status: 400,
        error: "VALIDATION_ERROR",
      });
      const beyond = await rawRequest(svc.url, "POST", path, {
        headers: json,
        body: deep(MAX_JSON_DEPTH + 1),
      });
      expect({ path, status: beyond.status, error: read(beyond.text) }).toEqual({
        path,
        status: 400,
        error: "INVALID_JSON",
      });
    }
  });

  it("answers requests that are not even HTTP in the service's shape", async () => {
    const raw = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const { hostname, port } = new URL(svc.url);
        const socket = connect(Number(port), hostname, () => socket.end(bytes));
        let text = "";
        socket.on("data", (chunk) => (text += chunk));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
    for (const bytes of [
      "GARBAGE\r\n\r\n",
      "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      `GET /api/user HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ]) {
      const answer = await raw(bytes);
      expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: string };
      expect(ERROR_CODES).toContain(body.error);
    }
  });

  it("changed nothing it refused: no user, session or factor, no mail, no code, no prototype", async () => {
    expect(await countRows(svc)).toEqual({
      users: before.rows.users + registered,
      factors: before.rows.factors + registered,
      sessions: before.rows.sessions,
    });
    expect(svc.inbox.received.length).toBe(before.mails + registered);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before.prototype);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    // The canary's session and its mailed code still work.
    expect((await rawRequest(svc.url, "GET", `/api/user?sessionId=${canary.sessionId}`)).status).toBe(200);
    const otp = await svc.inbox.nextCode(canary.email, 1);
    expect((await post(svc.url, "/api/mfa/verify", { userId: canary.userId, otp })).status).toBe(200);
  });

  it("stays up, with memory bounded, under a flood of the largest bodies", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const big = `{"email":"${"a".repeat(BODY_LIMIT_BYTES - 100)}","password":"x"}`;
    const tooBig = `{"token":"${"a".repeat(BODY_LIMIT_BYTES)}"}`;
    const flood = async (count: number) => {
      for (let i = 0; i < count; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, j) =>
            rawRequest(svc.url, "POST", j % 2 ? "/api/login" : "/trpc/sso.verify", {
              headers: { "content-type": "application/json" },
              body: j % 4 === 3 ? tooBig : big,
            }),
          ),
        );
      }
    };
    await flood(200);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await flood(1000);
    gc();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(grownMb).toBeLessThan(16);
    expect((await rawRequest(svc.url, "GET", "/healthz")).status).toBe(200);
    // 1200 bodies of up to a megabyte: seconds on a machine that other jobs share.
  }, 30_000);
});
