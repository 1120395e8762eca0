import autocannon from "autocannon";

/**
 * The load generator, run as its own process so that it does not share an event
 * loop with the orchestrator. Takes its settings as JSON in argv[2] and prints
 * autocannon's result as JSON.
 */
export interface LoadSettings {
  url: string;
  connections: number;
  durationSeconds: number;
  requests: { method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string> }[];
  /** For the grant + token pair: read the grant's code into the token request. */
  chainGrantCode?: boolean;
}

const settings = JSON.parse(process.argv[2] ?? "{}") as LoadSettings;
let code = "";
const requests = settings.requests.map((request, index) => ({
  ...request,
  headers: { "content-type": "application/json", ...request.headers },
  ...(settings.chainGrantCode && index === 0
    ? {
        onResponse: (_status: number, body: string) => {
          code = (JSON.parse(body) as { code: string }).code;
        },
      }
    : {}),
  ...(settings.chainGrantCode && index === 1
    ? { setupRequest: (r: object) => ({ ...r, body: JSON.stringify({ code }) }) }
    : {}),
}));
const result = await autocannon({
  url: settings.url,
  connections: settings.connections,
  duration: settings.durationSeconds,
  requests,
});
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  }),
);
