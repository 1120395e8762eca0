import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import type { NewUser } from "@authsvc/core";
import { SmtpInbox } from "@authsvc/mail/testing";
import {
  type Engine,
  sanitizeRecording,
  startOktaEmulator,
  startRecordingProxy,
} from "@authsvc/okta-emulator";
import { createOktaProvider } from "./okta-provider.js";
import { wholeStory } from "./replay-flow.js";

/**
 * Records the provider's whole story (replay-flow.ts) through the recording proxy, sanitized, for
 * replay.test.ts. Against the emulator by default (`OKTA_ENGINE`: identity or classic), or against a
 * real org with OKTA_ORG_URL, OKTA_API_TOKEN and RECORD_EMAIL (a mailbox you read: the codes are
 * asked for here). Writes RECORDING_FILE, by default fixtures/recordings/emulator-<engine>.json.
 */
const orgUrl = process.env.OKTA_ORG_URL;
const engine: Engine = process.env.OKTA_ENGINE === "classic" ? "classic" : "identity";
const file =
  process.env.RECORDING_FILE ||
  fileURLToPath(new URL(`../fixtures/recordings/emulator-${engine}.json`, import.meta.url));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required to record a real org`);
  return value;
}

async function record(): Promise<void> {
  const inbox = orgUrl ? undefined : await SmtpInbox.start();
  const apiToken = orgUrl ? required("OKTA_API_TOKEN") : "recording-token";
  const emulator =
    inbox && (await startOktaEmulator({ apiToken, smtpUrl: inbox.url, engine, resendIntervalSeconds: 0 }));
  const target = orgUrl ?? (emulator?.url as string);
  const proxy = await startRecordingProxy(target);
  const user: NewUser = {
    firstName: "Replay",
    lastName: "Fixture",
    email: orgUrl ? required("RECORD_EMAIL") : "ada@example.com",
    // Never written: the recording keeps no password.
    password: `Rec-${randomBytes(12).toString("base64url")}-9`,
  };
  const terminal = orgUrl ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  let seen = 0;
  const nextCode = async () =>
    terminal
      ? (await terminal.question(`Code mailed to ${user.email}: `)).trim()
      : (inbox as SmtpInbox).nextCode(user.email, seen++);
  try {
    await wholeStory(createOktaProvider({ orgUrl: proxy.url, apiToken }), user, nextCode);
    const source = orgUrl ? "okta org" : `emulator (${engine})`;
    const recording = sanitizeRecording(proxy.exchanges, target, source);
    writeFileSync(file, `${JSON.stringify(recording, null, 2)}\n`);
    console.log(`recorded ${recording.exchanges.length} exchanges to ${file}`);
  } finally {
    terminal?.close();
    await proxy.close();
    await emulator?.close();
    await inbox?.close();
  }
}

await record();
