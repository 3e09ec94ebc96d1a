// Contacts through the public API: create / update / trash / restore, the server-kept system
// fields, phone and e-mail normalization, search, filters, sorting and cursor pagination.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { as, rawId } from './kit/results.js';
import { createCompany as newCompany, readCompany, readContact as read, readDeal } from './kit/cards.js';
import { names } from './kit/lists.js';
import { backdate, spreadCreation } from './kit/clock.js';
import { CreateDeal, DeleteDeal } from './kit/documents/deals.js';
import { Contacts, CreateContact, DeleteContact, RestoreContact, UpdateContact } from './kit/documents/contacts.js';
import { DeleteCompany, RestoreCompany } from './kit/documents/companies.js';
import { DeactivateUser } from './kit/documents/users.js';
import type { ContactFilter, ContactsQuery, ContactsQueryVariables, CreateContactInput } from './gql/graphql.js';

/** The database id inside a global id; ids tie-break every sort. */

async function createContact(c: Client, input: CreateContactInput) {
  const r = await c.gql(CreateContact, { input });
  return as(r.createContact, 'CreateContactSuccess').contact;
}

/** A contact as node(id) reads it, comparable with what its mutations answer. */
async function readContact(c: Client, id: string) {
  const { __typename, ...contact } = await read(c, id);
  return contact;
}

async function list(c: Client, vars: ContactsQueryVariables = {}) {
  return (await c.gql(Contacts, { first: 100, ...vars })).contacts;
}

const createCompany = (c: Client, name: string) => newCompany(c, { name });

