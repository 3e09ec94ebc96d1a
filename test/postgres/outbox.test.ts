// The transactional outbox on PostgreSQL + Redis: an event committed with its change survives
// the death of the instance that committed it and is delivered once that instance is back; and
// with several dispatching instances on one database every event is published exactly once; an
// event Redis did not take stays in the outbox until it does.
// Runs in the PostgreSQL pass (TEST_DATABASE_URL, TEST_REDIS_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestApp, type TestApp } from '../kit/app.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { doc, ok, scratchDatabase, SIGN_UP, spawnServer, sqlOn, started, stop, tempDir, killSpawned, type Server } from '../kit/server.js';
import { CreateDeal as Create, UpdateDeal as Update } from '../kit/documents/deals.js';

afterAll(killSpawned, 30_000);

const serverUrl = process.env.TEST_DATABASE_URL!;
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const BOARD = `subscription ($pipelineId: ID!) { dealChanged(pipelineId: $pipelineId) { kind deal { name } } }`;

type Event = { kind: string; deal: { name: string } | null };

function board(url: string, token: string, pipelineId: string) {
  const client = createClient({
    url: url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const events: Event[] = [];
  const errors: unknown[] = [];
  const connected = new Promise<void>((r) => client.on('connected', () => setTimeout(r, 300)));
  const stopSub = client.subscribe(
    { query: BOARD, variables: { pipelineId } },
    {
      next: (r) => (r.errors ? errors.push(...r.errors) : events.push((r.data as { dealChanged: Event }).dealChanged)),
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  return {
    events,
    errors,
    connected,
    async until(n: number, ms: number) {
      const end = Date.now() + ms;
      while (events.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      return events;
    },
    async close() {
      stopSub();
      await client.dispose();
    },
  };
}

describe('an event committed by an instance that dies before publishing it', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let dbUrl: string;
  const servers: Server[] = [];
  const db = (sql: string) => sqlOn(dbUrl, sql);

  beforeAll(async () => {
    scratch = await scratchDatabase(serverUrl, 'crm_outbox');
    dbUrl = scratch.url;
  }, 30_000);
  afterAll(async () => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) await stop(s).catch(() => {});
    await scratch?.drop();
  }, 60_000);

  it('is delivered after the instance restarts, once', async () => {
    const env = (dispatch: boolean) => ({
      PORT: '0',
      DATA_DIR: tempDir(),
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      OUTBOX_DISPATCH: String(dispatch),
      LOG_LEVEL: 'info',
    });
    // A commits the change; it does not dispatch, so a kill is certain to land between the
    // commit and the publish. B holds the subscriber and does not dispatch either.
    const a = spawnServer(env(false));
    servers.push(a);
    const urlA = (await started(a)).url;
    const b = spawnServer(env(false));
    servers.push(b);
    const urlB = (await started(b)).url;

    const s = (
      await ok(urlA, SIGN_UP, {
        input: { workspaceName: 'Outbox', name: 'Admin', email: `outbox.${Date.now()}@example.com`, password: 'correct horse battery' },
      })
    ).signUp;
    if (s.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(s));
    const token = s.session.token;
    const pipelineId = (await ok(urlA, doc<{ pipelines: { id: string }[] }>(`{ pipelines { id } }`), {}, token)).pipelines[0].id;
    const sub = board(urlB, token, pipelineId);
    await sub.connected;

    const created = await ok(
      urlA,
      doc<{ createDeal: { __typename: string } }>(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { __typename } }`),
      { input: { name: 'Committed before the crash' } },
      token,
    );
    expect(created.createDeal.__typename).toBe('CreateDealSuccess');
    const pending = await db(`select topic, "publishedAt" from "OutboxEvent" where topic = 'record.created'`);
    expect(pending).toEqual([{ topic: 'record.created', publishedAt: null }]);

    // Kill A hard: no graceful stop, no final drain.
    process.kill(-a.proc.pid!, 'SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    expect(sub.events).toEqual([]);

    // A comes back (dispatching now): the pending event goes out through Redis to B's subscriber.
    const a2 = spawnServer(env(true));
    servers.push(a2);
    await started(a2);
    await sub.until(1, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sub.errors).toEqual([]);
    expect(sub.events).toEqual([{ kind: 'CREATED', deal: { name: 'Committed before the crash' } }]);
    const after = await db(`select count(*)::int as n from "OutboxEvent" where "publishedAt" is null`);
    expect(after[0].n).toBe(0);
    await sub.close();
  }, 120_000);
});

describe('several dispatching instances on one database', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const app = await createTestApp({ REDIS_URL: redisUrl }, { outboxPollMs: 20 });
      apps.push(app);
    }
  });
  afterAll(async () => {
    await Promise.all(apps.map((x) => x.stop()));
  });

  it("publish every event exactly once, each deal's in the order its changes were made", async () => {
    const urls = await Promise.all(apps.map((x) => x.start()));
    const ws = await signUpWorkspace(apps[0]);
    const sub = board(urls[2], ws.token, ws.pipeline.id);
    await sub.connected;
    // Each deal is created through one instance and changed through the next, all deals at
    // once; every instance's dispatcher races the others.
    const names = Array.from({ length: 20 }, (_, i) => `Deal ${String(i).padStart(2, '0')}`);
    await Promise.all(
      names.map(async (n, i) => {
        const r = await apps[i % 3].as(ws.token).gql(Create, { input: { name: n } });
        if (r.createDeal.__typename !== 'CreateDealSuccess') throw new Error('create failed');
        const d = r.createDeal.deal;
        const u = await apps[(i + 1) % 3].as(ws.token).gql(Update, { input: { id: d.id, version: d.version, amount: '10' } });
        expect(u.updateDeal.__typename).toBe('UpdateDealSuccess');
      }),
    );
    await sub.until(40, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sub.errors).toEqual([]);
    expect(sub.events).toHaveLength(40);
    for (const n of names)
      expect(
        sub.events.filter((e) => e.deal?.name === n).map((e) => e.kind),
        n,
      ).toEqual(['CREATED', 'UPDATED']);
    await sub.close();
  }, 60_000);
});

describe('an event Redis does not take', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  const apps: TestApp[] = [];
  const sockets = new Set<Socket>();
  let proxy: NetServer | undefined;

  /** A TCP relay to Redis that the test can cut and restore, as a network failure would. */
  const openProxy = (port = 0) =>
    new Promise<number>((resolve) => {
      proxy = createServer((client) => {
        const upstream = connect(new URL(redisUrl).port ? Number(new URL(redisUrl).port) : 6379, new URL(redisUrl).hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      proxy.listen(port, '127.0.0.1', () => resolve((proxy!.address() as AddressInfo).port));
    });
  const cutProxy = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      proxy!.close(() => resolve());
    });

  beforeAll(async () => {
    scratch = await scratchDatabase(serverUrl, 'crm_outbox_redis');
  }, 30_000);
  afterAll(async () => {
    await Promise.all(apps.map((x) => x.stop()));
    if (proxy?.listening) await cutProxy();
    await scratch?.drop();
  }, 60_000);

  it('stays in the outbox while Redis is unreachable and is delivered once it is back', async () => {
    const port = await openProxy();
    // A dispatches through the relay; B holds the subscriber on Redis directly and never dispatches.
    const a = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${port}` }, { databaseUrl: scratch.url, outboxPollMs: 100 });
    const b = await createTestApp({ REDIS_URL: redisUrl }, { databaseUrl: scratch.url, outboxPollMs: 3_600_000 });
    apps.push(a, b);
    await a.start();
    const urlB = await b.start();
    const ws = await signUpWorkspace(a);
    const sub = board(urlB, ws.token, ws.pipeline.id);
    await sub.connected;

    await cutProxy();
    expect((await ws.gql(Create, { input: { name: 'Made during the outage' } })).createDeal.__typename).toBe('CreateDealSuccess');
    await new Promise((r) => setTimeout(r, 2000));
    expect(sub.events).toEqual([]);
    const pending = await sqlOn(scratch.url, `select count(*)::int as n from "OutboxEvent" where topic = 'record.created' and "publishedAt" is null`);
    expect(pending[0].n).toBe(1);

    await openProxy(port);
    await sub.until(1, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sub.errors).toEqual([]);
    expect(sub.events).toEqual([{ kind: 'CREATED', deal: { name: 'Made during the outage' } }]);
    await sub.close();
  }, 60_000);
});
