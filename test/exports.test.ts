// Exports: CSV and XLSX files headed by field names that import back as they were (round trips),
// only with the EXPORT right, only cards within its scope, only fields the role may see, and each
// export in the audit log.
import { print } from 'graphql';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, test } from './kit/fixtures.js';
import type { TestApp, Workspace } from './kit/fixtures.js';
import { createCompany, createContact, createDeal, defineField, readContact, readDeal } from './kit/cards.js';
import { AllContacts, AllDeals, ExportCards, ImportProgress, StartImport } from './kit/documents/imports.js';
import { AuditLog, SetFieldAccess } from './kit/documents/users.js';
import type { DealFilter, ExportFilter, ImportFieldsFragment } from './gql/graphql.js';
import { Deals } from './kit/documents/deals.js';

type Client = { token: string; gql: Workspace['gql'] };

async function exportFile(c: Client, url: string, entityType: 'CONTACT' | 'COMPANY' | 'DEAL', format: 'CSV' | 'XLSX', filter?: ExportFilter) {
  const r = (await c.gql(ExportCards, { entityType, format, filter })).exportCards;
  if (r.__typename !== 'ExportCardsSuccess') throw new Error(JSON.stringify(r));
  const res = await fetch(new URL(r.file.url, url), { headers: { authorization: `Bearer ${c.token}` } });
  expect(res.status).toBe(200);
  return { file: r.file, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const csvRows = (bytes: Uint8Array) => parse(Buffer.from(bytes), { bom: true }) as string[][];

async function reimport(app: TestApp, ws: Workspace, name: string, bytes: Uint8Array, entityType: 'CONTACT' | 'DEAL') {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(StartImport), variables: { file: null, entityType, options: { policy: 'CREATE' } } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new File([new Uint8Array(bytes)], name));
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${ws.token}` }, body: form });
  const body = (await res.json()) as { data: { startImport: { __typename: string; import: ImportFieldsFragment } } };
  const id = body.data.startImport.import.id;
  let done: ImportFieldsFragment | null | undefined;
  await expect
    .poll(
      async () => {
        done = (await ws.gql(ImportProgress, { id })).importProgress;
        return done?.status;
      },
      { timeout: 20_000, interval: 50 },
    )
    .toBe('DONE');
  return done!;
}

/** What a card looks like to a user, without what a new card necessarily changes (id, times, version). */
function visibleOf(c: Record<string, unknown>) {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, lastActivityAt: _l, stageEnteredAt: _s, createdBy: _cb, updatedBy: _ub, deals: _d, ...rest } = c;
  const tags = (rest.tags as { name: string }[] | undefined)?.map((t) => t.name).sort();
  return { ...rest, tags };
}

describe('round trips', () => {
  test(
    'contacts exported as CSV import back with the same fields, links, tags and custom values',
    { timeout: 120_000 },
    async ({ app, url, workspace: ws }) => {
      const birthday = await defineField(ws, { entityType: 'CONTACT', name: 'Birthday', type: 'DATE' });
      const source = await defineField(ws, { entityType: 'CONTACT', name: 'Source', type: 'SELECT', options: ['Web', 'Fair'] });
      const topics = await defineField(ws, { entityType: 'CONTACT', name: 'Topics', type: 'MULTISELECT', options: ['Windows', 'Doors'] });
      const limit = await defineField(ws, { entityType: 'CONTACT', name: 'Limit', type: 'MONEY' });
      const vip = await defineField(ws, { entityType: 'CONTACT', name: 'VIP', type: 'BOOLEAN' });
      const company = await createCompany(ws, { name: 'Acme; Sons, Ltd' });
      await createContact(ws, {
        name: 'Anna Smith',
        position: 'CEO',
        phones: ['+7 912 345-67-89', '+7 912 000-11-22'],
        emails: ['anna@example.com'],
        companyId: company.id,
        tags: ['vip', 'wholesale'],
        customFields: [
          { fieldId: birthday.id, value: { date: '1980-12-31' } },
          { fieldId: source.id, value: { optionId: source.options[1].id } },
          { fieldId: topics.id, value: { optionIds: topics.options.map((o) => o.id) } },
          { fieldId: limit.id, value: { money: { amount: '1234.56', currency: 'USD' } } },
          { fieldId: vip.id, value: { boolean: false } },
        ],
      });
      await createContact(ws, { name: 'Boris "Bob" Lee', emails: [] });
      const { file, bytes } = await exportFile(ws, url, 'CONTACT', 'CSV');
      expect(file.contentType).toBe('text/csv');
      const rows = csvRows(bytes);
      expect(rows[0]).toEqual(['ID', 'Name', 'Position', 'Phones', 'Emails', 'Responsible', 'Company', 'Tags', 'Birthday', 'Source', 'Topics', 'Limit', 'VIP']);
      expect(rows).toHaveLength(3);

      const done = await reimport(app, ws, 'contacts.csv', bytes, 'CONTACT');
      expect({ created: done.created, failed: done.failed, issues: done.issues }).toEqual({ created: 2, failed: 0, issues: [] });
      const all = (await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node.id);
      expect(all).toHaveLength(4);
      const cards = await Promise.all(all.map((id) => readContact(ws, id)));
      const byName = (name: string) => cards.filter((c) => c.name === name).map((c) => visibleOf(c));
      for (const name of ['Anna Smith', 'Boris "Bob" Lee']) {
        const [original, imported] = byName(name);
        expect(imported).toEqual(original);
      }
    },
  );

  test(
    'deals exported as XLSX import back in their stages with their amounts, company and contacts',
    { timeout: 120_000 },
    async ({ app, url, workspace: ws }) => {
      const company = await createCompany(ws, { name: 'Acme' });
      const anna = await createContact(ws, { name: 'Anna' });
      const boris = await createContact(ws, { name: 'Boris' });
      await createDeal(ws, {
        name: 'Windows',
        amount: '1234567.89',
        currency: 'EUR',
        stageId: ws.open[1].id,
        companyId: company.id,
        contactIds: [anna.id, boris.id],
        tags: ['q4'],
      });
      await createDeal(ws, { name: 'Doors', amount: '0' });
      const { bytes } = await exportFile(ws, url, 'DEAL', 'XLSX');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
      expect((wb.worksheets[0].getRow(1).values as string[]).slice(1)).toEqual([
        'ID',
        'Name',
        'Amount',
        'Currency',
        'Responsible',
        'Company',
        'Pipeline',
        'Stage',
        'Contacts',
        'Tags',
      ]);

      const done = await reimport(app, ws, 'deals.xlsx', bytes, 'DEAL');
      expect({ created: done.created, failed: done.failed, issues: done.issues }).toEqual({ created: 2, failed: 0, issues: [] });
      const ids = (await ws.gql(AllDeals, {})).deals.edges.map((e) => e.node.id);
      const deals = await Promise.all(ids.map((id) => readDeal(ws, id)));
      for (const name of ['Windows', 'Doors']) {
        const [original, imported] = deals.filter((d) => d.name === name).map((d) => visibleOf(d));
        expect(imported).toEqual(original);
      }
    },
  );
});

describe('rights', () => {
  test(
    'no EXPORT right: ForbiddenError; EXPORT OWN: only own cards; a hidden field is not written; the export is in the audit log',
    { timeout: 120_000 },
    async ({ url, workspace: ws }) => {
      await createContact(ws, { name: 'Admin’s', phones: ['+79120000001'] });
      const viewer = await ws.member('Viewer', { rights: [{ entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' }] });
      expect((await viewer.gql(ExportCards, { entityType: 'CONTACT', format: 'CSV' })).exportCards.__typename).toBe('ForbiddenError');

      const seller = await ws.member('Seller', {
        rights: [
          { entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' },
          { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
          { entityType: 'CONTACT', action: 'EXPORT', scope: 'OWN' },
        ],
      });
      const hidden = await ws.gql(SetFieldAccess, { input: { roleId: seller.roleId!, entityType: 'CONTACT', systemField: 'PHONES', access: 'HIDDEN' } });
      expect(hidden.setFieldAccess.__typename).toBe('SetFieldAccessSuccess');
      await createContact(seller, { name: 'Seller’s own' });
      const { file, bytes } = await exportFile(seller, url, 'CONTACT', 'CSV');
      const rows = csvRows(bytes);
      expect(rows[0]).not.toContain('Phones');
      expect(rows.slice(1).map((r) => r[1])).toEqual(['Seller’s own']);

      const log = (await ws.gql(AuditLog, { first: 5 })).auditLog.edges.map((e) => e.node);
      const entry = log.find((e) => e.action === 'CARDS_EXPORTED');
      expect(entry).toMatchObject({ actorId: seller.user.id, subjectId: file.id });
      expect(JSON.parse(entry!.after!)).toMatchObject({ entityType: 'CONTACT', format: 'CSV', rows: 1 });
    },
  );
});

describe('filters', () => {
  test(
    'an export takes the list filter of its type (custom-field conditions, the type’s own keys, or): a deals export holds exactly the deals `deals(filter:)` lists; a filter of another type is refused',
    { timeout: 120_000 },
    async ({ url, workspace: ws }) => {
      const score = await defineField(ws, { entityType: 'DEAL', name: 'Score', type: 'NUMBER' });
      const region = await defineField(ws, { entityType: 'DEAL', name: 'Region', type: 'SELECT', options: ['North', 'South'] });
      const north = region.options.find((o) => o.label === 'North')!.id;
      const cases: [string, number, string | null, string][] = [
        ['Low north', 10, north, '100'],
        ['High north', 80, north, '100'],
        ['High south', 90, region.options.find((o) => o.label === 'South')!.id, '100'],
        ['High none', 95, null, '100'],
        ['Big low', 5, null, '50000'],
        ['Empty', 0, null, '1'],
      ];
      for (const [name, n, option, amount] of cases) {
        await createDeal(ws, {
          name,
          amount,
          customFields: [{ fieldId: score.id, value: { number: String(n) } }, ...(option ? [{ fieldId: region.id, value: { optionId: option } }] : [])],
        });
      }
      const filters: DealFilter[] = [
        { customFields: [{ fieldId: score.id, gte: '50' }] },
        {
          customFields: [
            { fieldId: score.id, gte: '50' },
            { fieldId: region.id, anyOf: [north] },
          ],
        },
        { or: [{ customFields: [{ fieldId: region.id, isEmpty: true }], amount: { min: '1000' } }, { customFields: [{ fieldId: score.id, lt: '20' }] }] },
      ];
      for (const filter of filters) {
        const listed = (await ws.gql(Deals, { filter, first: 100 })).deals.edges.map((e) => e.node.name).sort();
        const { bytes } = await exportFile(ws, url, 'DEAL', 'CSV', { deal: filter });
        const exported = csvRows(bytes)
          .slice(1)
          .map((r) => r[1])
          .sort();
        expect(exported, JSON.stringify(filter)).toEqual(listed);
        expect(listed.length).toBeGreaterThan(0);
        expect(listed.length).toBeLessThan(cases.length);
      }

      const wrong = (await ws.gql(ExportCards, { entityType: 'DEAL', format: 'CSV', filter: { contact: { search: 'x' } } })).exportCards;
      expect(wrong).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'filter.contact' }] });
    },
  );
});
