// Automations' later actions and triggers through the public API: a delay that waits in the job
// table, an e-mail received by a real SMTP server (the smtp-server package, on this worker's
// port), a webhook called with the card as the webhook's role sees it (signed), the run log live
// over graphql-ws, time-based triggers (a deal N hours in its stage, a task overdue: stored times
// moved back, no sleeping) and the incoming-lead trigger.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSmtp, type Mail } from './kit/smtp.js';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, test } from './kit/fixtures.js';
import { smtpTestUrl } from './kit/app.js';
import { as } from './kit/results.js';
import { subscribe } from './kit/subscribe.js';
import { advanceAutomationJobs, backdate, backdateTaskDue, parkedAutomationJobs } from './kit/clock.js';
import { createDeal, defineField, readDeal } from './kit/cards.js';
import { CreateTask } from './kit/documents/tasks.js';
import { CreateIncomingLead } from './kit/documents/leads.js';
import { CreateRole, SetFieldAccess } from './kit/documents/users.js';
import { CreateWebhook } from './kit/documents/webhooks.js';
import { AutomationNotifications, AutomationRunLogged, CreateAutomation } from './kit/documents/automations.js';

import { automate, runs, waitRuns } from './kit/automations.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

const HOUR = 3_600_000;

describe('delay', () => {
  it('waits in the job table, then goes on with the next action', async ({ workspace: ws, app }) => {
    const a = await automate(ws, {
      name: 'Later',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ addTag: { tag: 'first' } }, { delay: { hours: 2 } }, { addTag: { tag: 'second' } }],
    });
    const deal = await createDeal(ws, { name: 'Slow' });
    await expect.poll(async () => (await readDeal(ws, deal.id)).tags.map((t) => t.name), { timeout: 20_000, interval: 50 }).toEqual(['first']);
    // Waiting: parked in the job table (a statement after the first tag's commit), nothing logged yet.
    await expect.poll(() => parkedAutomationJobs(app, a.id), { timeout: 20_000, interval: 50 }).toBe(1);
    expect(await runs(ws, a.id)).toEqual([]);
    expect(await advanceAutomationJobs(app, a.id, 2 * HOUR)).toBe(1);
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.actions.map((x) => [x.type, x.ok])).toEqual([
      ['ADD_TAG', true],
      ['DELAY', true],
      ['ADD_TAG', true],
    ]);
    expect((await readDeal(ws, deal.id)).tags.map((t) => t.name)).toEqual(['first', 'second']);
  });

  it('takes from 1 minute to 366 days', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateAutomation, {
      input: { name: 'x', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ delay: {} }, { delay: { days: 400 } }] },
    });
    expect(as(r.createAutomation, 'ValidationError').fields.map((f) => f.field)).toEqual(['actions[0].delay', 'actions[1].delay']);
  });
});

describe('send an e-mail', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let mails: Mail[] = [];
  test.beforeAll(async () => {
    smtp = await startSmtp(Number(new URL(smtpTestUrl()).port));
    mails = smtp.mails;
  });
  test.afterAll(() => smtp.close());

  it('sends the text with placeholders to an address, or to the card’s responsible', async ({ workspace: ws }) => {
    const a = await automate(ws, {
      name: 'Mail',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [
        { sendEmail: { to: 'boss@example.com', subject: 'New deal [name]', text: 'Amount: [amount] [currency]' } },
        { sendEmail: { subject: 'Yours: [name]', text: 'Stage [stage]' } },
      ],
    });
    const deal = await createDeal(ws, { name: 'Big one', amount: '5000' });
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run.status).toBe('SUCCEEDED');
    const mine = mails.filter((m) => m.data.includes('Big one'));
    expect(mine.map((m) => m.to)).toEqual([['boss@example.com'], [ws.email]]);
    expect(mine[0].data).toMatch(/Subject: New deal Big one/);
    expect(mine[0].data).toMatch(/Amount: 5000\.00 RUB/);
    expect(mine[1].data).toMatch(/Subject: Yours: Big one/);
    expect(mine[1].data).toContain(`Stage ${(await readDeal(ws, deal.id)).stage.name}`);
  });

  it('refuses an address that is not one, naming it', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateAutomation, {
      input: { name: 'x', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ sendEmail: { to: 'nobody', subject: 's', text: '[nope]' } }] },
    });
    expect(as(r.createAutomation, 'ValidationError').fields.map((f) => f.field)).toEqual(['actions[0].sendEmail.to', 'actions[0].sendEmail.text']);
  });
});

