// Filtering cards by custom fields through the public API: every operator of every field type
// on deals (with cards where the field is empty), custom conditions inside nested and / or with
// system filters, refused filters and sorts (VALIDATION_FAILED naming each bad path at once),
// archived fields, exhausted slot pools, the operators a field advertises, slot copies following
// card writes, custom phones and e-mails in the search filter, option removal keeping filters in
// step, formulas, and workspace isolation. Sorting by custom fields and paging through such
// lists: custom-field-sorting.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { rawId } from './kit/results.js';
import { readDeal, updateDeal as writeDeal } from './kit/cards.js';
import { issue, names, refusedList } from './kit/lists.js';
import { Deals } from './kit/documents/deals.js';
import { createDeal, dealNames, deals, define, sorted, values, type Field } from './kit/field-lists.js';
import { ArchiveCustomField, CustomFields, DeleteFieldOption, UnarchiveCustomField, UpdateCustomField } from './kit/documents/custom-fields.js';
import type {
  CreateCustomFieldInput,
  CustomFieldFilter,
  CustomFieldInput,
  DealFilter,
  DealOrder,
  DealsQueryVariables,
  FieldType,
  FilterOperator,
} from './gql/graphql.js';

async function updateDeal(ws: Workspace, deal: { id: string; version: number }, customFields: CustomFieldInput[]) {
  return writeDeal(ws, { id: deal.id, version: deal.version, customFields });
}

async function refusedDeals(c: Client, vars: DealsQueryVariables) {
  return refusedList(await c.raw(Deals, { first: 10, ...vars }));
}

/** A well-formed id of a field that exists nowhere. */
const ghostFieldId = () => Buffer.from(`CustomField:${randomUUID()}`).toString('base64');

const sortOps = (ops: readonly string[]) => [...ops].sort();

// Tests

