// Automation runs on PostgreSQL survive the death of the instance running them: a worker killed
// with SIGKILL mid-run (one action committed, the next one's transaction open) neither loses nor
// repeats an action once another instance takes the job over; a webhook call in flight when its
// instance dies is made again with the same webhook-id (at least once, with the idempotency key a
// receiver dedupes by); and two worker instances on one database never run an action twice.
// Runs in the PostgreSQL pass (TEST_DATABASE_URL, TEST_REDIS_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import pg from 'pg';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { doc, killSpawned, ok, scratchDatabase, SIGN_UP, spawnServer, sqlOn, started, stop, tempDir, type Server } from '../kit/server.js';
import { AutomationRuns, CreateAutomation } from '../kit/documents/automations.js';
import { CreateWebhook } from '../kit/documents/webhooks.js';
import { CreateDeal } from '../kit/documents/deals.js';
import { Tasks } from '../kit/documents/tasks.js';

afterAll(killSpawned, 30_000);

const serverUrl = process.env.TEST_DATABASE_URL!;
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const CREATE_AUTOMATION = doc<ResultOf<typeof CreateAutomation>>(print(CreateAutomation));
const CREATE_WEBHOOK = doc<ResultOf<typeof CreateWebhook>>(print(CreateWebhook));
const CREATE_DEAL = doc<ResultOf<typeof CreateDeal>>(print(CreateDeal));
const TASKS = doc<ResultOf<typeof Tasks>>(print(Tasks));
const RUNS = doc<ResultOf<typeof AutomationRuns>>(print(AutomationRuns));

