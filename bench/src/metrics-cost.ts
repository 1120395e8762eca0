import { randomBytes } from "node:crypto";
import { SmtpInbox } from "@authsvc/mail/testing";
import type { LoadSettings } from "./load.js";
import { load, median, signUp, startService } from "./service.js";

/**
 * `npm run bench:metrics`: what the Prometheus metrics cost a token check (issue 12: within 5%).
 * Two services, METRICS=on and METRICS=off, same signing key, one loaded at a time, runs
 * interleaved (on, off, on, off, ...), medians of REST and tRPC verify throughput.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 50;

async function main() {
  const inbox = await SmtpInbox.start();
  const shared = {
    SMTP_URL: inbox.url,
    JWT_SECRET: randomBytes(48).toString("base64"),
    PUBLIC_URL: "http://bench",
  };
  const on = await startService({ ...shared, METRICS: "on" });
  const off = await startService({ ...shared, METRICS: "off" });
  const { token } = await signUp(on.url, inbox);

  const verifies = (url: string): [string, LoadSettings][] => [
    [
      "REST POST /api/sso/verify",
      {
        url,
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
        requests: [{ method: "POST", path: "/api/sso/verify", body: JSON.stringify({ token }) }],
      },
    ],
    [
      "tRPC sso.verify",
      {
        url,
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
        requests: [
          { method: "POST", path: "/trpc/sso.verify?batch=1", body: JSON.stringify({ 0: { token } }) },
        ],
      },
    ],
  ];
  const lines = ["| endpoint | metrics on req/s | metrics off req/s | on / off |", "|---|---:|---:|---:|"];
  for (const [index, [name, withMetrics]] of verifies(on.url).entries()) {
    const without = verifies(off.url)[index]?.[1] as LoadSettings;
    const onRuns: number[] = [];
    const offRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      onRuns.push((await load(withMetrics)).requestsPerSecond);
      offRuns.push((await load(without)).requestsPerSecond);
    }
    const [onRps, offRps] = [median(onRuns), median(offRuns)];
    lines.push(`| ${name} | ${onRps.toFixed(0)} | ${offRps.toFixed(0)} | ${(onRps / offRps).toFixed(3)} |`);
    console.error(`measured ${name}: on ${onRuns.map(Math.round)} off ${offRuns.map(Math.round)}`);
  }
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds (on, off, ...), medians.\n\n${lines.join("\n")}`,
  );
  on.stop();
  off.stop();
  await inbox.close();
}

await main();