describe('every operator of every type, on deals', () => {
  let ws: Workspace;
  let f: Record<
    'text' | 'url' | 'email' | 'phone' | 'notes' | 'qty' | 'price' | 'total' | 'due' | 'callAt' | 'vip' | 'source' | 'interests' | 'contract',
    Field
  >;
  const opt = (field: Field, label: string) => field.options.find((o) => o.label === label)!.id;

  test.beforeAll(async ({ signUp, app }) => {
    ws = await signUp();
    const d = (input: Omit<CreateCustomFieldInput, 'entityType'>) => define(ws, { entityType: 'DEAL', ...input });
    f = {
      text: await d({ type: 'TEXT', name: 'Fruit', code: 'fruit' }),
      url: await d({ type: 'URL', name: 'Site', code: 'site' }),
      email: await d({ type: 'EMAIL', name: 'Billing e-mail', code: 'billing_email' }),
      phone: await d({ type: 'PHONE', name: 'Mobile', code: 'mobile' }),
      notes: await d({ type: 'TEXTAREA', name: 'Notes', code: 'notes' }),
      qty: await d({ type: 'NUMBER', name: 'Quantity', code: 'qty' }),
      price: await d({ type: 'MONEY', name: 'Price', code: 'price' }),
      total: await d({ type: 'FORMULA', name: 'Total', code: 'total', formula: 'qty * price' }),
      due: await d({ type: 'DATE', name: 'Due', code: 'due' }),
      callAt: await d({ type: 'DATETIME', name: 'Call at', code: 'call_at' }),
      vip: await d({ type: 'BOOLEAN', name: 'VIP', code: 'vip' }),
      source: await d({ type: 'SELECT', name: 'Source', code: 'source', options: ['Site', 'Call', 'Fair'] }),
      interests: await d({ type: 'MULTISELECT', name: 'Interests', code: 'interests', options: ['A', 'B', 'C'] }),
      contract: await d({ type: 'FILE', name: 'Contract', code: 'contract' }),
    };
    type Row = {
      stageId: string;
      amount: string;
      text?: string;
      url?: string;
      email?: string;
      phone?: string;
      notes?: string;
      qty?: string;
      price?: string;
      due?: string;
      callAt?: string;
      vip?: boolean;
      source?: string;
      interests?: string[];
    };
    const rows: Record<string, Row> = {
      Alpha: {
        stageId: ws.open[0].id,
        amount: '500',
        text: 'Red Apple',
        url: 'https://alpha.example.com',
        email: 'Sales@Alpha.io',
        phone: '+7 912 345 67 89',
        notes: 'Call back on Monday',
        qty: '10',
        price: '100',
        due: '2026-03-01',
        callAt: '2026-03-01T12:00:00+03:00',
        vip: true,
        source: 'Site',
        interests: ['A', 'B'],
      },
      Bravo: {
        stageId: ws.won.id,
        amount: '1500',
        text: 'green apple',
        url: 'bravo.example.org',
        email: 'ops@bravo.io',
        phone: '8 (495) 111-22-33',
        notes: 'Sent the PROPOSAL',
        qty: '2.5',
        price: '40',
        due: '2026-03-15',
        callAt: '2026-03-15T12:30:00Z',
        vip: false,
        source: 'Call',
        interests: ['B'],
      },
      Charlie: {
        stageId: ws.lost.id,
        amount: '0',
        text: 'Blue berry 100%',
        phone: '+7 916 123 45 67',
        qty: '-3',
        price: '1000',
        due: '2026-04-01',
        callAt: '2026-04-01T00:00:00Z',
        vip: true,
        source: 'Fair',
        interests: ['C'],
      },
      Delta: { stageId: ws.open[1].id, amount: '200', text: 'Apricot', qty: '0', source: 'Site', interests: ['A', 'C'] },
      Echo: { stageId: ws.open[0].id, amount: '50' },
      Foxtrot: {
        stageId: ws.open[2].id,
        amount: '3000',
        text: 'Pineapple',
        notes: '50% off until Friday',
        qty: '100',
        price: '0.5',
        due: '2026-12-31',
        callAt: '2026-12-31T21:00:00Z',
        vip: false,
      },
    };
    // Bravo's contract is a file of the workspace (its bytes are not read here).
    const file = await app.database.prisma.attachment.create({
      data: {
        workspaceId: ws.workspaceId,
        name: 'contract.pdf',
        contentType: 'application/pdf',
        size: 1,
        storageKey: 'none/contract',
        uploadedById: rawId(ws.admin.id),
      },
    });
    for (const [name, r] of Object.entries(rows)) {
      await createDeal(
        ws,
        name,
        values([
          [f.contract, name === 'Bravo' ? { fileId: Buffer.from(`Attachment:${file.id}`).toString('base64') } : undefined],
          [f.text, r.text === undefined ? undefined : { text: r.text }],
          [f.url, r.url === undefined ? undefined : { url: r.url }],
          [f.email, r.email === undefined ? undefined : { email: r.email }],
          [f.phone, r.phone === undefined ? undefined : { phone: r.phone }],
          [f.notes, r.notes === undefined ? undefined : { text: r.notes }],
          [f.qty, r.qty === undefined ? undefined : { number: r.qty }],
          [f.price, r.price === undefined ? undefined : { money: { amount: r.price } }],
          [f.due, r.due === undefined ? undefined : { date: r.due }],
          [f.callAt, r.callAt === undefined ? undefined : { dateTime: r.callAt }],
          [f.vip, r.vip === undefined ? undefined : { boolean: r.vip }],
          [f.source, r.source === undefined ? undefined : { optionId: opt(f.source, r.source) }],
          [f.interests, r.interests === undefined ? undefined : { optionIds: r.interests.map((l) => opt(f.interests, l)) }],
        ]),
        { stageId: r.stageId, amount: r.amount },
      );
    }
    expect(await dealNames(ws, {})).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']);
  });

  /** Runs each [operators, expected names] case on one field. */
  async function cases(field: Field, list: [Omit<CustomFieldFilter, 'fieldId'>, string[]][]) {
    for (const [ops, expected] of list) {
      expect(await dealNames(ws, { customFields: [{ fieldId: field.id, ...ops }] }), `${field.type} ${JSON.stringify(ops)}`).toEqual(expected);
    }
  }

  it('TEXT: eq and in ignore case, neq takes the empties too, contains and startsWith take % and _ literally, isEmpty', async () => {
    await cases(f.text, [
      [{ eq: 'RED APPLE' }, ['Alpha']],
      [{ eq: 'red' }, []],
      [{ neq: 'red apple' }, ['Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ in: ['Green Apple', 'PINEAPPLE', 'plum'] }, ['Bravo', 'Foxtrot']],
      [{ contains: 'APPLE' }, ['Alpha', 'Bravo', 'Foxtrot']],
      [{ contains: '0%' }, ['Charlie']],
      [{ contains: '%' }, ['Charlie']],
      [{ contains: '_' }, []],
      [{ startsWith: 'ap' }, ['Delta']],
      [{ startsWith: 'BLUE B' }, ['Charlie']],
      [{ startsWith: 'apple' }, []],
      [{ isEmpty: true }, ['Echo']],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Foxtrot']],
    ]);
  });

  it('URL and EMAIL: equal ignoring case (and surrounding blanks), with contains and isEmpty', async () => {
    await cases(f.url, [
      [{ eq: 'HTTPS://Alpha.Example.com' }, ['Alpha']],
      // Written without a scheme, kept as https://; found however the user writes it.
      [{ eq: 'https://bravo.example.org' }, ['Bravo']],
      [{ eq: 'bravo.example.org' }, ['Bravo']],
      [{ in: ['Bravo.Example.org', 'nowhere.example.net'] }, ['Bravo']],
      [{ startsWith: 'bravo' }, ['Bravo']],
      [{ startsWith: 'https://alpha' }, ['Alpha']],
      [{ contains: 'EXAMPLE.ORG' }, ['Bravo']],
      [{ neq: 'https://alpha.example.com' }, ['Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ isEmpty: true }, ['Charlie', 'Delta', 'Echo', 'Foxtrot']],
    ]);
    await cases(f.email, [
      [{ eq: 'SALES@alpha.IO' }, ['Alpha']],
      [{ eq: '  ops@BRAVO.io ' }, ['Bravo']],
      [{ in: ['nobody@x.io', 'Ops@Bravo.io'] }, ['Bravo']],
      [{ startsWith: 'sales@' }, ['Alpha']],
      [{ isEmpty: false }, ['Alpha', 'Bravo']],
    ]);
  });

  it('PHONE: a number in any common format equals the stored one; contains and startsWith look at the digits', async () => {
    await cases(f.phone, [
      [{ eq: '8 (912) 345-67-89' }, ['Alpha']],
      [{ eq: '+79123456789' }, ['Alpha']],
      [{ eq: '+7 (495) 111 22 33' }, ['Bravo']],
      [{ neq: '89123456789' }, ['Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ in: ['89123456789', '+7 916 123-45-67'] }, ['Alpha', 'Charlie']],
      [{ contains: '111-22' }, ['Bravo']],
      [{ contains: '45' }, ['Alpha', 'Charlie']],
      [{ startsWith: '+7 495' }, ['Bravo']],
      // In Russia a leading 8 stands for +7, as in card search.
      [{ startsWith: '8 495' }, ['Bravo']],
      [{ contains: '8 912 345' }, ['Alpha']],
      [{ isEmpty: true }, ['Delta', 'Echo', 'Foxtrot']],
    ]);
  });

  it('TEXTAREA: contains ignores case and takes % literally; isEmpty', async () => {
    await cases(f.notes, [
      [{ contains: 'proposal' }, ['Bravo']],
      [{ contains: 'ON MONDAY' }, ['Alpha']],
      [{ contains: '0% off' }, ['Foxtrot']],
      [{ contains: '%' }, ['Foxtrot']],
      [{ contains: '_' }, []],
      [{ contains: 'on_monday' }, []],
      [{ contains: 'tuesday' }, []],
      [{ isEmpty: true }, ['Charlie', 'Delta', 'Echo']],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Foxtrot']],
    ]);
  });

  it('NUMBER: compares as numbers (not text), between with either bound or both', async () => {
    await cases(f.qty, [
      [{ eq: '10' }, ['Alpha']],
      [{ eq: '10.000' }, ['Alpha']],
      [{ eq: '2.50' }, ['Bravo']],
      [{ neq: '10' }, ['Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ in: ['0', '100', '7'] }, ['Delta', 'Foxtrot']],
      [{ gt: '2.5' }, ['Alpha', 'Foxtrot']],
      [{ gte: '2.5' }, ['Alpha', 'Bravo', 'Foxtrot']],
      [{ lt: '0' }, ['Charlie']],
      [{ lte: '0' }, ['Charlie', 'Delta']],
      [{ gt: '-100' }, ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Foxtrot']],
      [{ between: { from: '0' } }, ['Alpha', 'Bravo', 'Delta', 'Foxtrot']],
      [{ between: { to: '2.5' } }, ['Bravo', 'Charlie', 'Delta']],
      [{ between: { from: '-3', to: '10' } }, ['Alpha', 'Bravo', 'Charlie', 'Delta']],
      [{ between: { from: '11', to: '99' } }, []],
      [{ isEmpty: true }, ['Echo']],
    ]);
  });

  it('MONEY filters on the amount; FORMULA on the computed result (empty when an input is)', async () => {
    await cases(f.price, [
      [{ between: { from: '40', to: '100' } }, ['Alpha', 'Bravo']],
      [{ gt: '99.99' }, ['Alpha', 'Charlie']],
      [{ eq: '0.50' }, ['Foxtrot']],
      [{ lt: '1' }, ['Foxtrot']],
      [{ isEmpty: true }, ['Delta', 'Echo']],
    ]);
    // qty * price: Alpha 1000, Bravo 100, Charlie -3000, Foxtrot 50; Delta has no price.
    await cases(f.total, [
      [{ eq: '1000' }, ['Alpha']],
      [{ between: { from: '50', to: '1000' } }, ['Alpha', 'Bravo', 'Foxtrot']],
      [{ gt: '100' }, ['Alpha']],
      [{ lt: '0' }, ['Charlie']],
      [{ neq: '100' }, ['Alpha', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ isEmpty: true }, ['Delta', 'Echo']],
    ]);
  });

  it('DATE: eq, neq, in and ranges on calendar days, bounds inclusive', async () => {
    await cases(f.due, [
      [{ eq: '2026-03-15' }, ['Bravo']],
      [{ neq: '2026-03-01' }, ['Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ in: ['2026-03-01', '2026-12-31'] }, ['Alpha', 'Foxtrot']],
      [{ gt: '2026-03-15' }, ['Charlie', 'Foxtrot']],
      [{ gte: '2026-03-15' }, ['Bravo', 'Charlie', 'Foxtrot']],
      [{ lt: '2026-03-15' }, ['Alpha']],
      [{ lte: '2026-03-15' }, ['Alpha', 'Bravo']],
      [{ between: { from: '2026-03-01', to: '2026-04-01' } }, ['Alpha', 'Bravo', 'Charlie']],
      [{ between: { from: '2026-04-01' } }, ['Charlie', 'Foxtrot']],
      [{ isEmpty: true }, ['Delta', 'Echo']],
    ]);
  });

  it('DATETIME: a bound with an offset means that instant', async () => {
    // Alpha 2026-03-01 09:00Z, Bravo 2026-03-15 12:30Z, Charlie 2026-04-01 00:00Z, Foxtrot 2026-12-31 21:00Z.
    await cases(f.callAt, [
      [{ gte: '2027-01-01T00:00:00+03:00' }, ['Foxtrot']],
      [{ gt: '2027-01-01T00:00:00+03:00' }, []],
      [{ gt: '2026-12-31T23:59:59Z' }, []],
      [{ lt: '2026-03-01T12:00:00+03:00' }, []],
      [{ lte: '2026-03-01T12:00:00+03:00' }, ['Alpha']],
      [{ lt: '2026-03-01T09:00:01Z' }, ['Alpha']],
      [{ eq: '2026-03-01T12:00:00+03:00' }, ['Alpha']],
      [{ between: { from: '2026-03-01T09:00:00Z', to: '2026-04-01T03:00:00+03:00' } }, ['Alpha', 'Bravo', 'Charlie']],
      [{ between: { from: '2026-03-15T15:30:00.001+03:00' } }, ['Charlie', 'Foxtrot']],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Charlie', 'Foxtrot']],
    ]);
  });

  it('BOOLEAN: eq true / false leaves the empties out; isEmpty finds them', async () => {
    await cases(f.vip, [
      [{ eq: 'true' }, ['Alpha', 'Charlie']],
      [{ eq: 'false' }, ['Bravo', 'Foxtrot']],
      [{ isEmpty: true }, ['Delta', 'Echo']],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Charlie', 'Foxtrot']],
    ]);
  });

  it('SELECT: eq, neq (with the empties), in, anyOf, isEmpty by option id', async () => {
    const [site, call, fair] = ['Site', 'Call', 'Fair'].map((l) => opt(f.source, l));
    await cases(f.source, [
      [{ eq: site }, ['Alpha', 'Delta']],
      [{ neq: site }, ['Bravo', 'Charlie', 'Echo', 'Foxtrot']],
      [{ in: [call, fair] }, ['Bravo', 'Charlie']],
      [{ anyOf: [site, fair] }, ['Alpha', 'Charlie', 'Delta']],
      [{ isEmpty: true }, ['Echo', 'Foxtrot']],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Charlie', 'Delta']],
    ]);
  });

  it('MULTISELECT: anyOf, allOf, isEmpty', async () => {
    const [a, b, c] = ['A', 'B', 'C'].map((l) => opt(f.interests, l));
    await cases(f.interests, [
      [{ anyOf: [a] }, ['Alpha', 'Delta']],
      [{ anyOf: [b, c] }, ['Alpha', 'Bravo', 'Charlie', 'Delta']],
      [{ allOf: [a, b] }, ['Alpha']],
      [{ allOf: [a] }, ['Alpha', 'Delta']],
      [{ allOf: [b, c] }, []],
      [{ isEmpty: false }, ['Alpha', 'Bravo', 'Charlie', 'Delta']],
      [{ isEmpty: true }, ['Echo', 'Foxtrot']],
    ]);
  });

  it('FILE: isEmpty finds the cards with and without a file', async () => {
    await cases(f.contract, [
      [{ isEmpty: true }, ['Alpha', 'Charlie', 'Delta', 'Echo', 'Foxtrot']],
      [{ isEmpty: false }, ['Bravo']],
    ]);
  });

  it('each field advertises the operators it takes, and whether it sorts', async () => {
    const fields = await ws.gql(CustomFields, { entityType: 'DEAL', includeArchived: true });
    const byType = new Map(fields.customFields.map((x) => [x.type, x]));
    const text: FilterOperator[] = ['EQ', 'NEQ', 'IN', 'CONTAINS', 'STARTS_WITH', 'IS_EMPTY'];
    const range: FilterOperator[] = ['EQ', 'NEQ', 'IN', 'GT', 'GTE', 'LT', 'LTE', 'BETWEEN', 'IS_EMPTY'];
    const expected: Record<FieldType, [FilterOperator[], boolean]> = {
      TEXT: [text, true],
      URL: [text, true],
      EMAIL: [text, true],
      PHONE: [text, true],
      TEXTAREA: [['CONTAINS', 'IS_EMPTY'], false],
      NUMBER: [range, true],
      MONEY: [range, true],
      FORMULA: [range, true],
      DATE: [range, true],
      DATETIME: [range, true],
      BOOLEAN: [['EQ', 'IS_EMPTY'], true],
      SELECT: [['EQ', 'NEQ', 'IN', 'ANY_OF', 'IS_EMPTY'], true],
      MULTISELECT: [['ANY_OF', 'ALL_OF', 'IS_EMPTY'], false],
      FILE: [['IS_EMPTY'], false],
    };
    expect([...byType.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [type, [ops, sortable]] of Object.entries(expected)) {
      const x = byType.get(type as FieldType)!;
      expect({ type, ops: sortOps(x.operators), filterable: x.filterable, sortable: x.sortable }).toEqual({
        type,
        ops: sortOps(ops),
        filterable: true,
        sortable,
      });
    }
  });

  describe('and / or with system filters', () => {
    it('custom conditions combine with system keys; an or of two custom conditions; nested and / or', async () => {
      const site = opt(f.source, 'Site');
      const call = opt(f.source, 'Call');
      expect(await dealNames(ws, { stageKinds: ['OPEN'], customFields: [{ fieldId: f.vip.id, eq: 'true' }] })).toEqual(['Alpha']);
      expect(
        await dealNames(ws, { or: [{ customFields: [{ fieldId: f.source.id, eq: call }] }, { customFields: [{ fieldId: f.qty.id, gte: '100' }] }] }),
      ).toEqual(['Bravo', 'Foxtrot']);
      // Amount at least 100 (Alpha, Bravo, Delta, Foxtrot) and (VIP or a fruit with "apple").
      expect(
        await dealNames(ws, {
          amount: { min: '100' },
          or: [{ customFields: [{ fieldId: f.vip.id, eq: 'true' }] }, { customFields: [{ fieldId: f.text.id, contains: 'apple' }] }],
        }),
      ).toEqual(['Alpha', 'Bravo', 'Foxtrot']);
      // (won or from the site) and more than one.
      expect(
        await dealNames(ws, {
          and: [{ or: [{ stageKinds: ['WON'] }, { customFields: [{ fieldId: f.source.id, eq: site }] }] }, { customFields: [{ fieldId: f.qty.id, gt: '1' }] }],
        }),
      ).toEqual(['Alpha', 'Bravo']);
      // Deeper: open and (no due date or (a due date in March and not VIP)).
      expect(
        await dealNames(ws, {
          stageKinds: ['OPEN', 'WON'],
          or: [
            { customFields: [{ fieldId: f.due.id, isEmpty: true }] },
            {
              and: [
                { customFields: [{ fieldId: f.due.id, between: { from: '2026-03-01', to: '2026-03-31' } }] },
                { customFields: [{ fieldId: f.vip.id, eq: 'false' }] },
              ],
            },
          ],
        }),
      ).toEqual(['Bravo', 'Delta', 'Echo']);
      // An or where no branch holds finds nothing.
      expect(
        await dealNames(ws, {
          or: [{ customFields: [{ fieldId: f.qty.id, gt: '1000' }] }, { stageKinds: ['WON'], customFields: [{ fieldId: f.vip.id, eq: 'true' }] }],
        }),
      ).toEqual([]);
    });

    it('several operators in one condition all hold, as do several conditions on one field', async () => {
      expect(await dealNames(ws, { customFields: [{ fieldId: f.qty.id, gte: '0', lte: '10' }] })).toEqual(['Alpha', 'Bravo', 'Delta']);
      expect(await dealNames(ws, { customFields: [{ fieldId: f.qty.id, gt: '0', lt: '10' }] })).toEqual(['Bravo']);
      expect(await dealNames(ws, { customFields: [{ fieldId: f.qty.id, gte: '0', neq: '10' }] })).toEqual(['Bravo', 'Delta', 'Foxtrot']);
      expect(await dealNames(ws, { customFields: [{ fieldId: f.text.id, contains: 'apple', startsWith: 'green' }] })).toEqual(['Bravo']);
      expect(
        await dealNames(ws, {
          customFields: [
            { fieldId: f.qty.id, gte: '0' },
            { fieldId: f.vip.id, isEmpty: false },
            { fieldId: f.due.id, lt: '2026-12-01' },
          ],
        }),
      ).toEqual(['Alpha', 'Bravo']);
    });

    it('totalCount follows the filter while a page shows part of it', async () => {
      const c = await deals(ws, { filter: { customFields: [{ fieldId: f.qty.id, isEmpty: false }] }, orderBy: [{ field: 'NAME' }], first: 2 });
      expect(c.totalCount).toBe(5);
      expect(names(c)).toEqual(['Alpha', 'Bravo']);
      expect(c.pageInfo.hasNextPage).toBe(true);
    });
  });
});

describe('slot copies follow card writes', () => {
  it('changing or clearing a value, or an input of a formula, changes what filters and sorts see', async ({ workspace: ws }) => {
    const d = (input: Omit<CreateCustomFieldInput, 'entityType'>) => define(ws, { entityType: 'DEAL', ...input });
    const qty = await d({ type: 'NUMBER', name: 'Qty', code: 'qty' });
    const price = await d({ type: 'MONEY', name: 'Price', code: 'price' });
    const total = await d({ type: 'FORMULA', name: 'Total', code: 'total', formula: 'qty * price' });
    const city = await d({ type: 'TEXT', name: 'City', code: 'city' });
    let one = await createDeal(
      ws,
      'One',
      values([
        [qty, { number: '2' }],
        [price, { money: { amount: '10' } }],
        [city, { text: 'Kazan' }],
      ]),
    );
    await createDeal(
      ws,
      'Two',
      values([
        [qty, { number: '3' }],
        [price, { money: { amount: '10' } }],
      ]),
    );
    const totalAtLeast25: DealFilter = { customFields: [{ fieldId: total.id, gte: '25' }] };
    expect(await dealNames(ws, totalAtLeast25)).toEqual(['Two']);

    one = await updateDeal(ws, one, [{ fieldId: price.id, value: { money: { amount: '20' } } }]);
    expect(await dealNames(ws, totalAtLeast25)).toEqual(['One', 'Two']);
    expect(await sorted(ws, [{ customFieldId: total.id, direction: 'DESC' }])).toEqual(['One', 'Two']);

    one = await updateDeal(ws, one, [{ fieldId: qty.id, value: null }]);
    expect(await dealNames(ws, { customFields: [{ fieldId: total.id, isEmpty: true }] })).toEqual(['One']);
    expect(await sorted(ws, [{ customFieldId: total.id, direction: 'DESC' }])).toEqual(['Two', 'One']);

    one = await updateDeal(ws, one, [{ fieldId: city.id, value: { text: 'Omsk' } }]);
    expect(await dealNames(ws, { customFields: [{ fieldId: city.id, eq: 'kazan' }] })).toEqual([]);
    expect(await dealNames(ws, { customFields: [{ fieldId: city.id, eq: 'OMSK' }] })).toEqual(['One']);
    await updateDeal(ws, one, [{ fieldId: city.id, value: null }]);
    expect(await dealNames(ws, { customFields: [{ fieldId: city.id, isEmpty: true }] })).toEqual(['One', 'Two']);
  });
});

describe('refused filters and sorts', () => {
  let ws: Workspace;
  let f: Record<
    'text' | 'num' | 'date' | 'dateTime' | 'bool' | 'select' | 'other' | 'multi' | 'notes' | 'file' | 'phone' | 'archived' | 'contact' | 'foreign',
    Field
  >;

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    const d = (input: Omit<CreateCustomFieldInput, 'entityType'>) => define(ws, { entityType: 'DEAL', ...input });
    const other = await signUp({ name: 'Other' });
    f = {
      text: await d({ type: 'TEXT', name: 'Code', code: 'code' }),
      num: await d({ type: 'NUMBER', name: 'Qty', code: 'qty' }),
      date: await d({ type: 'DATE', name: 'Due', code: 'due' }),
      dateTime: await d({ type: 'DATETIME', name: 'Call at', code: 'call_at' }),
      bool: await d({ type: 'BOOLEAN', name: 'VIP', code: 'vip' }),
      select: await d({ type: 'SELECT', name: 'Source', code: 'source', options: ['Site', 'Call'] }),
      other: await d({ type: 'SELECT', name: 'Region', code: 'region', options: ['North', 'South'] }),
      multi: await d({ type: 'MULTISELECT', name: 'Tags', code: 'tagset', options: ['X', 'Y'] }),
      notes: await d({ type: 'TEXTAREA', name: 'Notes', code: 'notes' }),
      file: await d({ type: 'FILE', name: 'Contract', code: 'contract' }),
      phone: await d({ type: 'PHONE', name: 'Mobile', code: 'mobile' }),
      archived: await d({ type: 'TEXT', name: 'Old', code: 'old' }),
      contact: await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'City', code: 'city' }),
      foreign: await define(other, { entityType: 'DEAL', type: 'TEXT', name: 'Theirs', code: 'theirs' }),
    };
    expect((await ws.gql(ArchiveCustomField, { id: f.archived.id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    await createDeal(
      ws,
      'Only',
      values([
        [f.text, { text: 'AB-1' }],
        [f.num, { number: '1' }],
      ]),
    );
  });

  const one = (field: Field, ops: Omit<CustomFieldFilter, 'fieldId'>): DealFilter => ({ customFields: [{ fieldId: field.id, ...ops }] });
  const refused = (filter: DealFilter, orderBy?: DealOrder[]) => refusedDeals(ws, { filter, orderBy });

  it('an operator the field type does not take, naming the operator', async () => {
    expect(await refused(one(f.text, { gt: 'a' }))).toEqual([
      issue('filter.customFields[0].gt', 'a TEXT field takes eq, neq, in, contains, startsWith, isEmpty'),
    ]);
    expect(await refused(one(f.num, { contains: '1' }))).toEqual([issue('filter.customFields[0].contains', 'a NUMBER field takes')]);
    expect(await refused(one(f.bool, { neq: 'true' }))).toEqual([issue('filter.customFields[0].neq', 'a BOOLEAN field takes eq, isEmpty')]);
    expect(await refused(one(f.select, { allOf: [f.select.options[0].id] }))).toEqual([issue('filter.customFields[0].allOf', 'a SELECT field takes')]);
    expect(await refused(one(f.multi, { eq: f.multi.options[0].id }))).toEqual([
      issue('filter.customFields[0].eq', 'a MULTISELECT field takes anyOf, allOf, isEmpty'),
    ]);
    expect(await refused(one(f.notes, { eq: 'x' }))).toEqual([issue('filter.customFields[0].eq', 'a TEXTAREA field takes contains, isEmpty')]);
    expect(await refused(one(f.file, { contains: 'x' }))).toEqual([issue('filter.customFields[0].contains', 'a FILE field takes isEmpty')]);
    expect(await refused(one(f.text, { anyOf: ['x'] }))).toEqual([issue('filter.customFields[0].anyOf', 'a TEXT field takes')]);
    // Two unfitting operators in one condition: both named.
    expect(await refused(one(f.date, { contains: '2026', startsWith: '2026' }))).toEqual([
      issue('filter.customFields[0].contains', 'a DATE field takes'),
      issue('filter.customFields[0].startsWith', 'a DATE field takes'),
    ]);
  });

  it('a value the field type cannot read, naming where it is', async () => {
    expect(await refused(one(f.num, { eq: 'abc' }))).toEqual([issue('filter.customFields[0].eq', 'is not a number')]);
    expect(await refused(one(f.num, { in: ['1', '1e3'] }))).toEqual([issue('filter.customFields[0].in[1]', 'is not a number')]);
    expect(await refused(one(f.num, { between: { from: '1', to: 'ten' } }))).toEqual([issue('filter.customFields[0].between.to', 'is not a number')]);
    expect(await refused(one(f.num, { between: {} }))).toEqual([issue('filter.customFields[0].between', 'give from, to or both')]);
    expect(await refused(one(f.date, { eq: '2026-13-01' }))).toEqual([issue('filter.customFields[0].eq', 'is not a date')]);
    expect(await refused(one(f.date, { gt: '2026-02-30' }))).toEqual([issue('filter.customFields[0].gt', 'is not a date')]);
    expect(await refused(one(f.date, { lt: '01.03.2026' }))).toEqual([issue('filter.customFields[0].lt', 'is not a date')]);
    expect(await refused(one(f.dateTime, { gt: '2026-03-01T09:00:00' }))).toEqual([issue('filter.customFields[0].gt', 'with an offset')]);
    expect(await refused(one(f.dateTime, { lt: '2026-03-01' }))).toEqual([issue('filter.customFields[0].lt', 'with an offset')]);
    expect(await refused(one(f.bool, { eq: 'yes' }))).toEqual([issue('filter.customFields[0].eq', 'must be "true" or "false"')]);
    expect(await refused(one(f.select, { eq: f.other.options[0].id }))).toEqual([issue('filter.customFields[0].eq', 'is not an option of field "Source"')]);
    expect(await refused(one(f.select, { anyOf: [f.select.options[0].id, 'garbage'] }))).toEqual([
      issue('filter.customFields[0].anyOf[1]', 'is not an option'),
    ]);
    expect(await refused(one(f.multi, { allOf: [f.other.options[1].id] }))).toEqual([
      issue('filter.customFields[0].allOf[0]', 'is not an option of field "Tags"'),
    ]);
    expect(await refused(one(f.phone, { eq: '12' }))).toEqual([issue('filter.customFields[0].eq', 'is not a phone number')]);
    expect(await refused(one(f.phone, { contains: 'abc' }))).toEqual([issue('filter.customFields[0].contains', 'give some digits')]);
  });

  it('a field that is unknown, malformed, of another entity type, of another workspace or archived; a condition without an operator', async () => {
    expect(await refused(one({ id: ghostFieldId() } as Field, { eq: 'x' }))).toEqual([issue('filter.customFields[0].fieldId', 'no such field')]);
    expect(await refused(one({ id: 'nope' } as Field, { eq: 'x' }))).toEqual([issue('filter.customFields[0].fieldId', 'is not a valid CustomField id')]);
    // Another node type's id is no field id.
    expect(await refused(one({ id: ws.open[0].id } as Field, { eq: 'x' }))).toEqual([issue('filter.customFields[0].fieldId', 'is not a valid CustomField id')]);
    expect(await refused(one(f.contact, { eq: 'Kazan' }))).toEqual([issue('filter.customFields[0].fieldId', 'no such field')]);
    expect(await refused(one(f.foreign, { eq: 'x' }))).toEqual([issue('filter.customFields[0].fieldId', 'no such field')]);
    expect(await refused(one(f.archived, { eq: 'x' }))).toEqual([issue('filter.customFields[0].fieldId', 'field "Old" is archived')]);
    expect(await refused(one(f.text, {}))).toEqual([issue('filter.customFields[0]', 'give at least one operator')]);
    expect(await refused(one(f.text, { eq: null, isEmpty: null }))).toEqual([issue('filter.customFields[0]', 'give at least one operator')]);
    // Nested conditions are named by their path.
    expect(await refused({ and: [{ stageKinds: ['OPEN'] }, { or: [one(f.text, { eq: 'x' }), one(f.num, { gt: 'x' })] }] })).toEqual([
      issue('filter.and[1].or[1].customFields[0].gt', 'is not a number'),
    ]);
  });

  it('sorting: unsortable types, unusable fields, and an order entry with both or neither key', async () => {
    expect(await refused({}, [{ customFieldId: f.multi.id }])).toEqual([
      issue('orderBy[0].customFieldId', 'a MULTISELECT field has no single value to sort by'),
    ]);
    expect(await refused({}, [{ field: 'NAME' }, { customFieldId: f.notes.id }])).toEqual([
      issue('orderBy[1].customFieldId', 'a TEXTAREA field has no single value'),
    ]);
    expect(await refused({}, [{ customFieldId: f.file.id }])).toEqual([issue('orderBy[0].customFieldId', 'a FILE field')]);
    expect(await refused({}, [{ customFieldId: f.archived.id }])).toEqual([issue('orderBy[0].customFieldId', 'is archived')]);
    expect(await refused({}, [{ customFieldId: f.contact.id }])).toEqual([issue('orderBy[0].customFieldId', 'no such field')]);
    expect(await refused({}, [{ customFieldId: f.foreign.id, direction: 'DESC' }])).toEqual([issue('orderBy[0].customFieldId', 'no such field')]);
    expect(await refused({}, [{ customFieldId: 'nope' }])).toEqual([issue('orderBy[0].customFieldId', 'is not a valid CustomField id')]);
    expect(await refused({}, [{ field: 'NAME', customFieldId: f.num.id }])).toEqual([issue('orderBy[0]', 'give either field or customFieldId')]);
    expect(await refused({}, [{ customFieldId: f.num.id }, { direction: 'DESC' }])).toEqual([issue('orderBy[1]', 'give either field or customFieldId')]);
  });

  it('several bad conditions in one request are all reported at once', async () => {
    const issues = await refused(
      {
        customFields: [
          { fieldId: f.text.id, gt: 'a' },
          { fieldId: f.num.id, gte: '1', lte: 'x' },
          { fieldId: f.archived.id, eq: 'x' },
        ],
        or: [one(f.bool, { eq: 'yes' }), { and: [one(f.date, { between: { from: '2026-13-01', to: '2026-00-10' } })] }],
      },
      [{ customFieldId: f.multi.id }, { field: 'NAME', customFieldId: f.num.id }],
    );
    expect([...issues].sort((a, b) => (a.field < b.field ? -1 : 1))).toEqual([
      issue('filter.customFields[0].gt', 'a TEXT field takes'),
      issue('filter.customFields[1].lte', 'is not a number'),
      issue('filter.customFields[2].fieldId', 'is archived'),
      issue('filter.or[0].customFields[0].eq', 'must be "true" or "false"'),
      issue('filter.or[1].and[0].customFields[0].between.from', 'is not a date'),
      issue('filter.or[1].and[0].customFields[0].between.to', 'is not a date'),
      issue('orderBy[0].customFieldId', 'no single value'),
      issue('orderBy[1]', 'give either field or customFieldId'),
    ]);
    // Malformed ids are all named together too.
    const ids = await refused({ customFields: [{ fieldId: 'bad-1', eq: 'x' }], or: [{ customFields: [{ fieldId: 'bad-2', eq: 'x' }] }] }, [
      { customFieldId: 'bad-3' },
    ]);
    expect(ids.map((i) => i.field).sort()).toEqual(['filter.customFields[0].fieldId', 'filter.or[0].customFields[0].fieldId', 'orderBy[0].customFieldId']);
  });
});

describe('archiving hides a field from filters; unarchiving brings it back with its values', () => {
  it('an archived field is refused in filters and sorts, and after unarchiving finds the same cards', async ({ workspace: ws }) => {
    const city = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'City', code: 'city' });
    await createDeal(ws, 'Kazan deal', values([[city, { text: 'Kazan' }]]));
    await createDeal(ws, 'Omsk deal', values([[city, { text: 'Omsk' }]]));
    await createDeal(ws, 'Nowhere deal');
    const filter: DealFilter = { customFields: [{ fieldId: city.id, in: ['kazan', 'omsk'] }] };
    const orderBy: DealOrder[] = [{ customFieldId: city.id, direction: 'DESC' }];
    expect(await dealNames(ws, filter)).toEqual(['Kazan deal', 'Omsk deal']);
    expect(await sorted(ws, orderBy)).toEqual(['Omsk deal', 'Kazan deal', 'Nowhere deal']);

    expect((await ws.gql(ArchiveCustomField, { id: city.id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    expect(await refusedDeals(ws, { filter })).toEqual([issue('filter.customFields[0].fieldId', 'field "City" is archived')]);
    expect(await refusedDeals(ws, { orderBy })).toEqual([issue('orderBy[0].customFieldId', 'field "City" is archived')]);
    // Other lists are unaffected.
    expect(await dealNames(ws, {})).toEqual(['Kazan deal', 'Nowhere deal', 'Omsk deal']);

    expect((await ws.gql(UnarchiveCustomField, { id: city.id })).unarchiveCustomField.__typename).toBe('UnarchiveCustomFieldSuccess');
    expect(await dealNames(ws, filter)).toEqual(['Kazan deal', 'Omsk deal']);
    expect(await sorted(ws, orderBy)).toEqual(['Omsk deal', 'Kazan deal', 'Nowhere deal']);
    const [after] = (await ws.gql(CustomFields, { entityType: 'DEAL', includeArchived: true })).customFields;
    expect(after).toMatchObject({ id: city.id, archived: false, filterable: true, sortable: true });
  });
});

describe('exhausted slot pools', () => {
  let ws: Workspace;
  let text: Field[];
  let late: Field;

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    // TEXT, URL, EMAIL and PHONE share the 12 text slots.
    const kinds: FieldType[] = ['TEXT', 'URL', 'EMAIL', 'PHONE', 'TEXT', 'TEXT', 'TEXT', 'TEXT', 'TEXT', 'TEXT', 'TEXT', 'TEXT'];
    text = [];
    for (const [i, type] of kinds.entries()) text.push(await define(ws, { entityType: 'DEAL', type, name: `T${i + 1}`, code: `t${i + 1}` }));
    late = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Thirteenth', code: 't13' });
  });

  it('the 13th text-like field is neither filterable nor sortable and has no operators; the first 12 are', async () => {
    expect(text.map((x) => [x.filterable, x.sortable, x.operators.length > 0])).toEqual(text.map(() => [true, true, true]));
    expect(late).toMatchObject({ filterable: false, sortable: false, operators: [] });
    const listed = (await ws.gql(CustomFields, { entityType: 'DEAL', includeArchived: true })).customFields.find((x) => x.id === late.id);
    expect(listed).toMatchObject({ filterable: false, sortable: false, operators: [] });
  });

  it('its values are still stored and read, but filtering or sorting by it is refused naming it', async () => {
    const d = await createDeal(
      ws,
      'Full',
      values([
        [late, { text: 'kept' }],
        [text[0], { text: 'first' }],
        [text[3], { phone: '+7 912 345 67 89' }],
      ]),
    );
    await createDeal(
      ws,
      'Other',
      values([
        [late, { text: 'other' }],
        [text[11], { text: 'twelfth' }],
      ]),
    );
    const read = await readDeal(ws, d.id);
    expect(read.customFields.find((v) => v.__typename === 'TextFieldValue' && v.field.id === late.id)).toMatchObject({ text: 'kept' });

    expect(await refusedDeals(ws, { filter: { customFields: [{ fieldId: late.id, eq: 'kept' }] } })).toEqual([
      issue('filter.customFields[0].fieldId', 'field "Thirteenth" cannot be filtered or sorted by'),
    ]);
    expect(await refusedDeals(ws, { orderBy: [{ customFieldId: late.id }] })).toEqual([
      issue('orderBy[0].customFieldId', 'field "Thirteenth" cannot be filtered or sorted by'),
    ]);
    // The slotted ones work, the shared pool's PHONE included.
    expect(await dealNames(ws, { customFields: [{ fieldId: text[0].id, eq: 'FIRST' }] })).toEqual(['Full']);
    expect(await dealNames(ws, { customFields: [{ fieldId: text[11].id, isEmpty: false }] })).toEqual(['Other']);
    expect(await dealNames(ws, { customFields: [{ fieldId: text[3].id, eq: '89123456789' }] })).toEqual(['Full']);
    expect(await sorted(ws, [{ customFieldId: text[11].id }])).toEqual(['Other', 'Full']);
  });

  it('an archived field keeps its slot; other pools and entity types have their own slots', async () => {
    expect((await ws.gql(ArchiveCustomField, { id: text[1].id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    const fourteenth = await define(ws, { entityType: 'DEAL', type: 'EMAIL', name: 'Fourteenth', code: 't14' });
    expect(fourteenth).toMatchObject({ filterable: false, sortable: false, operators: [] });
    const number = await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Count', code: 'count' });
    expect(number).toMatchObject({ filterable: true, sortable: true });
    const contactText = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Contact text', code: 'ct' });
    expect(contactText).toMatchObject({ filterable: true, sortable: true });
    // The BOOLEAN pool holds 4.
    const bools: Field[] = [];
    for (let i = 1; i <= 5; i++) bools.push(await define(ws, { entityType: 'DEAL', type: 'BOOLEAN', name: `B${i}`, code: `b${i}` }));
    expect(bools.map((b) => b.filterable)).toEqual([true, true, true, true, false]);
    expect(bools[4]).toMatchObject({ sortable: false, operators: [] });
    expect(await refusedDeals(ws, { filter: { customFields: [{ fieldId: bools[4].id, isEmpty: true }] } })).toEqual([
      issue('filter.customFields[0].fieldId', 'field "B5" cannot be filtered or sorted by'),
    ]);
    expect(await dealNames(ws, { customFields: [{ fieldId: bools[3].id, isEmpty: true }] })).toEqual(['Full', 'Other']);
  });
});

describe('custom phones and e-mails in the search filter', () => {
  it('finds a deal by its custom PHONE in any format and by its custom EMAIL, until the value is cleared', async ({ workspace: ws }) => {
    const phone = await define(ws, { entityType: 'DEAL', type: 'PHONE', name: 'Mobile', code: 'mobile' });
    const email = await define(ws, { entityType: 'DEAL', type: 'EMAIL', name: 'Ops e-mail', code: 'ops_email' });
    const d = await createDeal(
      ws,
      'Supply',
      values([
        [phone, { phone: '+79123456789' }],
        [email, { email: 'Ops@Example.com' }],
      ]),
    );
    await createDeal(ws, 'Other', values([[phone, { phone: '+7 495 111 22 33' }]]));
    const found = (search: string) => dealNames(ws, { search });
    for (const q of ['89123456789', '+7 912 345-67-89', '8 (912) 345-67-89', '345 67 89']) expect(await found(q), q).toEqual(['Supply']);
    expect(await found('ops@example')).toEqual(['Supply']);
    expect(await found('OPS@EXAMPLE.COM')).toEqual(['Supply']);
    expect(await found('495 111')).toEqual(['Other']);
    // Search and a custom condition together.
    expect(await dealNames(ws, { search: '7', customFields: [{ fieldId: email.id, isEmpty: true }] })).toEqual(['Other']);
    expect(await dealNames(ws, { search: '7', customFields: [{ fieldId: email.id, isEmpty: false }] })).toEqual(['Supply']);

    const cleared = await updateDeal(ws, d, [
      { fieldId: phone.id, value: null },
      { fieldId: email.id, value: null },
    ]);
    expect(cleared.customFields).toEqual([]);
    expect(await found('89123456789')).toEqual([]);
    expect(await found('ops@example')).toEqual([]);
    expect(await found('supply')).toEqual(['Supply']);
    // A new value is found in its turn.
    await updateDeal(ws, cleared, [{ fieldId: phone.id, value: { phone: '8 916 123 45 67' } }]);
    expect(await found('79161234567')).toEqual(['Supply']);
    expect(await found('89123456789')).toEqual([]);
  });
});

describe('removing an option keeps filters and sorts in step', () => {
  it('SELECT: the moved cards are found by the new option; the removed one is no option any more', async ({ workspace: ws }) => {
    const source = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Source', code: 'source', options: ['Web', 'Fair', 'Call'] });
    const [web, fair, call] = source.options.map((o) => o.id);
    const moved = await createDeal(ws, 'Was web', values([[source, { optionId: web }]]));
    await createDeal(ws, 'Fair one', values([[source, { optionId: fair }]]));
    await createDeal(ws, 'Call one', values([[source, { optionId: call }]]));
    await createDeal(ws, 'None');
    expect(await sorted(ws, [{ customFieldId: source.id }])).toEqual(['Was web', 'Fair one', 'Call one', 'None']);

    expect((await ws.gql(DeleteFieldOption, { id: web, moveToOptionId: call })).deleteFieldOption.__typename).toBe('DeleteFieldOptionSuccess');
    expect(await dealNames(ws, { customFields: [{ fieldId: source.id, eq: call }] })).toEqual(['Call one', 'Was web']);
    expect(await dealNames(ws, { customFields: [{ fieldId: source.id, neq: call }] })).toEqual(['Fair one', 'None']);
    expect(await refusedDeals(ws, { filter: { customFields: [{ fieldId: source.id, eq: web }] } })).toEqual([
      issue('filter.customFields[0].eq', 'is not an option of field "Source"'),
    ]);
    // Sorted by the new option's position: Fair, then Call (both Call cards, by id).
    expect(await sorted(ws, [{ customFieldId: source.id }])).toEqual(['Fair one', 'Was web', 'Call one', 'None']);
    const read = await readDeal(ws, moved.id);
    expect(read.customFields).toEqual([{ __typename: 'SelectFieldValue', field: { id: source.id, code: 'source' }, option: { id: call, label: 'Call' } }]);
  });

  it('MULTISELECT: anyOf / allOf follow the moved values', async ({ workspace: ws }) => {
    const tags = await define(ws, { entityType: 'DEAL', type: 'MULTISELECT', name: 'Topics', code: 'topics', options: ['X', 'Y', 'Z'] });
    const [x, y, z] = tags.options.map((o) => o.id);
    await createDeal(ws, 'Only X', values([[tags, { optionIds: [x] }]]));
    await createDeal(ws, 'X and Z', values([[tags, { optionIds: [x, z] }]]));
    await createDeal(ws, 'X and Y', values([[tags, { optionIds: [x, y] }]]));
    await createDeal(ws, 'Only Y', values([[tags, { optionIds: [y] }]]));
    await createDeal(ws, 'Nothing');
    expect(await dealNames(ws, { customFields: [{ fieldId: tags.id, anyOf: [y] }] })).toEqual(['Only Y', 'X and Y']);

    expect((await ws.gql(DeleteFieldOption, { id: x, moveToOptionId: y })).deleteFieldOption.__typename).toBe('DeleteFieldOptionSuccess');
    expect(await dealNames(ws, { customFields: [{ fieldId: tags.id, anyOf: [y] }] })).toEqual(['Only X', 'Only Y', 'X and Y', 'X and Z']);
    expect(await dealNames(ws, { customFields: [{ fieldId: tags.id, allOf: [y, z] }] })).toEqual(['X and Z']);
    expect(await dealNames(ws, { customFields: [{ fieldId: tags.id, isEmpty: true }] })).toEqual(['Nothing']);
    expect(await refusedDeals(ws, { filter: { customFields: [{ fieldId: tags.id, anyOf: [x] }] } })).toEqual([
      issue('filter.customFields[0].anyOf[0]', 'is not an option of field "Topics"'),
    ]);
  });
});

describe('workspace isolation', () => {
  it("another workspace's field (or option) is refused and reveals nothing", async ({ signUp }) => {
    const a = await signUp({ name: 'A' });
    const b = await signUp({ name: 'B' });
    const fa = await define(a, { entityType: 'DEAL', type: 'SELECT', name: 'Secret', code: 'secret', options: ['Hot'] });
    const ta = await define(a, { entityType: 'DEAL', type: 'TEXT', name: 'Note', code: 'note' });
    await createDeal(
      a,
      'A deal',
      values([
        [fa, { optionId: fa.options[0].id }],
        [ta, { text: 'x' }],
      ]),
    );
    const fb = await define(b, { entityType: 'DEAL', type: 'SELECT', name: 'Mine', code: 'mine', options: ['Hot'] });
    await createDeal(b, 'B deal', values([[fb, { optionId: fb.options[0].id }]]));

    expect(await refusedDeals(b, { filter: { customFields: [{ fieldId: fa.id, eq: fa.options[0].id }] } })).toEqual([
      issue('filter.customFields[0].fieldId', 'no such field'),
    ]);
    expect(await refusedDeals(b, { filter: { customFields: [{ fieldId: ta.id, isEmpty: false }] } })).toEqual([
      issue('filter.customFields[0].fieldId', 'no such field'),
    ]);
    // Unknown and foreign fields answer alike, so B cannot tell that A's exists.
    const ghost = await refusedDeals(b, { filter: { customFields: [{ fieldId: ghostFieldId(), isEmpty: false }] } });
    expect(ghost).toEqual(await refusedDeals(b, { filter: { customFields: [{ fieldId: ta.id, isEmpty: false }] } }));
    expect(await refusedDeals(b, { orderBy: [{ customFieldId: ta.id }] })).toEqual([issue('orderBy[0].customFieldId', 'no such field')]);
    // A's option in B's own field.
    expect(await refusedDeals(b, { filter: { customFields: [{ fieldId: fb.id, anyOf: [fa.options[0].id] }] } })).toEqual([
      issue('filter.customFields[0].anyOf[0]', 'is not an option of field "Mine"'),
    ]);
    // B's own filters see only B's cards; A's see only A's.
    expect(await dealNames(b, { customFields: [{ fieldId: fb.id, isEmpty: false }] })).toEqual(['B deal']);
    expect(await dealNames(a, { customFields: [{ fieldId: fa.id, isEmpty: false }] })).toEqual(['A deal']);
  });
});

describe('formula results in filters and sorts', () => {
  it('a formula defined or changed later is filterable and sortable on the cards that already exist', async ({ workspace: ws }) => {
    const qty = await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Qty', code: 'qty' });
    const price = await define(ws, { entityType: 'DEAL', type: 'MONEY', name: 'Price', code: 'price' });
    await createDeal(
      ws,
      'Small',
      values([
        [qty, { number: '2' }],
        [price, { money: { amount: '10' } }],
      ]),
    );
    await createDeal(
      ws,
      'Large',
      values([
        [qty, { number: '5' }],
        [price, { money: { amount: '100' } }],
      ]),
    );
    await createDeal(
      ws,
      'Dollars',
      values([
        [qty, { number: '1' }],
        [price, { money: { amount: '7', currency: 'USD' } }],
      ]),
    );
    await createDeal(ws, 'Empty');
    // Defined after the deals exist.
    const total = await define(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'Total', code: 'total', formula: 'qty * price' });
    expect(await dealNames(ws, { customFields: [{ fieldId: total.id, gt: '15' }] })).toEqual(['Large', 'Small']);
    expect(await sorted(ws, [{ customFieldId: total.id, direction: 'DESC' }])).toEqual(['Large', 'Small', 'Dollars', 'Empty']);
    // Changed: the stored results follow.
    expect((await ws.gql(UpdateCustomField, { input: { id: total.id, formula: 'qty + price' } })).updateCustomField.__typename).toBe(
      'UpdateCustomFieldSuccess',
    );
    expect(await dealNames(ws, { customFields: [{ fieldId: total.id, eq: '12' }] })).toEqual(['Small']);
    expect(await dealNames(ws, { customFields: [{ fieldId: total.id, between: { from: '8', to: '105' } }] })).toEqual(['Dollars', 'Large', 'Small']);
  });

  it('amounts in different currencies give no result rather than a wrong sum', async ({ workspace: ws }) => {
    const a = await define(ws, { entityType: 'DEAL', type: 'MONEY', name: 'Goods', code: 'goods' });
    const b = await define(ws, { entityType: 'DEAL', type: 'MONEY', name: 'Delivery', code: 'delivery' });
    const sum = await define(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'Sum', code: 'sum', formula: 'goods + delivery' });
    const same = await createDeal(
      ws,
      'Same',
      values([
        [a, { money: { amount: '100', currency: 'RUB' } }],
        [b, { money: { amount: '5', currency: 'RUB' } }],
      ]),
    );
    const mixed = await createDeal(
      ws,
      'Mixed',
      values([
        [a, { money: { amount: '100', currency: 'USD' } }],
        [b, { money: { amount: '5', currency: 'RUB' } }],
      ]),
    );
    const value = async (id: string) => (await readDeal(ws, id)).customFields.find((v) => v.__typename === 'FormulaFieldValue' && v.field.id === sum.id);
    expect(await value(same.id)).toMatchObject({ number: '105' });
    expect(await value(mixed.id)).toBeUndefined();
    expect(await dealNames(ws, { customFields: [{ fieldId: sum.id, isEmpty: true }] })).toEqual(['Mixed']);
  });
});
