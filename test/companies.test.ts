// Companies through the public API: create / update / trash / restore, the server-kept system
// fields, normalization, the contacts and deals a company lists, search, filters, sorting and
// cursor pagination.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { as } from './kit/results.js';
import { readCompany as read, readDeal } from './kit/cards.js';
import { names } from './kit/lists.js';
import { backdate, spreadCreation } from './kit/clock.js';
import { CreateDeal, DeleteDeal, RestoreDeal } from './kit/documents/deals.js';
import { CreateContact, DeleteContact } from './kit/documents/contacts.js';
import { Companies, CreateCompany, DeleteCompany, RestoreCompany, UpdateCompany } from './kit/documents/companies.js';
import { DeactivateUser } from './kit/documents/users.js';
import type { CompaniesQuery, CompaniesQueryVariables, CompanyFilter, CreateCompanyInput } from './gql/graphql.js';

async function createCompany(c: Client, input: CreateCompanyInput) {
  return as((await c.gql(CreateCompany, { input })).createCompany, 'CreateCompanySuccess').company;
}

/** A company as node(id) reads it, comparable with what its mutations answer. */
async function readCompany(c: Client, id: string) {
  const { __typename, ...company } = await read(c, id);
  return company;
}

async function list(ws: Client, vars: CompaniesQueryVariables = {}) {
  return (await ws.gql(Companies, { first: 100, ...vars })).companies;
}

