// The outbox dispatcher never waits for the background worker's periodic work: a change's events
// go out while a worker pass is held up (here the tasks' due reminders, waiting on a lock of the
// Task table). Until 2026-12-05 that pass ran in front of every drain of the poll, so a change
// committed during it waited for it (measured: up to ~20 ms in the realtime bench, and here for
// as long as the lock is held). Runs in the PostgreSQL pass, on a database of its own (the lock
// would hold up other files' task writes).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { scratchDatabase } from '../kit/server.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { CreateDeal } from '../kit/documents/deals.js';
import { CreateTask } from '../kit/documents/tasks.js';

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let app: TestApp;
let locker: pg.Client;

beforeAll(async () => {
  scratch = await scratchDatabase(testDatabaseUrl()!, 'crm_outbox_worker');
  // In-process pubsub: the dispatcher marks what it published; nothing else reads this database.
  app = await createTestApp({ REDIS_URL: '' }, { databaseUrl: scratch.url, outboxPollMs: 50 });
  await app.start();
  locker = new pg.Client({ connectionString: scratch.url });
  await locker.connect();
}, 30_000);
afterAll(async () => {
  await locker?.end().catch(() => {});
  await app?.stop();
  await scratch?.drop();
}, 30_000);

const rows = async (sql: string) => (await locker.query(sql)).rows;

describe('the outbox dispatcher beside the background worker', () => {
  it("publishes a change's events while the worker's due reminders wait on a lock, and the reminders go out once it is released", async () => {
    const ws = await signUpWorkspace(app);
    const deal = await ws.gql(CreateDeal, { input: { name: 'Before the lock' } });
    if (deal.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(deal));
    const task = await ws.gql(CreateTask, {
      input: { cardId: deal.createDeal.deal.id, type: 'CALL', text: 'Call', dueAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(task.createTask.__typename).toBe('CreateTaskSuccess');

    // SHARE mode lets the app read tasks but holds up any UPDATE of the table: the reminders'
    // next pass waits here. The task falls due in the same transaction, so its reminder is
    // the worker's to send once the lock is gone.
    await locker.query('begin');
    await locker.query('lock table "Task" in share mode');
    await locker.query(`update "Task" set "dueAt" = now() - interval '1 second'`);
    await vi.waitFor(
      async () => {
        const [w] = await rows(`select count(*)::int as n from pg_locks where not granted and relation = '"Task"'::regclass`);
        expect(w.n).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 20 },
    );

    const made = await ws.gql(CreateDeal, { input: { name: 'While the worker waits' } });
    expect(made.createDeal.__typename).toBe('CreateDealSuccess');
    await vi.waitFor(
      async () => {
        const [r] = await rows(`select count(*)::int as n from "OutboxEvent" where topic = 'record.created' and "publishedAt" is null`);
        expect(r.n).toBe(0);
      },
      { timeout: 5_000, interval: 20 },
    );
    // The worker is still held: no reminder yet.
    expect(await rows(`select count(*)::int as n from "OutboxEvent" where topic = 'notification'`)).toEqual([{ n: 0 }]);

    await locker.query('commit');
    await vi.waitFor(
      async () => {
        const r = await rows(`select "publishedAt" is not null as sent, payload->>'kind' as kind from "OutboxEvent" where topic = 'notification'`);
        expect(r).toEqual([{ sent: true, kind: 'TASK_DUE' }]);
      },
      { timeout: 10_000, interval: 20 },
    );
  }, 60_000);
});
