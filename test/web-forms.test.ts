// Web forms through the real HTTP server: administrators set a form up (`createWebForm`), and a
// site posts it to `POST /forms/<key>` as urlencoded, multipart (files become attachments) or
// JSON. Checked here: leads and deals it makes, values read as the custom field types demand,
// per-field errors (400), unknown keys (404), CORS per allowed origin, idempotency, rate limits
// (429 + Retry-After), the honeypot, matching an existing contact, round-robin over a team.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import { as, rawId } from './kit/results.js';
import { createContact, defineField, readDeal } from './kit/cards.js';
import { Contacts } from './kit/documents/contacts.js';
import { Deals } from './kit/documents/deals.js';
import { Timeline } from './kit/documents/timeline.js';
import { CreateTeam } from './kit/documents/users.js';
import { IncomingLeads, ConvertLead } from './kit/documents/leads.js';
import { CreateWebForm, WebForms } from './kit/documents/web-forms.js';
import type { CreateWebFormInput } from './gql/graphql.js';

let base: string;
test.beforeAll(({ url }) => {
  base = url.replace(/\/graphql$/, '');
});

const CONTACT_FIELDS: CreateWebFormInput['fields'] = [
  { name: 'name', target: 'NAME' },
  { name: 'phone', target: 'PHONE' },
  { name: 'email', target: 'EMAIL' },
  { name: 'company', target: 'COMPANY' },
  { name: 'comment', target: 'MESSAGE' },
];

async function form(ws: Workspace, input: Partial<CreateWebFormInput> = {}) {
  const r = await ws.gql(CreateWebForm, { input: { name: 'Site form', fields: CONTACT_FIELDS, allowedOrigins: ['https://shop.example'], ...input } });
  return as(r.createWebForm, 'CreateWebFormSuccess').form;
}

