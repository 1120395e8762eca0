import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { SmtpInbox } from "@authsvc/mail/testing";
import { hash, verify } from "@node-rs/argon2";
import type { LoadSettings } from "./load.js";
import { cpuMicros, resetPeakRss, statusMb } from "./proc.js";
import { costsByOwner } from "./profile.js";
import {
  answerOf,
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
 * process and prints medians. `--write` also writes bench/RESULTS.md. `--profile` instead
 * runs the service, the bare route and the floor under `node --cpu-prof` for one load each (REST verify,
 * or the endpoint whose name starts with BENCH_PROFILE, e.g. "tRPC", on the service) and
 * prints their costs by package (the profiles are kept, their paths printed).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;

/** A load's result with what it cost the process that answered it, as the kernel counts it. */
interface MeasuredLoad extends LoadResult {
  /** That process's user + system CPU time during the load over the requests it answered. */
  cpuMicrosPerRequest: number;
  peakRssMb: number;
  /** The resident set as the load began: what earlier loads left counts in the peak too. */
  startRssMb: number;
}

/**
 * Starts the bare route answering the service's verify answer byte for byte (and, given
 * `headers`, with those headers too) and checks that it does; answers it with the Fastify
 * version it runs.
 */
async function startBare(
  verifyAnswer: { bytes: string; headers: Record<string, string> },
  token: string,
  nodeArgs: string[],
  headers: Record<string, string> = {},
) {
  const child = startChild(
    join(here, "bare.js"),
    { BARE_BODY: verifyAnswer.bytes, BARE_HEADERS: JSON.stringify(headers), PORT: "0" },
    nodeArgs,
  );
  const { port, fastify } = JSON.parse(await firstLine(child)) as { port: number; fastify: string };
  const url = `http://127.0.0.1:${port}`;
  const answer = await answerOf(url, "/verify", { token });
  if (answer.bytes !== verifyAnswer.bytes) {
    throw new Error(`bare route answers ${answer.bytes}, not ${verifyAnswer.bytes}`);
  }
  const names = (h: Record<string, string>) => Object.keys(h).sort().join(", ");
  if (names(answer.headers) !== names(headers)) {
    throw new Error(`bare route sends ${names(answer.headers)}, not ${names(headers)}`);
  }
  return { child, url, fastify };
}

/**
 * `--profile`: one load on a server (the service, or the bare route) started under
 * `node --cpu-prof` (profile written to `dir` at its exit), then its samples taken during
 * the load summed by package.
 */
async function profileLoad(label: string, server: ChildProcess, settings: LoadSettings, dir: string) {
  const micros = () => Number(process.hrtime.bigint() / 1000n);
  const pid = server.pid as number;
  const mainThreadBefore = cpuMicros(pid, true);
  const fromMicros = micros();
  const run = await measuredLoad(pid, settings);
  const toMicros = micros();
  const mainThreadCpu = cpuMicros(pid, true) - mainThreadBefore;
  server.kill("SIGTERM");
  await once(server, "exit");
  const file = join(dir, readdirSync(dir).find((name) => name.endsWith(".cpuprofile")) as string);
  const { owners, functions, sampledMicros } = costsByOwner(
    file,
    { fromMicros, toMicros },
    run.total,
    mainThreadCpu,
  );
  const rows = (costs: typeof owners) =>
    costs.map((c) => `| ${c.name} | ${(c.share * 100).toFixed(1)}% | ${c.microsPerRequest.toFixed(1)} |`);
  console.log(
    [
      `\n${label}, ${settings.requests[0]?.path}: ${run.total} requests in ${SECONDS} s (${run.requestsPerSecond.toFixed(0)}/s), ${run.cpuMicrosPerRequest.toFixed(0)} µs CPU per request (/proc, all threads), ${(mainThreadCpu / run.total).toFixed(0)} µs on the main thread; its profile sampled ${(sampledMicros / 1000).toFixed(0)} ms of wall time, ${(sampledMicros / run.total).toFixed(0)} µs per request. Profile: ${file}`,
      "",
      "| where (self time) | share of samples | µs CPU per request |",
      "|---|---:|---:|",
      ...rows(owners),
      "",
      "| function (self time) | share of samples | µs CPU per request |",
      "|---|---:|---:|",
      ...rows(functions.slice(0, 20)),
    ].join("\n"),
  );
}

/** Node's options that write a CPU profile into `dir`/`name` at exit, when profiling. */
function cpuProfileArgs(dir: string | undefined, name: string): string[] {
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, name)}`] : [];
}

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

/**
 * Loads `pid`'s server with `settings` and measures that process over the load: its CPU time
 * (from /proc/<pid>/stat) per answered request, and its peak resident set (VmHWM reset before
 * the load; where the kernel refuses the reset, VmRSS sampled every 50 ms).
 */
async function measuredLoad(pid: number, settings: LoadSettings): Promise<MeasuredLoad> {
  const exactPeak = resetPeakRss(pid);
  const startRssMb = statusMb(pid, "VmRSS");
  let sampledPeak = startRssMb;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, statusMb(pid, "VmRSS"));
  }, 50);
  const cpuBefore = cpuMicros(pid);
  try {
    const result = await load(settings);
    return {
      ...result,
      cpuMicrosPerRequest: (cpuMicros(pid) - cpuBefore) / result.total,
      peakRssMb: exactPeak ? statusMb(pid, "VmHWM") : sampledPeak,
      startRssMb,
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main() {
  // Other work on the machine moves every figure here: said beside them.
  const loadAtStart = loadavg()[0] as number;
  const inbox = await SmtpInbox.start();
  const profileDir = process.argv.includes("--profile")
    ? mkdtempSync(join(tmpdir(), "authsvc-profile-"))
    : undefined;
  const service = await startService(
    {
      SMTP_URL: inbox.url,
      // One client logging in as one user thousands of times is what the limits refuse: off here,
      // so that the figure is the cost of a login, not of a refusal.
      RATE_LIMIT_LOGIN_PER_IP: "off",
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "off",
    },
    cpuProfileArgs(profileDir, "service"),
  );
  const { child: server, url, startupMs } = service;
  const { person, sessionId, token, verifyAnswer } = await signUp(url, inbox);

  const {
    child: bare,
    url: bareUrl,
    fastify,
  } = await startBare(verifyAnswer, token, cpuProfileArgs(profileDir, "bare"));
  // The floor: the bare route with every header the service's verify answer carries.
  const floor = await startBare(
    verifyAnswer,
    token,
    cpuProfileArgs(profileDir, "floor"),
    verifyAnswer.headers,
  );
  const bareLoad: LoadSettings = {
    url: bareUrl,
    connections: CONNECTIONS,
    durationSeconds: SECONDS,
    requests: [{ method: "POST", path: "/verify", body: JSON.stringify({ token }) }],
  };
  const floorLoad: LoadSettings = { ...bareLoad, url: floor.url };

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

  const stop = async () => {
    service.stop();
    bare.kill("SIGTERM");
    floor.child.kill("SIGTERM");
    await inbox.close();
  };
  if (profileDir) {
    // BENCH_PROFILE names the endpoint to profile (the start of its name); REST verify by default.
    const [, profiled] = endpoints.find(([name]) => name.startsWith(process.env.BENCH_PROFILE ?? "")) ?? [];
    await profileLoad("The service", server, profiled as LoadSettings, join(profileDir, "service"));
    await profileLoad(`The bare Fastify ${fastify} route`, bare, bareLoad, join(profileDir, "bare"));
    await profileLoad(
      "The floor (the bare route with the service's headers)",
      floor.child,
      floorLoad,
      join(profileDir, "floor"),
    );
    return stop();
  }

  const rows: {
    name: string;
    rps: number;
    p50: number;
    p99: number;
    ratio: number;
    cpu: number;
    cpuRatio: number;
    cpuFloorRatio: number;
    rss: number;
    startRss: number;
  }[] = [];
  const bareRuns: MeasuredLoad[] = [];
  const floorRuns: MeasuredLoad[] = [];
  const verifyAlone: number[] = [];
  for (const [name, settings] of endpoints) {
    const runs: MeasuredLoad[] = [];
    const ceilings: MeasuredLoad[] = [];
    const floors: MeasuredLoad[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      runs.push(await measuredLoad(server.pid as number, settings));
      ceilings.push(await measuredLoad(bare.pid as number, bareLoad));
      floors.push(await measuredLoad(floor.child.pid as number, floorLoad));
    }
    bareRuns.push(...ceilings);
    floorRuns.push(...floors);
    const pairFactor = settings.chainGrantCode ? 2 : 1;
    const rps = median(runs.map((r) => r.requestsPerSecond)) / pairFactor;
    const cpu = median(runs.map((r) => r.cpuMicrosPerRequest)) * pairFactor;
    if (name.startsWith("REST POST /api/sso/verify"))
      verifyAlone.push(...runs.map((r) => r.requestsPerSecond));
    rows.push({
      name,
      rps,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      ratio: rps / median(ceilings.map((r) => r.requestsPerSecond)),
      cpu,
      cpuRatio: cpu / median(ceilings.map((r) => r.cpuMicrosPerRequest)),
      cpuFloorRatio: cpu / median(floors.map((r) => r.cpuMicrosPerRequest)),
      rss: Math.max(...runs.map((r) => r.peakRssMb)),
      startRss: runs[0]?.startRssMb ?? 0,
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
  const bareCpu = median(bareRuns.map((r) => r.cpuMicrosPerRequest));
  const bareRss = Math.max(...bareRuns.map((r) => r.peakRssMb));
  const floorCpu = median(floorRuns.map((r) => r.cpuMicrosPerRequest));
  const floorRps = median(floorRuns.map((r) => r.requestsPerSecond));
  const floorHeaders = Object.keys(verifyAnswer.headers).length;
  const lines = [
    `| endpoint | CPU µs per request | CPU ÷ bare | CPU ÷ floor | req/s | req/s ÷ bare | p50 ms | p99 ms | peak RSS MB (as its load began) |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
    `| bare Fastify ${fastify} route (same bytes as verify) | ${bareCpu.toFixed(0)} | 1.00 | | ${bareMedian.toFixed(0)} | 1.00 | ${median(bareRuns.map((r) => r.p50))} | ${median(bareRuns.map((r) => r.p99))} | ${bareRss.toFixed(0)} |`,
    `| the floor: that route with verify's ${floorHeaders} headers too | ${floorCpu.toFixed(0)} | ${(floorCpu / bareCpu).toFixed(2)} | 1.00 | ${floorRps.toFixed(0)} | ${(floorRps / bareMedian).toFixed(2)} | ${median(floorRuns.map((r) => r.p50))} | ${median(floorRuns.map((r) => r.p99))} | ${Math.max(...floorRuns.map((r) => r.peakRssMb)).toFixed(0)} |`,
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.cpu.toFixed(0)} | ${r.cpuRatio.toFixed(2)} | ${r.cpuFloorRatio.toFixed(2)} | ${r.rps.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.p50} | ${r.p99} | ${r.rss.toFixed(0)} (${r.startRss.toFixed(0)}) |`,
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
  const target = (name: string, value: number, goal: number, sign: "≥" | "≤" | "<", unit = "") => {
    const met = sign === "≥" ? value >= goal : sign === "≤" ? value <= goal : value < goal;
    const by = Math.abs(value - goal);
    const shown = (n: number) => (unit ? `${n.toFixed(0)}${unit}` : n.toFixed(2));
    return `| ${name} | ${sign} ${shown(goal)} | ${shown(value)} | ${met ? "met" : `missed by ${shown(by)}`} |`;
  };
  /** A CPU ratio target, with what missing it means in µs of CPU per request. */
  const cpuTarget = (row: (typeof rows)[number], goal: number) => {
    const line = target(`${row.name}: CPU per request ÷ bare`, row.cpuRatio, goal, "≤");
    // Against the bare route's runs interleaved with this endpoint's, as the ratio is.
    const bareOfRow = row.cpu / row.cpuRatio;
    const over = row.cpu - goal * bareOfRow;
    const floorShare = `the headers alone: floor ÷ bare ${(row.cpuRatio / row.cpuFloorRatio).toFixed(2)}`;
    return over > 0
      ? line.replace(/ \|$/, ` (${over.toFixed(0)} µs a request too many; ${floorShare}) |`)
      : line;
  };
  const heaviest = rows.reduce((a, b) => (b.rss > a.rss ? b : a));
  lines.push(
    "",
    "| target (issue 14) | goal | measured | |",
    "|---|---|---|---|",
    cpuTarget(restVerify, 1.25),
    cpuTarget(trpcVerify, 1.4),
    cpuTarget(user, 1.6),
    target(
      `p99 at ${CONNECTIONS} connections, verify and user`,
      Math.max(restVerify.p99, trpcVerify.p99, user.p99),
      10,
      "<",
      " ms",
    ),
    target(`peak RSS, every endpoint's load (highest: ${heaviest.name})`, heaviest.rss, 120, "<", " MB"),
    target("verify during a login storm / alone", stormRatio, 0.5, "≥"),
  );
  const header = `CPU per request: the user + system time the answering process (the service, or the bare route, each its own process) spent during the load, from /proc/<pid>/stat, over the requests it answered (per pair for grant + token); median of the rounds. Ratios: the endpoint's median over the median of the bare route's runs interleaved with it; the bare route runs Fastify ${fastify}, the version the service loads. The floor is the same bare route sending every header the service's verify answer carries (the security headers SECURITY.md promises, no-store, an X-Request-Id made per request): what the headers cost, which any route sending them pays; CPU ÷ floor is the rest, the plumbing. Peak RSS: the service's VmHWM over that endpoint's load (reset before each run), and in brackets its resident set as the endpoint's first load began, which the peak includes (what earlier loads left). ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds (endpoint, bare, floor, ...), medians; autocannon in its own process.`;
  console.log(`\n${header}\n\n${lines.join("\n")}`);

  if (process.argv.includes("--write")) {
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const date = new Date().toISOString().slice(0, 10);
    writeFileSync(
      join(root, "bench/RESULTS.md"),
      `# Benchmark results\n\n${date}, ${machine}. Load generator on the same machine.\n${header}\nLoad average at the start: ${loadAtStart.toFixed(1)} (1 min). Reproduce: \`${ROUNDS === 3 ? "" : `BENCH_ROUNDS=${ROUNDS} `}npm run bench -- --write\`.\n\n${lines.join("\n")}\n${keptNotes()}`,
    );
  }

  await stop();
}

await main();
