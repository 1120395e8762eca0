import type { NewUser } from "@authsvc/core";
import { afterEach, expect, it } from "vitest";
import { migrate } from "./migrations.js";
import { MIGRATIONS, SQL } from "./sql.js";
import { describeEachBackend, sqliteBackend } from "./test-backends.js";
import { ada, Harness, oktaFailure, otherCode } from "./test-harness.js";

/** Someone who registers Ada's address with a password of his own, and never gets her code. */
const squatter: NewUser = { ...ada, firstName: "Mallory", lastName: "Jones", password: "Takeover-Plan-66" };
const grace: NewUser = {
  firstName: "Grace",
  lastName: "Hopper",
  email: "grace@example.com",
  password: "Compiler-A0-1952",
};
const PENDING_TTL_SECONDS = 3600;

let h: Harness;

describeEachBackend("registrations that never finished", (backend) => {
  afterEach(async () => {
    await h.dispose();
  });

  it("are replaced by a registration of the same email: only the mailed code makes an account someone's", async () => {
    h = await Harness.start(backend);
    const { id: squatterId } = await h.directory.createUser(squatter);
    await h.directory.enrollEmailFactor(squatterId);
    const squattersCode = h.mailer.lastCodeTo(ada.email);

    const owner = await h.directory.createUser(ada);
    await h.directory.enrollEmailFactor(owner.id);
    const ownersCode = h.mailer.lastCodeTo(ada.email);

    expect(owner.id).not.toBe(squatterId);
    expect(owner.profile).toMatchObject({ firstName: "Ada", lastName: "Lovelace" });
    expect((await oktaFailure(h.directory.getUser(squatterId))).errorCode).toBe("E0000007");
    expect((await oktaFailure(h.directory.activateEmailFactor(squatterId, squattersCode))).errorCode).toBe(
      "E0000007",
    );
    const code = squattersCode === ownersCode ? otherCode(ownersCode) : squattersCode;
    expect((await oktaFailure(h.directory.activateEmailFactor(owner.id, code))).errorCode).toBe("E0000068");
    expect((await oktaFailure(h.directory.checkPassword(ada.email, squatter.password))).errorCode).toBe(
      "E0000004",
    );

    await h.directory.activateEmailFactor(owner.id, ownersCode);
    expect(await h.directory.checkPassword(ada.email, ada.password)).toMatchObject({
      userId: owner.id,
      mfaActive: true,
    });
    expect(await h.rows("SELECT login_key FROM users")).toEqual([{ login_key: "ada@example.com" }]);
  });

  it("are not what an activated user is: registering its email again is refused and changes nothing", async () => {
    h = await Harness.start(backend);
    const userId = await h.activeUser();

    expect(await oktaFailure(h.directory.createUser(squatter))).toMatchObject({
      status: 400,
      errorCode: "E0000001",
      causes: ["login: An object with this field already exists in the current organization"],
    });
    expect(await h.directory.checkPassword(ada.email, ada.password)).toMatchObject({
      userId,
      mfaActive: true,
    });
    expect((await oktaFailure(h.directory.checkPassword(ada.email, squatter.password))).errorCode).toBe(
      "E0000004",
    );
  });

  it("are absent once older than the pending TTL, and removed by the next registration", async () => {
    // Shorter than a code's life (300 s): an unexpired code must not bring an expired registration back.
    h = await Harness.start(backend, { pendingUserTtlSeconds: 60 });
    const { id: pendingId } = await h.directory.createUser(ada);
    await h.directory.enrollEmailFactor(pendingId);
    const code = h.mailer.lastCodeTo(ada.email);
    const activatedId = await h.activeUser(grace);

    h.clock.advance(59_000);
    expect((await h.directory.checkPassword(ada.email, ada.password)).userId).toBe(pendingId);
    h.clock.advance(1_000);

    expect((await oktaFailure(h.directory.checkPassword(ada.email, ada.password))).errorCode).toBe(
      "E0000004",
    );
    expect((await oktaFailure(h.directory.activateEmailFactor(pendingId, code))).errorCode).toBe("E0000007");
    expect((await oktaFailure(h.directory.enrollEmailFactor(pendingId))).errorCode).toBe("E0000007");
    const { id: laterId } = await h.directory.createUser({ ...squatter, email: "mallory@example.com" });
    expect((await h.rows<{ id: string }>("SELECT id FROM users ORDER BY id")).map((r) => r.id)).toEqual(
      [activatedId, laterId].sort(),
    );
    expect((await h.directory.checkPassword(grace.email, grace.password)).mfaActive).toBe(true);
  });

  it("made before the pending TTL existed count from their creation", async () => {
    const database = await backend.create();
    const db = database.connect();
    const created = Date.parse("2025-03-01T08:00:00.000Z");
    try {
      await migrate(db, created, MIGRATIONS.slice(0, 1));
      for (const [id, login] of [
        ["00uPending0000000000", "old.pending@example.com"],
        ["00uActivated00000000", "old.activated@example.com"],
      ] as const) {
        await db.execute(
          `INSERT INTO users (id, login, login_key, email, first_name, last_name, password_hash, status,
             created, last_updated) VALUES (@id, @login, @login, @login, 'Old', 'User', 'x', 'ACTIVE', @created, @created)`,
          { id, login, created },
        );
      }
      await db.execute(
        `INSERT INTO factors (id, user_id, status, created, last_updated)
         VALUES ('emfActivated00000000', '00uActivated00000000', 'ACTIVE', @created, @created)`,
        { created },
      );
    } finally {
      await db.close();
    }
    h = await Harness.on(database, { pendingUserTtlSeconds: PENDING_TTL_SECONDS });
    h.clock.time = created + PENDING_TTL_SECONDS * 1000;

    await h.directory.createUser(ada);

    expect((await h.rows<{ id: string }>("SELECT id FROM users ORDER BY created")).map((r) => r.id)).toEqual([
      "00uActivated00000000",
      expect.stringMatching(/^00u/),
    ]);
  });
});

it("finds the expired registrations through their index, not by reading every user", async () => {
  h = await Harness.start(sqliteBackend);
  try {
    const plan = await h.rows<{ detail: string }>(`EXPLAIN QUERY PLAN ${SQL.deleteExpiredRegistrations}`, {
      cutoff: 0,
    });
    expect(plan.map((step) => step.detail)).toContainEqual(expect.stringContaining("users_pending_since"));
  } finally {
    await h.dispose();
  }
});
