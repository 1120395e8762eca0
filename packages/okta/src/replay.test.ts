import { readdirSync, readFileSync } from "node:fs";
import { answersOf, type Recording, SpecChecker, startReplayServer } from "@authsvc/okta-emulator";
import { describe, expect, it } from "vitest";
import { createOktaProvider } from "./okta-provider.js";
import { wholeStory } from "./replay-flow.js";
import { ada, ENGINE } from "./test-harness.js";

/**
 * The provider against recorded answers: the committed recordings (made from the emulator by
 * record-fixture.ts) and, with OKTA_REPLAY_FILE, one made from a real org the same way.
 */
const DIR = new URL("../fixtures/recordings/", import.meta.url);
const files = [
  ...readdirSync(DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => new URL(name, DIR).pathname),
  ...(process.env.OKTA_REPLAY_FILE ? [process.env.OKTA_REPLAY_FILE] : []),
];
/** Loading management.yaml (3 MB) and compiling its schemas takes a few seconds. */
const SPEC_CHECK_TIMEOUT_MS = 30_000;

let checker: SpecChecker | undefined;

// The recordings fix the org's engine themselves: the suites' classic run would only repeat this.
describe.skipIf(ENGINE === "classic").each(files)("the provider replaying %s", (file) => {
  const recording = JSON.parse(readFileSync(file, "utf8")) as Recording;

  it("makes the recorded calls in order and reads the recorded answers as the service needs", async () => {
    const replay = await startReplayServer(recording);
    // A recording's timestamps are of the day it was made: no registration in it may count as expired.
    const provider = createOktaProvider({
      orgUrl: replay.url,
      apiToken: "replayed",
      pendingUserTtlSeconds: 1e9,
    });
    try {
      // Codes and passwords are not recorded, nor compared: the answers say whether they were right.
      const story = await wholeStory(provider, ada, async () => "000000");
      expect(replay.mismatches).toEqual([]);
      expect(replay.remaining()).toBe(0);
      expect(story.factor.status).toBe("ACTIVE");
      expect(story.check).toMatchObject({ userId: story.created.id, mfaActive: true });
      expect(story.session.userId).toBe(story.created.id);
      expect(story.read).toMatchObject({ id: story.session.id, status: "ACTIVE", mfaActive: true });
    } finally {
      await provider.close();
      await replay.close();
    }
  });

  it("holds only answers Okta could give", { timeout: SPEC_CHECK_TIMEOUT_MS }, () => {
    checker ??= new SpecChecker();
    const problems = answersOf(recording).flatMap((answer) => checker?.problems(answer) ?? []);
    expect(problems).toEqual([]);
  });
});
