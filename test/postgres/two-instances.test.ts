// Two server instances on one PostgreSQL database, joined by Redis: a deal changed through one
// reaches a board subscribed on the other. Runs in the PostgreSQL + Redis pass of the suite.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { scratchDatabase } from '../kit/server.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { graphql } from '../gql/index.js';
import { subscribe } from '../kit/subscribe.js';

const HOUR = 3_600_000;
const apps: TestApp[] = [];

/**
 * Instance A takes the mutation; B (whose outbox dispatcher never runs on its own) the
 * subscriber. A pair without Redis gets a database of its own: on the run's shared one its
 * dispatcher would also take other test files' events and publish them in-process only.
 */
async function pair(redis: boolean) {
  // An empty REDIS_URL counts as unset: in-process fan-out only.
  const env = { REDIS_URL: redis ? (process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379') : '' };
  let databaseUrl: string | undefined;
  if (!redis) {
    const scratch = await scratchDatabase(testDatabaseUrl()!, 'crm_two_instances');
    drops.push(scratch.drop);
    databaseUrl = scratch.url;
  }
  const a = await createTestApp(env, { databaseUrl });
  const b = await createTestApp(env, { outboxPollMs: HOUR, databaseUrl });
  apps.push(a, b);
  await a.start();
  return { a, urlB: await b.start() };
}

const drops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((x) => x.stop()));
  for (const drop of drops.splice(0)) await drop();
});

const Board = graphql(`
  subscription TwoBoard($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind deal { name stage { name } } }
  }
`);

const Create = graphql(`
  mutation TwoCreate($input: CreateDealInput!) {
    createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id version } } }
  }
`);

describe('two instances joined by Redis', () => {
  it('deliver a change made on one instance to a subscriber on the other', async () => {
    expect(await boardEventsOnB(true)).toEqual([{ kind: 'CREATED', deal: { name: 'Made on A', stage: { name: 'Initial contact' } } }]);
  });

  it('and without Redis the other instance hears nothing (so the first test proves Redis carried it)', async () => {
    expect(await boardEventsOnB(false)).toEqual([]);
  });
});

const RoleOf = graphql(`
  mutation TwoCreateRole($name: String!, $rights: [RoleRightInput!]!) {
    createRole(name: $name, rights: $rights) { __typename ... on CreateRoleSuccess { role { id } } }
  }
`);
const Assign = graphql(`
  mutation TwoAssign($userId: ID!, $roleId: ID!) { assignRole(userId: $userId, roleId: $roleId) { __typename } }
`);
const Hide = graphql(`
  mutation TwoHide($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { __typename } }
`);
const AmountBoard = graphql(`
  subscription TwoAmountBoard($pipelineId: ID!) { dealChanged(pipelineId: $pipelineId) { deal { name amount } } }
`);

describe('rights changed on one instance', () => {
  it('apply to a subscription held on the other from its next event', async () => {
    const { a, urlB } = await pair(true);
    const ws = await signUpWorkspace(a);
    const member = await ws.member('Seller');
    const all = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
      (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
    );
    const role = await a.ok(RoleOf, { name: 'Sellers', rights: all }, ws.token);
    if (role.createRole.__typename !== 'CreateRoleSuccess') throw new Error('role');
    await a.ok(Assign, { userId: member.user.id, roleId: role.createRole.role.id }, ws.token);
    const sub = subscribe(urlB, member.token, AmountBoard, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged.deal);
    await sub.ready;
    await a.ok(Create, { input: { name: 'Before', amount: '100' } }, ws.token);
    await sub.waitFor((e) => e.length >= 1);
    expect((await a.ok(Hide, { input: { roleId: role.createRole.role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } }, ws.token)).setFieldAccess.__typename).toBe('SetFieldAccessSuccess');
    await a.ok(Create, { input: { name: 'After', amount: '200' } }, ws.token);
    await sub.waitFor((e) => e.length >= 2);
    expect(sub.events).toEqual([{ name: 'Before', amount: '100.00' }, { name: 'After', amount: null }]);
    expect(sub.errors).toEqual([]);
    await sub.close();
  });
});

async function boardEventsOnB(redis: boolean) {
  const { a, urlB } = await pair(redis);
  const ws = await signUpWorkspace(a);
  const client = createClient({
    url: urlB.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ws.token}` },
    retryAttempts: 0,
  });
  const events: { kind: string; deal: { name: string } | null }[] = [];
  const connected = new Promise<void>((r) => client.on('connected', () => setTimeout(r, 200)));
  const stop = client.subscribe(
    { query: print(Board), variables: { pipelineId: ws.pipeline.id } },
    { next: (r) => r.data && events.push((r.data as any).dealChanged), error: () => {}, complete: () => {} },
  );
  await connected;
  const r = await a.ok(Create, { input: { name: 'Made on A' } }, ws.token);
  expect(r.createDeal.__typename).toBe('CreateDealSuccess');
  const until = Date.now() + (redis ? 5000 : 1500);
  while (!events.length && Date.now() < until) await new Promise((res) => setTimeout(res, 25));
  stop();
  await client.dispose();
  return events;
}