describe('call a webhook', () => {
  type Received = { headers: IncomingHttpHeaders; body: string };
  const got: Received[] = [];
  let server: Server;
  let hookUrl: string;
  test.beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the card, signed, without the fields the webhook’s role may not see', async ({ workspace: ws }) => {
    const role = as((await ws.gql(CreateRole, { name: 'Accounting', rights: [] })).createRole, 'CreateRoleSuccess').role;
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    const created = as(
      (await ws.gql(CreateWebhook, { input: { url: hookUrl, eventTypes: ['CARD_UPDATED'], roleId: role.id } })).createWebhook,
      'CreateWebhookSuccess',
    ).result;
    const a = await automate(ws, {
      name: 'Tell accounting',
      trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' },
      actions: [{ callWebhook: { webhookId: created.webhook.id } }],
    });
    const deal = await createDeal(ws, { name: 'Secret amount', amount: '777.25' });
    await waitRuns(ws, a.id, 1);
    await expect.poll(() => got.filter((g) => g.body.includes('Secret amount')).length, { timeout: 20_000, interval: 50 }).toBe(1);
    const r = got.find((g) => g.body.includes('Secret amount'))!;
    const event = new Webhook(created.secret).verify(r.body, r.headers as Record<string, string>) as {
      type: string;
      data: { id: string; card: Record<string, unknown>; automation: { name: string } };
    };
    expect(event.type).toBe('automation.called');
    expect(event.data.id).toBe(deal.id);
    expect(event.data.automation.name).toBe('Tell accounting');
    expect(event.data.card.name).toBe('Secret amount');
    expect(event.data.card).not.toHaveProperty('amount');
    expect(event.data.card).not.toHaveProperty('currency');
    // With its decimal point: ids, signatures and timestamps never hold '777.25' by chance.
    expect(r.body).not.toContain('777.25');
  });

  it('filters a subscribed webhook’s payloads by its role too', async ({ workspace: ws }) => {
    const role = as((await ws.gql(CreateRole, { name: 'Partners', rights: [] })).createRole, 'CreateRoleSuccess').role;
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: role.id, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await ws.gql(CreateWebhook, { input: { url: hookUrl, eventTypes: ['CARD_CREATED'], roleId: role.id } });
    await createDeal(ws, { name: 'Partner deal', amount: '4242.25' });
    await expect.poll(() => got.filter((g) => g.body.includes('Partner deal')).length, { timeout: 20_000, interval: 50 }).toBe(1);
    const body = got.find((g) => g.body.includes('Partner deal'))!.body;
    expect(JSON.parse(body).data.card).not.toHaveProperty('amount');
    expect(body).not.toContain('4242.25');
  });
  it('failing before: leaves out a formula over a field the role may not see, as the API does', async ({ workspace: ws }) => {
    const role = as((await ws.gql(CreateRole, { name: 'Resellers', rights: [] })).createRole, 'CreateRoleSuccess').role;
    const margin = await defineField(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Margin', code: 'margin' });
    await defineField(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'Margin twice', code: 'margin_twice', formula: 'margin * 2' });
    const note = await defineField(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Reseller note' });
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: role.id, entityType: 'DEAL', customFieldId: margin.id, access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await ws.gql(CreateWebhook, { input: { url: hookUrl, eventTypes: ['CARD_CREATED'], roleId: role.id } });
    const deal = await createDeal(ws, {
      name: 'Reseller deal',
      customFields: [
        { fieldId: margin.id, value: { number: '31337.25' } },
        { fieldId: note.id, value: { text: 'visible to resellers' } },
      ],
    });
    await expect.poll(() => got.filter((g) => g.body.includes('Reseller deal')).length, { timeout: 20_000, interval: 50 }).toBe(1);
    const body = got.find((g) => g.body.includes('Reseller deal'))!.body;
    expect(body).not.toContain('31337.25');
    expect(body).not.toContain('62674.5');
    expect(body).toContain('visible to resellers');
    // The formula was computed and stored: only the role's view leaves it out.
    expect(JSON.stringify(await readDeal(ws, deal.id))).toContain('62674.5');
  });
});

