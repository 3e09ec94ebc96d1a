// OpenTelemetry traces (issue 16, point 8): the real server (`npm start`) with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP receiver in this test, which decodes
// the JSON export. A GraphQL request becomes a span named after its operation, inside the HTTP
// request's span, in the trace the client's `traceparent` header started.
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { killSpawned, spawnServer, stop, tempDir } from './kit/server.js';

afterAll(killSpawned, 30_000);

type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: { key: string; value: { stringValue?: string } }[] };
type Export = { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Span[] }[] }[] };

/** An OTLP/HTTP collector: keeps every span posted to /v1/traces, and wakes waiters. */
async function receiver() {
  const spans: (Span & { service?: string })[] = [];
  const waiters = new Set<() => void>();
  const server: HttpServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        for (const rs of (JSON.parse(body) as Export).resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const ss of rs.scopeSpans) spans.push(...ss.spans.map((s) => ({ ...s, service })));
        }
        waiters.forEach((w) => w());
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    /** Resolves with the first span for which `match` holds, once it arrived (rejects after `ms`). */
    waitFor(match: (s: Span) => boolean, ms = 20_000): Promise<Span> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = spans.find(match);
          if (s) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(s);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such span within ${ms} ms; got ${spans.map((x) => x.name).join(', ')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('OpenTelemetry traces with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a span named after the GraphQL operation, in the trace the client started', async () => {
    const collector = await receiver();
    try {
      // A short batch delay so spans leave within the test rather than after 5 s.
      const server = spawnServer({
        PORT: '0',
        DATA_DIR: tempDir(),
        SEED_DEMO: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_SERVICE_NAME: 'crm-test',
      });
      // A fresh DATA_DIR (initdb, migrations) on a loaded machine may take longer than the kit's usual wait.
      const [, url] = await server.waitFor(/CRM GraphQL API: (\S+)/, 150_000);
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        body: JSON.stringify({ query: 'query TracedPing { __typename }' }),
      });
      expect(await res.json()).toEqual({ data: { __typename: 'Query' } });

      const op = await collector.waitFor((s) => s.name === 'query.TracedPing');
      expect(op.traceId).toBe(traceId);
      expect(op.attributes).toContainEqual({ key: 'graphql.execute.operationName', value: { stringValue: 'TracedPing' } });
      // Its parent is the HTTP request's span, itself a child of the client's span.
      const http = await collector.waitFor((s) => s.spanId === op.parentSpanId);
      expect(http.traceId).toBe(traceId);
      expect(http.parentSpanId).toBe('b7ad6b7169203331');
      expect(collector.spans.find((s) => s.name === 'query.TracedPing')).toMatchObject({ service: 'crm-test' });
      expect((await stop(server)).code).toBe(0);
    } finally {
      await collector.close();
    }
  }, 240_000);
});
