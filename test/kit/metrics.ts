// Scrapes GET /metrics and reads it with a real Prometheus text-format parser
// (parse-prometheus-text-format, a port of the official Python client's parser). It keeps
// counters and gauges per label set; a histogram's label sets it merges into one, so tests read
// histograms' families, not their per-label counts.
import parsePrometheusTextFormat, { type Family, type Sample } from 'parse-prometheus-text-format';

export type Scrape = {
  families: Family[];
  /** The value of the counter or gauge sample of `name` whose labels include `labels`; undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  type(name: string): Family['type'] | undefined;
  has(name: string): boolean;
};

const matches = (have: Record<string, string> | undefined, want: Record<string, string>) => Object.entries(want).every(([k, v]) => have?.[k] === v);

export function readMetrics(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string) => families.find((f) => f.name === name);
  return {
    families,
    value: (name, labels = {}) => {
      const s = family(name)?.metrics.find((m) => matches(m.labels, labels)) as Sample | undefined;
      return s ? Number(s.value) : undefined;
    },
    type: (name) => family(name)?.type,
    has: (name) => !!family(name),
  };
}

/** GET /metrics of the server listening at `graphqlUrl`, parsed; fails unless it answers 200. */
export async function scrape(graphqlUrl: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(new URL('/metrics', graphqlUrl), { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`GET /metrics content type ${res.headers.get('content-type')}`);
  return readMetrics(text);
}