type Answer = { status: number; body: Record<string, unknown> & { fields?: { field: string; message: string }[] }; headers: Headers };

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as Answer['body'], headers: res.headers };
}
const urlencoded = (path: string, values: Record<string, string>, headers: Record<string, string> = {}) =>
  post(path, new URLSearchParams(values), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
const json = (path: string, value: unknown, headers: Record<string, string> = {}) =>
  post(path, JSON.stringify(value), { 'content-type': 'application/json', ...headers });

const leadsOf = async (ws: Workspace) => (await ws.gql(IncomingLeads, { first: 50 })).incomingLeads.edges.map((e) => e.node);
const contactCount = async (ws: Workspace) => (await ws.gql(Contacts, { first: 1 })).contacts.totalCount;
const dealCount = async (ws: Workspace) => (await ws.gql(Deals, { first: 1 })).deals.totalCount;

describe('setting up web forms', () => {
  it('gives the form a public key; administrators only; every bad field named at once', async ({ workspace: ws }) => {
    const f = await form(ws);
    expect(f).toMatchObject({ name: 'Site form', target: 'LEAD', honeypot: 'website', allowedOrigins: ['https://shop.example'] });
    expect(f.key).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(f.path).toBe(`/forms/${f.key}`);
    expect((await ws.gql(WebForms, {})).webForms.map((x) => x.id)).toEqual([f.id]);

    const member = await ws.member('Seller');
    expect(as((await member.gql(CreateWebForm, { input: { name: 'X', fields: CONTACT_FIELDS } })).createWebForm, 'ForbiddenError').code).toBe('FORBIDDEN');

    const bad = as(
      (
        await ws.gql(CreateWebForm, {
          input: {
            name: 'Bad',
            fields: [
              { name: 'phone', target: 'PHONE' },
              { name: 'phone', target: 'EMAIL' },
              { name: 'bad name!', target: 'NAME' },
              { name: 'budget', target: 'CUSTOM' },
            ],
            allowedOrigins: ['shop.example', 'https://ok.example'],
          },
        })
      ).createWebForm,
      'ValidationError',
    );
    expect(bad.fields!.map((x) => x.field).sort()).toEqual(['allowedOrigins[0]', 'fields[1].name', 'fields[2].name', 'fields[3].customFieldId']);
    expect((await ws.gql(WebForms, {})).webForms).toHaveLength(1);
  });
});

describe('POST /forms/<key>', () => {
  it('urlencoded: an incoming lead as it arrived, phone in the workspace region, 201 with the lead', async ({ workspace: ws }) => {
    const f = await form(ws);
    const r = await urlencoded(f.path, { name: 'Ivan', phone: '8 (912) 345-67-89', email: 'Ivan@Mail.ru', company: 'Horns', comment: 'Call me back' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ ok: true });
    const [lead] = await leadsOf(ws);
    expect(r.body.lead).toBe(lead.id);
    expect(lead).toMatchObject({
      source: 'FORM',
      channel: 'Site form',
      status: 'NEW',
      name: 'Ivan',
      phones: [{ e164: '+79123456789' }],
      emails: ['ivan@mail.ru'],
      companyName: 'Horns',
      message: 'Call me back',
      responsible: { id: ws.admin.id },
    });
  });

  it("400 with every bad field, in the caller's language, and nothing made", async ({ workspace: ws }) => {
    const f = await form(ws, { fields: [...CONTACT_FIELDS.slice(0, 3), { name: 'agree', target: 'MESSAGE', required: true }] });
    const r = await json(f.path, { name: 'Ivan', phone: '12', email: 'nope', extra: 'x' }, { 'accept-language': 'ru' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('Некоторые поля заполнены неверно');
    expect(r.body.fields!.map((x) => x.field).sort()).toEqual(['agree', 'email', 'extra', 'phone']);
    expect(r.body.fields!.find((x) => x.field === 'agree')!.message).toBe('обязательное поле');
    expect(await leadsOf(ws)).toEqual([]);
  });

  it('404 for an unknown key, 400 for a body that is not a form or a JSON object', async ({ workspace: ws }) => {
    expect((await json('/forms/no-such-key', { name: 'x' })).status).toBe(404);
    const f = await form(ws);
    expect((await post(f.path, '{not json', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post(f.path, '[1,2]', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post(f.path, 'name=x', { 'content-type': 'text/plain' })).status).toBe(400);
    expect(await leadsOf(ws)).toEqual([]);
  });

  it('a DEAL form: a contact, its company and a deal in the stage, custom values read as their types demand', async ({ workspace: ws }) => {
    const budget = await defineField(ws, { entityType: 'DEAL', name: 'Budget', type: 'NUMBER' });
    const callback = await defineField(ws, { entityType: 'DEAL', name: 'Call back', type: 'BOOLEAN' });
    const f = await form(ws, {
      target: 'DEAL',
      pipelineId: ws.pipeline.id,
      stageId: ws.open[1].id,
      fields: [
        ...CONTACT_FIELDS,
        { name: 'budget', target: 'CUSTOM', customFieldId: budget.id },
        { name: 'callback', target: 'CUSTOM', customFieldId: callback.id },
      ],
    });
    const bad = await json(f.path, { name: 'Olga', phone: '+7 915 000-11-22', budget: 'a lot', callback: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields!.map((x) => x.field).sort()).toEqual(['budget', 'callback']);
    expect(await dealCount(ws)).toBe(0);

    const r = await json(f.path, { name: 'Olga', phone: '+7 915 000-11-22', company: 'Olga LLC', comment: 'Need a quote', budget: '1500,50', callback: 'yes' });
    expect(r.status).toBe(201);
    const deal = await readDeal(ws, r.body.deal as string);
    expect(deal).toMatchObject({ stage: { id: ws.open[1].id }, company: { name: 'Olga LLC' }, contacts: [{ id: r.body.contact, name: 'Olga' }] });
    const values = Object.fromEntries(deal.customFields.map((c) => [c.field.id, c]));
    expect(values[budget.id]).toMatchObject({ number: '1500.5' });
    expect(values[callback.id]).toMatchObject({ boolean: true });
    const notes = (await ws.gql(Timeline, { cardId: deal.id, first: 10 })).timeline.edges.map((e) => e.node.text);
    expect(notes).toContain('Need a quote');
  });

  it('multipart: uploaded files become attachments on the deal', async ({ workspace: ws }) => {
    const f = await form(ws, { target: 'DEAL', fields: [...CONTACT_FIELDS, { name: 'attachment', target: 'FILE' }] });
    const body = new FormData();
    body.set('name', 'Petr');
    body.set('email', 'petr@example.com');
    body.set('attachment', new File(['spec sheet'], 'spec.txt', { type: 'text/plain' }));
    const r = await post(f.path, body);
    expect(r.status).toBe(201);
    const entries = (await ws.gql(Timeline, { cardId: r.body.deal as string, first: 10 })).timeline.edges.map((e) => e.node);
    expect(entries.find((e) => e.kind === 'ATTACHMENT')?.attachment).toMatchObject({ name: 'spec.txt' });
  });

  it("multipart into a lead: the file waits with the lead and goes to the deal's timeline on conversion", async ({ workspace: ws }) => {
    const f = await form(ws, { fields: [...CONTACT_FIELDS, { name: 'cv', target: 'FILE' }] });
    const body = new FormData();
    body.set('name', 'Vera');
    body.set('cv', new File(['%PDF'], 'brief.pdf', { type: 'application/pdf' }));
    expect((await post(f.path, body)).status).toBe(201);
    const [lead] = await leadsOf(ws);
    const c = as((await ws.gql(ConvertLead, { input: { id: lead.id, version: lead.version } })).convertLead, 'ConvertLeadSuccess').lead;
    const entries = (await ws.gql(Timeline, { cardId: c.deal!.id, first: 10 })).timeline.edges.map((e) => e.node);
    expect(entries.find((e) => e.kind === 'ATTACHMENT')?.attachment).toMatchObject({ name: 'brief.pdf' });
  });

  it('a submission matching a contact by phone or e-mail attaches to it instead of making a copy', async ({ workspace: ws }) => {
    const known = await createContact(ws, { name: 'Known', phones: ['+79123456789'] });
    const dealForm = await form(ws, { target: 'DEAL' });
    const before = await contactCount(ws);
    const r = await urlencoded(dealForm.path, { name: 'Someone', phone: '89123456789', company: 'Other Co' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ contact: known.id, attachedToExisting: true });
    expect(await contactCount(ws)).toBe(before);
    expect((await readDeal(ws, r.body.deal as string)).contacts.map((c) => c.id)).toEqual([known.id]);

    const leadForm = await form(ws);
    await urlencoded(leadForm.path, { name: 'Someone', phone: '+7 912 345 67 89' });
    const [lead] = await leadsOf(ws);
    expect(lead.contact).toMatchObject({ id: known.id });
    const c = as((await ws.gql(ConvertLead, { input: { id: lead.id, version: lead.version } })).convertLead, 'ConvertLeadSuccess').lead;
    expect(c.deal!.contacts.map((x) => x.id)).toEqual([known.id]);
    expect(await contactCount(ws)).toBe(before);
  });

  it('idempotent by the Idempotency-Key header or the hidden field: a resubmission makes no second card', async ({ workspace: ws }) => {
    const f = await form(ws);
    const first = await urlencoded(f.path, { name: 'Anna' }, { 'idempotency-key': 'k-1' });
    const again = await urlencoded(f.path, { name: 'Anna' }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, lead: first.body.lead });
    await json(f.path, { name: 'Boris', _idempotency_key: 'k-2' });
    await json(f.path, { name: 'Boris', _idempotency_key: 'k-2' });
    expect((await leadsOf(ws)).map((l) => l.name)).toEqual(['Boris', 'Anna']);
    // A refused submission may be corrected and sent again under its key.
    expect((await json(f.path, { phone: '1', _idempotency_key: 'k-3' })).status).toBe(400);
    expect((await json(f.path, { name: 'Vera', _idempotency_key: 'k-3' })).status).toBe(201);
  });

  it('a submission whose taking died mid-way is taken again after a few minutes; one still at work answers 409', async ({ workspace: ws, app }) => {
    const f = await form(ws);
    const formId = rawId(f.id);
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    // As a crashed process leaves them: claimed, never finished.
    await app.deps.db.webFormSubmission.create({ data: { formId, idempotencyKey: 'k-dead', result: { pending: true }, createdAt: tenMinutesAgo } });
    await app.deps.db.webFormSubmission.create({ data: { formId, idempotencyKey: 'k-busy', result: { pending: true } } });
    const busy = await json(f.path, { name: 'Busy', _idempotency_key: 'k-busy' });
    expect(busy.status).toBe(409);
    const revived = await json(f.path, { name: 'Revived', _idempotency_key: 'k-dead' });
    expect(revived.status).toBe(201);
    expect((await json(f.path, { name: 'Revived', _idempotency_key: 'k-dead' })).body).toMatchObject({ replayed: true, lead: revived.body.lead });
    expect((await leadsOf(ws)).map((l) => l.name)).toEqual(['Revived']);
  });

  it('drops what fills the honeypot, thanking the bot; refuses other origins and answers CORS for allowed ones', async ({ workspace: ws }) => {
    const f = await form(ws);
    const bot = await urlencoded(f.path, { name: 'Bot', website: 'http://spam.example' });
    expect(bot.status).toBe(200);
    expect(await leadsOf(ws)).toEqual([]);

    const pre = await fetch(`${base}${f.path}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');

    const ok = await urlencoded(f.path, { name: 'Real' }, { origin: 'https://shop.example' });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const refused = await urlencoded(f.path, { name: 'Elsewhere' }, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect((await leadsOf(ws)).map((l) => l.name)).toEqual(['Real']);
  });

  it('rate-limits a visitor per form: 429 with Retry-After, nothing made', async ({ workspace: ws }) => {
    const f = await form(ws);
    // Five a minute in fixed windows: within eleven tries one is refused, even when the tries
    // straddle the turn of a minute (the window resets once).
    let accepted = 0;
    let limited: Awaited<ReturnType<typeof urlencoded>> | undefined;
    for (let i = 0; i < 11 && !limited; i++) {
      const r = await urlencoded(f.path, { name: `Lead ${i}` });
      if (r.status === 429) limited = r;
      else if (r.status === 201) accepted++;
    }
    expect(limited?.status).toBe(429);
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.body.error).toMatch(/Too many submissions/);
    expect(await leadsOf(ws)).toHaveLength(accepted);
  });

  it('hands submissions to a team in turn', async ({ workspace: ws }) => {
    const a = await ws.member('Anna');
    const b = await ws.member('Boris');
    const team = as((await ws.gql(CreateTeam, { input: { name: 'Inbound', memberIds: [a.user.id, b.user.id] } })).createTeam, 'CreateTeamSuccess').team;
    const f = await form(ws, { teamId: team.id });
    for (const name of ['One', 'Two', 'Three']) expect((await urlencoded(f.path, { name })).status).toBe(201);
    const owners = (await leadsOf(ws)).reverse().map((l) => l.responsible.name);
    expect(owners[0]).not.toBe(owners[1]);
    expect(owners[2]).toBe(owners[0]);
    expect(new Set(owners)).toEqual(new Set(['Anna', 'Boris']));
  });
});
