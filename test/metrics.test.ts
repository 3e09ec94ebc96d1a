// GET /metrics (issue 16, point 8): what an operator's Prometheus reads, scraped over HTTP and
// parsed by a real Prometheus text-format parser: requests and their duration per operation,
// errors by code (GraphQL errors and failures inside result unions), open WebSockets and
// subscriptions, the outbox's backlog and lag, due jobs, and the database pool; and who may scrape.
import { afterAll, beforeAll } from 'vitest';
import { describe, expect, it, test } from './kit/fixtures.js';
import { createTestApp, testDatabaseUrl, type TestApp } from './kit/app.js';
import { readMetrics, scrape, type Scrape } from './kit/metrics.js';
import { subscribe } from './kit/subscribe.js';
import { signUpWorkspace } from './kit/workspace.js';
import { DealChanged } from './kit/documents/deals.js';
import { MetricsProbeCreateDeal, MetricsProbeDeals, MetricsProbeMe } from './kit/documents/metrics.js';

/** Scrapes until `holds(scrape)`, at most 5 s (a subscription ends on the server a moment after the client closed it). */
async function scrapeUntil(url: string, holds: (s: Scrape) => boolean): Promise<Scrape> {
  const end = Date.now() + 5000;
  for (;;) {
    const s = await scrape(url);
    if (holds(s) || Date.now() > end) return s;
    await new Promise((lookAgain) => setTimeout(lookAgain, 10));
  }
}

describe('GET /metrics on the server', () => {
  test('counts requests and their duration per operation, and errors by code', async ({ url, workspace: ws, app }) => {
    const before = await scrape(url);
    expect(before.value('graphql_envelop_request', { operationName: 'MetricsProbeDeals' })).toBeUndefined();

    for (let i = 0; i < 3; i++) await ws.gql(MetricsProbeDeals, {});
    // A refused sign-in is a GraphQL error with its code; a bad deal is a ValidationError inside the result union.
    const anonymous = await app.as('not-a-token').raw(MetricsProbeMe, {});
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await ws.gql(MetricsProbeCreateDeal, { input: { name: '' } });
    expect(bad.createDeal.__typename).toBe('ValidationError');

    const after = await scrape(url);
    expect(after.value('graphql_envelop_request', { operationName: 'MetricsProbeDeals', operationType: 'query' })).toBe(3);
    expect(after.type('graphql_envelop_request_duration')).toBe('HISTOGRAM');
    expect(after.type('graphql_yoga_http_duration')).toBe('HISTOGRAM');
    expect(after.value('graphql_envelop_error_result', { operationName: 'MetricsProbeMe', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(after.value('crm_graphql_result_errors_total', { operationName: 'MetricsProbeCreateDeal', code: 'VALIDATION_FAILED' })).toBe(1);
    // Plain process figures come with it (prom-client's defaults).
    expect(after.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('a query refused before it runs is counted by its code too', async ({ url, workspace: ws }) => {
    const bad = await ws.app.post({ query: 'query MetricsProbeUnknown { noSuchField }' }, { authorization: `Bearer ${ws.token}` });
    expect(JSON.stringify(bad.body)).toContain('noSuchField');
    const s = await scrape(url);
    expect(s.value('graphql_envelop_error_result', { operationName: 'MetricsProbeUnknown', phase: 'validate', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
  });

  test('counts open WebSockets and subscriptions while they are open', async ({ url, workspace: ws }) => {
    const before = await scrape(url);
    const subs = before.value('crm_subscriptions_open', { operationName: 'DealChanged' }) ?? 0;
    const sockets = before.value('crm_websocket_connections')!;
    const s = subscribe(url, ws.token, DealChanged, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged);
    await s.ready;
    const during = await scrape(url);
    expect(during.value('crm_subscriptions_open', { operationName: 'DealChanged' })).toBe(subs + 1);
    expect(during.value('crm_websocket_connections')).toBe(sockets + 1);
    await s.close();
    const after = await scrapeUntil(url, (m) => m.value('crm_subscriptions_open', { operationName: 'DealChanged' }) === subs);
    expect(after.value('crm_subscriptions_open', { operationName: 'DealChanged' })).toBe(subs);
  });

  test('reports the database: the pool on PostgreSQL, the kind on PGlite', async ({ url }) => {
    const s = await scrape(url);
    if (testDatabaseUrl()) {
      expect(s.value('crm_database_info', { kind: 'postgres' })).toBe(1);
      // test/kit/app.ts opens the run's database with a pool of 10.
      expect(s.value('crm_db_pool_connections', { state: 'max' })).toBe(10);
      expect(s.value('crm_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(s.value('crm_db_pool_waiting_requests')).toBeGreaterThanOrEqual(0);
    } else {
      expect(s.value('crm_database_info', { kind: 'pglite' })).toBe(1);
      expect(s.has('crm_db_pool_connections')).toBe(false);
    }
    expect(s.value('crm_jobs_due', { queue: 'automations' })).toBeGreaterThanOrEqual(0);
    expect(s.value('crm_jobs_due', { queue: 'webhooks' })).toBeGreaterThanOrEqual(0);
  });

  it('is refused to a client on another machine when no METRICS_TOKEN is set, and to one behind a proxy', async ({ app, url }) => {
    // The kit's app is reached from an address that is not this machine's.
    const remote = await app.yoga.fetch('http://test/metrics', {}, { req: { socket: { remoteAddress: '203.0.113.7' } } });
    expect(remote.status).toBe(403);
    expect(await remote.text()).toContain('METRICS_TOKEN');
    const proxied = await fetch(new URL('/metrics', url), { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.status).toBe(403);
  });
});

describe('GET /metrics with METRICS_TOKEN, and the outbox backlog', () => {
  const token = 'metrics-token-0123456789abcdef';
  // An app of its own that does not dispatch the outbox: what is written stays in the backlog.
  let own: TestApp;
  beforeAll(async () => {
    own = await createTestApp({ METRICS_TOKEN: token, OUTBOX_DISPATCH: 'false' }, { own: true });
  });
  afterAll(() => own.stop());
  const get = (headers: Record<string, string> = {}) => own.yoga.fetch('http://test/metrics', { headers }, { req: { socket: { remoteAddress: '127.0.0.1' } } });

  it('needs the bearer token, even from this machine', async () => {
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
    const ok = await get({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
  });

  it('shows undelivered events as backlog and lag, and none once they are delivered', async () => {
    const read = async () => readMetrics(await (await get({ authorization: `Bearer ${token}` })).text());
    const undelivered = () => own.database.prisma.outboxEvent.count({ where: { publishedAt: null } });
    const ws = await signUpWorkspace(own);
    const start = await read();
    const backlog = start.value('crm_outbox_backlog')!;
    expect(backlog).toBeGreaterThanOrEqual(0);
    for (const name of ['One', 'Two']) await ws.gql(MetricsProbeCreateDeal, { input: { name } });
    const waiting = await read();
    // Each deal created leaves its event (record.created), and nothing delivers it here.
    expect(waiting.value('crm_outbox_backlog')).toBeGreaterThanOrEqual(backlog + 2);
    expect(waiting.value('crm_outbox_backlog')).toBe(await undelivered());
    expect(waiting.value('crm_outbox_lag_seconds')).toBeGreaterThan(0);
    await own.deps.outbox.drain();
    const drained = await read();
    expect(drained.value('crm_outbox_backlog')).toBe(0);
    expect(drained.value('crm_outbox_lag_seconds')).toBe(0);
  });
});
