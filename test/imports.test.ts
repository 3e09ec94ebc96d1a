// Imports: files shaped like Kommo and Bitrix24 exports (Russian headers, their date and money
// formats, Windows-1251), an XLSX written by exceljs with a merged title and header, empty rows
// and formulas; header matching, value coercion, the row-by-row report, dry runs, the duplicate
// policy, rights, and a run resumed from its stored position without writing a row twice.
import { Readable } from 'node:stream';
import { print } from 'graphql';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { describe, expect, test } from './kit/fixtures.js';
import type { Workspace } from './kit/fixtures.js';
import type { TestApp } from './kit/app.js';
import { createContact, defineField, readCompany, readContact, readDeal } from './kit/cards.js';
import { rawId } from './kit/results.js';
import {
  AllCompanies,
  AllContacts,
  AllDeals,
  CancelImport,
  ImportedEntries,
  ImportProgress,
  ImportProgressLive,
  Imports,
  StartImport,
} from './kit/documents/imports.js';
import { subscribe } from './kit/subscribe.js';
import type { ImportFieldsFragment, ImportOptionsInput } from './gql/graphql.js';
import { createImport, IMPORT_MAX_BYTES, resumeImports, runImport } from '../src/modules/imports/imports.service.js';
import { issuesOf, kernelOf } from './kernel/kit.js';
import { encodeGlobalId } from '../src/lib/ids.js';

type Done = ImportFieldsFragment;

