/** The library ships no types: the shape of what it parses, as its README gives it. */
declare module "parse-prometheus-text-format" {
  interface Series {
    labels?: Record<string, string>;
    /** Counters and gauges. */
    value?: string;
    /** Histograms and summaries. */
    count?: string;
    sum?: string;
    buckets?: Record<string, string>;
  }
  interface MetricFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: Series[];
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