describe('contacts: create, update, trash, restore', () => {
  it('creates a contact with normalized phones and e-mails, tags and the server-kept system fields', async ({ workspace: ws }) => {
    const company = await createCompany(ws, 'Acme');
    const before = Date.now();
    const c = await createContact(ws, {
      name: '  Ivan Petrov  ',
      position: 'Buyer',
      phones: ['8 (912) 345-67-89', '+7 912 345-67-89', '+1 650-253-0000'],
      emails: ['Ivan.Petrov@Example.COM ', 'ivan.petrov@example.com', 'ivan@mail.example'],
      tags: ['VIP', 'Hot', 'VIP'],
      companyId: company.id,
    });
    expect(c).toMatchObject({
      name: 'Ivan Petrov',
      position: 'Buyer',
      version: 1,
      deletedAt: null,
      company: { id: company.id, name: 'Acme' },
      responsible: { id: ws.admin.id },
      createdBy: { id: ws.admin.id },
      updatedBy: { id: ws.admin.id },
      deals: [],
    });
    // The same number typed twice is kept once, in E.164.
    expect(c.phones).toEqual([
      { e164: '+79123456789', international: '+7 912 345 67 89', national: '8 (912) 345-67-89', country: 'RU' },
      { e164: '+16502530000', international: '+1 650 253 0000', national: '(650) 253-0000', country: 'US' },
    ]);
    expect(c.emails).toEqual(['ivan.petrov@example.com', 'ivan@mail.example']);
    expect(c.tags.map((t) => t.name)).toEqual(['Hot', 'VIP']);
    for (const at of [c.createdAt, c.updatedAt, c.lastActivityAt]) {
      expect(new Date(at).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(at).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // What was answered is what is stored.
    expect(await readContact(ws, c.id)).toEqual(c);
    // The company lists its contact.
    const co = { node: await readCompany(ws, company.id) };
    expect(co.node).toMatchObject({ contacts: [{ id: c.id, name: 'Ivan Petrov' }] });
  });

  it('makes the caller responsible unless another user is named', async ({ workspace: ws }) => {
    const member = await ws.member('Seller');
    const byMember = await createContact(member, { name: 'Pavel' });
    expect(byMember).toMatchObject({ responsible: { id: member.user.id }, createdBy: { id: member.user.id }, updatedBy: { id: member.user.id } });
    const c = await createContact(ws, { name: 'Olga', responsibleId: member.user.id });
    expect(c.responsible?.id).toBe(member.user.id);
    expect(c.createdBy?.id).toBe(ws.admin.id);
  });

  it('updates only the fields given, bumps the version and stamps who and when', async ({ workspace: ws, app }) => {
    const member = await ws.member('Editor');
    const acme = await createCompany(ws, 'Acme');
    const created = await createContact(ws, {
      name: 'Ivan',
      position: 'Buyer',
      phones: ['+79123456789'],
      emails: ['ivan@example.com'],
      tags: ['A', 'B'],
      companyId: acme.id,
    });
    // Written a minute ago, so that the update's times are later.
    await backdate(app, 'Contact', created.id, 60_000);
    const c = await readContact(ws, created.id);
    const r = await member.gql(UpdateContact, { input: { id: c.id, version: c.version, name: 'Ivan Ivanov' } });
    const u = as(r.updateContact, 'UpdateContactSuccess').contact;
    expect(u).toMatchObject({
      name: 'Ivan Ivanov',
      position: 'Buyer',
      emails: ['ivan@example.com'],
      company: { id: acme.id },
      version: 2,
      createdBy: { id: ws.admin.id },
      createdAt: c.createdAt,
      updatedBy: { id: member.user.id },
      responsible: { id: ws.admin.id },
    });
    expect(u.phones.map((p) => p.e164)).toEqual(['+79123456789']);
    // Tags left out stay as they were.
    expect(u.tags.map((t) => t.name)).toEqual(['A', 'B']);
    expect(new Date(u.updatedAt).getTime()).toBeGreaterThan(new Date(c.updatedAt).getTime());
    expect(new Date(u.lastActivityAt).getTime()).toBeGreaterThan(new Date(c.lastActivityAt).getTime());

    // Tags given replace the old ones (deduplicated); phones and e-mails given replace theirs;
    // null clears the company and the position; a new responsible is taken.
    const r2 = await ws.gql(UpdateContact, {
      input: {
        id: c.id,
        version: 2,
        tags: ['C', 'B', 'C'],
        phones: ['8 912 000-00-01'],
        emails: ['NEW@Example.com'],
        companyId: null,
        position: null,
        responsibleId: member.user.id,
      },
    });
    const u2 = as(r2.updateContact, 'UpdateContactSuccess').contact;
    expect(u2).toMatchObject({
      name: 'Ivan Ivanov',
      position: null,
      company: null,
      emails: ['new@example.com'],
      version: 3,
      responsible: { id: member.user.id },
      updatedBy: { id: ws.admin.id },
    });
    expect(u2.phones.map((p) => p.e164)).toEqual(['+79120000001']);
    expect(u2.tags.map((t) => t.name)).toEqual(['B', 'C']);
    expect(await readContact(ws, c.id)).toEqual(u2);
    // The company no longer lists the contact.
    const co = { node: await readCompany(ws, acme.id) };
    expect(co.node).toMatchObject({ contacts: [] });

    // An empty list of tags removes them all.
    const r3 = await ws.gql(UpdateContact, { input: { id: c.id, version: 3, tags: [] } });
    expect(as(r3.updateContact, 'UpdateContactSuccess').contact.tags).toEqual([]);
  });

  it('moves a deleted contact to the trash and restores it unchanged', async ({ workspace: ws }) => {
    const acme = await createCompany(ws, 'Acme');
    const keep = await createContact(ws, { name: 'Keep', companyId: acme.id });
    const c = await createContact(ws, { name: 'Gone', phones: ['+79123456789'], tags: ['X'], companyId: acme.id });
    const deal = as((await ws.gql(CreateDeal, { input: { name: 'Deal', contactIds: [c.id, keep.id] } })).createDeal, 'CreateDealSuccess').deal;

    const d = as((await ws.gql(DeleteContact, { id: c.id, version: c.version })).deleteContact, 'DeleteContactSuccess').contact;
    expect(d.deletedAt).not.toBeNull();
    expect(d.version).toBe(c.version + 1);

    // Gone from the normal list, present in the trash, and from the company and the deal.
    const live = await list(ws);
    expect(names(live)).toEqual(['Keep']);
    expect(live.totalCount).toBe(1);
    const trash = await list(ws, { inTrash: true });
    expect(names(trash)).toEqual(['Gone']);
    expect(trash.totalCount).toBe(1);
    expect(trash.edges[0].node.deletedAt).not.toBeNull();
    expect(await readCompany(ws, acme.id)).toMatchObject({ contacts: [{ id: keep.id }] });
    expect(await readDeal(ws, deal.id)).toMatchObject({ contacts: [{ id: keep.id }] });
    // Search does not reach into the trash either.
    expect((await list(ws, { filter: { search: '912 345' } })).totalCount).toBe(0);

    // A card in the trash cannot be changed.
    const upd = await ws.gql(UpdateContact, { input: { id: c.id, version: d.version, name: 'Changed' } });
    expect(as(upd.updateContact, 'NotFoundError')).toMatchObject({ code: 'IN_TRASH', entity: 'Contact', id: c.id });
    const again = await ws.gql(DeleteContact, { id: c.id });
    expect(as(again.deleteContact, 'NotFoundError').code).toBe('IN_TRASH');
    expect(await readContact(ws, c.id)).toEqual(d);

    const r = as((await ws.gql(RestoreContact, { id: c.id })).restoreContact, 'RestoreContactSuccess').contact;
    expect(r.deletedAt).toBeNull();
    const { version: _v1, updatedAt: _u1, lastActivityAt: _l1, deletedAt: _d1, ...restored } = r;
    const { version: _v2, updatedAt: _u2, lastActivityAt: _l2, deletedAt: _d2, ...original } = c;
    expect(restored).toEqual({ ...original, deals: [{ id: deal.id, name: 'Deal' }] });
    expect(names(await list(ws, { orderBy: [{ field: 'NAME' }] }))).toEqual(['Gone', 'Keep']);
    expect((await list(ws, { inTrash: true })).totalCount).toBe(0);
    expect(await readCompany(ws, acme.id)).toMatchObject({
      contacts: [{ id: c.id }, { id: keep.id }],
    });
    expect(await readDeal(ws, deal.id)).toMatchObject({ contacts: [{ id: c.id }, { id: keep.id }] });
    // Restoring what is not in the trash changes nothing.
    const twice = as((await ws.gql(RestoreContact, { id: c.id })).restoreContact, 'RestoreContactSuccess').contact;
    expect(twice).toEqual(r);
  });

  it('hides a company in the trash from its contacts, and shows it again once restored', async ({ workspace: ws }) => {
    const co = await createCompany(ws, 'Binned Ltd');
    const c = await createContact(ws, { name: 'Kept', companyId: co.id });
    expect((await readContact(ws, c.id)).company).toEqual({ id: co.id, name: 'Binned Ltd' });
    as((await ws.gql(DeleteCompany, { id: co.id })).deleteCompany, 'DeleteCompanySuccess');
    expect((await readContact(ws, c.id)).company).toBeNull();
    expect((await ws.gql(RestoreCompany, { id: co.id })).restoreCompany.__typename).toBe('RestoreCompanySuccess');
    expect((await readContact(ws, c.id)).company).toEqual({ id: co.id, name: 'Binned Ltd' });
  });

  it('lists only the live deals of a contact', async ({ workspace: ws }) => {
    const c = await createContact(ws, { name: 'Ivan' });
    const d1 = as((await ws.gql(CreateDeal, { input: { name: 'One', contactIds: [c.id] } })).createDeal, 'CreateDealSuccess').deal;
    const d2 = as((await ws.gql(CreateDeal, { input: { name: 'Two', contactIds: [c.id] } })).createDeal, 'CreateDealSuccess').deal;
    expect((await readContact(ws, c.id)).deals.map((d) => d.id).sort()).toEqual([d1.id, d2.id].sort());
    as((await ws.gql(DeleteDeal, { id: d1.id })).deleteDeal, 'DeleteDealSuccess');
    expect((await readContact(ws, c.id)).deals).toEqual([{ id: d2.id, name: 'Two' }]);
  });
});

describe('contacts: refused input changes nothing', () => {
  it('names every bad field of a new contact at once and creates nothing', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateContact, {
      input: {
        name: 'x'.repeat(300),
        position: 'p'.repeat(300),
        phones: ['+79123456789', '12', 'not a phone'],
        emails: ['ok@example.com', 'not-an-email'],
        tags: ['fine', ''],
      },
    });
    const e = as(r.createContact, 'ValidationError');
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.fields.map((f) => f.field).sort()).toEqual(['emails[1]', 'name', 'phones[1]', 'phones[2]', 'position', 'tags[1]'].sort());
    expect(e.fields.every((f) => f.message.length > 0)).toBe(true);
    expect((await list(ws)).totalCount).toBe(0);
  });

  it('refuses an empty name', async ({ workspace: ws }) => {
    const e = as((await ws.gql(CreateContact, { input: { name: '   ' } })).createContact, 'ValidationError');
    expect(e.fields.map((f) => f.field)).toEqual(['name']);
    expect((await list(ws)).totalCount).toBe(0);
  });

  it('refuses malformed, unknown and trashed company ids', async ({ workspace: ws, signUp }) => {
    const malformed = as((await ws.gql(CreateContact, { input: { name: 'A', companyId: 'nope' } })).createContact, 'ValidationError');
    expect(malformed.fields.map((f) => f.field)).toEqual(['companyId']);
    // A well-formed id of a company that does not exist (here: of another workspace).
    const other = await signUp();
    const foreign = await createCompany(other, 'Theirs');
    const unknown = as((await ws.gql(CreateContact, { input: { name: 'A', companyId: foreign.id } })).createContact, 'ValidationError');
    expect(unknown.fields.map((f) => f.field)).toEqual(['companyId']);
    const mine = await createCompany(ws, 'Mine');
    as((await ws.gql(DeleteCompany, { id: mine.id })).deleteCompany, 'DeleteCompanySuccess');
    const trashed = as((await ws.gql(CreateContact, { input: { name: 'A', companyId: mine.id } })).createContact, 'ValidationError');
    expect(trashed.fields).toEqual([{ field: 'companyId', message: expect.stringMatching(/trash/) }]);
    expect((await list(ws)).totalCount).toBe(0);
    expect((await list(other)).totalCount).toBe(0);
  });

  it('names a malformed id together with the other bad fields', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateContact, { input: { name: '', emails: ['bad'], companyId: 'nope', responsibleId: 'nobody' } });
    const e = as(r.createContact, 'ValidationError');
    expect(e.fields.map((f) => f.field).sort()).toEqual(['companyId', 'emails[0]', 'name', 'responsibleId']);
    expect((await list(ws)).totalCount).toBe(0);
  });

  it('refuses a deactivated or unknown user as responsible', async ({ workspace: ws, signUp }) => {
    const member = await ws.member('Leaver');
    as((await ws.gql(DeactivateUser, { id: member.user.id })).deactivateUser, 'DeactivateUserSuccess');
    const e = as((await ws.gql(CreateContact, { input: { name: 'A', responsibleId: member.user.id } })).createContact, 'ValidationError');
    expect(e.fields).toEqual([{ field: 'responsibleId', message: expect.stringMatching(/deactivated/) }]);
    const other = await signUp();
    const e2 = as((await ws.gql(CreateContact, { input: { name: 'A', responsibleId: other.admin.id } })).createContact, 'ValidationError');
    expect(e2.fields.map((f) => f.field)).toEqual(['responsibleId']);
    expect((await list(ws)).totalCount).toBe(0);

    const c = await createContact(ws, { name: 'B' });
    const u = as((await ws.gql(UpdateContact, { input: { id: c.id, version: 1, responsibleId: member.user.id } })).updateContact, 'ValidationError');
    expect(u.fields.map((f) => f.field)).toEqual(['responsibleId']);
    expect(await readContact(ws, c.id)).toEqual(c);
  });

  it('refuses a bad update as a whole and leaves the contact as it was', async ({ workspace: ws }) => {
    const c = await createContact(ws, { name: 'Ivan', phones: ['+79123456789'], emails: ['ivan@example.com'], tags: ['A'] });
    const r = await ws.gql(UpdateContact, {
      input: { id: c.id, version: c.version, name: 'y'.repeat(300), emails: ['fine@example.com', 'broken@'], phones: ['123'], tags: ['B'] },
    });
    const e = as(r.updateContact, 'ValidationError');
    expect(e.fields.map((f) => f.field).sort()).toEqual(['emails[1]', 'name', 'phones[0]']);
    expect(await readContact(ws, c.id)).toEqual(c);
  });

  it('answers NotFoundError for an unknown contact and ValidationError for a malformed id', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const theirs = await createContact(other, { name: 'Theirs' });
    const nf = as((await ws.gql(UpdateContact, { input: { id: theirs.id, version: 1, name: 'Mine now' } })).updateContact, 'NotFoundError');
    expect(nf).toMatchObject({ code: 'NOT_FOUND', entity: 'Contact', id: theirs.id });
    as((await ws.gql(DeleteContact, { id: theirs.id })).deleteContact, 'NotFoundError');
    as((await ws.gql(RestoreContact, { id: theirs.id })).restoreContact, 'NotFoundError');
    expect(await readContact(other, theirs.id)).toEqual(theirs);

    const bad = as((await ws.gql(UpdateContact, { input: { id: 'garbage', version: 1, name: 'x' } })).updateContact, 'ValidationError');
    expect(bad.fields.map((f) => f.field)).toEqual(['id']);
    // A valid id of another type is malformed too.
    const deal = as((await ws.gql(CreateDeal, { input: { name: 'D' } })).createDeal, 'CreateDealSuccess').deal;
    const wrongType = as((await ws.gql(DeleteContact, { id: deal.id })).deleteContact, 'ValidationError');
    expect(wrongType.fields.map((f) => f.field)).toEqual(['id']);
  });
});

