// Sorting cards by a custom field through the public API (empties last either way, ties by id,
// a second key, SELECT by option position) with cursor pagination both ways, on deals, contacts
// and companies. Filters: custom-field-filters.test.ts.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { rawId } from './kit/results.js';
import { createCompany, createContact } from './kit/cards.js';
import { expectWalks, issue, names, refusedList, type PageArgs } from './kit/lists.js';
import { createDeal, dealNames, deals, define, sorted, values, type Field } from './kit/field-lists.js';
import { Contacts } from './kit/documents/contacts.js';
import { Companies } from './kit/documents/companies.js';
import { UpdateFieldOption } from './kit/documents/custom-fields.js';
import type {
  CompaniesQueryVariables,
  CompanyFilter,
  CompanyOrder,
  ContactFilter,
  ContactOrder,
  ContactsQueryVariables,
  DealFilter,
  DealOrder,
} from './gql/graphql.js';

// Tests

describe('sorting by a custom field, with cursor pagination', () => {
  let ws: Workspace;
  let num: Field, due: Field, word: Field, flag: Field, level: Field;
  const ids: Record<string, string> = {};
  const opt = (label: string) => level.options.find((o) => o.label === label)!.id;

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    num = await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Score', code: 'score' });
    due = await define(ws, { entityType: 'DEAL', type: 'DATE', name: 'Due', code: 'due' });
    word = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Word', code: 'word' });
    flag = await define(ws, { entityType: 'DEAL', type: 'BOOLEAN', name: 'Flag', code: 'flag' });
    level = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Level', code: 'level', options: ['Low', 'Mid', 'High'] });
    // Created in this order, so ids ascend in it (ties fall back to the id); names deliberately do not.
    // Ids are UUIDv7 made by Prisma's generator, which counts up within a millisecond: no pause
    // between the creations is needed for them to ascend (checked below).
    const rows: [string, string | null, string | null, string | null, boolean | null, string | null, number][] = [
      // name, score, due, word, flag, level, open stage
      ['Quebec', '5', '2026-05-01', 'cherry', true, 'High', 0],
      ['Lima', '1', null, 'Banana', false, 'Low', 1],
      ['Kilo', '5', '2026-01-10', null, true, 'Mid', 1],
      ['November', null, '2026-05-01', 'apple', null, 'Low', 1],
      ['Romeo', '-2', '2025-12-31', 'date', false, null, 0],
      ['Mike', '5', null, 'elder', null, 'High', 1],
      ['Papa', null, null, null, true, null, 0],
      ['Oscar', '3', '2026-03-03', 'fig', null, 'Mid', 0],
      ['Sierra', null, '2026-01-10', 'banana', false, 'Low', 0],
    ];
    for (const [name, score, date, text, bool, lvl, stage] of rows) {
      const d = await createDeal(
        ws,
        name,
        values([
          [num, score === null ? null : { number: score }],
          [due, date === null ? null : { date }],
          [word, text === null ? null : { text }],
          [flag, bool === null ? null : { boolean: bool }],
          [level, lvl === null ? null : { optionId: opt(lvl) }],
        ]),
        { stageId: ws.open[stage].id },
      );
      ids[name] = d.id;
    }
    // The literal orders below rely on it.
    const created = rows.map((r) => r[0]);
    expect([...created].sort((a, b) => (rawId(ids[a]) < rawId(ids[b]) ? -1 : 1))).toEqual(created);
  });

  const by = (field: Field, direction: 'ASC' | 'DESC' = 'ASC'): DealOrder => ({ customFieldId: field.id, direction });
  const page = (orderBy: DealOrder[], filter?: DealFilter) => (p: PageArgs) => deals(ws, { orderBy, filter, first: undefined, ...p });

  // Empties last in both directions; ties by id in the direction of the last key. A fourth
  // member marks the orders that are also walked a card at a time.
  const ORDERS: [string, () => DealOrder[], string[], 'each'?][] = [
    ['NUMBER ASC', () => [by(num)], ['Romeo', 'Lima', 'Oscar', 'Quebec', 'Kilo', 'Mike', 'November', 'Papa', 'Sierra'], 'each'],
    ['NUMBER DESC', () => [by(num, 'DESC')], ['Mike', 'Kilo', 'Quebec', 'Oscar', 'Lima', 'Romeo', 'Sierra', 'Papa', 'November'], 'each'],
    ['DATE ASC', () => [by(due)], ['Romeo', 'Kilo', 'Sierra', 'Oscar', 'Quebec', 'November', 'Lima', 'Mike', 'Papa']],
    ['DATE DESC', () => [by(due, 'DESC')], ['November', 'Quebec', 'Oscar', 'Sierra', 'Kilo', 'Romeo', 'Papa', 'Mike', 'Lima'], 'each'],
    // Case is ignored: "Banana" and "banana" tie.
    ['TEXT ASC', () => [by(word)], ['November', 'Lima', 'Sierra', 'Quebec', 'Romeo', 'Mike', 'Oscar', 'Kilo', 'Papa']],
    ['TEXT DESC', () => [by(word, 'DESC')], ['Oscar', 'Mike', 'Romeo', 'Quebec', 'Sierra', 'Lima', 'November', 'Papa', 'Kilo']],
    ['BOOLEAN ASC', () => [by(flag)], ['Lima', 'Romeo', 'Sierra', 'Quebec', 'Kilo', 'Papa', 'November', 'Mike', 'Oscar'], 'each'],
    ['BOOLEAN DESC', () => [by(flag, 'DESC')], ['Papa', 'Kilo', 'Quebec', 'Sierra', 'Romeo', 'Lima', 'Oscar', 'Mike', 'November']],
    // By option position: Low, Mid, High.
    ['SELECT ASC', () => [by(level)], ['Lima', 'November', 'Sierra', 'Kilo', 'Oscar', 'Quebec', 'Mike', 'Romeo', 'Papa']],
    ['SELECT DESC', () => [by(level, 'DESC')], ['Mike', 'Quebec', 'Oscar', 'Kilo', 'Sierra', 'November', 'Lima', 'Papa', 'Romeo']],
    // A second key orders the ties of the first, empties included.
    ['NUMBER ASC, NAME ASC', () => [by(num), { field: 'NAME' }], ['Romeo', 'Lima', 'Oscar', 'Kilo', 'Mike', 'Quebec', 'November', 'Papa', 'Sierra']],
    [
      'NUMBER ASC, NAME DESC',
      () => [by(num), { field: 'NAME', direction: 'DESC' }],
      ['Romeo', 'Lima', 'Oscar', 'Quebec', 'Mike', 'Kilo', 'Sierra', 'Papa', 'November'],
    ],
    [
      'NUMBER DESC, NAME ASC',
      () => [by(num, 'DESC'), { field: 'NAME' }],
      ['Kilo', 'Mike', 'Quebec', 'Oscar', 'Lima', 'Romeo', 'November', 'Papa', 'Sierra'],
      'each',
    ],
    // Two custom keys: the second has empties of its own.
    ['SELECT ASC, NUMBER DESC', () => [by(level), by(num, 'DESC')], ['Lima', 'Sierra', 'November', 'Kilo', 'Oscar', 'Mike', 'Quebec', 'Romeo', 'Papa'], 'each'],
    // A custom field after a system key.
    ['STAGE ASC, NUMBER ASC', () => [{ field: 'STAGE' }, by(num)], ['Romeo', 'Oscar', 'Quebec', 'Papa', 'Sierra', 'Lima', 'Kilo', 'Mike', 'November'], 'each'],
  ];

  it('sorts by NUMBER, DATE, TEXT, BOOLEAN and SELECT both ways, empties last, ties by id, with a second key', async () => {
    for (const [label, orderBy, expected] of ORDERS) {
      expect(await sorted(ws, orderBy()), label).toEqual(expected);
    }
  });

  // One test an order: each walks the list some forty times.
  describe('walks every deal exactly once, in order, forward and backward with pages of 1, 2 and 3', () => {
    for (const [label, orderBy, expected, each] of ORDERS) {
      it(label, async () => {
        await expectWalks(label, page(orderBy()), expected, each ? [1, 2, 3] : [2, 3]);
      });
    }
  });

  it('a filter, a custom sort and pagination together', async () => {
    // Flag set: Quebec, Lima, Kilo, Romeo, Papa, Sierra; by due date, latest first, empties last.
    const filter: DealFilter = { customFields: [{ fieldId: flag.id, isEmpty: false }] };
    const expected = ['Quebec', 'Sierra', 'Kilo', 'Romeo', 'Papa', 'Lima'];
    expect(await sorted(ws, [by(due, 'DESC')], filter)).toEqual(expected);
    await expectWalks('flagged by due DESC', page([by(due, 'DESC')], filter), expected, [1, 2, 4]);
    // Open stage 1 (Lima, Kilo, November, Mike) by word: empties (Kilo) last.
    const filter2: DealFilter = {
      stageIds: [ws.open[1].id],
      or: [{ customFields: [{ fieldId: num.id, gte: '1' }] }, { customFields: [{ fieldId: word.id, startsWith: 'a' }] }],
    };
    await expectWalks('stage 1 by word', page([by(word)], filter2), ['November', 'Lima', 'Mike', 'Kilo'], [1, 3]);
  });

  it('SELECT follows the option order, also after an option is moved', async () => {
    const moved = (await ws.gql(UpdateFieldOption, { id: opt('High'), position: 0 })).updateFieldOption;
    expect(moved.__typename).toBe('UpdateFieldOptionSuccess');
    // Now High, Low, Mid.
    const asc = ['Quebec', 'Mike', 'Lima', 'November', 'Sierra', 'Kilo', 'Oscar', 'Romeo', 'Papa'];
    expect(await sorted(ws, [by(level)])).toEqual(asc);
    expect(await sorted(ws, [by(level, 'DESC')])).toEqual(['Oscar', 'Kilo', 'Sierra', 'November', 'Lima', 'Mike', 'Quebec', 'Papa', 'Romeo']);
    await expectWalks('SELECT ASC after the move', page([by(level)]), asc, [2]);
    // A card written after the move takes the new position too.
    await createDeal(ws, 'Tango', values([[level, { optionId: opt('Mid') }]]));
    expect(await sorted(ws, [by(level)])).toEqual([...asc.slice(0, 7), 'Tango', ...asc.slice(7)]);
    // Filters by option id are untouched by the move.
    expect(await dealNames(ws, { customFields: [{ fieldId: level.id, eq: opt('Mid') }] })).toEqual(['Kilo', 'Oscar', 'Tango']);
  });
});