/** Sends startImport as a GraphQL multipart request; answers the result member. */
async function upload(app: TestApp, ws: { token: string }, file: File, entityType: 'CONTACT' | 'COMPANY' | 'DEAL', options?: ImportOptionsInput) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(StartImport), variables: { file: null, entityType, options: options ?? null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file);
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${ws.token}` }, body: form });
  const body = (await res.json()) as { data?: { startImport: { __typename: string; import?: Done; message?: string } }; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.startImport;
}

/** The import once its run has ended. */
async function finished(ws: Workspace, id: string, timeout = 20_000): Promise<Done> {
  let last: Done | null | undefined;
  await expect
    .poll(
      async () => {
        last = (await ws.gql(ImportProgress, { id })).importProgress;
        return last?.status;
      },
      { timeout, interval: 50 },
    )
    .toMatch(/DONE|FAILED|CANCELLED/);
  return last!;
}

async function importFile(app: TestApp, ws: Workspace, file: File, entityType: 'CONTACT' | 'COMPANY' | 'DEAL', options?: ImportOptionsInput, timeout?: number) {
  const r = await upload(app, ws, file, entityType, options);
  if (r.__typename !== 'StartImportSuccess') throw new Error(JSON.stringify(r));
  return finished(ws, r.import!.id, timeout);
}

const workspaceOf = (app: TestApp, id: string) => app.database.prisma.user.findUniqueOrThrow({ where: { id }, select: { workspaceId: true } });
const csv = (name: string, text: string) => new File([text], name, { type: 'text/csv' });
const addsUp = (i: Done) => expect(i.created + i.updated + i.skipped + i.failed).toBe(i.rowsRead);
const issues = (i: Done) => i.issues.map(({ row, column, value, message }) => ({ row, column, value, message }));

describe('a Kommo contacts export (UTF-8 with BOM, semicolons, Russian headers)', () => {
  test(
    'matches the headers, coerces every value, reports each bad row by row and column, and writes the good rows',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      await defineField(ws, { entityType: 'CONTACT', name: 'Дата рождения', type: 'DATE' });
      await defineField(ws, { entityType: 'CONTACT', name: 'Постоянный клиент', type: 'BOOLEAN' });
      await defineField(ws, { entityType: 'CONTACT', name: 'Источник', type: 'SELECT', options: ['Сайт', 'Выставка'] });
      await defineField(ws, { entityType: 'CONTACT', name: 'Интересы', code: 'interests', type: 'MULTISELECT', options: ['Окна', 'Двери', 'Крыши'] });
      await defineField(ws, { entityType: 'CONTACT', name: 'Лимит', type: 'MONEY' });
      const file = csv(
        'kommo_contacts.csv',
        '\uFEFF' +
          [
            'ID;Полное имя;Компания;Должность;Рабочий телефон;Мобильный телефон;Рабочий email;Ответственный;Теги;Дата рождения;Постоянный клиент;Источник;INTERESTS;Лимит;Дата создания',
            `101;Иван Петров;ООО "Ромашка";Директор;8 (912) 345-67-89;+7 912 000-11-22;ivan@romashka.ru;Admin;vip, опт;31.12.1980;да;сайт;"Окна; Двери";1 234,56 ₽;01.02.2026 10:00:00`,
            `102;Мария Соколова;;;+79120001133;;maria@example.com;${ws.email};;1985-04-02;нет;Выставка;;$2,500.00;01.02.2026 11:00:00`,
            ';;;;;;;;;;;;;;',
            '103;Пётр Сидоров;;;;;petr@example.com;Nobody Here;;32.13.1990;может быть;Радио;Окна;;01.02.2026 12:00:00',
            '104;;;;;;;;;;;;;;',
          ].join('\r\n'),
      );
      const done = await importFile(app, ws, file, 'CONTACT');
      expect(done.status).toBe('DONE');
      expect(done.columns.map((c) => c.field)).toEqual([
        'id',
        'name',
        'company',
        'position',
        'phones',
        'phones',
        'emails',
        'responsible',
        'tags',
        expect.stringMatching(/^\w+/),
        expect.stringMatching(/^\w+/),
        expect.stringMatching(/^\w+/),
        'interests',
        expect.stringMatching(/^\w+/),
        null,
      ]);
      // The empty line is not a row; the row without a name fails in the kernel's validation.
      expect({ rowsRead: done.rowsRead, created: done.created, failed: done.failed }, JSON.stringify(issues(done))).toEqual({
        rowsRead: 4,
        created: 2,
        failed: 2,
      });
      expect({ rowsRead: done.rowsRead, created: done.created, failed: done.failed }).toEqual({ rowsRead: 4, created: 2, failed: 2 });
      addsUp(done);
      expect(issues(done)).toEqual([
        { row: 1, column: 'Дата создания', value: '', message: 'column "Дата создания" matches no field and is ignored' },
        { row: 5, column: 'Дата рождения', value: '32.13.1990', message: expect.stringContaining('is not a date') },
        { row: 5, column: 'Источник', value: 'Радио', message: 'no option "Радио"' },
        { row: 5, column: 'Ответственный', value: 'Nobody Here', message: 'no user named "Nobody Here"' },
        { row: 5, column: 'Постоянный клиент', value: 'может быть', message: 'is not yes or no' },
        { row: 6, column: 'Полное имя', value: '', message: expect.any(String) },
      ]);
      const contacts = (await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node);
      expect(contacts.map((c) => c.name)).toEqual(['Иван Петров', 'Мария Соколова']);
      const [ivan, maria] = await Promise.all(contacts.map((x) => readContact(ws, x.id)));
      expect(ivan).toMatchObject({
        position: 'Директор',
        emails: ['ivan@romashka.ru'],
        phones: [{ e164: '+79123456789' }, { e164: '+79120001122' }],
        company: { name: 'ООО "Ромашка"' },
        responsible: { name: 'Admin' },
      });
      expect(ivan.tags.map((t) => t.name).sort()).toEqual(['vip', 'опт']);
      const values = Object.fromEntries(ivan.customFields.map((v) => [v.__typename, v]));
      expect(values.DateFieldValue).toMatchObject({ date: '1980-12-31' });
      expect(values.BooleanFieldValue).toMatchObject({ boolean: true });
      expect(values.SelectFieldValue).toMatchObject({ option: { label: 'Сайт' } });
      expect(values.MultiSelectFieldValue).toMatchObject({ options: [{ label: 'Окна' }, { label: 'Двери' }] });
      expect(values.MoneyFieldValue).toMatchObject({ amount: '1234.56', currency: 'RUB' });
      const m = Object.fromEntries(maria.customFields.map((v) => [v.__typename, v]));
      expect(m.DateFieldValue).toMatchObject({ date: '1985-04-02' });
      expect(m.BooleanFieldValue).toMatchObject({ boolean: false });
      expect(m.MoneyFieldValue).toMatchObject({ amount: '2500.00', currency: 'USD' });
      expect(maria.responsible).toMatchObject({ name: 'Admin' });
      expect((await ws.gql(Imports, {})).imports.map((i) => i.fileName)).toEqual(['kommo_contacts.csv']);
    },
  );
});

describe('a Bitrix24 deals export (Windows-1251, Russian money and stage names)', () => {
  test(
    'reads the encoding, places each deal in its named stage, links or creates its company and contact',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const stage = ws.open[1];
      const text = [
        'ID;Название сделки;Стадия сделки;Сумма;Валюта;Ответственный;Компания;Контакт;Дата создания',
        `7;Поставка окон;${stage.name};1 234 567,89;RUB;Admin;ООО Альфа;Олег Иванов;03.11.2026`,
        `8;Монтаж;${stage.name.toUpperCase()};15000;;;ООО Альфа;;04.11.2026`,
        '9;Ремонт;Неизвестный этап;100;;;;;05.11.2026',
      ].join('\r\n');
      const file = new File([new Uint8Array(iconv.encode(text, 'win1251'))], 'bitrix_deals.csv', { type: 'text/csv' });
      const done = await importFile(app, ws, file, 'DEAL');
      expect({ status: done.status, created: done.created, failed: done.failed }).toEqual({ status: 'DONE', created: 2, failed: 1 });
      addsUp(done);
      expect(issues(done).filter((i) => i.row > 1)).toEqual([
        { row: 4, column: 'Стадия сделки', value: 'Неизвестный этап', message: `no stage "Неизвестный этап" in pipeline "${ws.pipeline.name}"` },
      ]);
      const deals = (await ws.gql(AllDeals, {})).deals.edges.map((e) => e.node);
      expect(deals.map((d) => ({ name: d.name, amount: d.amount, currency: d.currency, stage: d.stage.name, company: d.company?.name }))).toEqual([
        { name: 'Поставка окон', amount: '1234567.89', currency: 'RUB', stage: stage.name, company: 'ООО Альфа' },
        { name: 'Монтаж', amount: '15000.00', currency: 'RUB', stage: stage.name, company: 'ООО Альфа' },
      ]);
      expect((await readDeal(ws, deals[0].id)).contacts.map((c) => c.name)).toEqual(['Олег Иванов']);
      // One company, matched by name for the second deal.
      expect((await ws.gql(AllCompanies, {})).companies.totalCount).toBe(1);
    },
  );
});

describe('an XLSX written by exceljs', () => {
  test(
    'finds the header under a merged title, spreads a merged header over its columns, skips empty rows and reads formula results',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      await defineField(ws, { entityType: 'COMPANY', name: 'Выручка', type: 'NUMBER' });
      await defineField(ws, { entityType: 'COMPANY', name: 'Основана', type: 'DATE' });
      const wb = new ExcelJS.Workbook();
      const sheet = wb.addWorksheet('Компании');
      sheet.getCell('A1').value = 'Список компаний на 01.12.2026';
      sheet.mergeCells('A1:F1');
      sheet.getRow(2).values = ['Название', 'Телефон', null, 'Сайт', 'Выручка', 'Основана'];
      sheet.mergeCells('B2:C2');
      sheet.getRow(3).values = [
        'Альфа',
        '+7 495 111-22-33',
        '+7 495 111-22-34',
        'https://alfa.example',
        { formula: '1000*3', result: 3000 },
        new Date(Date.UTC(2001, 4, 17)),
      ];
      // Row 4 stays empty.
      sheet.getRow(5).values = ['Бета', '84951112235', null, null, 1234.5, 45000];
      sheet.getRow(6).values = ['Гамма', 'не телефон', null, null, null, null];
      const bytes = await wb.xlsx.writeBuffer();
      const file = new File([bytes], 'companies.xlsx', { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const done = await importFile(app, ws, file, 'COMPANY');
      expect({ status: done.status, created: done.created, failed: done.failed, rowsRead: done.rowsRead }).toEqual({
        status: 'DONE',
        created: 2,
        failed: 1,
        rowsRead: 3,
      });
      expect(done.columns.map((c) => c.field).slice(0, 4)).toEqual(['name', 'phones', 'phones', 'website']);
      // Row numbers are the sheet's own.
      expect(issues(done).map((i) => [i.row, i.column, i.value])).toEqual([[6, 'Телефон', 'не телефон']]);
      const companies = (await ws.gql(AllCompanies, {})).companies.edges.map((e) => e.node);
      const [alfa, beta] = await Promise.all(companies.map((x) => readCompany(ws, x.id)));
      expect(alfa.phones.map((p) => p.e164)).toEqual(['+74951112233', '+74951112234']);
      expect(alfa.website).toBe('https://alfa.example');
      expect(alfa.customFields.map((v) => ('number' in v ? v.number : 'date' in v ? v.date : null))).toEqual(['3000', '2001-05-17']);
      // 45000 in a date column is a spreadsheet serial day.
      expect(beta.customFields.map((v) => ('number' in v ? v.number : 'date' in v ? v.date : null))).toEqual(['1234.5', '2023-03-15']);
    },
  );
});

describe("an XLSX long enough that its text crosses the reader's chunks", () => {
  test(
    'every Cyrillic name reads back as written (exceljs decoded each chunk alone and split characters)',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const wb = new ExcelJS.Workbook();
      const sheet = wb.addWorksheet('Контакты');
      sheet.addRow(['Имя', 'Должность']);
      const names = Array.from({ length: 3000 }, (_, i) => `Иванов Пётр Сергеевич ${i}`);
      for (const name of names) sheet.addRow([name, 'Менеджер по закупкам']);
      const file = new File([await wb.xlsx.writeBuffer()], 'contacts.xlsx', { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const done = await importFile(app, ws, file, 'CONTACT', undefined, 110_000);
      expect({ status: done.status, created: done.created, failed: done.failed }).toEqual({ status: 'DONE', created: 3000, failed: 0 });
      const stored = await app.database.prisma.contact.findMany({ where: { workspaceId: ws.workspaceId }, select: { name: true, position: true } });
      expect(stored.map((c) => c.name).sort()).toEqual([...names].sort());
      expect(new Set(stored.map((c) => c.position))).toEqual(new Set(['Менеджер по закупкам']));
    },
  );
});

describe('a file over the import limit', () => {
  test('is refused by its size in megabytes, and no import is recorded', async ({ workspace: ws }) => {
    const k = await kernelOf(ws);
    // As `npm run import` gives it: the size from the file system, the bytes not read before the checks.
    const file = { name: 'huge.csv', size: IMPORT_MAX_BYTES + 3 * 1024 * 1024, stream: Readable.from(['Name\nAnn\n']) };
    expect(await issuesOf(createImport(k.admin, file, 'CONTACT'))).toEqual(['file: is 515.0 MB; files may be at most 512 MB']);
    expect(await k.db.import.count({ where: { workspaceId: k.workspaceId } })).toBe(0);
  });
});

describe('dry run', () => {
  test('checks every row, writes nothing, and offers the report as a CSV file to download', { timeout: 120_000 }, async ({ app, url, workspace: ws }) => {
    const file = csv('people.csv', ['Name,Email,Phone', 'Anna,anna@example.com,+7 900 000-00-01', 'Bad,not-an-email,', 'Boris,,+7 900 000-00-02'].join('\n'));
    const done = await importFile(app, ws, file, 'CONTACT', { dryRun: true });
    expect({ status: done.status, dryRun: done.dryRun, created: done.created, failed: done.failed }).toEqual({
      status: 'DONE',
      dryRun: true,
      created: 2,
      failed: 1,
    });
    expect(issues(done)).toEqual([{ row: 3, column: 'Email', value: 'not-an-email', message: expect.any(String) }]);
    expect((await ws.gql(AllContacts, {})).contacts.totalCount).toBe(0);
    const res = await fetch(new URL(done.report!.url, url), { headers: { authorization: `Bearer ${ws.token}` } });
    expect(res.status).toBe(200);
    const report = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(report[0]).toBe('Row,Column,Value,Message');
    expect(report[1]).toMatch(/^3,Email,not-an-email,/);
  });
});

describe('duplicates', () => {
  const file = () =>
    csv('dups.csv', ['Name;Email;Position', 'Anna;anna@example.com;CEO', 'Anna Second;ANNA@example.com;CTO', 'Boris;boris@example.com;'].join('\n'));

  test(
    'SKIP (the default) reports rows matching a card, also one created earlier in the same file; UPDATE changes the match; CREATE adds anyway',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      await createContact(ws, { name: 'Boris B.', emails: ['boris@example.com'] });
      const skip = await importFile(app, ws, file(), 'CONTACT');
      expect({ created: skip.created, skipped: skip.skipped }).toEqual({ created: 1, skipped: 2 });
      addsUp(skip);
      expect(issues(skip).map((i) => [i.row, i.message])).toEqual([
        [3, 'skipped: duplicates row 2 of the file'],
        [4, 'skipped: a matching card exists'],
      ]);
      const update = await importFile(app, ws, file(), 'CONTACT', { policy: 'UPDATE', matchBy: ['EMAIL'] });
      expect({ created: update.created, updated: update.updated }).toEqual({ created: 0, updated: 3 });
      const contacts = (await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node);
      expect(contacts.map((c) => [c.name, c.position])).toEqual([
        ['Boris', null],
        ['Anna Second', 'CTO'],
      ]);
      const create = await importFile(app, ws, file(), 'CONTACT', { policy: 'CREATE' });
      expect(create.created).toBe(3);
      expect((await ws.gql(AllContacts, {})).contacts.totalCount).toBe(5);
    },
  );
});

describe('which card a row matches', () => {
  test(
    'the first kind of key in matchBy that finds a card wins, and of the cards it finds the oldest',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const older = await createContact(ws, { name: 'Older', emails: ['older@example.com'] });
      const newer = await createContact(ws, { name: 'Newer', emails: ['newer@example.com'], phones: ['+79161112233'] });
      // Row 2 names both cards by e-mail (the newer first): the older is updated. Row 3 names the
      // older by name and the newer by phone: with PHONE before NAME, the newer.
      const file = csv(
        'match.csv',
        ['Name;Email;Phone;Position', 'Someone;newer@example.com, older@example.com;;by e-mail', 'Older;;+7 916 111-22-33;by phone'].join('\n'),
      );
      const done = await importFile(app, ws, file, 'CONTACT', { policy: 'UPDATE', matchBy: ['EMAIL', 'PHONE', 'NAME'] });
      expect({ created: done.created, updated: done.updated }).toEqual({ created: 0, updated: 2 });
      const contacts = new Map((await ws.gql(AllContacts, {})).contacts.edges.map((e) => [e.node.id, e.node]));
      expect([contacts.get(older.id)?.position, contacts.get(newer.id)?.position]).toEqual(['by e-mail', 'by phone']);
    },
  );
});

describe('matching by name', () => {
  test(
    'a row matches a card of another case by name, and the lookup reads the ("workspaceId", lower(name)) index (EXPLAIN of the statement the import ran), not every card of the workspace',
    { timeout: 180_000 },
    async ({ app, workspace: ws }) => {
      const prisma = app.database.prisma as unknown as { $on(e: 'query', f: (e: { query: string; params: string }) => void): void };
      const userId = rawId(ws.admin.id);
      const { workspaceId } = await workspaceOf(app, userId);
      // Enough cards that reading them all costs more than the index (the planner's choice).
      await app.database.prisma.$executeRawUnsafe(
        `insert into "Contact" (id, "workspaceId", name, "searchText", "responsibleId")
         select gen_random_uuid(), $1::uuid, 'Lookup ' || i, 'lookup ' || i, $2::uuid from generate_series(1, 20000) i`,
        workspaceId,
        userId,
      );
      await app.database.prisma.$executeRawUnsafe(`analyze "Contact"`);
      const seen: { query: string; params: string }[] = [];
      let listening = true;
      prisma.$on('query', (e) => listening && seen.push({ query: e.query, params: e.params }));
      let done: Done;
      try {
        done = await importFile(app, ws, csv('names.csv', ['Name;Position', 'LOOKUP 17;CEO', 'lookup 18;CTO', 'Nobody Yet;'].join('\n')), 'CONTACT', {
          matchBy: ['NAME'],
        });
      } finally {
        listening = false;
      }
      expect({ created: done.created, skipped: done.skipped }).toEqual({ created: 1, skipped: 2 });
      const lookup = seen.find((q) => /(?:from|join) (?:"[^"]*"\.)?"Contact"/i.test(q.query) && /lower\(/i.test(q.query) && q.params.includes('lookup 17'));
      expect(lookup, seen.map((q) => q.query).join('\n')).toBeDefined();
      const plan = (await app.database.prisma.$queryRawUnsafe<Record<string, string>[]>(`explain ${lookup!.query}`, ...JSON.parse(lookup!.params)))
        .map((r) => Object.values(r)[0])
        .join('\n');
      expect(plan).toContain('Contact_workspaceId_lower_name_idx');
    },
  );
});

describe('matching in a workspace the import fills', () => {
  test(
    "a large import refreshes the card table's statistics itself when the planner takes the filled workspace for nearly empty (it would match each batch's names against every card of it), and only then",
    { timeout: 300_000 },
    async ({ app, workspace: ws }) => {
      const db = app.database.prisma;
      const userId = rawId(ws.admin.id);
      const { workspaceId } = await workspaceOf(app, userId);
      const known = async () =>
        Number((await db.$queryRawUnsafe<{ n: number }[]>(`select reltuples::float8 as n from pg_class where relname = 'Contact'`))[0].n);
      // Cards the planner has not been told about, as when an import fills a workspace faster
      // than autovacuum analyzes it (autovacuum kept off the table meanwhile, on PostgreSQL).
      await db.$executeRawUnsafe(`alter table "Contact" set (autovacuum_enabled = false)`);
      try {
        await db.$executeRawUnsafe(`analyze "Contact"`);
        const before = Math.max(await known(), 0);
        await db.$executeRawUnsafe(
          `insert into "Contact" (id, "workspaceId", name, "searchText", "responsibleId")
           select gen_random_uuid(), $1::uuid, 'Filled ' || i, 'filled ' || i, $2::uuid from generate_series(1, 20000) i`,
          workspaceId,
          userId,
        );
        expect(await known()).toBeLessThan(before + 1000);
        const rows = Array.from({ length: 2500 }, (_, i) => `New ${i + 1}`);
        const done = await importFile(app, ws, csv('filled.csv', ['Name', ...rows, 'FILLED 17'].join('\n')), 'CONTACT', { matchBy: ['NAME'] }, 280_000);
        expect({ created: done.created, skipped: done.skipped, failed: done.failed }).toEqual({ created: 2500, skipped: 1, failed: 0 });
        // Analyzed once the import had written 2,000 cards: the planner now counts the workspace's cards.
        const analyzed = await known();
        expect(analyzed).toBeGreaterThanOrEqual(before + 21000);
        // Its ANALYZE samples fewer rows than PostgreSQL's default (ANALYZE_TARGET), and the
        // planner still counts the workspace's cards within a tenth.
        const [{ 'QUERY PLAN': estimate }] = await db.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
          `explain (format json) select 1 from "Contact" where "workspaceId" = $1::uuid and "deletedAt" is null`,
          workspaceId,
        );
        const real = await db.contact.count({ where: { workspaceId, deletedAt: null } });
        expect(Math.abs(estimate[0].Plan['Plan Rows'] - real)).toBeLessThan(real / 10);
        // A second import into the workspace: the planner, which scales what it knows with the
        // table's size, already counts enough of its cards, so the import does not analyze again.
        const more = Array.from({ length: 2500 }, (_, i) => `More ${i + 1}`);
        const again = await importFile(app, ws, csv('more.csv', ['Name', ...more].join('\n')), 'CONTACT', { matchBy: ['NAME'] }, 280_000);
        expect(again.created).toBe(2500);
        expect(await known()).toBe(analyzed);
      } finally {
        await db.$executeRawUnsafe(`alter table "Contact" reset (autovacuum_enabled)`);
      }
    },
  );

  test(
    "an import beside another workspace's cards analyzes once, not each time it doubles what it wrote",
    { timeout: 300_000 },
    async ({ app, workspace: ws, signUp }) => {
      const db = app.database.prisma;
      const other = await signUp();
      const otherUser = rawId(other.admin.id);
      const { workspaceId: otherWorkspace } = await workspaceOf(app, otherUser);
      const known = async () =>
        Number((await db.$queryRawUnsafe<{ n: number }[]>(`select reltuples::float8 as n from pg_class where relname = 'Contact'`))[0].n);
      await db.$executeRawUnsafe(`alter table "Contact" set (autovacuum_enabled = false)`);
      try {
        await db.$executeRawUnsafe(
          `insert into "Contact" (id, "workspaceId", name, "searchText", "responsibleId")
           select gen_random_uuid(), $1::uuid, 'Theirs ' || i, 'theirs ' || i, $2::uuid from generate_series(1, 8000) i`,
          otherWorkspace,
          otherUser,
        );
        await db.$executeRawUnsafe(`analyze "Contact"`);
        const before = await known();
        const rows = Array.from({ length: 8000 }, (_, i) => `Ours ${i + 1}`);
        const done = await importFile(app, ws, csv('ours.csv', ['Name', ...rows].join('\n')), 'CONTACT', { matchBy: ['NAME'] }, 280_000);
        expect({ created: done.created, failed: done.failed }).toEqual({ created: 8000, failed: 0 });
        // Analyzed once, at 2,000 cards (the workspace was unknown to the planner). At 4,000 and
        // 8,000 the planner counts ~2,200 and ~3,200 of them (the share it saw, scaled with the
        // table, ~2,300 beside the other files' cards): more than a fifth, so not analyzed again; at 3/4 it was (the table's count
        // then ~8,000 more; on PostgreSQL the check at 4,000 may find the first ANALYZE still running).
        const after = await known();
        expect(after).toBeGreaterThanOrEqual(before + 1500);
        expect(after).toBeLessThan(before + 3500);
      } finally {
        await db.$executeRawUnsafe(`alter table "Contact" reset (autovacuum_enabled)`);
      }
    },
  );
});

describe('rights', () => {
  test(
    'an import needs the CREATE right; each row is then checked like an API call (scope of the responsible)',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const reader = await ws.member('Reader', { rights: [{ entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' }] });
      const refused = await upload(app, reader, csv('a.csv', 'Name\nAnna'), 'CONTACT');
      expect(refused.__typename).toBe('ForbiddenError');
      const seller = await ws.member('Seller', {
        rights: [
          { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
          { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
        ],
      });
      const done = await importFile(app, { ...ws, ...seller } as Workspace, csv('b.csv', `Name;Responsible\nMine;\nTheirs;${ws.email}`), 'CONTACT');
      expect({ created: done.created, failed: done.failed }).toEqual({ created: 1, failed: 1 });
      expect(issues(done)[0]).toMatchObject({ row: 3, message: expect.stringMatching(/create/) });
      expect((await ws.gql(AllContacts, {})).contacts.edges.map((e) => [e.node.name, e.node.responsible?.name])).toEqual([['Mine', 'Seller']]);
    },
  );
});

/** An import of a one-column CSV of `names`, stored and recorded as startImport leaves it (batches of 3), with `state` over it. */
async function storedImport(app: TestApp, ws: Workspace, name: string, names: string[], state: object = {}) {
  const { workspaceId } = await app.deps.db.user.findUniqueOrThrow({ where: { id: rawId(ws.admin.id) } });
  const storageKey = `${workspaceId}/imports/${name}-${Date.now()}`;
  await app.deps.storage.put(storageKey, new TextEncoder().encode(['Name', ...names].join('\n')));
  return app.deps.db.import.create({
    data: {
      workspaceId,
      createdById: rawId(ws.admin.id),
      entityType: 'CONTACT',
      fileName: `${name}.csv`,
      storageKey,
      format: 'CSV',
      options: { dryRun: false, policy: 'CREATE', matchBy: ['ID'], mapping: [], batchSize: 3 },
      ...state,
    },
  });
}

describe('resume and cancel', () => {
  test(
    'an import resumed after a crash goes on after its stored position: no row is written twice and the counts add up',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const names = Array.from({ length: 10 }, (_, i) => `Person ${i + 1}`);
      // The state a crash after row 5 leaves: rows 2–5 written and counted, the run still RUNNING.
      for (const name of names.slice(0, 4)) await createContact(ws, { name });
      const imp = await storedImport(app, ws, 'resume', names, {
        status: 'RUNNING',
        position: 5,
        created: 4,
        heartbeatAt: new Date(Date.now() - 120_000),
        mapping: [{ column: 'Name', field: 'name' }],
      });
      expect(await resumeImports(app.deps)).toBeGreaterThanOrEqual(1);
      const { encodeGlobalId } = await import('../src/lib/ids.js');
      const done = await finished(ws, encodeGlobalId('Import', imp.id));
      expect({ status: done.status, created: done.created, rowsRead: done.rowsRead }).toEqual({ status: 'DONE', created: 10, rowsRead: 10 });
      const contacts = (await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node.name);
      expect(contacts).toEqual(names);
    },
  );

  test(
    'a run stopped after its first batch, while it reads the next one ahead, wrote that batch alone; resumed, it writes every other row once',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const names = Array.from({ length: 10 }, (_, i) => `Person ${i + 1}`);
      const imp = await storedImport(app, ws, 'stopped', names);
      // Stopped as a shutdown stops it: the signal, here as soon as the first batch is committed.
      const abort = new AbortController();
      await runImport(app.deps, imp.id, { signal: abort.signal, onProgress: () => abort.abort() });
      const stopped = await app.deps.db.import.findUniqueOrThrow({ where: { id: imp.id } });
      expect({ status: stopped.status, position: stopped.position, created: stopped.created }).toEqual({ status: 'RUNNING', position: 4, created: 3 });
      expect((await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node.name)).toEqual(names.slice(0, 3));
      await runImport(app.deps, imp.id);
      const done = await ws.gql(ImportProgress, { id: encodeGlobalId('Import', imp.id) });
      expect({ status: done.importProgress?.status, created: done.importProgress?.created, rowsRead: done.importProgress?.rowsRead }).toEqual({
        status: 'DONE',
        created: 10,
        rowsRead: 10,
      });
      expect((await ws.gql(AllContacts, {})).contacts.edges.map((e) => e.node.name)).toEqual(names);
    },
  );

  test('cancelImport stops a run; what was written stays and is counted', { timeout: 120_000 }, async ({ app, workspace: ws }) => {
    const rows = Array.from({ length: 60 }, (_, i) => `Lead ${i + 1}`);
    const r = await upload(app, ws, csv('many.csv', ['Name', ...rows].join('\n')), 'CONTACT', { batchSize: 5, policy: 'CREATE' });
    if (r.__typename !== 'StartImportSuccess') throw new Error(JSON.stringify(r));
    const cancel = await ws.gql(CancelImport, { id: r.import!.id });
    // The run may have ended before the cancel arrived.
    const ended = cancel.cancelImport.__typename === 'CancelImportSuccess';
    const done = await finished(ws, r.import!.id);
    expect(done.status).toBe(ended ? 'CANCELLED' : 'DONE');
    addsUp(done);
    expect((await ws.gql(AllContacts, {})).contacts.totalCount).toBe(done.created);
  });
});

describe('batches', () => {
  test(
    'rows are written in batches: a row the database refuses fails alone, the rest of its batch is written once, every card says "imported"',
    { timeout: 300_000 },
    async ({ app, workspace: ws }) => {
      const n = 300;
      const lines = ['Name;Email;Phone;Score'];
      for (let i = 1; i <= n; i++) {
        const name = i === 160 ? 'Refused by the database' : `Person ${i}`;
        const email = i === 50 ? 'not-an-email' : `person${i}@example.com`;
        lines.push(`${name};${email};+7 912 ${String(10000000 + i).slice(1)};${i === 240 ? 'many' : i}`);
      }
      await defineField(ws, { entityType: 'CONTACT', name: 'Score', type: 'NUMBER' });
      // A real refusal by the database, after every check of the kernel passed: the batch holding
      // row 161 fails as a whole and is written again one row at a time.
      const db = app.deps.db;
      await db.$executeRawUnsafe(`create or replace function refuse_contact() returns trigger language plpgsql as $$
        begin if new.name = 'Refused by the database' then raise exception 'refused'; end if; return new; end $$`);
      await db.$executeRawUnsafe(`create trigger refuse_contact before insert on "Contact" for each row execute function refuse_contact()`);
      let done: Done;
      try {
        done = await importFile(app, ws, csv('batches.csv', lines.join('\n')), 'CONTACT', { batchSize: 100 }, 240_000);
      } finally {
        await db.$executeRawUnsafe(`drop trigger refuse_contact on "Contact"`);
      }
      expect({ status: done.status, rowsRead: done.rowsRead, created: done.created, failed: done.failed }).toEqual({
        status: 'DONE',
        rowsRead: n,
        created: n - 3,
        failed: 3,
      });
      addsUp(done);
      expect(issues(done).map((i) => [i.row, i.column])).toEqual([
        [51, 'Email'],
        [161, ''],
        [241, 'Score'],
      ]);
      expect(issues(done)[1].message).toMatch(/could not be written/);
      const all = await ws.gql(AllContacts, {});
      expect(all.contacts.totalCount).toBe(n - 3);
      // Rows around the refused one, in its batch, were written, each once.
      const around = ['Person 101', 'Person 159', 'Person 161', 'Person 200'];
      expect(await db.contact.count({ where: { name: { in: around } } })).toBe(4);
      const card = all.contacts.edges[0].node.id;
      const entries = (await ws.gql(ImportedEntries, { cardId: card })).timeline.edges.map((e) => e.node);
      expect(entries).toEqual([
        expect.objectContaining({ kind: 'IMPORTED', imported: expect.objectContaining({ fileName: 'batches.csv', outcome: 'CREATED' }) }),
      ]);

      // Under UPDATE, a matched card gets its changes and an "imported" entry saying so.
      const again = await importFile(app, ws, csv('again.csv', 'Name;Email;Score\nPerson 1 Renamed;person1@example.com;77'), 'CONTACT', {
        policy: 'UPDATE',
        matchBy: ['EMAIL'],
      });
      expect({ updated: again.updated, created: again.created }).toEqual({ updated: 1, created: 0 });
      const person1 = encodeGlobalId('Contact', (await db.contact.findFirstOrThrow({ where: { emails: { has: 'person1@example.com' } } })).id);
      const after = (await ws.gql(ImportedEntries, { cardId: person1 })).timeline.edges.map((e) => e.node);
      expect(after.map((e) => e.kind)).toEqual(expect.arrayContaining(['IMPORTED', 'FIELD_CHANGED']));
      expect(after.find((e) => e.kind === 'IMPORTED' && e.imported?.outcome === 'UPDATED')?.imported?.fileName).toBe('again.csv');
    },
  );

  test(
    'a dry run reports rows of the file that match each other, across batches, as the policy would treat them',
    { timeout: 180_000 },
    async ({ app, workspace: ws }) => {
      const file = () =>
        csv(
          'twice.csv',
          [
            'Name;Email;Phone',
            'Anna;anna@example.com;',
            'Boris;;+7 912 111-22-33',
            'Vera;vera@example.com;',
            'Anna again;ANNA@example.com;',
            'Boris again;;8 (912) 111-22-33',
          ].join('\n'),
        );
      const skip = await importFile(app, ws, file(), 'CONTACT', { dryRun: true, batchSize: 2 });
      expect({ created: skip.created, skipped: skip.skipped }).toEqual({ created: 3, skipped: 2 });
      expect(issues(skip).map((i) => [i.row, i.message])).toEqual([
        [5, 'skipped: duplicates row 2 of the file'],
        [6, 'skipped: duplicates row 3 of the file'],
      ]);
      const update = await importFile(app, ws, file(), 'CONTACT', { dryRun: true, batchSize: 2, policy: 'UPDATE' });
      expect({ created: update.created, updated: update.updated }).toEqual({ created: 3, updated: 2 });
      expect(issues(update).map((i) => [i.row, i.message])).toEqual([
        [5, 'matches row 2 of the file: will update the card that row creates'],
        [6, 'matches row 3 of the file: will update the card that row creates'],
      ]);
      const create = await importFile(app, ws, file(), 'CONTACT', { dryRun: true, batchSize: 2, policy: 'CREATE' });
      expect(create.created).toBe(5);
      expect(issues(create).map((i) => i.row)).toEqual([5, 6]);
      addsUp(create);
      expect((await ws.gql(AllContacts, {})).contacts.totalCount).toBe(0);
    },
  );
});

describe('likely duplicates in a dry run', () => {
  test(
    'each row that would be written reports the existing cards it looks like (not the one it updates, only those its author may see)',
    { timeout: 120_000 },
    async ({ app, workspace: ws }) => {
      const ivan = await createContact(ws, { name: 'Иван Петров', phones: ['+79121112233'] });
      await createContact(ws, { name: 'Ольга Смирнова', emails: ['olga@example.com'] });
      const file = () =>
        csv(
          'likely.csv',
          [
            'Name;Email;Phone',
            // Not matched (names are matched as written) but the same person by name: created, looks like Ivan.
            'Петров Иван;;',
            // Olga by e-mail (updated under UPDATE), and Ivan's phone in another format: looks like Ivan alone.
            'Olga S.;OLGA@example.com;8 912 111-22-33',
            'Вера Новикова;vera@example.com;',
            // Row 2 again: under UPDATE it updates that row's card; under CREATE its note carries the likely duplicates.
            'Петров Иван;;',
          ].join('\n'),
        );
      const done = await importFile(app, ws, file(), 'CONTACT', { dryRun: true, policy: 'UPDATE' });
      expect({ created: done.created, updated: done.updated }).toEqual({ created: 2, updated: 2 });
      expect(
        done.issues.map((i) => ({
          row: i.row,
          column: i.column,
          message: i.message,
          duplicates: i.duplicates.map((d) => [d.contact?.id, d.reasons, d.score]),
        })),
      ).toEqual([
        { row: 2, column: '', message: 'looks like the existing card "Иван Петров"', duplicates: [[ivan.id, ['NAME'], 0.3]] },
        { row: 3, column: '', message: 'looks like the existing card "Иван Петров"', duplicates: [[ivan.id, ['PHONE'], 0.6]] },
        { row: 5, column: '', message: 'matches row 2 of the file: will update the card that row creates', duplicates: [] },
      ]);
      const create = await importFile(app, ws, file(), 'CONTACT', { dryRun: true, policy: 'CREATE' });
      expect(create.issues.filter((i) => i.row === 5).map((i) => [i.message, i.duplicates.map((d) => d.contact?.id)])).toEqual([
        ['matches row 2 of the file: will be created as another card (policy CREATE)', [ivan.id]],
      ]);
      expect((await ws.gql(AllContacts, {})).contacts.totalCount).toBe(2);
      // A member who sees only their own contacts: the same file looks like nothing they may see.
      const seller = await ws.member('Seller', {
        rights: [
          { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
          { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
        ],
      });
      const theirs = await importFile(app, { ...ws, ...seller } as Workspace, file(), 'CONTACT', { dryRun: true });
      expect({ created: theirs.created, skipped: theirs.skipped }).toEqual({ created: 3, skipped: 1 });
      expect(theirs.issues.map((i) => [i.row, i.message, i.duplicates])).toEqual([[5, 'skipped: duplicates row 2 of the file', []]]);
    },
  );
});

describe('importProgress subscription', () => {
  test('follows a run batch by batch to its end; another member may not follow it', { timeout: 120_000 }, async ({ app, url, workspace: ws }) => {
    const { workspaceId } = await app.deps.db.user.findUniqueOrThrow({ where: { id: rawId(ws.admin.id) } });
    const storageKey = `${workspaceId}/imports/live-${Date.now()}`;
    await app.deps.storage.put(storageKey, new TextEncoder().encode(['Name', 'A', 'B', 'C', 'D', 'E'].join('\n')));
    // Recorded but not started, so the subscription is in place before the first batch.
    const imp = await app.deps.db.import.create({
      data: {
        workspaceId,
        createdById: rawId(ws.admin.id),
        entityType: 'CONTACT',
        fileName: 'live.csv',
        storageKey,
        format: 'CSV',
        options: { dryRun: false, policy: 'CREATE', matchBy: ['ID'], mapping: [], batchSize: 2 },
      },
    });
    const importId = encodeGlobalId('Import', imp.id);
    const other = await ws.member('Other', { rights: [{ entityType: 'CONTACT', action: 'VIEW', scope: 'ALL' }] });
    const refused = subscribe(url, other.token, ImportProgressLive, { importId }, (d) => d.importProgress);
    const sub = subscribe(url, ws.token, ImportProgressLive, { importId }, (d) => d.importProgress);
    try {
      await sub.ready;
      await runImport(app.deps, imp.id);
      const events = await sub.waitFor((e) => e.length >= 4);
      expect(sub.errors).toEqual([]);
      // One event per settled batch and one at the end. Each event re-reads the Import row, so
      // under load an event may already show a later batch (or the end): the bar never goes back.
      expect(events).toHaveLength(4);
      const read = events.map((e) => e.rowsRead);
      expect(read).toEqual([...read].sort((a, b) => a - b));
      expect(read[0]).toBeGreaterThanOrEqual(2);
      const statuses = events.map((e) => e.status);
      expect(statuses.slice(0, statuses.indexOf('DONE'))).toEqual(statuses.slice(0, statuses.indexOf('DONE')).map(() => 'RUNNING'));
      expect([events.at(-1)?.status, events.at(-1)?.rowsRead]).toEqual(['DONE', 5]);
      await refused.waitFor(() => false, 2000);
      expect(refused.events).toEqual([]);
      expect(JSON.stringify(refused.errors)).toMatch(/not found|NOT_FOUND/i);
    } finally {
      await Promise.all([sub.close(), refused.close()]);
    }
  });
});
