import { performance } from "node:perf_hooks";
import {
  AuthError,
  type Caller,
  type OperationName,
  type Operations,
  type SecurityEvent,
  type SecurityEvents,
} from "@authsvc/core";
import type { OktaCall } from "@authsvc/okta";
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";
import { withTimeout } from "./with-timeout.js";

/** The Prometheus text format's content type, as prom-client writes it. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** From a token check answered from memory (~0.1 ms) to a password hash or an Okta call timing out (10 s). */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/** A dependency probe is run at most this often, whatever the scrape interval: each costs a call. */
const HEALTH_PROBE_INTERVAL_MS = 10_000;
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** What an operation answered: "ok", or the service's error code (VALIDATION_ERROR, OKTA_ERROR, ...). */
type Outcome = "ok" | AuthError["code"];

/**
 * The service's Prometheus metrics, in a registry of its own (several servers may run in one
 * process, as in the tests). It observes the security events (logins, codes, rate limits), the
 * operations (latency by outcome, per door), the calls to Okta, the dependencies' health and the
 * Node process. docs/METRICS.md lists the series.
 */
export class ServiceMetrics implements SecurityEvents {
  readonly registry = new Registry();
  private readonly duration = new OperationTimes();
  private readonly events: Counter<"event">;
  private readonly logins: Counter<"result">;
  private readonly codes: Counter<"purpose" | "result">;
  private readonly rateLimited: Counter<"action" | "scope">;
  private readonly oktaCalls: Counter<"method" | "endpoint" | "status">;
  private readonly oktaRemaining: Gauge<"endpoint">;
  private readonly refusedBefore: Counter<"operation" | "door" | "outcome">;
  /** Failures an operation threw, already counted with its time: a door's error handler sees them again. */
  private readonly counted = new WeakSet<object>();

  constructor(health: Record<string, () => Promise<void>>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.duration as unknown as Metric);
    this.events = new Counter({
      name: "authsvc_security_events_total",
      help: "Security events, as the audit log writes them (docs/AUDIT.md)",
      labelNames: ["event"],
      registers,
    });
    this.logins = new Counter({
      name: "authsvc_logins_total",
      help: "Logins: succeeded, failed (wrong password or unknown login) or locked",
      labelNames: ["result"],
      registers,
    });
    this.codes = new Counter({
      name: "authsvc_codes_total",
      help: "Emailed codes: sent, or checked and passed, failed (wrong or expired) or voided (too many tries)",
      labelNames: ["purpose", "result"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "authsvc_rate_limited_total",
      help: "Calls refused by the service's rate limits, by action and scope (ip or account)",
      labelNames: ["action", "scope"],
      registers,
    });
    this.oktaCalls = new Counter({
      name: "authsvc_okta_requests_total",
      help: "Calls to Okta by method, endpoint (ids as {id}) and status (error: no answer)",
      labelNames: ["method", "endpoint", "status"],
      registers,
    });
    this.oktaRemaining = new Gauge({
      name: "authsvc_okta_rate_limit_remaining",
      help: "Okta's X-Rate-Limit-Remaining on its last answer, by endpoint",
      labelNames: ["endpoint"],
      registers,
    });
    this.refusedBefore = new Counter({
      name: "authsvc_refused_requests_total",
      help: "Requests for an operation refused before it ran (bad JSON or input, a body too large), by outcome",
      labelNames: ["operation", "door", "outcome"],
      registers,
    });
    const probe = healthProbe(health);
    new Gauge({
      name: "authsvc_dependency_up",
      help: "1 when the dependency answered its last probe, 0 when it did not",
      labelNames: ["dependency"],
      registers,
      async collect() {
        for (const [dependency, up] of Object.entries(await probe())) this.set({ dependency }, up ? 1 : 0);
      },
    });
  }

  record(event: SecurityEvent, _caller: Caller): void {
    this.events.inc({ event: event.event });
    switch (event.event) {
      case "login.succeeded":
      case "login.failed":
      case "login.locked":
        this.logins.inc({ result: event.event.slice("login.".length) });
        return;
      case "activated":
        this.codes.inc({ purpose: "activation", result: "passed" });
        return;
      case "code.sent":
      case "code.passed":
      case "code.failed":
      case "code.voided":
        this.codes.inc({ purpose: event.purpose, result: event.event.slice("code.".length) });
        return;
      case "rate.limited":
        this.rateLimited.inc({ action: event.action, scope: event.scope });
        return;
    }
  }

  /** Counts a call to Okta; the observer the Okta provider is given. */
  readonly observeOktaCall = (call: OktaCall): void => {
    this.oktaCalls.inc({ method: call.method, endpoint: call.endpoint, status: String(call.status) });
    if (call.rateLimitRemaining !== undefined && Number.isFinite(call.rateLimitRemaining)) {
      this.oktaRemaining.set({ endpoint: call.endpoint }, call.rateLimitRemaining);
    }
  };

