import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { costsByOwner } from "./profile.js";

const dir = mkdtempSync(join(tmpdir(), "bench-profile-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CPU profile of one sample per frame, 100 µs apart, starting at 1,000 µs. */
function profileOf(frames: { functionName: string; url: string }[]): string {
  const file = join(dir, `${frames.length}.cpuprofile`);
  const nodes = frames.map((callFrame, index) => ({ id: index + 1, callFrame }));
  writeFileSync(
    file,
    JSON.stringify({
      nodes,
      startTime: 1000,
      samples: nodes.map((node) => node.id),
      timeDeltas: nodes.map(() => 100),
    }),
  );
  return file;
}

describe("a CPU profile summed by package", () => {
  const file = profileOf([
    { functionName: "(idle)", url: "" },
    { functionName: "(idle)", url: "" },
    { functionName: "writev", url: "" },
    { functionName: "serialize", url: "file:///w/node_modules/fastify/lib/reply.js" },
    { functionName: "onRequest", url: "file:///w/node_modules/@fastify/cors/index.js" },
    { functionName: "verify", url: "file:///w/packages/core/dist/sso.js" },
    { functionName: "emit", url: "node:events" },
    { functionName: "late", url: "file:///w/node_modules/joi/lib/index.js" },
  ]);

  it("names scoped packages, our workspaces and the socket write, and leaves out samples outside the load", () => {
    // Samples at 1,100 … 1,800 µs; the window ends before the last one.
    const { owners } = costsByOwner(file, { fromMicros: 1100, toMicros: 1700 }, 10, 500);
    expect(owners.map((cost) => cost.name).sort()).toEqual(
      [
        "(idle)",
        "socket write (native writev)",
        "fastify",
        "@fastify/cors",
        "our code: packages/core",
        "Node built-ins (http, net, streams…)",
      ].sort(),
    );
    expect(owners[0]).toMatchObject({ name: "(idle)", share: 2 / 7, microsPerRequest: 0 });
  });

  it("shares the main thread's CPU time out over the busy samples, per request", () => {
    // 5 busy samples share 500 µs of CPU over 10 requests: 10 µs a request each.
    const { owners } = costsByOwner(file, { fromMicros: 1100, toMicros: 1700 }, 10, 500);
    const fastify = owners.find((cost) => cost.name === "fastify");
    expect(fastify?.share).toBeCloseTo(1 / 7);
    expect(fastify?.microsPerRequest).toBeCloseTo(10);
  });
});
