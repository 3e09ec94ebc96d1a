// Automations through the public API: administrators define them (bad input named by path,
// nothing stored); changes trigger them after commit (card created, deal entered a stage, field
// changed, task completed); conditions are the list filter; actions run in order through the
// same services as a user's (tasks with placeholders and round-robin, set field, move with stage
// requirements, responsible, tag, notify); the run log, the pause after repeated failures, the
// timeline's "by automation", and the depth limit for automations that trigger each other.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { createContact, createDeal, defineField, readContact, readDeal, updateDeal } from './kit/cards.js';
import { MoveDeal } from './kit/documents/deals.js';
import { CompleteTask, CreateTask, Tasks } from './kit/documents/tasks.js';
import { AssignRole, CreateTeam, Roles, SetFieldAccess } from './kit/documents/users.js';
import {
  AutomationNotifications,
  Automations,
  CreateAutomation,
  DeleteAutomation,
  SetAutomationEnabled,
  TimelineAuthors,
  UpdateAutomation,
} from './kit/documents/automations.js';

import { automate, runs, waitRuns } from './kit/automations.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

async function tasksOf(c: Client, cardId: string) {
  return (await c.gql(Tasks, { filter: { cardId }, first: 50 })).tasks.edges.map((e) => e.node);
}

describe('defining automations', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('is for administrators only', async () => {
    const seller = await ws.member('Seller');
    const r = await seller.gql(CreateAutomation, {
      input: { name: 'Mine', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ addTag: { tag: 'x' } }] },
    });
    expect(r.createAutomation.__typename).toBe('ForbiddenError');
  });

  it('names every bad input by its path and stores nothing', async () => {
    const text = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Source' });
    const r = await ws.gql(CreateAutomation, {
      input: {
        name: ' ',
        trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'colour' },
        conditions: { deal: { customFields: [{ fieldId: text.id, gt: '5' }], responsibleIds: ['nope'] } },
        actions: [
          { createTask: { type: 'CALL', text: 'Call about [nothing]' } },
          { setResponsible: { userId: ws.won.id } },
          { moveToStage: { stageId: 'bad' } },
          { notify: { text: '[responsible]: [Source] and [amount]', userId: ws.admin.id } },
          { setField: { customFieldId: text.id, value: { number: '5' } } },
        ],
      },
    });
    const fields = as(r.createAutomation, 'ValidationError').fields.map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'name',
        'trigger.field',
        'conditions.deal.responsibleIds[0]',
        'actions[0].createTask.text',
        'actions[1].setResponsible.userId',
        'actions[2].moveToStage.stageId',
        'actions[4].setField.value',
      ]),
    );
    // Placeholders of the card kind and its custom fields are known.
    expect(fields.some((f) => f.startsWith('actions[3]'))).toBe(false);
    // An operator the field's type does not take, reported by the list's own check.
    const op = await ws.gql(CreateAutomation, {
      input: {
        name: 'Op',
        trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
        conditions: { deal: { customFields: [{ fieldId: text.id, gt: '5' }] } },
        actions: [{ addTag: { tag: 'x' } }],
      },
    });
    expect(as(op.createAutomation, 'ValidationError').fields.map((f) => f.field)).toEqual(['conditions.deal.customFields[0].gt']);
    // Conditions of another kind than the trigger's.
    const kind = await ws.gql(CreateAutomation, {
      input: {
        name: 'Kind',
        trigger: { type: 'CARD_CREATED', cardKind: 'CONTACT' },
        conditions: { deal: { tags: ['a'] } },
        actions: [{ addTag: { tag: 'x' } }],
      },
    });
    expect(as(kind.createAutomation, 'ValidationError').fields.map((f) => f.field)).toEqual(['conditions']);
    expect((await ws.gql(Automations, {})).automations).toEqual([]);
  });

  it('updates, disables, enables and deletes; a LEAD trigger can be defined now', async () => {
    const a = await automate(ws, { name: 'Leads', trigger: { type: 'CARD_CREATED', cardKind: 'LEAD' }, actions: [{ notify: { text: 'New lead' } }] });
    expect(a).toMatchObject({
      name: 'Leads',
      enabled: true,
      paused: false,
      runs: 0,
      trigger: { type: 'CARD_CREATED', cardKind: 'LEAD' },
      owner: { name: 'Admin' },
    });
    const u = as(
      (
        await ws.gql(UpdateAutomation, {
          id: a.id,
          input: { name: 'Deals', trigger: { type: 'STAGE_ENTERED', stageId: ws.won.id }, actions: [{ addTag: { tag: 'won' } }] },
        })
      ).updateAutomation,
      'UpdateAutomationSuccess',
    ).automation;
    expect(u).toMatchObject({ name: 'Deals', trigger: { type: 'STAGE_ENTERED', cardKind: 'DEAL', stageId: ws.won.id }, actionTypes: ['ADD_TAG'] });
    const off = as((await ws.gql(SetAutomationEnabled, { id: a.id, enabled: false })).setAutomationEnabled, 'SetAutomationEnabledSuccess');
    expect(off.automation.enabled).toBe(false);
    expect(as((await ws.gql(DeleteAutomation, { id: a.id })).deleteAutomation, 'DeleteAutomationSuccess').deletedId).toBe(a.id);
    expect((await ws.gql(Automations, {})).automations.map((x) => x.id)).not.toContain(a.id);
  });
});

