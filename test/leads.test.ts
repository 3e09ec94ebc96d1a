// Incoming leads through the public API: a lead from the API as it arrived (phones in E.164 in
// the workspace's region), its possible duplicates, the inbox with its filters, handing over and
// taking into work, declining with a reason, converting into contact + company + deal (or onto
// existing cards) in one transaction through the kernel, LEAD rights, and the live
// `incomingLeadReceived`; then `duplicates` and `mergeContacts`.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { subscribe } from './kit/subscribe.js';
import { as } from './kit/results.js';
import { createCompany, createContact, createDeal, readContact, readDeal } from './kit/cards.js';
import { Contacts } from './kit/documents/contacts.js';
import { Deals } from './kit/documents/deals.js';
import { Timeline, AddNote } from './kit/documents/timeline.js';
import { CreateTask, Tasks } from './kit/documents/tasks.js';
import { CreateLossReason } from './kit/documents/pipelines.js';
import {
  ConvertLead,
  CreateContactWithDuplicates,
  CreateIncomingLead,
  DeclineLead,
  Duplicates,
  IncomingLeadReceived,
  IncomingLeads,
  MergeContacts,
  UpdateIncomingLead,
} from './kit/documents/leads.js';
import type { CreateIncomingLeadInput, IncomingLeadFilter, RoleRightInput } from './gql/graphql.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

async function lead(c: Client, input: CreateIncomingLeadInput) {
  return as((await c.gql(CreateIncomingLead, { input })).createIncomingLead, 'CreateIncomingLeadSuccess').lead;
}
async function inbox(c: Client, filter?: IncomingLeadFilter) {
  const r = (await c.gql(IncomingLeads, { filter, first: 50 })).incomingLeads;
  return { count: r.totalCount, names: r.edges.map((e) => e.node.name) };
}
const countContacts = async (c: Client) => (await c.gql(Contacts, { first: 1 })).contacts.totalCount;
const countDeals = async (c: Client) => (await c.gql(Deals, { first: 1 })).deals.totalCount;
const fieldsOf = (e: { fields?: { field: string }[] }) => (e.fields ?? []).map((f) => f.field);

