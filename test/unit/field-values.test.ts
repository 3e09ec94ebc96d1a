// Custom field values as pure functions (src/kernel/fields/values.ts, formula.ts): how each type
// is checked and stored, read back, emptied, matched, and how formulas compute. No app, no
// database: fast enough for every mutant of npm run test:mutation. The same rules through the
// API are in test/custom-fields.test.ts.
import { describe, expect, it } from 'vitest';
import { render, type Message } from '../../src/lib/i18n.js';
import {
  isCanonical,
  isEmptyValue,
  matchesAny,
  numeric,
  plain,
  toGraphql,
  toInput,
  toStored,
  type FieldDef,
  type Stored,
  type ValueInput,
} from '../../src/kernel/fields/values.js';
import { evaluate, FormulaError, parseFormula, references, type Expr } from '../../src/kernel/fields/formula.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import type { FieldType } from '../../src/generated/prisma/enums.js';

const env = { region: 'RU', currency: 'RUB' };
const OPTIONS = [
  { id: 'o1', label: 'Red', sortOrder: 0 },
  { id: 'o2', label: 'Green', sortOrder: 1 },
  { id: 'o3', label: 'Blue', sortOrder: 2 },
];

const def = (type: FieldType, over: Partial<FieldDef> = {}): FieldDef => ({
  id: 'f1',
  key: 1,
  workspaceId: 'w1',
  entityType: 'DEAL',
  name: 'Field',
  code: 'field',
  type,
  archived: false,
  required: false,
  requiredStageIds: [],
  pattern: null,
  minValue: null,
  maxValue: null,
  maxLength: null,
  formula: null,
  conditionFieldId: null,
  conditionValues: null,
  defaultValue: null,
  slot: null,
  options: OPTIONS,
  ...over,
});

/** The stored value, or the problem in English. */
function store(d: FieldDef, input: ValueInput, e = env): unknown {
  const r = toStored(d, input, e);
  return 'error' in r ? { error: render(r.error, 'en') } : r.value;
}
const error = (text: string) => ({ error: text });
const en = (m: Message) => render(m, 'en');

