// Types of the parser's output (prom2json's shape): values are strings as written.
declare module 'parse-prometheus-text-format' {
  type Labels = Record<string, string>;
  export type Sample = { value: string; labels?: Labels };
  export type HistogramSample = { buckets: Record<string, string>; count?: string; sum?: string; labels?: Labels };
  export type Family = {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: (Sample | HistogramSample)[];
  };
  export default function parsePrometheusTextFormat(text: string): Family[];
}