/** Waits until `check` answers true, polling, or fails after `ms` naming `what`. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const env = (dbUrl: string) => ({
  PORT: '0',
  DATA_DIR: tempDir(),
  DATABASE_URL: dbUrl,
  REDIS_URL: redisUrl,
  OUTBOX_DISPATCH: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  LOG_LEVEL: 'info',
});

async function signUp(url: string, name: string) {
  const s = (
    await ok(url, SIGN_UP, {
      input: { workspaceName: name, name: 'Admin', email: `${name.toLowerCase()}.${Date.now()}@example.com`, password: 'correct horse battery' },
    })
  ).signUp;
  if (s.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(s));
  return s.session.token;
}

async function createDeal(url: string, token: string, name: string) {
  const r = (await ok(url, CREATE_DEAL, { input: { name } }, token)).createDeal;
  if (r.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(r));
  return r.deal.id;
}

async function automate(url: string, token: string, input: object) {
  const r = (await ok(url, CREATE_AUTOMATION, { input }, token)).createAutomation;
  if (r.__typename !== 'CreateAutomationSuccess') throw new Error(JSON.stringify(r));
  return r.automation.id;
}

/** An HTTP receiver that records each request's webhook-id and holds requests while `holding`. */
function receiver() {
  const ids: string[] = [];
  const held: ServerResponse[] = [];
  const state = { holding: true };
  const server: HttpServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      ids.push(String(req.headers['webhook-id']));
      if (state.holding) held.push(res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return {
    ids,
    state,
    async listen() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('an automation run whose instance is killed', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  const servers: Server[] = [];
  const hook = receiver();
  let locker: pg.Client | undefined;

  beforeAll(async () => {
    scratch = await scratchDatabase(serverUrl, 'crm_automation_crash');
  }, 30_000);
  afterAll(async () => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await stop(s).catch(() => {});
    await locker?.end().catch(() => {});
    await hook.close();
    await scratch?.drop();
  }, 60_000);

  it('neither loses nor repeats an action, and a webhook call in flight is made again with the same webhook-id', async () => {
    const db = (sql: string) => sqlOn(scratch.url, sql);
    const hookUrl = await hook.listen();
    const a = spawnServer(env(scratch.url));
    servers.push(a);
    const urlA = (await started(a)).url;
    const token = await signUp(urlA, 'Crash');

    // The webhook listens to no card events (no task is ever completed here): only the
    // automation's callWebhook action sends to it.
    const created = (await ok(urlA, CREATE_WEBHOOK, { input: { url: hookUrl, eventTypes: ['TASK_COMPLETED'] } }, token)).createWebhook;
    if (created.__typename !== 'CreateWebhookSuccess') throw new Error(JSON.stringify(created));
    const automationId = await automate(urlA, token, {
      name: 'Before, call, after',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [
        { createTask: { type: 'CALL', text: 'before' } },
        { callWebhook: { webhookId: created.result.webhook.id } },
        { createTask: { type: 'CALL', text: 'after' } },
      ],
    });

    // Stall action 2 inside its transaction: it inserts the webhook's delivery, whose foreign key
    // takes a key-share lock on the webhook's row; this session holds that row FOR UPDATE, so the
    // insert waits (plain reads of the webhook are not blocked, nor is action 1).
    const [{ id: webhookRowId }] = await db(`select id::text from "Webhook"`);
    locker = new pg.Client({ connectionString: scratch.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select 1 from "Webhook" where id = $1 for update`, [webhookRowId]);

    const dealId = await createDeal(urlA, token, 'Crash deal');
    // Mid-run: action 1 committed (its task exists), action 2's transaction waits on the lock.
    await until('action 1 to commit and action 2 to wait', async () => {
      const [t] = await db(`select count(*)::int as n from "Task" where text = 'before'`);
      const [w] = await db(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%WebhookDelivery%'`,
      );
      return t.n === 1 && w.n === 1;
    });
    process.kill(-a.proc.pid!, 'SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    await locker.query('rollback');
    await locker.end();
    locker = undefined;
    // The dead instance's open transaction is rolled back by PostgreSQL: no delivery, no 'after'.
    await until('the killed backend to go', async () => {
      const [w] = await db(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike '%WebhookDelivery%' and state <> 'idle'`,
      );
      return w.n === 0;
    });
    expect(await db(`select count(*)::int as n from "WebhookDelivery"`)).toEqual([{ n: 0 }]);
    expect(await db(`select text, count(*)::int as n from "Task" group by text`)).toEqual([{ text: 'before', n: 1 }]);
    expect(await db(`select jsonb_array_length(progress) as done, "doneAt" from "AutomationJob"`)).toEqual([{ done: 1, doneAt: null }]);

    // The runner leases a job for 120 s (AUTOMATION_LEASE_SECONDS' default); rather than wait
    // that long, the test ends the dead worker's lease now, as if the time had passed.
    await db(`update "AutomationJob" set "lockedUntil" = now() - interval '1 second'`);

    // B takes the job over: it resumes after action 1, queues the webhook call and creates the
    // 'after' task; its worker then sends the delivery, which the receiver holds unanswered.
    const b = spawnServer(env(scratch.url));
    servers.push(b);
    await started(b);
    await until('the webhook call to arrive', async () => hook.ids.length >= 1);
    process.kill(-b.proc.pid!, 'SIGKILL');
    expect((await b.exited).signal).toBe('SIGKILL');
    expect(hook.ids).toHaveLength(1);
    const [pending] = await db(`select status, attempts from "WebhookDelivery"`);
    expect(pending).toEqual({ status: 'PENDING', attempts: 0 });

    // A delivery is leased for the request's time-out plus 30 s; the test ends B's lease now.
    await db(`update "WebhookDelivery" set "lockedUntil" = now() - interval '1 second'`);
    hook.state.holding = false;
    const c = spawnServer(env(scratch.url));
    servers.push(c);
    const urlC = (await started(c)).url;
    await until('the delivery to succeed', async () => {
      const [d] = await db(`select status from "WebhookDelivery"`);
      return d.status === 'SUCCEEDED';
    });

    // The receiver got the call again, with the same webhook-id: a receiver deduping by it acts once.
    expect(hook.ids).toHaveLength(2);
    expect(hook.ids[1]).toBe(hook.ids[0]);
    expect(hook.ids[0]).toMatch(/^msg_automation_/);
    // Exactly one task of each on the deal.
    const tasks = (await ok(urlC, TASKS, { filter: { cardId: dealId }, first: 50 }, token)).tasks;
    expect(tasks.edges.map((e) => e.node.text).sort()).toEqual(['after', 'before']);
    // One run, succeeded, with its three actions ok; the job is done; one delivery.
    const runs = (await ok(urlC, RUNS, { automationId, first: 50 }, token)).automationRuns;
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('SUCCEEDED');
    expect(runs[0].actions.map((x) => [x.type, x.ok])).toEqual([
      ['CREATE_TASK', true],
      ['CALL_WEBHOOK', true],
      ['CREATE_TASK', true],
    ]);
    expect(await db(`select count(*)::int as n from "AutomationJob" where "doneAt" is null`)).toEqual([{ n: 0 }]);
    expect(await db(`select count(*)::int as n from "WebhookDelivery"`)).toEqual([{ n: 1 }]);
  }, 180_000);
});

describe('two worker instances on one database', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  const servers: Server[] = [];

  beforeAll(async () => {
    scratch = await scratchDatabase(serverUrl, 'crm_automation_pair');
  }, 30_000);
  afterAll(async () => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await stop(s).catch(() => {});
    await scratch?.drop();
  }, 60_000);

  it('never run an action twice', async () => {
    // One after the other: the first applies the migrations to the fresh database.
    const x = spawnServer(env(scratch.url));
    servers.push(x);
    const urlX = (await started(x)).url;
    const y = spawnServer(env(scratch.url));
    servers.push(y);
    const urls = [urlX, (await started(y)).url];
    const token = await signUp(urls[0], 'Pair');
    const automationId = await automate(urls[0], token, {
      name: 'Two tasks',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ createTask: { type: 'CALL', text: 'first' } }, { createTask: { type: 'CALL', text: 'second' } }],
    });
    // Deals created through both instances at once: both workers are kicked and race for the jobs.
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => createDeal(urls[i % 2], token, `Deal ${i}`)));
    const db = (sql: string) => sqlOn(scratch.url, sql);
    await until(
      'every job to be done',
      async () => {
        const [j] = await db(`select count(*)::int as n from "AutomationJob" where "doneAt" is not null`);
        return j.n === N;
      },
      60_000,
    );
    expect(await db(`select count(*)::int as n from "AutomationJob"`)).toEqual([{ n: N }]);
    // Each deal has exactly one task of each action.
    const perDeal = await db(`select "dealId", count(*) filter (where text = 'first')::int as first, count(*) filter (where text = 'second')::int as second
                              from "Task" group by "dealId"`);
    expect(perDeal).toHaveLength(N);
    for (const d of perDeal) expect([d.first, d.second]).toEqual([1, 1]);
    const runs = (await ok(urls[1], RUNS, { automationId, first: 200 }, token)).automationRuns;
    expect(runs).toHaveLength(N);
    expect(runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
  }, 180_000);
});