describe('toStored', () => {
  it('refuses a value given in another member than the type’s, or in two members', () => {
    expect(store(def('NUMBER'), { text: '1' })).toEqual(error('is a NUMBER field: give its value as `number`'));
    expect(store(def('NUMBER'), { number: '1', text: '1' })).toEqual(error('is a NUMBER field: give its value as `number`'));
    expect(store(def('NUMBER'), {})).toEqual(error('is a NUMBER field: give its value as `number`'));
    // null and undefined members are not given.
    expect(store(def('NUMBER'), { number: '1', text: null, url: undefined })).toBe('1');
  });

  it('a FORMULA field cannot be written', () => {
    expect(store(def('FORMULA'), { number: '1' })).toEqual(error('is computed by its formula and cannot be written'));
  });

  it('TEXT: up to 255 characters by default, or the field’s own limit; the pattern must match', () => {
    expect(store(def('TEXT'), { text: 'x'.repeat(255) })).toBe('x'.repeat(255));
    expect(store(def('TEXT'), { text: 'x'.repeat(256) })).toEqual(error('must be at most 255 characters'));
    expect(store(def('TEXTAREA'), { text: 'x'.repeat(10_000) })).toBe('x'.repeat(10_000));
    expect(store(def('TEXTAREA'), { text: 'x'.repeat(10_001) })).toEqual(error('must be at most 10000 characters'));
    expect(store(def('TEXT', { maxLength: 3 }), { text: 'abc' })).toBe('abc');
    expect(store(def('TEXT', { maxLength: 3 }), { text: 'abcd' })).toEqual(error('must be at most 3 characters'));
    const coded = def('TEXT', { pattern: '^[A-Z]{2}-\\d+$' });
    expect(store(coded, { text: 'AB-12' })).toBe('AB-12');
    expect(store(coded, { text: 'ab-12' })).toEqual(error('does not match the pattern ^[A-Z]{2}-\\d+$'));
  });

  it('NUMBER: a plain decimal, trimmed and canonical, within the bounds', () => {
    expect(store(def('NUMBER'), { number: ' 12.50 ' })).toBe('12.5');
    expect(store(def('NUMBER'), { number: '-3' })).toBe('-3');
    expect(store(def('NUMBER'), { number: '0.0000000001' })).toBe('0.0000000001');
    expect(store(def('NUMBER'), { number: '1e5' })).toEqual(error('must be a number such as 12.5'));
    expect(store(def('NUMBER'), { number: '1.' })).toEqual(error('must be a number such as 12.5'));
    expect(store(def('NUMBER'), { number: 'x1' })).toEqual(error('must be a number such as 12.5'));
    expect(store(def('NUMBER'), { number: '1x' })).toEqual(error('must be a number such as 12.5'));
    expect(store(def('NUMBER'), { number: '1'.repeat(21) })).toEqual(error('must be a number such as 12.5'));
    expect(store(def('NUMBER'), { number: '1.12345678901' })).toEqual(error('must be a number such as 12.5'));
    const bounded = def('NUMBER', { minValue: new Prisma.Decimal('1.5'), maxValue: new Prisma.Decimal('1e3') });
    expect(store(bounded, { number: '1.5' })).toBe('1.5');
    expect(store(bounded, { number: '1000' })).toBe('1000');
    expect(store(bounded, { number: '1.4' })).toEqual(error('must be at least 1.5'));
    expect(store(bounded, { number: '1000.01' })).toEqual(error('must be at most 1000'));
    expect(store(def('NUMBER', { minValue: new Prisma.Decimal(0) }), { number: '-1' })).toEqual(error('must be at least 0'));
    expect(store(def('NUMBER', { maxValue: new Prisma.Decimal(0) }), { number: '1' })).toEqual(error('must be at most 0'));
  });

  it('NUMBER: a value already canonical is stored as decimal.js writes every other', () => {
    // Signs, zeros before and after, points and digits combined: each stored as given when it is
    // canonical, else rewritten, always what decimal.js's toFixed() gives.
    const parts = {
      sign: ['', '-', '+'],
      lead: ['', '0', '00'],
      int: ['0', '1', '10', '907', '12345678901234567'],
      frac: ['', '.0', '.5', '.50', '.05', '.1000000000', '.0000000001'],
    };
    let kept = 0;
    for (const sign of parts.sign)
      for (const lead of parts.lead)
        for (const int of parts.int)
          for (const frac of parts.frac) {
            const s = `${sign}${lead}${int}${frac}`;
            const stored = store(def('NUMBER'), { number: s });
            if (sign === '+') {
              expect(stored).toEqual(error('must be a number such as 12.5'));
              continue;
            }
            expect(stored).toBe(new Prisma.Decimal(s).toFixed());
            if (isCanonical(s)) {
              expect(stored).toBe(s);
              kept++;
            }
          }
    expect(kept).toBeGreaterThan(20);
    expect(store(def('NUMBER'), { number: '-0' })).toBe('0');
    expect(store(def('NUMBER'), { number: '-0.0' })).toBe('0');
    expect(isCanonical('-0')).toBe(false);
    expect(isCanonical('0.50')).toBe(false);
    expect(isCanonical('-0.5')).toBe(true);
  });

  it('MONEY: a non-negative amount with two decimals, in the given or the workspace’s currency', () => {
    expect(store(def('MONEY'), { money: { amount: '12.5' } })).toEqual({ a: '12.50', c: 'RUB' });
    expect(store(def('MONEY'), { money: { amount: '7', currency: 'usd' } })).toEqual({ a: '7.00', c: 'USD' });
    expect(store(def('MONEY'), { money: { amount: '7', currency: null } })).toEqual({ a: '7.00', c: 'RUB' });
    expect(store(def('MONEY'), { money: { amount: '-1' } })).toEqual(error('must not be negative'));
    expect(store(def('MONEY'), { money: { amount: '1', currency: 'XYZ' } })).toEqual(error('currency is not an ISO 4217 currency code'));
    const bounded = def('MONEY', { minValue: new Prisma.Decimal(10), maxValue: new Prisma.Decimal(20) });
    expect(store(bounded, { money: { amount: '9.99' } })).toEqual(error('must be at least 10'));
    expect(store(bounded, { money: { amount: '20.01' } })).toEqual(error('must be at most 20'));
    expect(store(bounded, { money: { amount: '20' } })).toEqual({ a: '20.00', c: 'RUB' });
  });

  it('DATE: a real calendar day as YYYY-MM-DD', () => {
    expect(store(def('DATE'), { date: '2024-02-29' })).toBe('2024-02-29');
    expect(store(def('DATE'), { date: '2023-02-29' })).toEqual(error('must be a date such as 2026-11-23'));
    expect(store(def('DATE'), { date: '2023-13-01' })).toEqual(error('must be a date such as 2026-11-23'));
    expect(store(def('DATE'), { date: '2023-1-01' })).toEqual(error('must be a date such as 2026-11-23'));
    expect(store(def('DATE'), { date: 'x2023-01-01' })).toEqual(error('must be a date such as 2026-11-23'));
    expect(store(def('DATE'), { date: '2023-01-01x' })).toEqual(error('must be a date such as 2026-11-23'));
  });

  it('DATETIME is stored in UTC; BOOLEAN as is', () => {
    expect(store(def('DATETIME'), { dateTime: new Date('2026-05-01T09:30:00+03:00') })).toBe('2026-05-01T06:30:00.000Z');
    expect(store(def('BOOLEAN'), { boolean: false })).toBe(false);
    expect(store(def('BOOLEAN'), { boolean: true })).toBe(true);
  });

  it('SELECT: one of the field’s options; MULTISELECT: options in the field’s order, once each', () => {
    expect(store(def('SELECT'), { optionId: 'o2' })).toBe('o2');
    expect(store(def('SELECT'), { optionId: 'o9' })).toEqual(error('no such option'));
    expect(store(def('MULTISELECT'), { optionIds: ['o3', 'o1', 'o3'] })).toEqual(['o1', 'o3']);
    expect(store(def('MULTISELECT'), { optionIds: ['o1', 'o9'] })).toEqual(error('no such option'));
  });

  it('URL, EMAIL and PHONE are normalized; bad ones refused', () => {
    expect(store(def('URL'), { url: 'acme.ru' })).toBe('https://acme.ru');
    expect(store(def('URL'), { url: 'javascript:alert(1)' })).toEqual(error('is not a valid web address'));
    expect(store(def('URL'), { url: '   ' })).toEqual(error('is not a valid web address'));
    expect(store(def('EMAIL'), { email: ' Ann@Example.COM ' })).toBe('ann@example.com');
    expect(store(def('EMAIL'), { email: 'ann@' })).toEqual(error('is not a valid e-mail address'));
    expect(store(def('PHONE'), { phone: '8 (912) 345-67-89' })).toBe('+79123456789');
    // Numbers without a country code are read in the workspace's region.
    expect(store(def('PHONE'), { phone: '(912) 345-67-89' }, { region: 'US', currency: 'USD' })).toBe('+19123456789');
    expect(store(def('PHONE'), { phone: '12' })).toEqual(error('"12" is not a valid phone number'));
  });

  it('FILE: a non-empty file id', () => {
    expect(store(def('FILE'), { fileId: 'file-1' })).toBe('file-1');
    expect(store(def('FILE'), { fileId: '' })).toEqual(error('is not a valid file id'));
  });
});