describe('the run log, live', () => {
  it('tells administrators of each run as it is logged; others may not listen', async ({ workspace: ws }) => {
    const a = await automate(ws, { name: 'Tagger', trigger: { type: 'CARD_CREATED', cardKind: 'DEAL' }, actions: [{ addTag: { tag: 'live' } }] });
    const seller = await ws.member('Seller');
    const refused = subscribe(url, seller.token!, AutomationRunLogged, { automationId: a.id }, (d) => d.automationRunLogged);
    const sub = subscribe(url, ws.token, AutomationRunLogged, { automationId: a.id }, (d) => d.automationRunLogged);
    await sub.ready;
    const deal = await createDeal(ws, { name: 'Watched' });
    const [run] = await sub.waitFor((e) => e.length >= 1, 20_000);
    await sub.close();
    expect(run).toMatchObject({ trigger: 'record.created', status: 'SUCCEEDED', cardId: deal.id, actions: [{ type: 'ADD_TAG', ok: true }] });
    await refused.waitFor(() => false, 2000);
    expect(refused.events).toEqual([]);
    expect(refused.errors.length).toBe(1);
    await refused.close();
  });
});

describe('time-based triggers', () => {
  it('fires once when a deal has stayed N hours in its stage', async ({ workspace: ws, app }) => {
    const a = await automate(ws, {
      name: 'Stuck',
      trigger: { type: 'IN_STAGE_FOR', hours: 48, stageId: ws.open[0].id },
      actions: [{ addTag: { tag: 'stuck' } }],
    });
    const stuck = await createDeal(ws, { name: 'Stuck', stageId: ws.open[0].id });
    const fresh = await createDeal(ws, { name: 'Fresh', stageId: ws.open[0].id });
    await backdate(app, 'Deal', stuck.id, 49 * HOUR);
    await backdate(app, 'Deal', fresh.id, 47 * HOUR);
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run).toMatchObject({ trigger: 'deal.inStage', cardId: stuck.id, status: 'SUCCEEDED' });
    expect((await readDeal(ws, stuck.id)).tags.map((t) => t.name)).toEqual(['stuck']);
    // Later sweeps find the same stay again and queue nothing; the fresh deal's time has not come.
    const more = await createDeal(ws, { name: 'Later', stageId: ws.open[0].id });
    await backdate(app, 'Deal', more.id, 49 * HOUR);
    await waitRuns(ws, a.id, 2);
    expect((await runs(ws, a.id)).map((r) => r.cardId).sort()).toEqual([stuck.id, more.id].sort());
    expect((await readDeal(ws, fresh.id)).tags.map((t) => t.name)).toEqual([]);
  });

  it('fires once when a task is overdue', async ({ workspace: ws, app }) => {
    const a = await automate(ws, { name: 'Late', trigger: { type: 'TASK_OVERDUE', cardKind: 'DEAL' }, actions: [{ addTag: { tag: 'late' } }] });
    const deal = await createDeal(ws, { name: 'Call them' });
    const t = await ws.gql(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'Call', dueAt: new Date(Date.now() + HOUR).toISOString() } });
    const task = as(t.createTask, 'CreateTaskSuccess').task;
    await backdateTaskDue(app, task.id, 2 * HOUR);
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run).toMatchObject({ trigger: 'task.overdue', cardId: deal.id, status: 'SUCCEEDED' });
    expect((await readDeal(ws, deal.id)).tags.map((t) => t.name)).toEqual(['late']);
  });
});

describe('incoming leads', () => {
  it('a lead arriving fires the LEAD trigger', async ({ workspace: ws }) => {
    const sub = subscribe(url, ws.token, AutomationNotifications, {}, (d) => d.notifications);
    await sub.ready;
    const a = await automate(ws, {
      name: 'New lead',
      trigger: { type: 'CARD_CREATED', cardKind: 'LEAD' },
      actions: [{ notify: { text: 'Lead from [name]' } }],
    });
    const lead = await ws.gql(CreateIncomingLead, { input: { name: 'Ivan Petrov', phones: ['+79001234567'] } });
    as(lead.createIncomingLead, 'CreateIncomingLeadSuccess');
    const [run] = await waitRuns(ws, a.id, 1);
    expect(run).toMatchObject({ trigger: 'lead.received', status: 'SUCCEEDED' });
    const got = await sub.waitFor((e) => e.some((n) => n.text === 'Lead from Ivan Petrov'), 20_000);
    await sub.close();
    expect(got.find((n) => n.text === 'Lead from Ivan Petrov')).toMatchObject({ kind: 'AUTOMATION' });
  });

  it('takes only the actions a lead allows', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateAutomation, {
      input: { name: 'x', trigger: { type: 'CARD_CREATED', cardKind: 'LEAD' }, actions: [{ addTag: { tag: 'x' } }] },
    });
    expect(as(r.createAutomation, 'ValidationError').fields.map((f) => f.field)).toEqual(['actions[0]']);
  });
});
