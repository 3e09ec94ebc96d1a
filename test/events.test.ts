// Domain events: every card write emits one event with before, after and the field-level diff,
// written to the outbox in the change's own transaction; a refused write emits nothing; and the
// consumers are wired as docs/architecture.md says.
import { describe, expect, test } from './kit/fixtures.js';
import { CreateDeal, DeleteDeal, MoveDeal, RestoreDeal, UpdateDeal } from './kit/documents/deals.js';
import { CreateCustomField } from './kit/documents/custom-fields.js';
import { CreateWebhook, UpdateWebhook } from './kit/documents/webhooks.js';
import { DeleteAutomation, SetAutomationEnabled } from './kit/documents/automations.js';
import { rawId } from './kit/results.js';
import { automate, createWebhook } from './kit/automations.js';
import { createDeal, defineField, renameRecordingSql, updateDeal } from './kit/cards.js';
import { events } from '../src/kernel/events.js';
import '../src/modules/wiring.js';

type Change = { field: string; customFieldId?: string; old: unknown; new: unknown };
type Event = { kind: string; recordId: string; actorId: string; before: Record<string, unknown> | null; after: Record<string, unknown>; diff: Change[] };

describe('domain events', () => {
  test('create, update (with a custom field), move, trash and restore each write one event with before, after and diff', async ({ workspace: ws, app }) => {
    const field = await ws.gql(CreateCustomField, { input: { entityType: 'DEAL', name: 'Quantity', type: 'NUMBER' } });
    if (field.createCustomField.__typename !== 'CreateCustomFieldSuccess') throw new Error(JSON.stringify(field.createCustomField));
    const fieldId = field.createCustomField.field.id;
    const created = await ws.gql(CreateDeal, { input: { name: 'Order', amount: '100' } });
    if (created.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(created.createDeal));
    const deal = created.createDeal.deal;
    const updated = await ws.gql(UpdateDeal, {
      input: { id: deal.id, version: deal.version, name: 'Big order', customFields: [{ fieldId, value: { number: '3' } }] },
    });
    if (updated.updateDeal.__typename !== 'UpdateDealSuccess') throw new Error(JSON.stringify(updated.updateDeal));
    const next = ws.open[1];
    const moved = await ws.gql(MoveDeal, { input: { id: deal.id, version: updated.updateDeal.deal.version, stageId: next.id } });
    if (moved.moveDeal.__typename !== 'MoveDealSuccess') throw new Error(JSON.stringify(moved.moveDeal));
    const trashed = await ws.gql(DeleteDeal, { id: deal.id, version: moved.moveDeal.deal.version });
    expect(trashed.deleteDeal.__typename).toBe('DeleteDealSuccess');
    expect((await ws.gql(RestoreDeal, { id: deal.id })).restoreDeal.__typename).toBe('RestoreDealSuccess');

    const rows = await app.deps.db.outboxEvent.findMany({
      where: { topic: { startsWith: 'record.' }, payload: { path: ['recordId'], equals: rawId(deal.id) } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.topic)).toEqual(['record.created', 'record.updated', 'record.updated', 'record.trashed', 'record.restored']);
    const [c, u, m, t] = rows.map((r) => r.payload as unknown as Event);
    expect(c).toMatchObject({ kind: 'DEAL', before: null, after: { name: 'Order', amount: '100.00' }, diff: [] });
    expect(c.actorId).toBe(rawId(ws.admin.id));
    expect(u.before).toMatchObject({ name: 'Order' });
    expect(u.after).toMatchObject({ name: 'Big order' });
    expect(u.diff).toEqual([
      { field: 'name', old: 'Order', new: 'Big order' },
      { field: 'Quantity', customFieldId: rawId(fieldId), old: null, new: '3' },
    ]);
    expect(m.diff).toEqual([{ field: 'stageId', old: rawId(ws.open[0].id), new: rawId(next.id) }]);
    expect(t.after.deletedAt).toEqual(expect.any(String));
    // Search text and slot copies stay out of events: they are storage, not the card.
    expect(Object.keys(u.after).some((k) => k === 'searchText' || /^cf[A-Z]/.test(k))).toBe(false);
  });

  test('a change wakes the background worker only when it queued jobs: one jobsQueued event in its transaction', async ({ workspace: ws, app }) => {
    const wakeUps = () => app.deps.db.outboxEvent.count({ where: { topic: 'jobsQueued', workspaceId: ws.workspaceId } });
    const created = await ws.gql(CreateDeal, { input: { name: 'Quiet' } });
    if (created.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(created.createDeal));
    const id = created.createDeal.deal.id;
    let version = created.createDeal.deal.version;
    const rename = async (name: string) => {
      const r = await ws.gql(UpdateDeal, { input: { id, version, name } });
      if (r.updateDeal.__typename !== 'UpdateDealSuccess') throw new Error(JSON.stringify(r.updateDeal));
      version = r.updateDeal.deal.version;
    };
    await rename('Still quiet');
    expect(await wakeUps()).toBe(0);
    // Two automations listen: the change queues two jobs and wakes the worker once.
    for (const tag of ['x', 'y'])
      await automate(ws, { name: `Tag ${tag}`, trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' }, actions: [{ addTag: { tag } }] });
    await rename('Heard');
    expect(await wakeUps()).toBe(1);
  });

  test('failing before: a card write reads the automations and webhooks listening before its transaction, not one after another inside it', async ({
    workspace: ws,
    app,
  }) => {
    const automation = await automate(ws, {
      name: 'Tag renamed',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
      actions: [{ addTag: { tag: 'renamed' } }],
    });
    const hook = await ws.gql(CreateWebhook, { input: { url: 'http://127.0.0.1:9/hook', eventTypes: ['CARD_UPDATED'] } });
    expect(hook.createWebhook.__typename).toBe('CreateWebhookSuccess');
    const { deal, sql } = await renameRecordingSql(ws, app);
    const at = (re: RegExp) => sql.findIndex((q) => re.test(q));
    const write = at(/^update "Deal"/);
    const automations = at(/^SELECT .* FROM "public"\."Automation" AS "t0"/);
    const webhooks = at(/^SELECT .* FROM "public"\."Webhook" AS "t0"/);
    expect(write).toBeGreaterThan(-1);
    // Read beside the card's own read, before the transaction's first write…
    expect(automations).toBeGreaterThan(-1);
    expect(automations).toBeLessThan(write);
    expect(webhooks).toBeGreaterThan(-1);
    expect(webhooks).toBeLessThan(write);
    // …and still acted on in it: the run and the delivery were queued with the change.
    const id = rawId(deal.id);
    expect(await app.deps.db.automationJob.count({ where: { automationId: rawId(automation.id), cardId: id } })).toBe(1);
    expect(await app.deps.db.webhookDelivery.count({ where: { workspaceId: ws.workspaceId, eventType: 'CARD_UPDATED' } })).toBe(1);
  });

  test('failing before: later writes read the field definitions, automations and webhooks once, kept until one of them changes; the next write sees a change', async ({
    workspace: ws,
    app,
  }) => {
    // The workspace's own settings changes (its setup's) heard back first: one arriving during
    // a write's read would rightly keep what it read from being kept.
    await app.deps.outbox.drain();
    await expect.poll(() => app.deps.epochs.settling(ws.workspaceId), { interval: 5 }).toBe(false);
    let deal = await createDeal(ws, { name: 'Order' });
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Warm' });
    // A write's reads of the workspace's lists, not a worker's read of one automation by id
    // (another app's worker shares app.queries in the PostgreSQL pass).
    const settingsRead = () =>
      app.queries.filter((q) => /^SELECT .* FROM "public"\."(CustomField|Automation|Webhook)" AS "t0".* WHERE \("t0"\."workspaceId" = \$\d/.test(q));
    app.queries.length = 0;
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Kept' });
    expect(settingsRead()).toEqual([]);

    // Each change is seen by the very next write of this instance (it dropped what it kept).
    const automation = await automate(ws, {
      name: 'Tell of renames',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'name' },
      // An action that leaves the deal as it is: a run racing the test's next write (another
      // file's worker takes it, in the PostgreSQL pass) neither conflicts with it nor is a change.
      actions: [{ notify: { text: 'Renamed [name]' } }],
    });
    const hook = await createWebhook(ws, { url: 'http://127.0.0.1:9/hook', eventTypes: ['CARD_UPDATED'] });
    const field = await defineField(ws, { entityType: 'DEAL', name: 'Quantity', type: 'NUMBER' });
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Seen', customFields: [{ fieldId: field.id, value: { number: '3' } }] });
    const jobs = () => app.deps.db.automationJob.count({ where: { automationId: rawId(automation.id) } });
    const deliveries = () => app.deps.db.webhookDelivery.count({ where: { webhookId: rawId(hook.webhook.id) } });
    expect([await jobs(), await deliveries()]).toEqual([1, 1]);

    // Kept again, with what it now holds, once this instance heard its changes back from the
    // outbox (reads made before that are not kept; this app's dispatcher is not started)…
    // (through Redis in the PostgreSQL pass, a moment after the drain)
    await app.deps.outbox.drain();
    await expect.poll(() => app.deps.epochs.settling(ws.workspaceId), { interval: 5 }).toBe(false);
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Read again' });
    app.queries.length = 0;
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Kept again' });
    expect(settingsRead()).toEqual([]);
    expect([await jobs(), await deliveries()]).toEqual([3, 3]);
    // …until they are turned off: a disabled automation and webhook get nothing more…
    expect((await ws.gql(SetAutomationEnabled, { id: automation.id, enabled: false })).setAutomationEnabled.__typename).toBe('SetAutomationEnabledSuccess');
    expect((await ws.gql(UpdateWebhook, { input: { id: hook.webhook.id, enabled: false } })).updateWebhook.__typename).toBe('UpdateWebhookSuccess');
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Unheard' });
    expect([await jobs(), await deliveries()]).toEqual([3, 3]);
    // …and a deleted one is not written to (its rows would break the write's foreign keys).
    expect((await ws.gql(SetAutomationEnabled, { id: automation.id, enabled: true })).setAutomationEnabled.__typename).toBe('SetAutomationEnabledSuccess');
    deal = await updateDeal(ws, { id: deal.id, version: deal.version, name: 'Heard again' });
    expect(await jobs()).toBe(4);
    expect((await ws.gql(DeleteAutomation, { id: automation.id })).deleteAutomation.__typename).toBe('DeleteAutomationSuccess');
    expect((await updateDeal(ws, { id: deal.id, version: deal.version, name: 'After the delete' })).name).toBe('After the delete');
  });

  test('a refused write (stale version, invalid value) emits no event', async ({ workspace: ws, app }) => {
    const created = await ws.gql(CreateDeal, { input: { name: 'Order' } });
    if (created.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(created.createDeal));
    const deal = created.createDeal.deal;
    const stale = await ws.gql(UpdateDeal, { input: { id: deal.id, version: deal.version + 5, name: 'Lost write' } });
    expect(stale.updateDeal.__typename).toBe('ConflictError');
    const invalid = await ws.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, amount: '-1' } });
    expect(invalid.updateDeal.__typename).toBe('ValidationError');
    const rows = await app.deps.db.outboxEvent.findMany({
      where: { topic: { startsWith: 'record.' }, payload: { path: ['recordId'], equals: rawId(deal.id) } },
    });
    expect(rows.map((r) => r.topic)).toEqual(['record.created']);
  });

  test('the consumers are wired as docs/architecture.md documents them', () => {
    expect(events.describe()).toEqual({
      inTransaction: {
        'file.attached': ['timeline: file attached'],
        'lead.received': ['automations: queue runs'],
        'record.merged': ['timeline: cards merged'],
        'record.created': [
          'timeline: card created',
          'reports: stage history and aggregates (deal created)',
          'automations: queue runs',
          'webhooks: queue deliveries',
        ],
        'record.restored': ['reports: aggregates (deal restored)', 'webhooks: queue deliveries'],
        'record.trashed': ['reports: aggregates (deal trashed)', 'webhooks: queue deliveries'],
        'record.updated': [
          'timeline: field, stage and responsible changes',
          'reports: stage history and aggregates (deal changed)',
          'automations: queue runs',
          'webhooks: queue deliveries',
        ],
        'task.completed': ['timeline: task completed', 'automations: queue runs', 'webhooks: queue deliveries'],
        'task.created': ['timeline: task created', 'webhooks: queue deliveries'],
      },
      readAhead: {
        'record.created': ['automations: queue runs', 'webhooks: queue deliveries'],
        'record.updated': ['automations: queue runs', 'webhooks: queue deliveries'],
      },
      afterCommit: {
        automationRun: ['realtime: automationRunLogged'],
        jobsQueued: ['worker: wake up'],
        'lead.received': ['realtime: incomingLeadReceived'],
        notification: ['realtime: notifications'],
        'record.merged': ['log: cards merged'],
        'record.created': ['realtime: dealChanged'],
        'record.restored': ['realtime: dealChanged'],
        'record.trashed': ['realtime: dealChanged'],
        'record.updated': ['realtime: dealChanged'],
        settingsChanged: ['realtime: rights re-read'],
        'task.completed': ['realtime: dealChanged (open task)'],
        'task.created': ['realtime: dealChanged (open task)'],
        'task.updated': ['realtime: dealChanged (open task)'],
        timelineUpdated: ['realtime: timelineUpdated'],
      },
      jobSources: [
        'tasks: due reminders',
        'automations: time triggers',
        'automations: due runs',
        'webhooks: due deliveries',
        'outbox: published events past their keep',
      ],
    });
  });
});
