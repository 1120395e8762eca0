import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { SmtpInbox } from "@authsvc/mail/testing";
import { hash, verify } from "@node-rs/argon2";
import type { LoadSettings } from "./load.js";
import {
  firstLine,
  here,
  type LoadResult,
  load,
  median,
  root,
  signUp,
  startChild,
  startService,
} from "./service.js";

/**
 * `npm run bench`: starts the service on its embedded defaults and a bare Fastify
 * route, creates a user through the real flow (codes from a real SMTP server), then
 * loads each hot endpoint and the bare route in turn (A B A B ...) from a separate
 * process and prints medians. `--write` also writes bench/RESULTS.md.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;

/** The hand-written part of RESULTS.md (from "## Notes" on), which a new run keeps. */
function keptNotes(): string {
  try {
    const text = readFileSync(join(root, "bench/RESULTS.md"), "utf8");
    const start = text.indexOf("\n## Notes");
    return start === -1 ? "" : text.slice(start);
  } catch {
    return "";
  }
}

/** Resident set of a process now, in MB. */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0) / 1024;
}

/** Runs `work` while sampling the process's resident set; answers its result and the peak seen. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<[T, number]> {
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 50);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(sampler);
  }
}

async function main() {
  const inbox = await SmtpInbox.start();
  const service = await startService({
    // One client logging in as one user thousands of times is what the limits refuse: off here,
    // so that the figure is the cost of a login, not of a refusal.
    RATE_LIMIT_LOGIN_PER_IP: "off",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "off",
    SMTP_URL: inbox.url,
  });
  const { url, startupMs } = service;
  const server = service.child;
  const { person, sessionId, token, verifyBytes } = await signUp(url, inbox);

  const bare = startChild(join(here, "bare.js"), { BARE_BODY: verifyBytes, PORT: "0" });
  const bareUrl = `http://127.0.0.1:${await firstLine(bare)}`;
  const bareLoad: LoadSettings = {
    url: bareUrl,
    connections: CONNECTIONS,
    durationSeconds: SECONDS,
    requests: [{ method: "POST", path: "/verify", body: JSON.stringify({ token }) }],
  };

  const endpoints: [string, LoadSettings][] = [
    [
      "REST POST /api/sso/verify",
      {
        ...bareLoad,
        url,
        requests: [{ method: "POST", path: "/api/sso/verify", body: JSON.stringify({ token }) }],
      },
    ],
    [
      "tRPC sso.verify",
      {
        ...bareLoad,
        url,
        requests: [
          { method: "POST", path: "/trpc/sso.verify?batch=1", body: JSON.stringify({ 0: { token } }) },
        ],
      },
    ],
    [
      "REST GET /api/user",
      { ...bareLoad, url, requests: [{ method: "GET", path: `/api/user?sessionId=${sessionId}` }] },
    ],
    [
      "REST grant + token (pairs)",
      {
        ...bareLoad,
        url,
        chainGrantCode: true,
        requests: [
          { method: "POST", path: "/api/sso/grant", body: JSON.stringify({ sessionId }) },
          { method: "POST", path: "/api/sso/token", body: "{}" },
        ],
      },
    ],
    [
      "REST POST /api/login",
      {
        ...bareLoad,
        url,
        requests: [
          {
            method: "POST",
            path: "/api/login",
            body: JSON.stringify({ email: person.email, password: person.password }),
          },
        ],
      },
    ],
  ];

  const rows: { name: string; rps: number; p50: number; p99: number; ratio: number; rss: number }[] = [];
  const bareRuns: LoadResult[] = [];
  const verifyAlone: number[] = [];
  for (const [name, settings] of endpoints) {
    const runs: LoadResult[] = [];
    const ceilings: LoadResult[] = [];
    let rss = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [run, peak] = await withPeakRss(server.pid as number, () => load(settings));
      runs.push(run);
      rss = Math.max(rss, peak);
      ceilings.push(await load(bareLoad));
    }
    bareRuns.push(...ceilings);
    const pairFactor = settings.chainGrantCode ? 2 : 1;
    const rps = median(runs.map((r) => r.requestsPerSecond)) / pairFactor;
    if (name.startsWith("REST POST /api/sso/verify"))
      verifyAlone.push(...runs.map((r) => r.requestsPerSecond));
    rows.push({
      name,
      rps,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      ratio: rps / median(ceilings.map((r) => r.requestsPerSecond)),
      rss,
    });
    console.error(`measured ${name}`);
  }

  const storm = await Promise.all([
    load(endpoints[0]?.[1] as LoadSettings),
    load({ ...(endpoints[4]?.[1] as LoadSettings), connections: 20 }),
  ]);

  const passwordHash = await hash(person.password, {
    algorithm: 2,
    memoryCost: 19456,
    timeCost: 2,
    parallelism: 1,
  });
  const hashRuns = 20;
  const hashStart = performance.now();
  for (let i = 0; i < hashRuns; i++) await verify(passwordHash, person.password);
  const hashMs = (performance.now() - hashStart) / hashRuns;

  const bareMedian = median(bareRuns.map((r) => r.requestsPerSecond));
  const lines = [
    `| endpoint | req/s | p50 ms | p99 ms | ratio to bare | peak RSS MB |`,
    `|---|---:|---:|---:|---:|---:|`,
    `| bare Fastify route (same bytes as verify) | ${bareMedian.toFixed(0)} | ${median(bareRuns.map((r) => r.p50))} | ${median(bareRuns.map((r) => r.p99))} | 1.00 | |`,
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.ratio.toFixed(2)} | ${r.rss.toFixed(0)} |`,
    ),
    "",
    `- start-up to first answered request: ${startupMs.toFixed(0)} ms`,
    `- argon2id verify (m=19 MiB, t=2, p=1) on one core: ${hashMs.toFixed(1)} ms, so ${(1000 / hashMs).toFixed(0)} logins/s per core, ${((2 * 1000) / hashMs).toFixed(0)}/s on both cores`,
    `- verify during a login storm (20 connections logging in): ${storm[0].requestsPerSecond.toFixed(0)} req/s, ${(storm[0].requestsPerSecond / median(verifyAlone)).toFixed(2)} of verify alone (${median(verifyAlone).toFixed(0)}); logins meanwhile ${storm[1].requestsPerSecond.toFixed(0)}/s`,
  ];
  const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix)) as (typeof rows)[number];
  const [restVerify, trpcVerify, user] = [
    byName("REST POST /api/sso/verify"),
    byName("tRPC"),
    byName("REST GET"),
  ];
  const stormRatio = storm[0].requestsPerSecond / median(verifyAlone);
  const target = (name: string, value: number, goal: number, atLeast: boolean, unit = "") => {
    const met = atLeast ? value >= goal : value < goal;
    const by = Math.abs(value - goal);
    const shown = (n: number) => (unit ? `${n.toFixed(0)}${unit}` : n.toFixed(2));
    return `| ${name} | ${atLeast ? "≥" : "<"} ${shown(goal)} | ${shown(value)} | ${met ? "met" : `missed by ${shown(by)}`} |`;
  };
  lines.push(
    "",
    "| target (issue 6) | goal | measured | |",
    "|---|---|---|---|",
    target("REST verify / bare", restVerify.ratio, 0.8, true),
    target("tRPC verify / bare", trpcVerify.ratio, 0.7, true),
    target("GET /api/user / bare", user.ratio, 0.6, true),
    target("p99, verify and user", Math.max(restVerify.p99, trpcVerify.p99, user.p99), 20, false, " ms"),
    target(
      "peak RSS, verify and user loads",
      Math.max(restVerify.rss, trpcVerify.rss, user.rss),
      150,
      false,
      " MB",
    ),
    target("verify during a login storm / alone", stormRatio, 0.5, true),
  );
  const header = `Ratio: the endpoint's median over the median of the bare route's runs interleaved with it. Peak RSS: the service's resident set, sampled every 50 ms during that endpoint's load. ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds (endpoint, bare, ...), medians; autocannon in its own process.`;
  console.log(`\n${header}\n\n${lines.join("\n")}`);

  if (process.argv.includes("--write")) {
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const date = new Date().toISOString().slice(0, 10);
    writeFileSync(
      join(root, "bench/RESULTS.md"),
      `# Benchmark results\n\n${date}, ${machine}. Load generator on the same machine.\n${header}\nReproduce: \`npm run bench\`.\n\n${lines.join("\n")}\n${keptNotes()}`,
    );
  }

  service.stop();
  bare.kill("SIGTERM");
  await inbox.close();
}

await main();
