import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

/**
 * What the kernel counts for another process (Linux /proc): its CPU time and its resident
 * set. The server under test is its own process, so these are its figures alone, not the
 * load generator's or the orchestrator's.
 */

/** Units of /proc/<pid>/stat's times (`getconf CLK_TCK`; 100 on common Linux builds). */
export const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/**
 * CPU time the process (all its threads) has used so far, user + system, in µs; with
 * `mainThreadOnly`, its main thread's alone (the one a CPU profile samples).
 */
export function cpuMicros(pid: number, mainThreadOnly = false): number {
  const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count from after it,
  // where field 3 is at index 0, so utime (field 14) and stime (field 15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** A size field of /proc/<pid>/status (VmRSS now, VmHWM its peak), in MB. */
export function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return Number(line?.[1] ?? 0) / 1024;
}

/**
 * Sets the process's peak resident set (VmHWM) back to its resident set now, so that the next
 * reading is the peak of what follows (`clear_refs`, Linux 4.0+). False where the kernel refuses.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