describe('incoming leads: receiving and the inbox', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
  });

  it('keeps a lead as it arrived, phones in E.164, and lists the contacts that look like the same person', async () => {
    const ivan = await createContact(ws, { name: 'Ivan Petrov', phones: ['+7 912 345-67-89'] });
    const olga = await createContact(ws, { name: 'Olga', emails: ['olga@example.com'] });
    await createContact(ws, { name: 'Somebody else', phones: ['+7 900 000-00-01'] });
    const l = await lead(ws, {
      name: '  Ivan  ',
      phones: ['8 (912) 345 67 89'],
      emails: ['OLGA@Example.com'],
      companyName: 'Horns & Hoofs',
      message: 'Call me about the delivery',
      channel: 'landing',
      rating: 'HOT',
    });
    expect(l).toMatchObject({
      source: 'API',
      status: 'NEW',
      rating: 'HOT',
      channel: 'landing',
      name: 'Ivan',
      phones: [{ e164: '+79123456789' }],
      emails: ['olga@example.com'],
      companyName: 'Horns & Hoofs',
      message: 'Call me about the delivery',
      responsible: { id: ws.admin.id },
      contact: null,
      deal: null,
      version: 1,
    });
    expect(l.possibleDuplicates.map((d) => d.id).sort()).toEqual([ivan.id, olga.id].sort());
  });

  it('refuses bad input field by field, and a lead with nothing to reach anyone by, creating nothing', async () => {
    const before = await inbox(ws);
    const bad = as((await ws.gql(CreateIncomingLead, { input: { name: 'X', phones: ['12'], emails: ['not-mail'] } })).createIncomingLead, 'ValidationError');
    expect(fieldsOf(bad).sort()).toEqual(['emails[0]', 'phones[0]']);
    const empty = as((await ws.gql(CreateIncomingLead, { input: { message: 'hello' } })).createIncomingLead, 'ValidationError');
    expect(fieldsOf(empty)).toEqual(['name']);
    expect((await inbox(ws)).count).toBe(before.count);
  });

  it('filters the inbox by source, status, rating, channel, date and search (a phone in any format)', async ({ signUp }) => {
    const w = await signUp();
    await lead(w, { name: 'Anna', phones: ['+7 915 111-22-33'], channel: 'site', rating: 'COLD' });
    const b = await lead(w, { name: 'Boris', emails: ['boris@mail.ru'], channel: 'expo' });
    await lead(w, { name: 'Vera', message: 'wholesale prices please', channel: 'site' });
    expect(await inbox(w)).toEqual({ count: 3, names: ['Vera', 'Boris', 'Anna'] });
    expect((await inbox(w, { channels: ['site'] })).names).toEqual(['Vera', 'Anna']);
    expect((await inbox(w, { ratings: ['COLD'] })).names).toEqual(['Anna']);
    expect((await inbox(w, { sources: ['API'] })).count).toBe(3);
    expect((await inbox(w, { sources: ['FORM', 'CALL'] })).count).toBe(0);
    expect((await inbox(w, { search: '8 915 111 22 33' })).names).toEqual(['Anna']);
    expect((await inbox(w, { search: 'BORIS@' })).names).toEqual(['Boris']);
    expect((await inbox(w, { search: 'wholesale' })).names).toEqual(['Vera']);
    expect((await inbox(w, { receivedAt: { from: new Date(Date.now() + 60_000).toISOString() } })).count).toBe(0);
    await w.gql(DeclineLead, { id: b.id, version: 1, reason: 'Spam' });
    expect((await inbox(w, { statuses: ['NEW'] })).names).toEqual(['Vera', 'Anna']);
    expect((await inbox(w, { statuses: ['DECLINED'] })).names).toEqual(['Boris']);
  });

  it('hands a lead over and takes it into work, with versions; declines only with a reason, once', async () => {
    const seller = await ws.member('Seller');
    const l = await lead(ws, { name: 'Petr' });
    const moved = as(
      (await ws.gql(UpdateIncomingLead, { input: { id: l.id, version: 1, responsibleId: seller.user.id, status: 'IN_WORK', rating: 'COLD' } }))
        .updateIncomingLead,
      'UpdateIncomingLeadSuccess',
    ).lead;
    expect(moved).toMatchObject({ status: 'IN_WORK', rating: 'COLD', responsible: { id: seller.user.id }, version: 2 });
    const stale = as((await ws.gql(UpdateIncomingLead, { input: { id: l.id, version: 1, rating: 'HOT' } })).updateIncomingLead, 'ConflictError');
    expect(stale.currentVersion).toBe(2);
    const noDecide = as((await ws.gql(UpdateIncomingLead, { input: { id: l.id, version: 2, status: 'CONVERTED' } })).updateIncomingLead, 'ValidationError');
    expect(fieldsOf(noDecide)).toEqual(['status']);

    const noReason = as((await ws.gql(DeclineLead, { id: l.id, version: 2, reason: '   ' })).declineLead, 'ValidationError');
    expect(fieldsOf(noReason)).toEqual(['reason']);
    const declined = as((await ws.gql(DeclineLead, { id: l.id, version: 2, reason: ' Not our region ' })).declineLead, 'DeclineLeadSuccess').lead;
    expect(declined).toMatchObject({ status: 'DECLINED', declineReason: 'Not our region', version: 3 });
    expect(declined.decidedAt).not.toBeNull();
    const again = as((await ws.gql(DeclineLead, { id: l.id, version: 3, reason: 'again' })).declineLead, 'ValidationError');
    expect(again.message).toMatch(/already declined/);
  });
});