describe('contacts and companies', () => {
  it('contacts: filter and sort by custom fields, pages both ways, and a member may do the same', async ({ workspace: ws }) => {
    const score = await define(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Score', code: 'score' });
    const city = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'City', code: 'city' });
    const rows: [string, string | null, string | null][] = [
      ['Anna', '7', 'Kazan'],
      ['Boris', '3', 'Omsk'],
      ['Vera', null, 'kazan'],
      ['Gleb', '7', null],
      ['Dina', null, null],
    ];
    // Ids ascend in creation order (UUIDv7, see above).
    for (const [name, s, c] of rows) {
      await createContact(ws, {
        name,
        customFields: values([
          [score, s === null ? null : { number: s }],
          [city, c === null ? null : { text: c }],
        ]),
      });
    }
    const list = async (vars: ContactsQueryVariables, c: Client = ws) => (await c.gql(Contacts, { first: 100, ...vars })).contacts;
    const f = async (filter: ContactFilter) => {
      const c = await list({ filter, orderBy: [{ field: 'NAME' }] });
      expect(c.totalCount).toBe(c.edges.length);
      return names(c);
    };
    expect(await f({ customFields: [{ fieldId: city.id, eq: 'KAZAN' }] })).toEqual(['Anna', 'Vera']);
    expect(await f({ customFields: [{ fieldId: score.id, gte: '5' }] })).toEqual(['Anna', 'Gleb']);
    expect(await f({ customFields: [{ fieldId: city.id, neq: 'kazan' }] })).toEqual(['Boris', 'Dina', 'Gleb']);
    expect(
      await f({
        or: [
          { customFields: [{ fieldId: score.id, lt: '5' }] },
          {
            customFields: [
              { fieldId: city.id, isEmpty: true },
              { fieldId: score.id, isEmpty: true },
            ],
          },
        ],
      }),
    ).toEqual(['Boris', 'Dina']);
    expect(await f({ search: 'a', customFields: [{ fieldId: score.id, isEmpty: false }] })).toEqual(['Anna']);

    const order: ContactOrder[] = [{ customFieldId: score.id, direction: 'DESC' }];
    // 7 (Anna, Gleb: by id, descending), 3, then the empties (by id, descending).
    const expected = ['Gleb', 'Anna', 'Boris', 'Dina', 'Vera'];
    expect(names(await list({ orderBy: order }))).toEqual(expected);
    expect(names(await list({ orderBy: [{ customFieldId: city.id }, { field: 'NAME', direction: 'DESC' }] }))).toEqual([
      'Vera',
      'Anna',
      'Boris',
      'Gleb',
      'Dina',
    ]);
    await expectWalks('contacts by score DESC', (p) => list({ orderBy: order, first: undefined, ...p }), expected, [1, 2]);

    const member = await ws.member();
    const m = await list({ filter: { customFields: [{ fieldId: city.id, eq: 'kazan' }] }, orderBy: [{ customFieldId: score.id }] }, member);
    expect(names(m)).toEqual(['Anna', 'Vera']);
    // A deal field is no contact field.
    const dealField = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Deal only', code: 'deal_only' });
    const r = await ws.raw(Contacts, { filter: { customFields: [{ fieldId: dealField.id, eq: 'x' }] } });
    expect(await refusedList(r)).toEqual([issue('filter.customFields[0].fieldId', 'no such field')]);
  });

  it('companies: filter and sort by DATE and SELECT custom fields, pages both ways', async ({ workspace: ws }) => {
    const founded = await define(ws, { entityType: 'COMPANY', type: 'DATE', name: 'Founded', code: 'founded' });
    const tier = await define(ws, { entityType: 'COMPANY', type: 'SELECT', name: 'Tier', code: 'tier', options: ['Gold', 'Silver'] });
    const [gold, silver] = tier.options.map((o) => o.id);
    const rows: [string, string | null, string | null][] = [
      ['Acme', '2001-05-01', gold],
      ['Globex', '1999-12-31', silver],
      ['Initech', null, gold],
      ['Umbrella', '2010-01-01', null],
    ];
    // Ids ascend in creation order (UUIDv7, see above).
    for (const [name, date, optionId] of rows) {
      await createCompany(ws, {
        name,
        customFields: values([
          [founded, date === null ? null : { date }],
          [tier, optionId === null ? null : { optionId }],
        ]),
      });
    }
    const list = async (vars: CompaniesQueryVariables) => (await ws.gql(Companies, { first: 100, ...vars })).companies;
    const f = async (filter: CompanyFilter) => {
      const c = await list({ filter, orderBy: [{ field: 'NAME' }] });
      expect(c.totalCount).toBe(c.edges.length);
      return names(c);
    };
    expect(await f({ customFields: [{ fieldId: founded.id, lt: '2005-01-01' }] })).toEqual(['Acme', 'Globex']);
    expect(await f({ customFields: [{ fieldId: tier.id, eq: gold }] })).toEqual(['Acme', 'Initech']);
    expect(await f({ customFields: [{ fieldId: tier.id, neq: gold }] })).toEqual(['Globex', 'Umbrella']);
    expect(
      await f({
        customFields: [
          { fieldId: tier.id, eq: gold },
          { fieldId: founded.id, isEmpty: false },
        ],
      }),
    ).toEqual(['Acme']);
    expect(await f({ or: [{ customFields: [{ fieldId: founded.id, gte: '2010-01-01' }] }, { customFields: [{ fieldId: tier.id, eq: silver }] }] })).toEqual([
      'Globex',
      'Umbrella',
    ]);

    const byFounded: CompanyOrder[] = [{ customFieldId: founded.id }];
    expect(names(await list({ orderBy: byFounded }))).toEqual(['Globex', 'Acme', 'Umbrella', 'Initech']);
    const byTier: CompanyOrder[] = [{ customFieldId: tier.id, direction: 'DESC' }];
    expect(names(await list({ orderBy: byTier }))).toEqual(['Globex', 'Initech', 'Acme', 'Umbrella']);
    await expectWalks('companies by tier DESC', (p) => list({ orderBy: byTier, first: undefined, ...p }), ['Globex', 'Initech', 'Acme', 'Umbrella'], [1, 3]);
    await expectWalks('companies by founded', (p) => list({ orderBy: byFounded, first: undefined, ...p }), ['Globex', 'Acme', 'Umbrella', 'Initech'], [2]);
  });
});