describe('isEmptyValue', () => {
  it('blank text and an empty option list clear the field; nothing else is empty', () => {
    expect(isEmptyValue(def('TEXT'), { text: '  ' })).toBe(true);
    expect(isEmptyValue(def('TEXTAREA'), { text: '' })).toBe(true);
    expect(isEmptyValue(def('TEXT'), { text: ' a ' })).toBe(false);
    expect(isEmptyValue(def('TEXT'), { number: '' })).toBe(false);
    expect(isEmptyValue(def('MULTISELECT'), { optionIds: [] })).toBe(true);
    expect(isEmptyValue(def('MULTISELECT'), { optionIds: ['o1'] })).toBe(false);
    expect(isEmptyValue(def('MULTISELECT'), { text: '' })).toBe(false);
    expect(isEmptyValue(def('NUMBER'), { number: '' })).toBe(false);
    expect(isEmptyValue(def('SELECT'), { optionIds: [] })).toBe(false);
  });
});

describe('matchesAny', () => {
  it('compares stored values by content; a MULTISELECT matches on any shared option', () => {
    expect(matchesAny(undefined, ['a'])).toBe(false);
    expect(matchesAny(undefined, [undefined])).toBe(false);
    expect(matchesAny(null, [null])).toBe(false);
    expect(matchesAny('a', ['b', 'a'])).toBe(true);
    expect(matchesAny('a', ['b'])).toBe(false);
    expect(matchesAny(true, [true])).toBe(true);
    expect(matchesAny(false, [true])).toBe(false);
    expect(matchesAny({ a: '1.00', c: 'RUB' }, [{ a: '1.00', c: 'RUB' }])).toBe(true);
    expect(matchesAny({ a: '1.00', c: 'RUB' }, [{ a: '1.00', c: 'USD' }])).toBe(false);
    expect(matchesAny(['o1', 'o2'], ['o2'])).toBe(true);
    expect(matchesAny(['o1', 'o2'], [['o3', 'o1']])).toBe(true);
    expect(matchesAny(['o1', 'o2'], [['o3'], 'o4'])).toBe(false);
    expect(matchesAny(['o1'], [])).toBe(false);
  });
});