describe('converting a lead', () => {
  it('makes a contact, its company and a deal in the chosen stage, with the message on the deal timeline', async ({ workspace: ws }) => {
    const l = await lead(ws, {
      name: 'Ivan Petrov',
      phones: ['+7 912 345-67-89'],
      emails: ['ivan@example.com'],
      companyName: 'Horns',
      message: 'Need 10 tons',
    });
    const stage = ws.open[1];
    const c = as(
      (
        await ws.gql(ConvertLead, {
          input: { id: l.id, version: 1, deal: { name: 'Ten tons', pipelineId: ws.pipeline.id, stageId: stage.id, amount: '1500' } },
        })
      ).convertLead,
      'ConvertLeadSuccess',
    ).lead;
    expect(c).toMatchObject({
      status: 'CONVERTED',
      version: 2,
      contact: { name: 'Ivan Petrov', phones: [{ e164: '+79123456789' }], emails: ['ivan@example.com'], company: { name: 'Horns' } },
      company: { name: 'Horns' },
      deal: { name: 'Ten tons', stage: { id: stage.id }, contacts: [{ name: 'Ivan Petrov' }] },
    });
    const deal = await readDeal(ws, c.deal!.id);
    expect(deal).toMatchObject({ amount: '1500.00', company: { name: 'Horns' } });
    const entries = (await ws.gql(Timeline, { cardId: c.deal!.id, first: 20 })).timeline.edges.map((e) => e.node);
    expect(entries.map((e) => e.kind)).toEqual(['NOTE', 'CARD_CREATED']);
    expect(entries[0].text).toBe('Need 10 tons');

    // Decided once.
    const again = as((await ws.gql(ConvertLead, { input: { id: l.id, version: 2 } })).convertLead, 'ValidationError');
    expect(again.message).toMatch(/already converted/);
  });

  it("by default: the first pipeline's first open stage, named after the lead; or no deal at all", async ({ workspace: ws }) => {
    const l = await lead(ws, { name: 'Olga' });
    const c = as((await ws.gql(ConvertLead, { input: { id: l.id, version: 1 } })).convertLead, 'ConvertLeadSuccess').lead;
    expect(c).toMatchObject({ company: null, contact: { name: 'Olga' }, deal: { name: 'Lead: Olga', stage: { id: ws.open[0].id } } });
    const m = await lead(ws, { emails: ['nobody@example.com'] });
    const only = as((await ws.gql(ConvertLead, { input: { id: m.id, version: 1, createDeal: false } })).convertLead, 'ConvertLeadSuccess').lead;
    expect(only).toMatchObject({ deal: null, contact: { name: 'nobody@example.com' } });
  });

  it('goes onto the cards the user picks: no new contact, the contact joins the deal', async ({ workspace: ws }) => {
    const contact = await createContact(ws, { name: 'Known client' });
    const other = await createContact(ws, { name: 'Partner' });
    const deal = await createDeal(ws, { name: 'Running deal', contactIds: [other.id] });
    const contacts = await countContacts(ws);
    const l = await lead(ws, { name: 'Known client', message: 'One more order' });
    const c = as(
      (await ws.gql(ConvertLead, { input: { id: l.id, version: 1, contactId: contact.id, dealId: deal.id } })).convertLead,
      'ConvertLeadSuccess',
    ).lead;
    expect(c).toMatchObject({ contact: { id: contact.id }, deal: { id: deal.id, contacts: [{ name: 'Partner' }, { name: 'Known client' }] } });
    expect(await countContacts(ws)).toBe(contacts);
    const notes = (await ws.gql(Timeline, { cardId: deal.id, first: 20 })).timeline.edges.map((e) => e.node.text);
    expect(notes).toContain('One more order');
  });

  it("fails as a whole: a stage's requirements or a missing card leave no contact, company or deal behind", async ({ workspace: ws }) => {
    await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Price' });
    const l = await lead(ws, { name: 'Anna', companyName: 'Anna LLC' });
    const [contacts, deals] = [await countContacts(ws), await countDeals(ws)];
    const refused = (await ws.gql(ConvertLead, { input: { id: l.id, version: 1, deal: { stageId: ws.lost.id } } })).convertLead;
    expect(refused).toMatchObject({ __typename: 'StageRequirementsError', lossReasonRequired: true });
    const gone = await createContact(ws, { name: 'Gone' });
    await ws.gql(MergeContacts, { keepId: (await createContact(ws, { name: 'Keeper' })).id, version: 1, mergeId: gone.id });
    const missing = as((await ws.gql(ConvertLead, { input: { id: l.id, version: 1, contactId: gone.id, dealId: 'bad' } })).convertLead, 'ValidationError');
    expect(fieldsOf(missing).sort()).toEqual(['contactId', 'dealId']);
    expect(await countContacts(ws)).toBe(contacts + 1);
    expect(await countDeals(ws)).toBe(deals);
    expect((await inbox(ws, { statuses: ['NEW'] })).names).toEqual(['Anna']);
  });
});

