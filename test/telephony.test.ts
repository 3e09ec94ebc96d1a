// The telephony webhook through the real HTTP server: `POST /integrations/telephony/events` with
// an API key. A known number's call goes on the timeline of the contact's open deal (a missed one
// also makes a call-back task), an unknown caller becomes an incoming lead (or a deal, per the
// workspace's telephony settings) with a call-back task, a replayed event changes nothing, and
// bad keys or bodies are refused.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import { as, rawId } from './kit/results.js';
import { createContact, createDeal, createPipeline, defineField } from './kit/cards.js';
import { Timeline } from './kit/documents/timeline.js';
import { CreateTask, Tasks } from './kit/documents/tasks.js';
import { AssignRole, CreateApiKey, Roles } from './kit/documents/users.js';
import { ConvertLead, DeclineLead, IncomingLeads } from './kit/documents/leads.js';
import { DealNode } from './kit/documents/deals.js';
import { TelephonySettings, UpdateTelephonySettings } from './kit/documents/telephony.js';
import { AutomationNotifications } from './kit/documents/automations.js';
import { subscribe } from './kit/subscribe.js';

let endpoint: string;
let wsUrl: string;
test.beforeAll(({ url }) => {
  wsUrl = url;
  endpoint = url.replace(/\/graphql$/, '/integrations/telephony/events');
});

async function apiKey(ws: Workspace, scopes: ('READ' | 'WRITE')[] = ['READ', 'WRITE']) {
  return as((await ws.gql(CreateApiKey, { name: 'PBX', scopes })).createApiKey, 'CreateApiKeySuccess').created.key;
}

async function send(key: string | null, body: unknown) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { fields?: { field: string }[] } };
}

const call = (over: Record<string, unknown> = {}) => ({
  callId: `c-${Math.random()}`,
  event: 'ENDED',
  direction: 'INBOUND',
  from: '8 912 345-67-89',
  to: '+74950000000',
  durationSeconds: 42,
  recordingUrl: 'https://pbx.example/rec/1.mp3',
  answered: true,
  ...over,
});