describe('contacts: search', () => {
  let ws: Workspace;
  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    await createContact(ws, { name: 'Ivan Petrov', phones: ['8 (912) 345-67-89'], emails: ['ivan.petrov@megacorp.example'] });
    await createContact(ws, { name: 'Maria Sidorova', phones: ['+7 495 123-45-67'], emails: ['maria@smallshop.example'] });
    await createContact(ws, { name: 'John Smith', phones: ['+1 (650) 253-0000'], emails: ['JOHN@Globex.example'] });
    await createContact(ws, { name: 'Пётр Иванов' });
  });

  const search = async (q: string) => {
    const r = await list(ws, { filter: { search: q }, orderBy: [{ field: 'NAME' }] });
    expect(r.totalCount).toBe(r.edges.length);
    return names(r);
  };

  it('finds a phone in any common format', async () => {
    for (const q of ['+7 912 345 67 89', '89123456789', '8 (912) 345-67-89', '+79123456789', '345-67-89', '912 345', '912-345-67', '8 912 345', '+7 912']) {
      expect(await search(q), q).toEqual(['Ivan Petrov']);
    }
    expect(await search('+1 650 253 0000')).toEqual(['John Smith']);
    expect(await search('(650) 253-0000')).toEqual(['John Smith']);
    expect(await search('+7 999 999 99 99')).toEqual([]);
  });

  it('finds an e-mail by a part of it, whatever the case', async () => {
    expect(await search('megacorp')).toEqual(['Ivan Petrov']);
    expect(await search('IVAN.PETROV@')).toEqual(['Ivan Petrov']);
    expect(await search('john@globex.example')).toEqual(['John Smith']);
    expect(await search('.example')).toEqual(['Ivan Petrov', 'John Smith', 'Maria Sidorova']);
  });

  it('takes the search text literally, wildcards included', async ({ workspace: lit }) => {
    await createContact(lit, { name: 'snake_case' });
    await createContact(lit, { name: '100% sure' });
    await createContact(lit, { name: 'Plain' });
    await createContact(lit, { name: 'back\\slash' });
    const q = async (search: string) => names(await list(lit, { filter: { search }, orderBy: [{ field: 'NAME' }] }));
    expect(await q('_')).toEqual(['snake_case']);
    expect(await q('%')).toEqual(['100% sure']);
    expect(await q('e_c')).toEqual(['snake_case']);
    expect(await q('\\')).toEqual(['back\\slash']);
  });

  it('finds a name by a part of it, whatever the case', async () => {
    expect(await search('petr')).toEqual(['Ivan Petrov']);
    expect(await search('  SIDOROVA ')).toEqual(['Maria Sidorova']);
    expect(await search('nobody')).toEqual([]);
    expect(await search('ИВАНОВ')).toEqual(['Пётр Иванов']);
    // An empty search is no filter.
    expect((await search('  ')).length).toBe(4);
  });
});

