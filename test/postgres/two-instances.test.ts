// Two server instances on one PostgreSQL database, joined by Redis: a deal changed through one
// reaches a board subscribed on the other. Runs in the PostgreSQL + Redis pass of the suite.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import { createTestApp, testDatabaseUrl, type TestApp } from '../kit/app.js';
import { scratchDatabase } from '../kit/server.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { graphql } from '../gql/index.js';
import { CreateDeal as Create, UpdateDeal } from '../kit/documents/deals.js';
import { automate, createWebhook } from '../kit/automations.js';
import { DeleteWebhook } from '../kit/documents/webhooks.js';
import { DeleteAutomation } from '../kit/documents/automations.js';
import { defineField } from '../kit/cards.js';
import { as, rawId } from '../kit/results.js';
import { SetFieldAccess as Hide } from '../kit/documents/users.js';
import { subscribe } from '../kit/subscribe.js';
import { Logout } from '../kit/documents/auth.js';
import { Me } from '../kit/documents/users.js';

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

// The board's events are compared whole, and AmountBoard's selection is the field its role hides:
// both stay written out here.
const Board = graphql(`
  subscription TwoBoard($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind deal { name stage { name } } }
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
    const roleId = await ws.giveRole(member.user.id, 'Sellers', all);
    const sub = subscribe(urlB, member.token, AmountBoard, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged.deal);
    await sub.ready;
    await ws.gql(Create, { input: { name: 'Before', amount: '100' } });
    await sub.waitFor((e) => e.length >= 1);
    expect((await ws.gql(Hide, { input: { roleId, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess.__typename).toBe(
      'SetFieldAccessSuccess',
    );
    await ws.gql(Create, { input: { name: 'After', amount: '200' } });
    await sub.waitFor((e) => e.length >= 2);
    expect(sub.events).toEqual([
      { name: 'Before', amount: '100.00' },
      { name: 'After', amount: null },
    ]);
    expect(sub.errors).toEqual([]);
    await sub.close();
  });
});

describe('settings one instance keeps for its writes', () => {
  it('are read again once a change made on the other reaches it: a new webhook hears, a new field takes values', async () => {
    const { a } = await pair(true);
    const b = apps[1];
    const ws = await signUpWorkspace(a);
    const onB = b.as(ws.token);
    // B's writes keep the workspace's definitions and its (no) webhooks (lib/settings-epochs.ts).
    let deal = as((await onB.gql(Create, { input: { name: 'Order' } })).createDeal, 'CreateDealSuccess').deal;
    for (const name of ['Once', 'Twice'])
      deal = as((await onB.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, name } })).updateDeal, 'UpdateDealSuccess').deal;
    const heard = b.deps.epochs.epoch(ws.workspaceId);
    const hook = await createWebhook(ws, { url: 'http://127.0.0.1:9/hook', eventTypes: ['CARD_UPDATED'] });
    const field = await defineField(ws, { entityType: 'DEAL', name: 'Quantity', type: 'NUMBER' });
    // Both changes' settingsChanged reach B through Redis (A dispatches them).
    await vi.waitFor(() => expect(b.deps.epochs.epoch(ws.workspaceId)).toBeGreaterThanOrEqual(heard + 2), { timeout: 10_000, interval: 5 });
    const r = await onB.gql(UpdateDeal, {
      input: { id: deal.id, version: deal.version, name: 'Counted', customFields: [{ fieldId: field.id, value: { number: '3' } }] },
    });
    expect(as(r.updateDeal, 'UpdateDealSuccess').deal.name).toBe('Counted');
    expect(await b.deps.db.webhookDelivery.count({ where: { webhookId: rawId(hook.webhook.id) } })).toBe(1);
  });
});

describe('a deletion another instance has not heard of', () => {
  it('fails none of its writes: the webhook and automation it kept are left out', async () => {
    // Without Redis, B never hears A's settings changes: it keeps what it read for 5 seconds.
    const { a } = await pair(false);
    const b = apps[1];
    const ws = await signUpWorkspace(a);
    const hook = await createWebhook(ws, { url: 'http://127.0.0.1:9/hook', eventTypes: ['CARD_UPDATED'] });
    const automation = await automate(ws, {
      name: 'Tell',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
      actions: [{ notify: { text: 'Renamed' } }],
    });
    const onB = b.as(ws.token);
    let deal = as((await onB.gql(Create, { input: { name: 'Order' } })).createDeal, 'CreateDealSuccess').deal;
    deal = as((await onB.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, name: 'Kept' } })).updateDeal, 'UpdateDealSuccess').deal;
    expect(await b.deps.db.webhookDelivery.count({ where: { webhookId: rawId(hook.webhook.id) } })).toBe(1);
    expect(await b.deps.db.automationJob.count({ where: { automationId: rawId(automation.id) } })).toBe(1);
    expect(as((await ws.gql(DeleteWebhook, { id: hook.webhook.id })).deleteWebhook, 'DeleteWebhookSuccess').deletedId).toBe(hook.webhook.id);
    expect(as((await ws.gql(DeleteAutomation, { id: automation.id })).deleteAutomation, 'DeleteAutomationSuccess').deletedId).toBe(automation.id);
    const r = await onB.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, name: 'After the deletes' } });
    expect(as(r.updateDeal, 'UpdateDealSuccess').deal.name).toBe('After the deletes');
    expect(await b.deps.db.webhookDelivery.count({ where: { workspaceId: ws.workspaceId } })).toBe(0);
    expect(await b.deps.db.automationJob.count({ where: { workspaceId: ws.workspaceId } })).toBe(0);
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
    { next: (r) => r.data && events.push((r.data as { dealChanged: never }).dealChanged), error: () => {}, complete: () => {} },
  );
  await connected;
  const r = await ws.gql(Create, { input: { name: 'Made on A' } });
  expect(r.createDeal.__typename).toBe('CreateDealSuccess');
  const until = Date.now() + (redis ? 5000 : 1500);
  while (!events.length && Date.now() < until) await new Promise((res) => setTimeout(res, 25));
  stop();
  await client.dispose();
  return events;
}

describe('a session signed out on one instance', () => {
  it('is refused by the other, which kept its row, once the sign-out reaches it', async () => {
    const { a } = await pair(true);
    const b = apps[1];
    const ws = await signUpWorkspace(a);
    const member = await ws.member('Leaving');
    // B reads the session once and keeps it (lib/settings-epochs.ts).
    expect((await b.as(member.token).gql(Me, {})).me.id).toBe(member.user.id);
    expect((await b.as(member.token).gql(Me, {})).me.id).toBe(member.user.id);
    const heard = b.deps.epochs.epoch(ws.workspaceId);
    expect((await a.as(member.token).gql(Logout, {})).logout).toBe(true);
    // B hears the logout's settingsChanged through Redis (A dispatches it), and from then on
    // reads the session again.
    await vi.waitFor(() => expect(b.deps.epochs.epoch(ws.workspaceId)).toBeGreaterThan(heard), { timeout: 10_000, interval: 5 });
    const late = await b.as(member.token).raw(Me, {});
    expect(late.data ?? null).toBeNull();
    expect(late.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // The other sessions of the workspace go on.
    expect((await b.as(ws.token).gql(Me, {})).me.id).toBe(ws.admin.id);
  });
});