describe('numeric', () => {
  it('the decimal a NUMBER, MONEY or FORMULA value holds; none for other types or no value', () => {
    expect(numeric(def('NUMBER'), '12.5')?.toString()).toBe('12.5');
    expect(numeric(def('FORMULA'), '-2')?.toString()).toBe('-2');
    expect(numeric(def('MONEY'), { a: '3.10', c: 'RUB' })?.toString()).toBe('3.1');
    expect(numeric(def('TEXT'), '12')).toBeNull();
    expect(numeric(def('NUMBER'), undefined)).toBeNull();
    expect(numeric(def('NUMBER'), null)).toBeNull();
  });

  it('plain writes small decimals without exponent', () => {
    expect(plain(new Prisma.Decimal('0.00000001'))).toBe('0.00000001');
    expect(plain({ toString: () => '1e3' })).toBe('1000');
  });
});

describe('toGraphql', () => {
  const member = (type: FieldType, stored: unknown) => {
    const { field, ...rest } = toGraphql(def(type), stored);
    expect(field.type).toBe(type);
    return rest;
  };
  it('each type reads back as its union member', () => {
    expect(member('TEXT', 'a')).toEqual({ __typename: 'TextFieldValue', text: 'a' });
    expect(member('TEXTAREA', 'a')).toEqual({ __typename: 'TextareaFieldValue', text: 'a' });
    expect(member('NUMBER', '1')).toEqual({ __typename: 'NumberFieldValue', number: '1' });
    expect(member('FORMULA', '2')).toEqual({ __typename: 'FormulaFieldValue', number: '2' });
    expect(member('MONEY', { a: '1.00', c: 'USD' })).toEqual({ __typename: 'MoneyFieldValue', amount: '1.00', currency: 'USD' });
    expect(member('DATE', '2026-01-02')).toEqual({ __typename: 'DateFieldValue', date: '2026-01-02' });
    expect(member('DATETIME', '2026-01-02T03:04:05.000Z')).toEqual({ __typename: 'DateTimeFieldValue', dateTime: new Date('2026-01-02T03:04:05.000Z') });
    expect(member('BOOLEAN', false)).toEqual({ __typename: 'BooleanFieldValue', boolean: false });
    expect(member('SELECT', 'o2')).toEqual({ __typename: 'SelectFieldValue', option: OPTIONS[1] });
    expect(member('SELECT', 'gone')).toEqual({ __typename: 'SelectFieldValue', option: null });
    expect(member('MULTISELECT', ['o3', 'o1', 'gone'])).toEqual({ __typename: 'MultiSelectFieldValue', options: [OPTIONS[0], OPTIONS[2]] });
    expect(member('URL', 'https://a.b')).toEqual({ __typename: 'UrlFieldValue', url: 'https://a.b' });
    expect(member('EMAIL', 'a@b.c')).toEqual({ __typename: 'EmailFieldValue', email: 'a@b.c' });
    expect(member('PHONE', '+79123456789')).toEqual({ __typename: 'PhoneFieldValue', phone: '+79123456789' });
    expect(member('FILE', 'file-1')).toEqual({ __typename: 'FileFieldValue', fileId: 'file-1' });
  });
});