describe('contacts: filters', () => {
  it('filters by responsible, company, tags, creation time and nested and/or', async ({ workspace: ws, app }) => {
    const member = await ws.member('Seller');
    const acme = await createCompany(ws, 'Acme');
    const globex = await createCompany(ws, 'Globex');
    const a = await createContact(ws, { name: 'Anna', tags: ['hot'], companyId: acme.id });
    const b = await createContact(ws, { name: 'Boris', tags: ['cold'], companyId: globex.id, responsibleId: member.user.id });
    const c = await createContact(ws, { name: 'Cyril', tags: ['hot', 'vip'], responsibleId: member.user.id });
    const d = await createContact(ws, { name: 'Dmitry' });
    // Created a second apart.
    const at = await spreadCreation(app, 'Contact', [a.id, b.id, c.id, d.id]);
    for (const x of [a, b, c]) x.createdAt = at[x.id].createdAt!;

    const f = async (filter: ContactFilter) => {
      const r = await list(ws, { filter, orderBy: [{ field: 'NAME' }] });
      expect(r.totalCount).toBe(r.edges.length);
      return names(r);
    };
    expect(await f({ responsibleIds: [member.user.id] })).toEqual(['Boris', 'Cyril']);
    expect(await f({ responsibleIds: [ws.admin.id] })).toEqual(['Anna', 'Dmitry']);
    expect(await f({ companyIds: [acme.id] })).toEqual(['Anna']);
    expect(await f({ companyIds: [acme.id, globex.id] })).toEqual(['Anna', 'Boris']);
    expect(await f({ tags: ['hot'] })).toEqual(['Anna', 'Cyril']);
    expect(await f({ tags: ['vip', 'cold'] })).toEqual(['Boris', 'Cyril']);
    expect(await f({ tags: ['none'] })).toEqual([]);
    expect(await f({ createdAt: { from: b.createdAt } })).toEqual(['Boris', 'Cyril', 'Dmitry']);
    expect(await f({ createdAt: { to: b.createdAt } })).toEqual(['Anna', 'Boris']);
    expect(await f({ createdAt: { from: b.createdAt, to: c.createdAt } })).toEqual(['Boris', 'Cyril']);
    expect(await f({ createdAt: { from: a.createdAt, to: a.createdAt } })).toEqual(['Anna']);
    // Conditions side by side must all hold.
    expect(await f({ tags: ['hot'], responsibleIds: [member.user.id] })).toEqual(['Cyril']);
    expect(await f({ or: [{ companyIds: [acme.id] }, { tags: ['cold'] }] })).toEqual(['Anna', 'Boris']);
    expect(await f({ and: [{ or: [{ tags: ['hot'] }, { companyIds: [globex.id] }] }, { responsibleIds: [member.user.id] }] })).toEqual(['Boris', 'Cyril']);
    expect(await f({ search: 'r' })).toEqual(['Boris', 'Cyril', 'Dmitry']);
    expect(await f({ search: 'r', or: [{ tags: ['vip'] }, { responsibleIds: [ws.admin.id] }] })).toEqual(['Cyril', 'Dmitry']);
  });
});