describe('running automations', () => {
  it('creates a task with placeholders when a deal enters a stage; the run log and the timeline say so', async ({ workspace: ws }) => {
    const proposal = ws.open[1];
    const channel = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Channel' });
    const notes = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await notes.ready;
    const a = await automate(ws, {
      name: 'Proposal follow-up',
      trigger: { type: 'STAGE_ENTERED', stageId: proposal.id },
      actions: [
        { createTask: { type: 'CALL', text: 'Call about [name] ([amount] [currency], [stage])', dueInMinutes: 120 } },
        { addTag: { tag: 'proposal' } },
        { notify: { text: '[responsible]: [name] came from [Channel]' } },
      ],
    });
    const d = await createDeal(ws, { name: 'Supply', amount: '1500', customFields: [{ fieldId: channel.id, value: { text: 'Exhibition' } }] });
    const moved = as((await ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: proposal.id } })).moveDeal, 'MoveDealSuccess').deal;
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run).toMatchObject({ trigger: 'record.updated', cardId: d.id, status: 'SUCCEEDED', conditionsHeld: true, depth: 1 });
    expect(run.actions.map((x) => [x.type, x.ok])).toEqual([
      ['CREATE_TASK', true],
      ['ADD_TAG', true],
      ['NOTIFY', true],
    ]);
    const told = await notes.waitFor((e) => e.some((n) => n.kind === 'AUTOMATION'), 20_000);
    await notes.close();
    expect(told.find((n) => n.kind === 'AUTOMATION')?.text).toBe(`${ws.admin.name}: Supply came from Exhibition`);
    const [task] = await tasksOf(ws, d.id);
    expect(task).toMatchObject({ type: 'CALL', text: `Call about Supply (1500.00 RUB, ${proposal.name})`, responsible: { id: ws.admin.id } });
    expect(new Date(task.dueAt).getTime() - Date.now()).toBeGreaterThan(110 * 60_000);
    expect((await readDeal(ws, d.id)).tags.map((t) => t.name)).toEqual(['proposal']);
    const entries = (await ws.gql(TimelineAuthors, { cardId: d.id })).timeline.edges.map((e) => e.node);
    expect(entries.filter((e) => e.byAutomation).map((e) => [e.kind, e.byAutomation, e.author?.id])).toEqual([
      ['TASK_CREATED', 'Proposal follow-up', ws.admin.id],
    ]);
    // The person's own move is theirs alone.
    expect(entries.find((e) => e.kind === 'STAGE_CHANGED')?.byAutomation).toBeNull();
    const [listed] = (await ws.gql(Automations, {})).automations;
    expect(listed).toMatchObject({ runs: 1, failures: 0, lastError: null });
    expect(moved.stage.id).toBe(proposal.id);
  });

  it('failing before: fills placeholders with nothing the owner’s role may not see', async ({ workspace: ws }) => {
    const secret = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Secret' });
    const open = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Open' });
    const rights = (['DEAL', 'TASK'] as const).flatMap((entityType) =>
      (['VIEW', 'CREATE', 'EDIT'] as const).map((action) => ({ entityType, action, scope: 'ALL' as const })),
    );
    const owner = await ws.member('Owner', { rights });
    for (const field of [{ systemField: 'AMOUNT' as const }, { systemField: 'RESPONSIBLE' as const }, { customFieldId: secret.id }])
      as(
        (await ws.gql(SetFieldAccess, { input: { roleId: owner.roleId!, entityType: 'DEAL', access: 'HIDDEN', ...field } })).setFieldAccess,
        'SetFieldAccessSuccess',
      );
    // Administrators define automations: the owner defines it as one, then loses the role and
    // keeps the narrower one (the automation acts with its owner's current rights).
    const adminRole = (await ws.gql(Roles, {})).roles.find((r) => r.isAdmin)!;
    as((await ws.gql(AssignRole, { userId: owner.user.id, roleId: adminRole.id })).assignRole, 'AssignRoleSuccess');
    const a = await automate(owner, {
      name: 'Told too much',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ createTask: { type: 'CALL', text: '[name]: [amount] [currency] / [responsible] / [Secret] / [Open]', dueInMinutes: 60 } }],
    });
    as((await ws.gql(AssignRole, { userId: owner.user.id, roleId: owner.roleId! })).assignRole, 'AssignRoleSuccess');
    const d = await createDeal(ws, {
      name: 'Quiet deal',
      amount: '9876.25',
      customFields: [
        { fieldId: secret.id, value: { text: 'the password' } },
        { fieldId: open.id, value: { text: 'for all' } },
      ],
    });
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run.status).toBe('SUCCEEDED');
    const [task] = await tasksOf(ws, d.id);
    expect(task.text).toBe('Quiet deal:   /  / [Secret] / for all');
  });

  it('checks conditions against the card; a card outside them is a skipped run', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    const a = await automate(ws, {
      name: 'VIP contacts',
      trigger: { type: 'CARD_CREATED', cardKind: 'CONTACT' },
      conditions: { contact: { tags: ['vip'] } },
      actions: [{ setResponsible: { userId: seller.user.id } }, { setField: { field: 'position', value: { text: 'Key account' } } }],
    });
    const vip = await createContact(ws, { name: 'Vera', tags: ['vip'] });
    const plain = await createContact(ws, { name: 'Petr' });
    const log = await waitRuns(ws, a.id, 2);
    expect(Object.fromEntries(log.map((r) => [r.cardId, r.status]))).toEqual({ [vip.id]: 'SUCCEEDED', [plain.id]: 'SKIPPED' });
    expect(await readContact(ws, vip.id)).toMatchObject({ responsible: { id: seller.user.id }, position: 'Key account' });
    expect(await readContact(ws, plain.id)).toMatchObject({ responsible: { id: ws.admin.id }, position: null });
  });

  it('a notification after a card update shows the card as the update left it', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    const notes = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await notes.ready;
    const a = await automate(ws, {
      name: 'Hand over',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [
        { setResponsible: { userId: seller.user.id } },
        { notify: { userId: ws.admin.id, text: '[name] is now with [responsible]' } },
        { addTag: { tag: 'handed' } },
        { notify: { userId: ws.admin.id, text: '[name] tagged' } },
      ],
    });
    const d = await createDeal(ws, { name: 'Relay' });
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run.actions.map((x) => [x.index, x.type, x.ok])).toEqual([
      [0, 'SET_RESPONSIBLE', true],
      [1, 'NOTIFY', true],
      [2, 'ADD_TAG', true],
      [3, 'NOTIFY', true],
    ]);
    const told = await notes.waitFor((e) => e.filter((n) => n.kind === 'AUTOMATION').length >= 2, 20_000);
    await notes.close();
    expect(told.filter((n) => n.kind === 'AUTOMATION').map((n) => n.text)).toEqual([`Relay is now with ${seller.user.name}`, 'Relay tagged']);
    expect(await readDeal(ws, d.id)).toMatchObject({ responsible: { id: seller.user.id }, tags: [{ name: 'handed' }] });
  });

  it('a card’s next job starts beside the last notification of the one before it, unless it writes what that notification shows', async ({ workspace: ws }) => {
    const [s1, s2] = [ws.open[0], ws.open[1]];
    const notes = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await notes.ready;
    const trigger = { type: 'CARD_CREATED', cardKind: 'DEAL' } as const;
    const firstInput = {
      name: 'First',
      trigger,
      actions: [{ addTag: { tag: 'a' } }, { notify: { userId: ws.admin.id, text: '[name] first in [stage]' } }],
    };
    const first = await automate(ws, firstInput);
    // Its move changes the stage the first one's notification shows: it waits for it.
    const second = await automate(ws, {
      name: 'Second',
      trigger,
      actions: [{ moveToStage: { stageId: s2.id } }, { notify: { userId: ws.admin.id, text: 'second in [stage]' } }],
    });
    // A tag: it goes beside the second one's notification.
    const third = await automate(ws, {
      name: 'Third',
      trigger,
      actions: [{ addTag: { tag: 'c' } }, { notify: { userId: ws.admin.id, text: 'third in [stage]' } }],
    });
    // Edited after the others were made (its trigger changed and back, so its row now sits after
    // theirs): it still runs first, one event's jobs going in the order their automations were created.
    for (const input of [{ ...firstInput, trigger: { type: 'STAGE_ENTERED', stageId: s2.id } } as const, firstInput])
      as((await ws.gql(UpdateAutomation, { id: first.id, input })).updateAutomation, 'UpdateAutomationSuccess');
    const d = await createDeal(ws, { name: 'Relay', stageId: s1.id });
    const [[a], [b], [c]] = await Promise.all([first, second, third].map((x) => waitRuns(ws, x.id, 1)));
    expect([a, b, c].map((r) => [r.status, r.actions.map((x) => x.ok)])).toEqual(Array(3).fill(['SUCCEEDED', [true, true]]));
    const told = await notes.waitFor((e) => e.filter((n) => n.kind === 'AUTOMATION').length >= 3, 20_000);
    await notes.close();
    expect(told.filter((n) => n.kind === 'AUTOMATION').map((n) => n.text)).toEqual([
      `Relay first in ${s1.name}`,
      `second in ${s2.name}`,
      `third in ${s2.name}`,
    ]);
    expect(await readDeal(ws, d.id)).toMatchObject({ stage: { id: s2.id }, tags: [{ name: 'a' }, { name: 'c' }] });
    // The run log shows the overlap: the third started before the second finished; the second
    // (a move) only once the first had finished.
    const at = (x: string) => new Date(x).getTime();
    expect(at(c.startedAt)).toBeLessThanOrEqual(at(b.finishedAt!));
    expect(at(b.startedAt)).toBeGreaterThanOrEqual(at(a.finishedAt!));
  });

  it('fires on a field changed to a value, and on a task completed', async ({ workspace: ws }) => {
    const onAmount = await automate(ws, {
      name: 'Big deal',
      trigger: { type: 'FIELD_CHANGED', cardKind: 'DEAL', field: 'amount', toValue: '1000000.00' },
      actions: [{ addTag: { tag: 'big' } }],
    });
    const onTask = await automate(ws, {
      name: 'After the call',
      trigger: { type: 'TASK_COMPLETED', cardKind: 'DEAL' },
      actions: [{ createTask: { type: 'FOLLOW_UP', text: 'Send the summary to [name]' } }],
    });
    const d = await createDeal(ws, { name: 'Fleet' });
    const d2 = await updateDeal(ws, { id: d.id, version: d.version, amount: '5' });
    await updateDeal(ws, { id: d.id, version: d2.version, amount: '1000000' });
    const [big] = await waitRuns(ws, onAmount.id, 1);
    expect(big.status).toBe('SUCCEEDED');
    const t = as(
      (await ws.gql(CreateTask, { input: { cardId: d.id, type: 'CALL', text: 'Call', dueAt: new Date(Date.now() + 3_600_000).toISOString() } })).createTask,
      'CreateTaskSuccess',
    ).task;
    as((await ws.gql(CompleteTask, { id: t.id, version: t.version, result: 'done' })).completeTask, 'CompleteTaskSuccess');
    const [after] = await waitRuns(ws, onTask.id, 1);
    expect(after).toMatchObject({ trigger: 'task.completed', status: 'SUCCEEDED' });
    expect((await tasksOf(ws, d.id)).map((x) => x.text).sort()).toEqual(['Call', 'Send the summary to Fleet']);
    expect((await runs(ws, onAmount.id)).length).toBe(1);
  });

  it('gives tasks to a team in turn', async ({ workspace: ws }) => {
    const [ann, bob] = [await ws.member('Ann'), await ws.member('Bob')];
    const team = as((await ws.gql(CreateTeam, { input: { name: 'Inbound', memberIds: [ann.user.id, bob.user.id] } })).createTeam, 'CreateTeamSuccess').team;
    const a = await automate(ws, {
      name: 'Round robin',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ createTask: { type: 'CALL', text: 'First call', responsible: { mode: 'TEAM', teamId: team.id } } }],
    });
    const deals = [];
    for (const name of ['A', 'B', 'C', 'D']) deals.push(await createDeal(ws, { name }));
    await waitRuns(ws, a.id, 4);
    const owners = [];
    for (const d of deals) owners.push((await tasksOf(ws, d.id))[0].responsible.id);
    expect(owners.filter((id) => id === ann.user.id)).toHaveLength(2);
    expect(owners.filter((id) => id === bob.user.id)).toHaveLength(2);
  });

  it('notifies a user on the notifications subscription', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    const sub = subscribe(url, seller.token!, AutomationNotifications, {}, (d) => d.notifications);
    await sub.ready;
    await automate(ws, {
      name: 'Tell the seller',
      trigger: { type: 'CARD_CREATED', cardKind: 'COMPANY' },
      actions: [{ notify: { userId: seller.user.id, text: 'New company [name]' } }],
    });
    const c = await ws.gql(CreateAutomation, {
      input: { name: 'noop', trigger: { type: 'CARD_CREATED', cardKind: 'LEAD' }, actions: [{ notify: { text: 'x' } }] },
    });
    expect(c.createAutomation.__typename).toBe('CreateAutomationSuccess');
    const { createCompany } = await import('./kit/cards.js');
    const company = await createCompany(ws, { name: 'Acme' });
    const got = await sub.waitFor((e) => e.length >= 1, 15_000);
    await sub.close();
    expect(got[0]).toEqual({ kind: 'AUTOMATION', text: 'New company Acme', cardId: company.id });
  });

  it('logs a move refused by stage requirements as a failed action, and pauses after 5 failures in a row, telling the admins', async ({ workspace: ws }) => {
    const contract = ws.open[2];
    await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'INN', requiredStageIds: [contract.id] });
    const sub = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await sub.ready;
    const a = await automate(ws, {
      name: 'Straight to contract',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ addTag: { tag: 'auto' } }, { moveToStage: { stageId: contract.id } }, { addTag: { tag: 'never' } }],
    });
    for (let i = 0; i < 5; i++) await createDeal(ws, { name: `Deal ${i}` });
    const log = await waitRuns(ws, a.id, 5);
    expect(log.map((r) => r.status)).toEqual(Array(5).fill('FAILED'));
    expect(log[0].actions.map((x) => [x.type, x.ok])).toEqual([
      ['ADD_TAG', true],
      ['MOVE_TO_STAGE', false],
    ]);
    expect(log[0].actions[1].error).toMatch(/INN/);
    const paused = await sub.waitFor((e) => e.some((n) => n.kind === 'AUTOMATION_PAUSED'), 15_000);
    await sub.close();
    expect(paused.find((n) => n.kind === 'AUTOMATION_PAUSED')?.text).toBe('Automation «Straight to contract» was paused after 5 failed runs in a row');
    const [state] = (await ws.gql(Automations, {})).automations;
    expect(state).toMatchObject({ paused: true, runs: 5, failures: 5, failureStreak: 5 });
    expect(state.lastError).toMatch(/INN/);
    // Paused: new deals do not run it; enabling lifts the pause.
    await createDeal(ws, { name: 'Later' });
    const on = as((await ws.gql(SetAutomationEnabled, { id: a.id, enabled: true })).setAutomationEnabled, 'SetAutomationEnabledSuccess').automation;
    expect(on).toMatchObject({ paused: false, failureStreak: 0 });
    expect((await runs(ws, a.id)).length).toBe(5);
  });

  it('stops automations that trigger each other at the depth limit, and the run log says so', async ({ workspace: ws }) => {
    const [s1, s2] = [ws.open[0], ws.open[1]];
    const ping = await automate(ws, { name: 'Ping', trigger: { type: 'STAGE_ENTERED', stageId: s2.id }, actions: [{ moveToStage: { stageId: s1.id } }] });
    const pong = await automate(ws, { name: 'Pong', trigger: { type: 'STAGE_ENTERED', stageId: s1.id }, actions: [{ moveToStage: { stageId: s2.id } }] });
    const d = await createDeal(ws, { name: 'Loop', stageId: s1.id });
    as((await ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: s2.id } })).moveDeal, 'MoveDealSuccess');
    await expect
      .poll(async () => [...(await runs(ws, ping.id)), ...(await runs(ws, pong.id))].some((r) => r.status === 'DEPTH_LIMIT'), { timeout: 15_000, interval: 50 })
      .toBe(true);
    const all = [...(await runs(ws, ping.id)), ...(await runs(ws, pong.id))].sort((x, y) => x.depth - y.depth);
    expect(all.map((r) => r.depth)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.at(-1)).toMatchObject({ status: 'DEPTH_LIMIT', actions: [] });
    expect(all.at(-1)!.error).toMatch(/5 levels deep/);
  });
});
