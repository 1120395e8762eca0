import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SmtpInbox } from "@authsvc/mail/testing";
import type { LoadSettings } from "./load.js";

/** What the runs share: the built service in a process of its own, a signed-up user, the load generator. */
export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "../..");

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

export function startChild(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

export async function firstLine(child: ChildProcess): Promise<string> {
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
  return chunk.toString().trim();
}

/** One load run, from autocannon in its own process; any error or non-2xx answer fails the bench. */
export async function load(settings: LoadSettings): Promise<LoadResult> {
  const child = spawn(process.execPath, [join(here, "load.js"), JSON.stringify(settings)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  await once(child, "exit");
  const result = JSON.parse(output) as LoadResult;
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `${settings.requests[0]?.path}: ${result.errors} errors, ${result.non2xx} non-2xx answers`,
    );
  }
  return result;
}

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function json(url: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Headers Node writes on every answer itself (and Fastify's content type and length). */
const TRANSPORT_HEADERS = new Set(["content-type", "content-length", "date", "connection", "keep-alive"]);

/** The answer to a JSON POST, as sent: its body, and its headers beyond TRANSPORT_HEADERS. */
export async function answerOf(
  url: string,
  path: string,
  body: unknown,
): Promise<{ bytes: string; headers: Record<string, string> }> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !TRANSPORT_HEADERS.has(name)));
  return { bytes: await response.text(), headers };
}

/**
 * The built service (`apps/server/dist/main.js`) on a port the system picks (a fixed one may be
 * another bench's, on a shared machine), once it answers /healthz.
 */
export async function startService(env: Record<string, string>, nodeArgs: string[] = []) {
  const dataDir = mkdtempSync(join(tmpdir(), "authsvc-bench-"));
  const startedAt = performance.now();
  const child = startChild(
    join(root, "apps/server/dist/main.js"),
    { PORT: "0", DATA_DIR: dataDir, ...env },
    nodeArgs,
  );
  const url = await listeningUrl(child);
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    url,
    child,
    startupMs: performance.now() - startedAt,
    stop() {
      child.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The address the service logs once it listens; its output is read on (and dropped) after that. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const look = (chunk: Buffer) => {
      output += chunk;
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url) return;
      child.stdout?.off("data", look);
      child.stdout?.resume();
      resolve(url);
    };
    child.stdout?.on("data", look);
    child.once("exit", () => reject(new Error(`the service exited before listening: ${output}`)));
  });
}

/** Signs a user up through the real flow (codes from `inbox`) to an ID token. */
export async function signUp(url: string, inbox: SmtpInbox) {
  const person = {
    firstName: "Bench",
    lastName: "Mark",
    email: "bench@example.com",
    password: "Load-Test-2026",
  };
  const { userId } = (await json(url, "/api/register", person)) as { userId: string };
  await json(url, "/api/activate", { userId, otp: await inbox.nextCode(person.email, 0) });
  const session = await json(url, "/api/login", { email: person.email, password: person.password });
  await new Promise((r) => setTimeout(r, 5100));
  const sessionId = session.id as string;
  await json(url, "/api/mfa/verify", { userId });
  await json(url, "/api/mfa/verify", { userId, otp: await inbox.nextCode(person.email, 1), sessionId });
  const { code } = (await json(url, "/api/sso/grant", { sessionId })) as { code: string };
  const { token } = (await json(url, "/api/sso/token", { code })) as { token: string };
  const verifyAnswer = await answerOf(url, "/api/sso/verify", { token });
  return { person, sessionId, token, verifyAnswer };
}