describe('contacts: sorting and cursor pagination', () => {
  let ws: Workspace;
  const NAMES = ['Foxtrot', 'Alpha', 'Hotel', 'Charlie', 'Echo', 'Bravo', 'Golf', 'Delta', 'India'];
  test.beforeAll(async ({ signUp, app }) => {
    ws = await signUp();
    const ids = [];
    for (const name of NAMES) ids.push((await createContact(ws, { name, tags: name < 'E' ? ['early'] : [] })).id);
    // Created a second apart, in this order.
    await spreadCreation(app, 'Contact', ids);
  });

  type Vars = ContactsQueryVariables;

  /** Walks the list forward `size` at a time and checks every page. */
  async function walkForward(vars: Vars, size: number, total: number) {
    const out: string[] = [];
    let after: string | null = null;
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(50);
      const page = await list(ws, { ...vars, first: size, after });
      expect(page.totalCount).toBe(total);
      expect(page.edges.length).toBeLessThanOrEqual(size);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      out.push(...names(page));
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges.length).toBe(size);
      after = page.pageInfo.endCursor!;
    }
    return out;
  }

  async function walkBackward(vars: Vars, size: number, total: number) {
    const out: string[] = [];
    let before: string | null = null;
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(50);
      const page = await list(ws, { ...vars, first: undefined, last: size, before });
      expect(page.totalCount).toBe(total);
      expect(page.edges.length).toBeLessThanOrEqual(size);
      out.unshift(...names(page));
      if (!page.pageInfo.hasPreviousPage) break;
      expect(page.edges.length).toBe(size);
      before = page.pageInfo.startCursor!;
    }
    return out;
  }

  it('sorts by name both ways', async () => {
    const sorted = [...NAMES].sort();
    expect(names(await list(ws, { orderBy: [{ field: 'NAME' }] }))).toEqual(sorted);
    expect(names(await list(ws, { orderBy: [{ field: 'NAME', direction: 'DESC' }] }))).toEqual([...sorted].reverse());
  });

  it('lists the newest first when no order is given, and sorts by creation time', async () => {
    expect(names(await list(ws))).toEqual([...NAMES].reverse());
    expect(names(await list(ws, { orderBy: [{ field: 'CREATED_AT', direction: 'ASC' }] }))).toEqual(NAMES);
  });

  it('walks every contact exactly once, in order, forward and backward', async () => {
    const sorted = [...NAMES].sort();
    for (const size of [1, 2, 4, 9, 10]) {
      expect(await walkForward({ orderBy: [{ field: 'NAME' }] }, size, NAMES.length), `first ${size}`).toEqual(sorted);
      expect(await walkBackward({ orderBy: [{ field: 'NAME' }] }, size, NAMES.length), `last ${size}`).toEqual(sorted);
    }
    expect(await walkForward({}, 4, NAMES.length)).toEqual([...NAMES].reverse());
    expect(await walkBackward({}, 4, NAMES.length)).toEqual([...NAMES].reverse());
    expect(await walkForward({ orderBy: [{ field: 'NAME', direction: 'DESC' }] }, 3, NAMES.length)).toEqual([...sorted].reverse());
  });

  it('paginates a filtered list with a totalCount that matches the filter', async () => {
    const early = NAMES.filter((n) => n < 'E').sort();
    expect(await walkForward({ filter: { tags: ['early'] }, orderBy: [{ field: 'NAME' }] }, 2, early.length)).toEqual(early);
    expect(await walkBackward({ filter: { tags: ['early'] }, orderBy: [{ field: 'NAME' }] }, 3, early.length)).toEqual(early);
  });

  it('breaks ties between equal sort keys by id, so no page repeats or skips one', async ({ workspace: tied }) => {
    for (let i = 0; i < 7; i++) await createContact(tied, { name: 'Same' });
    const all = await list(tied, { orderBy: [{ field: 'NAME' }] });
    const ids = all.edges.map((e) => e.node.id);
    expect(new Set(ids).size).toBe(7);
    expect(ids.map(rawId)).toEqual(ids.map(rawId).sort());
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ContactsQuery['contacts'] = (await tied.gql(Contacts, { first: 2, after, orderBy: [{ field: 'NAME' }] })).contacts;
      walked.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(ids);
  });
});