describe('telephony events', () => {
  it("a known number's call goes on the timeline of the contact's open deal; replayed, nothing more", async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const contact = await createContact(ws, { name: 'Ivan', phones: ['+79123456789'] });
    const deal = await createDeal(ws, { name: 'Supply', contactIds: [contact.id] });
    const e = call();
    expect((await send(key, { ...e, event: 'STARTED' })).status).toBe(200);
    const r = await send(key, e);
    expect(r.status).toBe(200);
    expect(r.body.timelineEntry).toBeTruthy();
    const again = await send(key, e);
    expect(again.body).toMatchObject({ replayed: true, timelineEntry: r.body.timelineEntry });
    const calls = (await ws.gql(Timeline, { cardId: deal.id, first: 10 })).timeline.edges.map((x) => x.node).filter((x) => x.kind === 'CALL');
    expect(calls).toHaveLength(1);
    expect(calls[0].call).toMatchObject({ direction: 'INBOUND', number: '+79123456789', durationSeconds: 42, recordingUrl: 'https://pbx.example/rec/1.mp3' });
  });

  it("a ringing call from a known number notifies the deal's responsible live, with the card; nobody else", async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const ivan = await ws.member('Ivan');
    const contact = await createContact(ws, { name: 'Pavel', phones: ['+79161234567'] });
    const deal = await createDeal(ws, { name: 'Boilers', contactIds: [contact.id], responsibleId: ivan.user.id });
    const mine = subscribe(wsUrl, ivan.token, AutomationNotifications, {}, (d) => d.notifications);
    const admins = subscribe(wsUrl, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    try {
      await Promise.all([mine.ready, admins.ready]);
      const r = await send(key, call({ event: 'STARTED', from: '8 (916) 123-45-67', durationSeconds: null, answered: null }));
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ notified: ivan.user.id });
      const [n] = await mine.waitFor((e) => e.length > 0);
      expect(n).toEqual({ kind: 'INCOMING_CALL', cardId: deal.id, text: 'Incoming call from Pavel (+79161234567)' });
      // An unknown number and an outbound call ring nobody.
      expect((await send(key, call({ event: 'STARTED', from: '+7 999 000-00-01' }))).body.notified).toBeUndefined();
      expect((await send(key, call({ event: 'STARTED', direction: 'OUTBOUND', to: '+79161234567' }))).body.notified).toBeUndefined();
      // A second ring from the known number, after them: the outbox delivers in order, so once it
      // is here anything the calls above sent would be here too.
      await send(key, call({ event: 'STARTED', from: '+79161234567' }));
      expect((await mine.waitFor((e) => e.length >= 2)).map((x) => x.kind)).toEqual(['INCOMING_CALL', 'INCOMING_CALL']);
      expect(admins.events).toEqual([]);
    } finally {
      await Promise.all([mine.close(), admins.close()]);
    }
  });

  it('an event whose taking died mid-way is taken again after a few minutes; one still at work answers 409', async ({ workspace: ws, app }) => {
    const key = await apiKey(ws);
    const workspaceId = (await app.deps.db.user.findUniqueOrThrow({ where: { id: rawId(ws.admin.id) } })).workspaceId;
    const dead = call({ from: '+7 916 555-00-01' });
    const busy = call({ from: '+7 916 555-00-02' });
    await app.deps.db.telephonyEvent.create({
      data: { workspaceId, callId: dead.callId, event: 'ENDED', result: { pending: true }, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
    await app.deps.db.telephonyEvent.create({ data: { workspaceId, callId: busy.callId, event: 'ENDED', result: { pending: true } } });
    expect((await send(key, busy)).status).toBe(409);
    const r = await send(key, dead);
    expect([r.status, r.body.replayed]).toEqual([200, undefined]);
    expect((await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((e) => e.node.phones)).toEqual([[{ e164: '+79165550001' }]]);
  });

  it('a missed call from a known number makes a call-back task for the responsible', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const contact = await createContact(ws, { name: 'Olga', phones: ['+79150001122'] });
    const r = await send(key, call({ from: '+7 915 000-11-22', durationSeconds: 0, answered: false }));
    expect(r.status).toBe(200);
    expect(r.body.task).toBeTruthy();
    const tasks = (await ws.gql(Tasks, { filter: { cardId: contact.id }, first: 10 })).tasks.edges.map((x) => x.node);
    expect(tasks).toMatchObject([{ type: 'CALL', text: 'Call back +79150001122 (missed call)', responsible: { id: ws.admin.id } }]);
  });

  it('an unknown caller becomes an incoming lead of source CALL', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const r = await send(key, call({ from: '+7 916 111-22-33' }));
    expect(r.status).toBe(200);
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    expect(r.body.lead).toBe(lead.id);
    expect(lead).toMatchObject({ source: 'CALL', channel: '+74950000000', phones: [{ e164: '+79161112233' }] });
  });

  it('refuses a missing, wrong or read-only key and a malformed event, making nothing', async ({ workspace: ws }) => {
    expect((await send(null, call())).status).toBe(401);
    expect((await send('crm_key_wrong', call())).status).toBe(401);
    expect((await send(ws.token, call())).status).toBe(401);
    expect((await send(await apiKey(ws, ['READ']), call())).status).toBe(403);
    const key = await apiKey(ws);
    expect((await send(key, '{oops')).status).toBe(400);
    expect((await send(key, call({ callId: 'c\u0000' }))).body.fields!.map((f) => f.field)).toEqual(['callId']);
    const bad = await send(key, call({ event: 'RINGING', durationSeconds: -1 }));
    expect(bad.status).toBe(400);
    expect(bad.body.fields!.map((f) => f.field).sort()).toEqual(['durationSeconds', 'event']);
    expect((await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.totalCount).toBe(0);
  });
});

describe('telephony: unknown callers', () => {
  const tasksOf = async (ws: Workspace, cardId: string) => (await ws.gql(Tasks, { filter: { cardId }, first: 10 })).tasks.edges.map((x) => x.node);

  it("an unknown caller's lead gets a call-back task, which moves to the deal when the lead is converted", async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const r = await send(key, call({ from: '+7 916 111-22-44' }));
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    expect(r.body).toMatchObject({ lead: lead.id, task: expect.any(String) });
    const [task] = await tasksOf(ws, lead.id);
    expect(task).toMatchObject({
      id: r.body.task,
      type: 'CALL',
      text: 'Call back +79161112244 (new caller)',
      cardId: lead.id,
      responsible: { id: ws.admin.id },
    });
    const converted = as((await ws.gql(ConvertLead, { input: { id: lead.id, version: lead.version } })).convertLead, 'ConvertLeadSuccess').lead;
    expect(await tasksOf(ws, lead.id)).toEqual([]);
    expect(await tasksOf(ws, converted.deal!.id)).toMatchObject([{ id: task.id, cardId: converted.deal!.id, completedAt: null, version: 2 }]);
  });

  it('a missed call from an unknown number says so in its task; declining the lead completes it with the reason', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    await send(key, call({ from: '+7 916 111-22-55', durationSeconds: 0, answered: false }));
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    expect((await tasksOf(ws, lead.id)).map((t) => [t.text, t.completedAt])).toEqual([['Call back +79161112255 (missed call)', null]]);
    as((await ws.gql(DeclineLead, { id: lead.id, version: lead.version, reason: 'Spam' })).declineLead, 'DeclineLeadSuccess');
    expect(await tasksOf(ws, lead.id)).toMatchObject([{ result: 'Spam', completedAt: expect.any(String) }]);
  });

  it("a lead's task is seen by those who may see the lead, and only they may add one", async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    await send(key, call({ from: '+7 916 111-22-66' }));
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    const tasksToo = [
      { entityType: 'TASK' as const, action: 'VIEW' as const, scope: 'ALL' as const },
      { entityType: 'TASK' as const, action: 'CREATE' as const, scope: 'ALL' as const },
    ];
    const all = await ws.member('All leads', { rights: [{ entityType: 'LEAD', action: 'VIEW', scope: 'ALL' }, ...tasksToo] });
    const own = await ws.member('Own leads', {
      rights: [{ entityType: 'LEAD', action: 'VIEW', scope: 'OWN' }, { entityType: 'LEAD', action: 'EDIT', scope: 'OWN' }, ...tasksToo],
    });
    expect((await all.gql(Tasks, { first: 10 })).tasks.edges.map((e) => e.node.cardId)).toEqual([lead.id]);
    expect((await own.gql(Tasks, { first: 10 })).tasks.totalCount).toBe(0);
    // Seeing a lead is not editing it: no LEAD EDIT, no task on it; out of scope, not found.
    const input = { cardId: lead.id, type: 'CALL' as const, text: 'Call', dueAt: new Date().toISOString() };
    expect((await all.gql(CreateTask, { input })).createTask.__typename).toBe('ForbiddenError');
    expect((await own.gql(CreateTask, { input })).createTask.__typename).toBe('NotFoundError');
    expect(await tasksOf(ws, lead.id)).toHaveLength(1);
  });

  it('per the settings, an unknown caller becomes a contact and a deal in the chosen stage, the call on its timeline and a call-back task on it', async ({
    workspace: ws,
  }) => {
    const key = await apiKey(ws);
    const stage = ws.open[1];
    const set = await ws.gql(UpdateTelephonySettings, { input: { unknownCaller: 'DEAL', pipelineId: ws.pipeline.id, stageId: stage.id } });
    expect(as(set.updateTelephonySettings, 'UpdateTelephonySettingsSuccess').settings).toEqual({
      unknownCaller: 'DEAL',
      pipelineId: ws.pipeline.id,
      stageId: stage.id,
    });
    const r = await send(key, call({ from: '+7 916 111-22-77' }));
    expect(r.status).toBe(200);
    const deal = (await ws.gql(DealNode, { id: r.body.deal as string })).node;
    expect(deal).toMatchObject({
      __typename: 'Deal',
      name: expect.stringContaining('+79161112277'),
      stage: { id: stage.id },
      contacts: [{ id: r.body.contact }],
    });
    const calls = (await ws.gql(Timeline, { cardId: r.body.deal as string, first: 10 })).timeline.edges.filter((x) => x.node.kind === 'CALL');
    expect(calls.map((x) => x.node.id)).toEqual([r.body.timelineEntry]);
    expect(await tasksOf(ws, r.body.deal as string)).toMatchObject([{ id: r.body.task, text: 'Call back +79161112277 (new caller)' }]);
    expect((await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.totalCount).toBe(0);
    // The same number again is a known caller now: its call goes on that deal.
    const again = (await send(key, call({ from: '+79161112277' }))).body;
    expect([typeof again.timelineEntry, again.deal, again.lead]).toEqual(['string', undefined, undefined]);
  });

  it('a deal the stage refuses (a field it requires) falls back to a lead that says why, with its task', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    const stage = ws.open[1];
    await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'INN', requiredStageIds: [stage.id] });
    as(
      (await ws.gql(UpdateTelephonySettings, { input: { unknownCaller: 'DEAL', stageId: stage.id } })).updateTelephonySettings,
      'UpdateTelephonySettingsSuccess',
    );
    const r = await send(key, call({ from: '+7 916 111-22-88' }));
    expect(r.status).toBe(200);
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    expect(r.body).toMatchObject({ lead: lead.id, task: expect.any(String) });
    expect(r.body.deal).toBeUndefined();
    expect(lead.fields.find((f) => f.name === 'dealRefused')?.value).toMatch(/INN/);
    expect(await tasksOf(ws, lead.id)).toHaveLength(1);
  });

  it('a converted or declined lead takes no new task, and a lead out of sight is not found by the task list', async ({ workspace: ws }) => {
    const key = await apiKey(ws);
    await send(key, call({ from: '+7 916 111-23-01' }));
    await send(key, call({ from: '+7 916 111-23-02' }));
    const leads = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    const [a, b] = ['+79161112301', '+79161112302'].map((n) => leads.find((l) => l.phones[0].e164 === n)!);
    as((await ws.gql(ConvertLead, { input: { id: a.id, version: a.version } })).convertLead, 'ConvertLeadSuccess');
    as((await ws.gql(DeclineLead, { id: b.id, version: b.version, reason: 'Spam' })).declineLead, 'DeclineLeadSuccess');
    for (const [lead, said] of [
      [a, /converted: add the task to its cards/],
      [b, /declined/],
    ] as const) {
      const refused = as(
        (await ws.gql(CreateTask, { input: { cardId: lead.id, type: 'CALL', text: 'Late', dueAt: new Date().toISOString() } })).createTask,
        'ValidationError',
      );
      expect(refused.fields).toMatchObject([{ field: 'cardId', message: expect.stringMatching(said) }]);
    }
    // Nothing was added: the converted lead's task went to its deal, the declined lead keeps its completed one.
    expect(await tasksOf(ws, a.id)).toEqual([]);
    expect((await tasksOf(ws, b.id)).map((t) => t.text)).toEqual(['Call back +79161112302 (new caller)']);
    const blind = await ws.member('No leads', { rights: [{ entityType: 'TASK', action: 'VIEW', scope: 'ALL' }] });
    const r = await blind.raw(Tasks, { filter: { cardId: b.id }, first: 10 });
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it("a call-back task the key's user may no longer add is left out: the caller is kept, as a lead that says why", async ({ workspace: ws }) => {
    // A second administrator makes the key, then loses the rights to tasks (a key acts with its user's current role).
    const holder = await ws.member('Key holder', {
      rights: [
        { entityType: 'LEAD', action: 'CREATE', scope: 'ALL' },
        { entityType: 'LEAD', action: 'VIEW', scope: 'ALL' },
        { entityType: 'LEAD', action: 'EDIT', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
      ],
    });
    const adminRole = (await ws.gql(Roles, {})).roles.find((r) => r.isAdmin)!;
    as((await ws.gql(AssignRole, { userId: holder.user.id, roleId: adminRole.id })).assignRole, 'AssignRoleSuccess');
    const key = as((await holder.gql(CreateApiKey, { name: 'PBX', scopes: ['READ', 'WRITE'] })).createApiKey, 'CreateApiKeySuccess').created.key;
    as((await ws.gql(AssignRole, { userId: holder.user.id, roleId: holder.roleId! })).assignRole, 'AssignRoleSuccess');

    const r = await send(key, call({ from: '+7 916 111-23-03' }));
    expect(r.status).toBe(200);
    const [lead] = (await ws.gql(IncomingLeads, { first: 5 })).incomingLeads.edges.map((x) => x.node);
    expect(r.body).toMatchObject({ lead: lead.id, taskRefused: expect.any(String) });
    expect(r.body.task).toBeUndefined();
    expect(lead.fields.find((f) => f.name === 'taskRefused')?.value).toBe(r.body.taskRefused);
    expect(await tasksOf(ws, lead.id)).toEqual([]);
  });

  it('settings: administrators only; a stage of another pipeline, or a place for LEAD, is refused and nothing changes', async ({ workspace: ws }) => {
    const seller = await ws.member('Seller');
    expect((await seller.gql(UpdateTelephonySettings, { input: { unknownCaller: 'DEAL' } })).updateTelephonySettings.__typename).toBe('ForbiddenError');
    const other = await ws.gql(UpdateTelephonySettings, { input: { unknownCaller: 'DEAL', pipelineId: ws.pipeline.id, stageId: ws.open[0].id } });
    as(other.updateTelephonySettings, 'UpdateTelephonySettingsSuccess');
    const p2 = await createPipeline(ws, {
      name: 'Second',
      stages: [
        { name: 'New', kind: 'OPEN' },
        { name: 'Won', kind: 'WON' },
        { name: 'Lost', kind: 'LOST' },
      ],
    });
    const bad = as(
      (await ws.gql(UpdateTelephonySettings, { input: { unknownCaller: 'DEAL', pipelineId: ws.pipeline.id, stageId: p2.stages[0].id } }))
        .updateTelephonySettings,
      'ValidationError',
    );
    expect(bad.fields.map((f) => f.field)).toEqual(['stageId']);
    const forLead = as(
      (await ws.gql(UpdateTelephonySettings, { input: { unknownCaller: 'LEAD', stageId: ws.open[0].id } })).updateTelephonySettings,
      'ValidationError',
    );
    expect(forLead.fields.map((f) => f.field)).toEqual(['stageId']);
    expect((await ws.gql(TelephonySettings, {})).telephonySettings).toEqual({ unknownCaller: 'DEAL', pipelineId: ws.pipeline.id, stageId: ws.open[0].id });
  });
});