describe('incoming leads: LEAD rights', () => {
  const leadRights = (view: 'OWN' | 'ALL', edit: 'NONE' | 'OWN' | 'ALL'): RoleRightInput[] => [
    { entityType: 'LEAD', action: 'VIEW', scope: view },
    { entityType: 'LEAD', action: 'CREATE', scope: 'OWN' },
    { entityType: 'LEAD', action: 'EDIT', scope: edit },
  ];

  it('lists and finds only leads within the LEAD VIEW scope; a role without LEAD sees none', async ({ workspace: ws }) => {
    const own = await ws.member('Own', { rights: leadRights('OWN', 'OWN') });
    const none = await ws.member('None', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    await lead(ws, { name: "Admin's" });
    await lead(ws, { name: 'Given', responsibleId: own.user.id });
    await lead(own, { name: 'Own one' });
    expect((await inbox(own)).names).toEqual(['Own one', 'Given']);
    expect(await inbox(none)).toEqual({ count: 0, names: [] });
    expect((await inbox(ws)).count).toBe(3);
    const refused = as((await none.gql(CreateIncomingLead, { input: { name: 'X' } })).createIncomingLead, 'ForbiddenError');
    expect(refused.code).toBe('FORBIDDEN');
    // Another's lead is not found, as if it did not exist.
    const admins = (await ws.gql(IncomingLeads, { filter: { search: "admin's" } })).incomingLeads.edges[0].node;
    expect(as((await own.gql(DeclineLead, { id: admins.id, version: 1, reason: 'x' })).declineLead, 'NotFoundError').code).toBe('NOT_FOUND');
  });

  it('converting needs CREATE on what it creates: refused whole, the lead stays NEW', async ({ workspace: ws }) => {
    const m = await ws.member('Leads only', { rights: [...leadRights('ALL', 'ALL'), { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' }] });
    const l = await lead(m, { name: 'Lead of a member', companyName: 'Co' });
    const contacts = await countContacts(ws);
    const refused = as((await m.gql(ConvertLead, { input: { id: l.id, version: 1 } })).convertLead, 'ForbiddenError');
    expect(refused.message).toMatch(/compan/i);
    expect(await countContacts(ws)).toBe(contacts);
    expect((await inbox(ws, { statuses: ['NEW'] })).names).toEqual(['Lead of a member']);
    // Without the company (and with no deal) the contact alone is within the member's rights.
    const noCompany = await lead(m, { name: 'Plain' });
    const ok = as((await m.gql(ConvertLead, { input: { id: noCompany.id, version: 1, createDeal: false } })).convertLead, 'ConvertLeadSuccess').lead;
    expect(ok.status).toBe('CONVERTED');
  });

  it('handing a lead over needs the new responsible within EDIT scope too', async ({ workspace: ws }) => {
    const m = await ws.member('Own editor', { rights: leadRights('OWN', 'OWN') });
    const l = await lead(m, { name: 'Mine' });
    const refused = as((await m.gql(UpdateIncomingLead, { input: { id: l.id, version: 1, responsibleId: ws.admin.id } })).updateIncomingLead, 'ForbiddenError');
    expect(refused.code).toBe('FORBIDDEN');
  });

  it('new leads arrive live, each only to those whose LEAD VIEW scope covers it', async ({ workspace: ws }) => {
    const own = await ws.member('Own viewer', { rights: leadRights('OWN', 'NONE') });
    const admin = subscribe(url, ws.token, IncomingLeadReceived, {}, (d) => d.incomingLeadReceived.lead?.name);
    const member = subscribe(url, own.token, IncomingLeadReceived, {}, (d) => d.incomingLeadReceived.lead?.name);
    await Promise.all([admin.ready, member.ready]);
    await lead(ws, { name: 'For the admin' });
    await lead(ws, { name: 'For the member', responsibleId: own.user.id });
    expect(await admin.waitFor((e) => e.length >= 2)).toEqual(['For the admin', 'For the member']);
    expect(await member.waitFor((e) => e.length >= 1)).toEqual(['For the member']);
    await Promise.all([admin.close(), member.close()]);
    expect(member.events).toEqual(['For the member']);
  });
});

describe('duplicates and merging contacts', () => {
  it('finds contacts by phone (any format), e-mail (any case) and a similar name ("I. Petrov" for "Ivan Petrov"), best first, and companies by name', async ({
    workspace: ws,
  }) => {
    const a = await createContact(ws, { name: 'Ivan Petrov', phones: ['+79123456789'], emails: ['ivan@example.com'] });
    const b = await createContact(ws, { name: 'I. Petrov', phones: ['8 912 345-67-89'], emails: ['IVAN@example.com'] });
    const c = await createContact(ws, { name: 'ivan petrov' });
    await createContact(ws, { name: 'Unrelated', phones: ['+79000000000'] });
    const found = (await ws.gql(Duplicates, { entityType: 'CONTACT', cardId: a.id })).duplicates;
    expect(found).toEqual([
      { reasons: ['PHONE', 'EMAIL', 'NAME'], score: 1, contact: { id: b.id, name: 'I. Petrov' }, company: null },
      { reasons: ['NAME'], score: 0.3, contact: { id: c.id, name: 'ivan petrov' }, company: null },
    ]);
    const x = await createCompany(ws, { name: 'Horns & Hoofs' });
    const y = await createCompany(ws, { name: 'HORNS & HOOFS' });
    expect((await ws.gql(Duplicates, { entityType: 'COMPANY', cardId: x.id })).duplicates).toEqual([
      { reasons: ['NAME'], score: 0.3, contact: null, company: { id: y.id, name: 'HORNS & HOOFS' } },
    ]);
  });

  it('finds similar names (word order, an ending, case), not different ones, scored by similarity; a new card reports its likely duplicates', async ({
    workspace: ws,
  }) => {
    const probe = await createContact(ws, { name: 'Иван Петров' });
    const reversed = await createContact(ws, { name: 'ПЕТРОВ Иван' });
    const ending = await createContact(ws, { name: 'Иван Петрова' });
    await createContact(ws, { name: 'Иван Сидоров' });
    await createContact(ws, { name: 'Пётр Иванов' });
    const found = (await ws.gql(Duplicates, { entityType: 'CONTACT', cardId: probe.id })).duplicates;
    expect(found.map((d) => [d.contact!.id, d.reasons])).toEqual([
      [reversed.id, ['NAME']],
      [ending.id, ['NAME']],
    ]);
    expect(found[0].score).toBe(0.3);
    expect(found[1].score).toBeGreaterThan(0.15);
    expect(found[1].score).toBeLessThan(0.3);
    const made = as((await ws.gql(CreateContactWithDuplicates, { input: { name: 'Петров  Иван' } })).createContact, 'CreateContactSuccess').contact;
    expect(made.possibleDuplicates.map((d) => d.contact!.id)).toEqual([probe.id, reversed.id, ending.id]);
  });

  it('answers only cards the viewer may see', async ({ workspace: ws }) => {
    const own = await ws.member('Own contacts', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
      ],
    });
    const mine = await createContact(own, { name: 'Twin', emails: ['twin@example.com'] });
    await createContact(ws, { name: 'Twin', emails: ['twin@example.com'] });
    expect((await own.gql(Duplicates, { entityType: 'CONTACT', cardId: mine.id })).duplicates).toEqual([]);
    expect((await ws.gql(Duplicates, { entityType: 'CONTACT', cardId: mine.id })).duplicates).toHaveLength(1);
  });

  it('with more than 20 namesakes answers the 20 best; namesakes the viewer may not see leave room for a looser name', async ({ workspace: ws }) => {
    const own = await ws.member('Own contacts', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
      ],
    });
    const probe = await createContact(own, { name: 'Иван Петров' });
    const ending = await createContact(own, { name: 'Иван Петрова' });
    const namesakes: string[] = [];
    for (let i = 0; i < 21; i++) namesakes.push((await createContact(ws, { name: i % 2 ? 'ИВАН ПЕТРОВ' : 'Петров Иван' })).id);
    // The owner sees none of the namesakes: the looser name is still found.
    expect((await own.gql(Duplicates, { entityType: 'CONTACT', cardId: probe.id })).duplicates.map((d) => [d.contact!.id, d.reasons])).toEqual([
      [ending.id, ['NAME']],
    ]);
    // The admin sees all: 20 namesakes (score 0.3), oldest first, and the looser name does not make it.
    const all = (await ws.gql(Duplicates, { entityType: 'CONTACT', cardId: probe.id })).duplicates;
    expect(all.map((d) => d.contact!.id)).toEqual(namesakes.slice(0, 20));
    expect(all.every((d) => d.score === 0.3)).toBe(true);
  });

  it("merges: the kept contact takes the other's empty fields, deals, tasks, timeline; the other goes to the trash", async ({ workspace: ws }) => {
    const company = await createCompany(ws, { name: 'Acme' });
    const keep = await createContact(ws, { name: 'Ivan', phones: ['+79123456789'] });
    const other = await createContact(ws, {
      name: 'Ivan P.',
      position: 'Buyer',
      phones: ['+79123456789', '+79000000001'],
      emails: ['ivan@acme.com'],
      companyId: company.id,
    });
    const deal = await createDeal(ws, { name: 'Order', contactIds: [other.id] });
    const both = await createDeal(ws, { name: 'Shared', contactIds: [keep.id, other.id] });
    const due = new Date(Date.now() + 3_600_000).toISOString();
    as((await ws.gql(CreateTask, { input: { cardId: other.id, type: 'CALL', text: 'Call Ivan', dueAt: due } })).createTask, 'CreateTaskSuccess');
    as((await ws.gql(AddNote, { input: { cardId: other.id, text: 'Met at the expo' } })).addNote, 'AddNoteSuccess');

    const merged = as((await ws.gql(MergeContacts, { keepId: keep.id, version: 1, mergeId: other.id })).mergeContacts, 'MergeContactsSuccess').contact;
    expect(merged).toMatchObject({
      id: keep.id,
      name: 'Ivan',
      position: 'Buyer',
      phones: [{ e164: '+79123456789' }, { e164: '+79000000001' }],
      emails: ['ivan@acme.com'],
      company: { id: company.id },
      version: 2,
    });
    expect(merged.deals.map((d) => d.name).sort()).toEqual(['Order', 'Shared']);
    expect((await readDeal(ws, both.id)).contacts.map((c) => c.id)).toEqual([keep.id]);
    expect((await readDeal(ws, deal.id)).contacts.map((c) => c.id)).toEqual([keep.id]);
    const tasks = (await ws.gql(Tasks, { filter: { cardId: keep.id }, first: 10 })).tasks.edges.map((e) => e.node.text);
    expect(tasks).toEqual(['Call Ivan']);
    const texts = (await ws.gql(Timeline, { cardId: keep.id, first: 50 })).timeline.edges.map((e) => e.node.text);
    expect(texts).toContain('Met at the expo');
    expect((await readContact(ws, other.id)).deletedAt).not.toBeNull();
  });

  it('refuses a merge without DELETE on the other, a stale version, or a contact into itself, changing nothing', async ({ workspace: ws }) => {
    const m = await ws.member('Editor', {
      rights: [
        { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'EDIT', scope: 'ALL' },
      ],
    });
    const keep = await createContact(ws, { name: 'Keep' });
    const other = await createContact(ws, { name: 'Other', position: 'CEO' });
    expect(as((await m.gql(MergeContacts, { keepId: keep.id, version: 1, mergeId: other.id })).mergeContacts, 'ForbiddenError').code).toBe('FORBIDDEN');
    expect(as((await ws.gql(MergeContacts, { keepId: keep.id, version: 7, mergeId: other.id })).mergeContacts, 'ConflictError').currentVersion).toBe(1);
    expect(fieldsOf(as((await ws.gql(MergeContacts, { keepId: keep.id, version: 1, mergeId: keep.id })).mergeContacts, 'ValidationError'))).toEqual([
      'mergeId',
    ]);
    expect(await readContact(ws, keep.id)).toMatchObject({ position: null, version: 1 });
    expect(await readContact(ws, other.id)).toMatchObject({ deletedAt: null });
  });
});
