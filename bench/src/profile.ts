import { readFileSync } from "node:fs";

/**
 * Sums a V8 CPU profile (`node --cpu-prof`) by where each sample's running function lives:
 * its npm package, our own workspaces, Node's built-in modules, or V8's pseudo-frames
 * (idle, garbage collector, program = native code outside JavaScript).
 */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Cost {
  name: string;
  /** Of all samples in the window, idle included. */
  share: number;
  /**
   * CPU time per answered request: the main thread's CPU time in the window, shared out in
   * proportion to the busy (not idle) samples. Sampled time itself is wall time, which on a
   * shared machine also counts the moments the thread waited for a core.
   */
  microsPerRequest: number;
}

/** Where a function lives, named as the notes name it. */
function owner({ functionName, url }: { functionName: string; url: string }): string {
  if (functionName === "writev" && !url) return "socket write (native writev)";
  if (!url) return functionName.startsWith("(") ? functionName : "V8 built-ins and other natives";
  if (url.startsWith("node:")) return "Node built-ins (http, net, streams…)";
  const inPackage = url.match(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (inPackage) return inPackage[1] as string;
  const ours = url.match(/\/(apps\/[^/]+|packages\/[^/]+|bench)\//);
  return ours ? `our code: ${ours[1]}` : url;
}

/**
 * Costs by owner over the samples taken in [fromMicros, toMicros] (V8's clock, which on Linux
 * is CLOCK_MONOTONIC like `process.hrtime`), largest first, and the same for single functions.
 */
export function costsByOwner(
  file: string,
  window: { fromMicros: number; toMicros: number },
  requests: number,
  mainThreadCpuMicros: number,
): { owners: Cost[]; functions: Cost[]; sampledMicros: number } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let at = profile.startTime;
  let sampledMicros = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < window.fromMicros || at > window.toMicros) return;
    const frame = frames.get(id) ?? { functionName: "?", url: "" };
    const name = owner(frame);
    const where = frame.url ? ` (${name.replace("our code: ", "")})` : "";
    const fn = `${frame.functionName || "(anonymous)"}${where}`;
    byOwner.set(name, (byOwner.get(name) ?? 0) + delta);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta);
    sampledMicros += delta;
  });
  const busyMicros = sampledMicros - (byOwner.get("(idle)") ?? 0);
  const costs = (totals: Map<string, number>) =>
    [...totals]
      .map(([name, micros]) => ({
        name,
        share: micros / sampledMicros,
        microsPerRequest: name.startsWith("(idle)")
          ? 0
          : (micros / busyMicros) * (mainThreadCpuMicros / requests),
      }))
      .sort((a, b) => b.share - a.share);
  return { owners: costs(byOwner), functions: costs(byFunction), sampledMicros };
}