describe('formulas', () => {
  const values: Record<string, string | null> = { qty: '3', price: '2.5', zero: '0', empty: null, q2: '4' };
  const calc = (src: string) => {
    const r = evaluate(parseFormula(src), (c) => (values[c] == null ? null : new Prisma.Decimal(values[c]!)));
    return r === null ? null : r.toFixed();
  };
  const problem = (src: string) => {
    try {
      parseFormula(src);
    } catch (e) {
      expect(e).toBeInstanceOf(FormulaError);
      return en((e as FormulaError).msg);
    }
    return 'parsed';
  };

  it('computes with the usual precedence, brackets and unary minus', () => {
    expect(calc('qty * price')).toBe('7.5');
    expect(calc('qty + price * 2')).toBe('8');
    expect(calc('(qty + price) * 2')).toBe('11');
    expect(calc('qty - price - 1')).toBe('-0.5');
    expect(calc('12 / qty / 2')).toBe('2');
    expect(calc('-qty + 10')).toBe('7');
    expect(calc('--qty')).toBe('3');
    expect(calc('1.25')).toBe('1.25');
    // A field code may hold digits after its first letter.
    expect(calc('q2 * 2')).toBe('8');
    expect(calc('9999999999999999.99 * 12345.5')).toBe('123454999999999999876.545');
  });

  it('is empty when an input is empty or a division is by zero', () => {
    expect(calc('qty * empty')).toBeNull();
    expect(calc('empty * qty')).toBeNull();
    expect(calc('-empty')).toBeNull();
    expect(calc('qty / zero')).toBeNull();
    expect(calc('zero / qty')).toBe('0');
  });

  it('names what is wrong with a formula it cannot read', () => {
    expect(problem('   ')).toBe('the formula is empty');
    expect(problem('qty *')).toBe('the formula ends too early');
    expect(problem('(qty + 1')).toBe('a bracket is not closed');
    expect(problem('qty price')).toBe('unexpected "price"');
    expect(problem('qty * %')).toBe('unexpected "%"');
    expect(problem(')')).toBe('unexpected ")"');
    expect(problem('_a1 + b_2')).toBe('parsed');
  });

  it('lists the fields a formula refers to', () => {
    const refs = (src: string) => [...references(parseFormula(src))].sort();
    expect(refs('qty * price + -(discount - qty) / 2')).toEqual(['discount', 'price', 'qty']);
    expect(refs('1 + 2')).toEqual([]);
    const e: Expr = parseFormula('a');
    expect(e).toEqual({ kind: 'ref', code: 'a' });
    expect(parseFormula('1 - a')).toEqual({ kind: 'bin', op: '-', left: { kind: 'num', value: '1' }, right: { kind: 'ref', code: 'a' } });
  });
});

describe('toInput (a merge copying a value from another card)', () => {
  it('gives back the input that stores the same value, for every type that is written', () => {
    const held: [FieldType, Stored][] = [
      ['TEXT', 'Ivan'],
      ['TEXTAREA', 'Line one\nline two'],
      ['NUMBER', '12.5'],
      ['MONEY', { a: '1500.50', c: 'USD' }],
      ['DATE', '2026-12-03'],
      ['DATETIME', '2026-12-03T05:00:00.000Z'],
      ['BOOLEAN', false],
      ['SELECT', 'o2'],
      ['MULTISELECT', ['o1', 'o3']],
      ['URL', 'https://example.com/'],
      ['EMAIL', 'ivan@example.com'],
      ['PHONE', '+79123456789'],
      ['FILE', 'a0f0e0d0-0000-7000-8000-000000000001'],
    ];
    for (const [type, stored] of held) {
      const input = toInput(def(type), stored);
      expect(input, type).not.toBeNull();
      expect(toStored(def(type), input!, env), type).toEqual({ value: stored });
    }
  });

  it('a formula has no input', () => {
    expect(toInput(def('FORMULA'), '3')).toBeNull();
  });
});
