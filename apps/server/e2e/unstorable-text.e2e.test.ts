import { freshPostgresDatabase, type PostgresTestDatabase, postgresForTests } from "@authsvc/test-support";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, newPerson, post, type RunningService, startService, trpc } from "./harness.js";

const postgresAdminUrl = await postgresForTests("Text PostgreSQL cannot store, at both doors");

/** Values no field may hold: PostgreSQL's text has no NUL, and a lone surrogate is not Unicode at all. */
const UNSTORABLE = {
  nul: "A\u0000B",
  "lone high surrogate": "A\uD800B",
  "lone low surrogate": "A\uDC00",
  "reversed pair": "\uDC00\uD800",
};
const FIELDS = ["firstName", "lastName", "email", "password"] as const;
type Field = (typeof FIELDS)[number];

/** A person whose `field` holds `value`, the rest valid (the email keeps its shape around the value). */
function personWith(field: Field, value: string) {
  const person = newPerson();
  if (field === "email") return { ...person, email: person.email.replace("@", `${value}@`) };
  if (field === "password") return { ...person, password: `${person.password}${value}` };
  return { ...person, [field]: value };
}

/** The status, error code and fields refused (each once: a field may break several rules), through either door. */
function refusal(answer: Answer & { body: { error?: unknown } }) {
  const body = answer.body as {
    error?: string | { data?: { error?: string; details?: { path: unknown[] }[] } };
    details?: { path: unknown[] }[];
  };
  const data = typeof body.error === "object" ? body.error.data : body;
  const error = typeof body.error === "object" ? body.error.data?.error : body.error;
  const paths = new Set((data?.details ?? []).map((detail) => detail.path.join(".")));
  return { status: answer.status, error, paths: [...paths] };
}

describe.skipIf(!postgresAdminUrl)("text PostgreSQL cannot store, at both doors", () => {
  let database: PostgresTestDatabase;
  let svc: RunningService;
  let db: pg.Client;
  const rowCount = async () => Number((await db.query("SELECT count(*) AS n FROM users")).rows[0].n);

  beforeAll(async () => {
    database = await freshPostgresDatabase(postgresAdminUrl as string);
    svc = await startService({ DATABASE_URL: database.url });
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await svc?.stop();
    await database?.drop();
  });

  const doors = {
    REST: (input: unknown) => post(svc.url, "/api/register", input),
    tRPC: (input: unknown) => trpc(svc.url, "auth.register", input),
  };

  for (const [door, register] of Object.entries(doors)) {
    for (const field of FIELDS) {
      it(`${door} register: refuses NUL and lone surrogates in ${field} with 400 VALIDATION_ERROR, and writes nothing`, async () => {
        const rowsBefore = await rowCount();
        const mailsBefore = svc.inbox.received.length;
        for (const [kind, value] of Object.entries(UNSTORABLE)) {
          const answer = await register(personWith(field, value));
          expect({ kind, ...refusal(answer) }).toEqual({
            kind,
            status: 400,
            error: "VALIDATION_ERROR",
            paths: [field],
          });
        }
        expect(await rowCount()).toBe(rowsBefore);
        expect(svc.inbox.received.length).toBe(mailsBefore);
      });
    }

    it(`${door} login: refuses them in the password alike, rather than answer 500`, async () => {
      const login =
        door === "REST"
          ? (input: unknown) => post(svc.url, "/api/login", input)
          : (input: unknown) => trpc(svc.url, "auth.login", input);
      const { email, password } = newPerson();
      for (const value of Object.values(UNSTORABLE)) {
        expect(refusal(await login({ email, password: `${password}${value}` }))).toMatchObject({
          status: 400,
          error: "VALIDATION_ERROR",
          paths: ["password"],
        });
      }
    });

    it(`${door} register: stores characters beyond the BMP (a well-formed pair) as sent`, async () => {
      const person = { ...newPerson(), firstName: "Ada 🔑", lastName: "𝔏ovelace" };
      const answer = await register(person);
      expect(answer.status).toBe(200);
      const { rows } = await db.query("SELECT first_name, last_name FROM users WHERE login_key = $1", [
        person.email.toLowerCase(),
      ]);
      expect(rows).toEqual([{ first_name: person.firstName, last_name: person.lastName }]);
    });
  }
});
