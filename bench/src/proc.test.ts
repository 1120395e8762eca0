import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { cpuMicros, resetPeakRss, statusMb } from "./proc.js";

/** A separate Node process running `script`, ready once it has printed its first line. */
async function child(script: string, args: string[] = []): Promise<ChildProcess> {
  const process_ = spawn(process.execPath, [...args, "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await once(process_.stdout as NodeJS.ReadableStream, "data");
  return process_;
}

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill();
});

describe("another process's figures from /proc", () => {
  it("counts the CPU time a separate process spent, not the reader's", async () => {
    // Spins until it has used 300 ms of CPU itself, however busy the machine is, then waits.
    running = await child(
      "while (process.cpuUsage().user < 300000); console.log('spun'); setInterval(() => {}, 1000);",
    );
    const counted = cpuMicros(running.pid as number);
    expect(counted).toBeGreaterThanOrEqual(290_000);
    expect(cpuMicros(running.pid as number, true)).toBeLessThanOrEqual(counted);
  });

  it("reads the peak resident set of what follows a reset, not of the process's life", async () => {
    // Touches 80 MB, lets it go, then waits.
    running = await child(
      "let b = Buffer.alloc(80 * 2 ** 20, 1); b = null; globalThis.gc(); setTimeout(() => console.log('freed'), 200); setInterval(() => {}, 1000);",
      ["--expose-gc"],
    );
    const pid = running.pid as number;
    const lifePeak = statusMb(pid, "VmHWM");
    expect(lifePeak - statusMb(pid, "VmRSS")).toBeGreaterThan(60);
    expect(resetPeakRss(pid)).toBe(true);
    expect(statusMb(pid, "VmHWM")).toBeLessThan(lifePeak - 60);
  });
});
