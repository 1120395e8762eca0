import fc from "fast-check";
import { Histogram, type Metric, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_SECONDS, OperationTimes } from "./metrics.js";

const operations = ["login", "verifyIdToken", "register"] as const;
const doors = ["rest", "trpc", "in-process"] as const;
const outcomes = ["ok", "OKTA_ERROR", "RATE_LIMITED"] as const;

const observation = fc.record({
  operation: fc.constantFrom(...operations),
  door: fc.constantFrom(...doors),
  outcome: fc.constantFrom(...outcomes),
  // The bucket bounds themselves (a bound is inclusive), between them, zero and far above them.
  seconds: fc.oneof(
    fc.constantFrom(0, ...LATENCY_BUCKETS_SECONDS, 1e6),
    fc.double({ min: 0, max: 20, noNaN: true }),
  ),
});

/** The exposition's lines, each series' in the order written, series sorted: the two keep different orders of series. */
const lines = (text: string) => text.split("\n").filter(Boolean).sort();

describe("the operations' latency histogram", () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const fast = new OperationTimes();
        const fastRegistry = new Registry();
        fastRegistry.registerMetric(fast as unknown as Metric);
        const referenceRegistry = new Registry();
        const reference = new Histogram({
          name: fast.name,
          help: fast.help,
          labelNames: ["operation", "door", "outcome"],
          buckets: LATENCY_BUCKETS_SECONDS,
          registers: [referenceRegistry],
        });
        for (const { operation, door, outcome, seconds } of observations) {
          fast.observe(operation, door, outcome, seconds);
          reference.observe({ operation, door, outcome }, seconds);
        }
        expect(lines(await fastRegistry.metrics())).toEqual(lines(await referenceRegistry.metrics()));
      }),
      { numRuns: 300 },
    );
  });
});