describe('companies: create, update, trash, restore', () => {
  it('creates a company with normalized contact details, tags and the server-kept system fields', async ({ workspace: ws }) => {
    const before = Date.now();
    const c = await createCompany(ws, {
      name: ' Acme LLC ',
      address: ' Moscow, Tverskaya 1 ',
      website: 'acme.example',
      phones: ['8 (495) 123-45-67', '+74951234567'],
      emails: ['Sales@ACME.example', 'sales@acme.example'],
      tags: ['Partner', 'Partner', 'Big'],
    });
    expect(c).toMatchObject({
      name: 'Acme LLC',
      address: 'Moscow, Tverskaya 1',
      website: 'https://acme.example',
      emails: ['sales@acme.example'],
      phones: [{ e164: '+74951234567', international: '+7 495 123 45 67', country: 'RU' }],
      tags: [{ name: 'Big' }, { name: 'Partner' }],
      version: 1,
      deletedAt: null,
      responsible: { id: ws.admin.id },
      createdBy: { id: ws.admin.id },
      updatedBy: { id: ws.admin.id },
      contacts: [],
      deals: [],
    });
    for (const at of [c.createdAt, c.updatedAt, c.lastActivityAt]) {
      expect(new Date(at).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(at).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
    expect(await readCompany(ws, c.id)).toEqual(c);
  });

  it('updates only the fields given, bumps the version and stamps who and when', async ({ workspace: ws, app }) => {
    const member = await ws.member('Editor');
    const created = await createCompany(ws, { name: 'Acme', address: 'Street 1', website: 'https://acme.example', phones: ['+74951234567'], tags: ['A'] });
    // Written a minute ago, so that the update's times are later.
    await backdate(app, 'Company', created.id, 60_000);
    const c = await readCompany(ws, created.id);
    const u = as(
      (await member.gql(UpdateCompany, { input: { id: c.id, version: 1, name: 'Acme Group', emails: ['Info@Acme.example'] } })).updateCompany,
      'UpdateCompanySuccess',
    ).company;
    expect(u).toMatchObject({
      name: 'Acme Group',
      address: 'Street 1',
      website: 'https://acme.example',
      emails: ['info@acme.example'],
      phones: [{ e164: '+74951234567' }],
      tags: [{ name: 'A' }],
      version: 2,
      createdAt: c.createdAt,
      createdBy: { id: ws.admin.id },
      updatedBy: { id: member.user.id },
      responsible: { id: ws.admin.id },
    });
    expect(new Date(u.updatedAt).getTime()).toBeGreaterThan(new Date(c.updatedAt).getTime());
    expect(new Date(u.lastActivityAt).getTime()).toBeGreaterThan(new Date(c.lastActivityAt).getTime());

    // Tags replace (deduplicated); null or an empty string clears a text field.
    const u2 = as(
      (await ws.gql(UpdateCompany, { input: { id: c.id, version: 2, tags: ['Z', 'B', 'Z'], address: null, website: '', responsibleId: member.user.id } }))
        .updateCompany,
      'UpdateCompanySuccess',
    ).company;
    expect(u2).toMatchObject({ address: null, website: null, version: 3, responsible: { id: member.user.id } });
    expect(u2.tags.map((t) => t.name)).toEqual(['B', 'Z']);
    expect(await readCompany(ws, c.id)).toEqual(u2);
  });

  it('moves a deleted company to the trash, hides it, and restores it unchanged', async ({ workspace: ws }) => {
    const c = await createCompany(ws, { name: 'Gone Inc', phones: ['+74951234567'], tags: ['T'] });
    await createCompany(ws, { name: 'Stay Inc' });
    const contact = as((await ws.gql(CreateContact, { input: { name: 'Ivan', companyId: c.id } })).createContact, 'CreateContactSuccess').contact;
    const deal = as((await ws.gql(CreateDeal, { input: { name: 'Order', companyId: c.id } })).createDeal, 'CreateDealSuccess').deal;
    const full = await readCompany(ws, c.id);
    expect(full.contacts).toEqual([{ id: contact.id, name: 'Ivan' }]);
    expect(full.deals).toEqual([{ id: deal.id, name: 'Order' }]);

    const d = as((await ws.gql(DeleteCompany, { id: c.id, version: 1 })).deleteCompany, 'DeleteCompanySuccess').company;
    expect(d.deletedAt).not.toBeNull();
    expect(d.version).toBe(2);
    expect(names(await list(ws))).toEqual(['Stay Inc']);
    expect((await list(ws)).totalCount).toBe(1);
    const trash = await list(ws, { inTrash: true });
    expect(names(trash)).toEqual(['Gone Inc']);
    expect(trash.totalCount).toBe(1);
    expect((await list(ws, { filter: { search: 'gone' } })).totalCount).toBe(0);

    // In the trash it cannot be changed, nor chosen for a new contact or deal.
    const upd = as((await ws.gql(UpdateCompany, { input: { id: c.id, version: 2, name: 'Back' } })).updateCompany, 'NotFoundError');
    expect(upd).toMatchObject({ code: 'IN_TRASH', entity: 'Company', id: c.id });
    const nc = as((await ws.gql(CreateContact, { input: { name: 'New', companyId: c.id } })).createContact, 'ValidationError');
    expect(nc.fields.map((f) => f.field)).toEqual(['companyId']);
    const nd = as((await ws.gql(CreateDeal, { input: { name: 'New', companyId: c.id } })).createDeal, 'ValidationError');
    expect(nd.fields.map((f) => f.field)).toEqual(['companyId']);
    expect(await readCompany(ws, c.id)).toEqual(d);

    const r = as((await ws.gql(RestoreCompany, { id: c.id })).restoreCompany, 'RestoreCompanySuccess').company;
    const strip = ({ version: _v, updatedAt: _u, lastActivityAt: _l, deletedAt: _d, ...rest }: typeof r) => rest;
    expect(r.deletedAt).toBeNull();
    expect(strip(r)).toEqual(strip(full));
    expect(names(await list(ws, { orderBy: [{ field: 'NAME' }] }))).toEqual(['Gone Inc', 'Stay Inc']);
    expect((await list(ws, { inTrash: true })).totalCount).toBe(0);
    expect(await readDeal(ws, deal.id)).toMatchObject({ company: { id: c.id } });
  });

  it('lists only live contacts and deals of a company', async ({ workspace: ws }) => {
    const c = await createCompany(ws, { name: 'Acme' });
    const ids = { contacts: [] as string[], deals: [] as string[] };
    for (const name of ['Boris', 'Anna', 'Cyril']) {
      ids.contacts.push(as((await ws.gql(CreateContact, { input: { name, companyId: c.id } })).createContact, 'CreateContactSuccess').contact.id);
    }
    for (const name of ['D1', 'D2', 'D3']) {
      ids.deals.push(as((await ws.gql(CreateDeal, { input: { name, companyId: c.id } })).createDeal, 'CreateDealSuccess').deal.id);
    }
    const before = await readCompany(ws, c.id);
    expect(before.contacts.map((x) => x.name)).toEqual(['Anna', 'Boris', 'Cyril']);
    expect(before.deals.map((x) => x.name).sort()).toEqual(['D1', 'D2', 'D3']);

    as((await ws.gql(DeleteContact, { id: ids.contacts[1] })).deleteContact, 'DeleteContactSuccess');
    as((await ws.gql(DeleteDeal, { id: ids.deals[0] })).deleteDeal, 'DeleteDealSuccess');
    const after = await readCompany(ws, c.id);
    expect(after.contacts.map((x) => x.name)).toEqual(['Boris', 'Cyril']);
    expect(after.deals.map((x) => x.name).sort()).toEqual(['D2', 'D3']);

    as((await ws.gql(RestoreDeal, { id: ids.deals[0] })).restoreDeal, 'RestoreDealSuccess');
    expect((await readCompany(ws, c.id)).deals.map((x) => x.name).sort()).toEqual(['D1', 'D2', 'D3']);
  });
});

describe('companies: refused input changes nothing', () => {
  it('names every bad field of a new company at once and creates nothing', async ({ workspace: ws }) => {
    const e = as(
      (
        await ws.gql(CreateCompany, {
          input: {
            name: 'n'.repeat(300),
            address: 'a'.repeat(1001),
            website: 'not a web address',
            phones: ['+74951234567', '000'],
            emails: ['nope'],
            responsibleId: 'garbage',
          },
        })
      ).createCompany,
      'ValidationError',
    );
    expect(e.fields.map((f) => f.field).sort()).toEqual(['address', 'emails[0]', 'name', 'phones[1]', 'responsibleId', 'website']);
    expect((await list(ws)).totalCount).toBe(0);
  });

  it('refuses a deactivated user as responsible', async ({ workspace: ws }) => {
    const member = await ws.member('Leaver');
    as((await ws.gql(DeactivateUser, { id: member.user.id })).deactivateUser, 'DeactivateUserSuccess');
    const e = as((await ws.gql(CreateCompany, { input: { name: 'X', responsibleId: member.user.id } })).createCompany, 'ValidationError');
    expect(e.fields.map((f) => f.field)).toEqual(['responsibleId']);
    expect((await list(ws)).totalCount).toBe(0);
    const c = await createCompany(ws, { name: 'Y' });
    const u = as((await ws.gql(UpdateCompany, { input: { id: c.id, version: 1, name: 'Z', responsibleId: member.user.id } })).updateCompany, 'ValidationError');
    expect(u.fields.map((f) => f.field)).toEqual(['responsibleId']);
    expect(await readCompany(ws, c.id)).toEqual(c);
  });

  it('refuses a bad update as a whole and leaves the company as it was', async ({ workspace: ws }) => {
    const c = await createCompany(ws, { name: 'Acme', website: 'acme.example', emails: ['a@acme.example'], tags: ['A'] });
    const e = as(
      (
        await ws.gql(UpdateCompany, {
          input: { id: c.id, version: 1, name: '', website: 'ftp://acme.example', emails: ['b@acme.example', '@@'], tags: ['B'], responsibleId: 'x' },
        })
      ).updateCompany,
      'ValidationError',
    );
    expect(e.fields.map((f) => f.field).sort()).toEqual(['emails[1]', 'name', 'responsibleId', 'website']);
    expect(await readCompany(ws, c.id)).toEqual(c);
  });

  it('answers NotFoundError for a company of another workspace and ValidationError for a malformed id', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const theirs = await createCompany(other, { name: 'Theirs' });
    const nf = as((await ws.gql(UpdateCompany, { input: { id: theirs.id, version: 1, name: 'Mine' } })).updateCompany, 'NotFoundError');
    expect(nf).toMatchObject({ code: 'NOT_FOUND', entity: 'Company', id: theirs.id });
    as((await ws.gql(DeleteCompany, { id: theirs.id })).deleteCompany, 'NotFoundError');
    as((await ws.gql(RestoreCompany, { id: theirs.id })).restoreCompany, 'NotFoundError');
    expect(await readCompany(other, theirs.id)).toEqual(theirs);
    const bad = as((await ws.gql(DeleteCompany, { id: 'Q29tcGFueTpub3QtYS11dWlk' })).deleteCompany, 'ValidationError');
    expect(bad.fields.map((f) => f.field)).toEqual(['id']);
  });
});

describe('companies: search, filters, sorting and pagination', () => {
  let ws: Workspace;
  let member: Member;
  const created: Record<string, { id: string; createdAt: string }> = {};
  const NAMES = ['Kilo', 'Bravo', 'Lima', 'Juliet', 'Alpha', 'Mike', 'Charlie'];

  test.beforeAll(async ({ signUp, app }) => {
    ws = await signUp();
    member = await ws.member('Seller');
    for (const [i, name] of NAMES.entries()) {
      const c = await createCompany(ws, {
        name,
        tags: i % 2 ? ['odd'] : ['even'],
        responsibleId: i < 3 ? member.user.id : undefined,
        phones: name === 'Lima' ? ['8 (812) 555-12-34'] : [],
        emails: name === 'Juliet' ? ['office@juliet-trading.example'] : [],
      });
      created[name] = c;
    }
    // Created a second apart, in this order.
    const at = await spreadCreation(
      app,
      'Company',
      Object.values(created).map((c) => c.id),
    );
    for (const c of Object.values(created)) c.createdAt = at[c.id].createdAt!;
  });

  const f = async (filter: CompanyFilter) => {
    const r = await list(ws, { filter, orderBy: [{ field: 'NAME' }] });
    expect(r.totalCount).toBe(r.edges.length);
    return names(r);
  };

  it('searches names, e-mails and phones', async () => {
    expect(await f({ search: 'lim' })).toEqual(['Lima']);
    expect(await f({ search: '+7 812 555 12 34' })).toEqual(['Lima']);
    expect(await f({ search: '88125551234' })).toEqual(['Lima']);
    expect(await f({ search: '555-12-34' })).toEqual(['Lima']);
    expect(await f({ search: 'JULIET-TRADING' })).toEqual(['Juliet']);
    expect(await f({ search: 'office@' })).toEqual(['Juliet']);
    expect(await f({ search: 'zulu' })).toEqual([]);
  });

  it('filters by responsible, tags, creation time and nested and/or', async () => {
    expect(await f({ responsibleIds: [member.user.id] })).toEqual(['Bravo', 'Kilo', 'Lima']);
    expect(await f({ tags: ['odd'] })).toEqual(['Bravo', 'Juliet', 'Mike']);
    expect(await f({ createdAt: { from: created.Juliet.createdAt } })).toEqual(['Alpha', 'Charlie', 'Juliet', 'Mike']);
    expect(await f({ createdAt: { to: created.Lima.createdAt } })).toEqual(['Bravo', 'Kilo', 'Lima']);
    expect(await f({ createdAt: { from: created.Lima.createdAt, to: created.Alpha.createdAt } })).toEqual(['Alpha', 'Juliet', 'Lima']);
    expect(await f({ responsibleIds: [member.user.id], tags: ['even'] })).toEqual(['Kilo', 'Lima']);
    expect(await f({ or: [{ search: 'alpha' }, { search: 'mike' }] })).toEqual(['Alpha', 'Mike']);
    expect(await f({ and: [{ tags: ['even'] }, { or: [{ responsibleIds: [member.user.id] }, { search: 'char' }] }] })).toEqual(['Charlie', 'Kilo', 'Lima']);
  });

  it('sorts by name and creation time, newest first by default', async () => {
    const sorted = [...NAMES].sort();
    expect(names(await list(ws, { orderBy: [{ field: 'NAME' }] }))).toEqual(sorted);
    expect(names(await list(ws, { orderBy: [{ field: 'NAME', direction: 'DESC' }] }))).toEqual([...sorted].reverse());
    expect(names(await list(ws))).toEqual([...NAMES].reverse());
    expect(names(await list(ws, { orderBy: [{ field: 'CREATED_AT' }] }))).toEqual(NAMES);
  });

  it('walks every company exactly once, in order, forward and backward', async () => {
    type Page = CompaniesQuery['companies'];
    const walk = async (vars: CompaniesQueryVariables, size: number, backward: boolean) => {
      const out: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const page: Page = await list(ws, backward ? { ...vars, first: undefined, last: size, before: cursor } : { ...vars, first: size, after: cursor });
        expect(page.edges.length).toBeLessThanOrEqual(size);
        if (backward) out.unshift(...names(page));
        else out.push(...names(page));
        const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
        if (!more) return { out, total: page.totalCount };
        cursor = backward ? page.pageInfo.startCursor! : page.pageInfo.endCursor!;
      }
      throw new Error('pagination did not end');
    };
    const sorted = [...NAMES].sort();
    for (const size of [1, 3, 7]) {
      expect(await walk({ orderBy: [{ field: 'NAME' }] }, size, false)).toEqual({ out: sorted, total: 7 });
      expect(await walk({ orderBy: [{ field: 'NAME' }] }, size, true)).toEqual({ out: sorted, total: 7 });
    }
    expect(await walk({ filter: { tags: ['even'] }, orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] }, 2, false)).toEqual({
      out: ['Charlie', 'Alpha', 'Lima', 'Kilo'],
      total: 4,
    });
  });
});
