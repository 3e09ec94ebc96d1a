// The CRM's own figures on /metrics, read when Prometheus scrapes (src/lib/metrics.ts holds the
// mechanism): open WebSockets and requests in flight, the outbox's backlog and the age of its
// oldest undelivered event, the background worker's due jobs, and the database pool.
import type { Database } from './db.js';
import type { Metrics } from './lib/metrics.js';
import { JOBS_NOT_DONE } from './modules/automations/automations.runner.js';

type LiveFigures = { size(): { groups: number; members: number }; executions: number; deliveries: number };

export function registerAppGauges(metrics: Metrics, app: { database: Database; sockets: () => number; requests: () => number; live: LiveFigures }) {
  const db = app.database.prisma;
  metrics.gauge('crm_websocket_connections', 'WebSocket connections open now (graphql-ws)', () => [{ value: app.sockets() }]);
  metrics.gauge('crm_live_subscriptions', 'Live subscriptions over graphql-ws now', () => [{ value: app.live.size().members }]);
  metrics.gauge('crm_live_groups', 'Groups of live subscriptions sharing one execution now (same operation, variables and rights)', () => [
    { value: app.live.size().groups },
  ]);
  metrics.gauge('crm_live_executions', 'Results the live groups computed and serialized since start, each once for all its members', () => [
    { value: app.live.executions },
  ]);
  metrics.gauge('crm_live_deliveries', 'Live results sent to graphql-ws subscribers since start', () => [{ value: app.live.deliveries }]);
  metrics.gauge('crm_http_requests_in_flight', 'HTTP requests being served now', () => [{ value: app.requests() }]);

  // One indexed statement per scrape (the index of the unpublished events, "OutboxEvent_id_idx").
  let outbox: Promise<{ n: number; age: number | null }> | undefined;
  const readOutbox = () =>
    (outbox ??= db.$queryRaw<{ n: number; age: number | null }[]>`
        select coalesce(sum("events"), 0)::int as n, extract(epoch from now() - min("createdAt"))::float8 as age
        from "OutboxEvent" where "publishedAt" is null`
      .then((r) => r[0])
      .finally(() => (outbox = undefined)));
  metrics.gauge('crm_outbox_backlog', 'Committed events the outbox has not delivered yet', async () => [{ value: (await readOutbox()).n }]);
  metrics.gauge('crm_outbox_lag_seconds', 'Age of the oldest undelivered outbox event (0 when none waits)', async () => [
    { value: (await readOutbox()).age ?? 0 },
  ]);

  metrics.gauge(
    'crm_jobs_due',
    'Background jobs due now, waiting or running (lib/worker.ts), by queue',
    async () => {
      // JOBS_NOT_DONE: read from the index of the jobs not done.
      const [row] = await db.$queryRawUnsafe<{ automations: number; webhooks: number }[]>(`
        select (select count(*) from "AutomationJob" where ${JOBS_NOT_DONE} and "runAt" <= now())::int as automations,
               (select count(*) from "WebhookDelivery" where "status" = 'PENDING' and "nextAttemptAt" <= now())::int as webhooks`);
      return [
        { labels: { queue: 'automations' }, value: row.automations },
        { labels: { queue: 'webhooks' }, value: row.webhooks },
      ];
    },
    ['queue'],
  );

  metrics.gauge(
    'crm_database_info',
    'The database this instance uses (kind: pglite or postgres); always 1',
    () => [{ labels: { kind: app.database.kind }, value: 1 }],
    ['kind'],
  );
  const pool = app.database.pool;
  if (pool) {
    metrics.gauge(
      'crm_db_pool_connections',
      'PostgreSQL pool connections (pg Pool): total open, idle, and the configured maximum',
      () => {
        const p = pool();
        return [
          { labels: { state: 'total' }, value: p.total },
          { labels: { state: 'idle' }, value: p.idle },
          { labels: { state: 'max' }, value: p.max },
        ];
      },
      ['state'],
    );
    metrics.gauge('crm_db_pool_waiting_requests', 'Queries waiting for a free pool connection (pg Pool waitingCount)', () => [{ value: pool().waiting }]);
  }
}
