import { randomBytes } from "node:crypto";
import { SmtpInbox } from "@authsvc/mail/testing";
import type { LoadSettings } from "./load.js";
import { cpuMicros } from "./proc.js";
import { load, median, signUp, startService } from "./service.js";

/**
 * `npm run bench:metrics`: what the Prometheus metrics cost a token check (issue 12: within 5%).
 * Three services with one signing key (the token is issued by a fourth): METRICS=on, METRICS=off, and a second METRICS=off as a
 * control (what two identical services differ by here is the noise floor). One is loaded at a
 * time, runs interleaved (on, off, control, on, ...); medians of REST and tRPC verify throughput
 * and of the service's CPU time per request (from /proc: steadier than throughput on a shared
 * machine, where other processes take the cores for part of a run).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const CONNECTIONS = 50;

interface Run {
  rps: number;
  /** The service's CPU time per request, µs. */
  cpuUs: number;
}

async function main() {
  const inbox = await SmtpInbox.start();
  const shared = {
    SMTP_URL: inbox.url,
    JWT_SECRET: randomBytes(48).toString("base64"),
    PUBLIC_URL: "http://bench",
  };
  const services = {
    on: await startService({ ...shared, METRICS: "on" }),
    off: await startService({ ...shared, METRICS: "off" }),
    control: await startService({ ...shared, METRICS: "off" }),
  };
  // Signed up on a fourth service, so that the three measured ones differ only by their setting.
  const issuer = await startService({ ...shared, METRICS: "off" });
  const { token } = await signUp(issuer.url, inbox);
  issuer.stop();

  const endpoints: [string, LoadSettings["requests"]][] = [
    [
      "REST POST /api/sso/verify",
      [{ method: "POST", path: "/api/sso/verify", body: JSON.stringify({ token }) }],
    ],
    [
      "tRPC sso.verify",
      [{ method: "POST", path: "/trpc/sso.verify?batch=1", body: JSON.stringify({ 0: { token } }) }],
    ],
  ];
  const measure = async (
    service: (typeof services)["on"],
    requests: LoadSettings["requests"],
  ): Promise<Run> => {
    const pid = service.child.pid as number;
    const cpuBefore = cpuMicros(pid);
    const result = await load({
      url: service.url,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      requests,
    });
    return { rps: result.requestsPerSecond, cpuUs: (cpuMicros(pid) - cpuBefore) / result.total };
  };
  const lines = [
    "| endpoint | req/s on | off | on / off | control / off | CPU µs per request on | off | on / off | control / off |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [name, requests] of endpoints) {
    const runs: Record<keyof typeof services, Run[]> = { on: [], off: [], control: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of ["on", "off", "control"] as const)
        runs[key].push(await measure(services[key], requests));
    }
    const rps = (key: keyof typeof services) => median(runs[key].map((r) => r.rps));
    const cpu = (key: keyof typeof services) => median(runs[key].map((r) => r.cpuUs));
    lines.push(
      `| ${name} | ${rps("on").toFixed(0)} | ${rps("off").toFixed(0)} | ${(rps("on") / rps("off")).toFixed(3)} | ${(rps("control") / rps("off")).toFixed(3)} | ${cpu("on").toFixed(1)} | ${cpu("off").toFixed(1)} | ${(cpu("on") / cpu("off")).toFixed(3)} | ${(cpu("control") / cpu("off")).toFixed(3)} |`,
    );
    for (const key of ["on", "off", "control"] as const) {
      console.error(
        `${name} ${key}, req/s/µs: ${runs[key].map((r) => `${Math.round(r.rps)}/${r.cpuUs.toFixed(1)}`).join(" ")}`,
      );
    }
  }
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds (on, off, control, ...), medians.\n\n${lines.join("\n")}`,
  );
  for (const service of Object.values(services)) service.stop();
  await inbox.close();
}

await main();