  /** The operations, each call timed and counted by door and outcome. */
  measure(ops: Operations): Operations {
    const measured: Partial<Record<OperationName, unknown>> = {};
    for (const name of Object.keys(ops) as OperationName[]) {
      const operation = ops[name] as (input: unknown, caller?: Caller) => Promise<unknown>;
      measured[name] = async (input: unknown, caller?: Caller) => {
        const started = performance.now();
        try {
          const answer = await operation(input, caller);
          this.observe(name, caller?.door, "ok", started);
          return answer;
        } catch (error) {
          this.observe(name, caller?.door, error instanceof AuthError ? error.code : "SERVER_ERROR", started);
          if (typeof error === "object" && error !== null) this.counted.add(error);
          throw error;
        }
      };
    }
    return measured as Operations;
  }

  /**
   * Counts a door's refusal of a request for `operation`, unless the operation threw it (counted
   * then, with its time): bad JSON or input, a body too large, refused before the operation ran.
   */
  refused(operation: OperationName, door: string, error: unknown, outcome: Outcome): void {
    if (typeof error === "object" && error !== null && this.counted.has(error)) return;
    this.refusedBefore.inc({ operation, door, outcome });
  }

  private observe(operation: OperationName, door = "in-process", outcome: Outcome, started: number): void {
    this.duration.observe(operation, door, outcome, (performance.now() - started) / 1000);
  }
}

interface TimesSeries {
  labels: { operation: string; door: string; outcome: string };
  /** Observations per bucket (not cumulative); the last is above every bound (+Inf). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * The operations' latency histogram, kept here rather than in prom-client's Histogram, whose
 * observe builds a label key string and two objects per call (0.36 µs, measured; here, 0.03):
 * this runs on every request. prom-client renders it at scrape, as any of its metrics
 * (`registerMetric` takes any object with these fields and `get`). prom-client's Histogram is the
 * reference: metrics.test.ts holds this one to it.
 */
export class OperationTimes {
  readonly name = "authsvc_operation_duration_seconds";
  readonly help =
    "Time an operation took, by operation, door and outcome (ok or the error code); _count counts the calls";
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** operation, then door, then outcome: three lookups of strings the caller already holds, no key built. */
  private readonly series = new Map<string, Map<string, Map<string, TimesSeries>>>();

  observe(operation: string, door: string, outcome: string, seconds: number): void {
    const series = this.seriesOf(operation, door, outcome);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS_SECONDS.length && seconds > (LATENCY_BUCKETS_SECONDS[bucket] as number)) {
      bucket++;
    }
    (series.counts[bucket] as number)++;
    series.sum += seconds;
    series.count++;
  }

  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const byDoor of this.series.values()) {
      for (const byOutcome of byDoor.values()) {
        for (const { labels, counts, sum, count } of byOutcome.values()) {
          let cumulative = 0;
          for (const [bucket, bound] of LATENCY_BUCKETS_SECONDS.entries()) {
            cumulative += counts[bucket] as number;
            values.push({
              labels: { le: bound, ...labels },
              value: cumulative,
              metricName: `${this.name}_bucket`,
            });
          }
          values.push({ labels: { le: "+Inf", ...labels }, value: count, metricName: `${this.name}_bucket` });
          values.push({ labels, value: sum, metricName: `${this.name}_sum` });
          values.push({ labels, value: count, metricName: `${this.name}_count` });
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  private seriesOf(operation: string, door: string, outcome: string): TimesSeries {
    const byDoor = this.series.get(operation) ?? new Map<string, Map<string, TimesSeries>>();
    const byOutcome = byDoor.get(door) ?? new Map<string, TimesSeries>();
    const found = byOutcome.get(outcome);
    if (found) return found;
    const series = {
      labels: { operation, door, outcome },
      counts: new Float64Array(LATENCY_BUCKETS_SECONDS.length + 1),
      sum: 0,
      count: 0,
    };
    byOutcome.set(outcome, series);
    byDoor.set(door, byOutcome);
    this.series.set(operation, byDoor);
    return series;
  }
}

/** Runs the probes at most once per HEALTH_PROBE_INTERVAL_MS; between, answers the last results. */
function healthProbe(health: Record<string, () => Promise<void>>): () => Promise<Record<string, boolean>> {
  let last: { at: number; results: Promise<Record<string, boolean>> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= HEALTH_PROBE_INTERVAL_MS) {
      last = { at: now, results: probeAll(health) };
    }
    return last.results;
  };
}

async function probeAll(health: Record<string, () => Promise<void>>): Promise<Record<string, boolean>> {
  const names = Object.keys(health);
  const results = await Promise.allSettled(
    names.map((name) => withTimeout(health[name]?.() ?? Promise.resolve(), HEALTH_PROBE_TIMEOUT_MS)),
  );
  return Object.fromEntries(names.map((name, index) => [name, results[index]?.status === "fulfilled"]));
}
