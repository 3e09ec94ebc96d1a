// Custom fields through the public API: definitions (administrators only), every field type with
// valid and invalid values on deals, contacts and companies, update semantics, formulas,
// required and conditional fields, renaming and archiving, the fill-rate audit, and workspace
// isolation. Options and groups are in custom-field-options.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { readCard } from './kit/cards.js';
import { rawId } from './kit/results.js';
import { CreateDeal, Deals, UpdateDeal } from './kit/documents/deals.js';
import { Contacts, CreateContact, UpdateContact } from './kit/documents/contacts.js';
import { Companies, CreateCompany, DeleteCompany, UpdateCompany } from './kit/documents/companies.js';
import { Node } from './kit/documents/cards.js';
import {
  AddFieldOption,
  ArchiveCustomField,
  CreateCustomField,
  CreateFieldGroup,
  CustomFieldNode,
  CustomFields,
  DeleteFieldGroup,
  DeleteFieldOption,
  FieldGroups,
  FieldUsage,
  UnarchiveCustomField,
  UpdateCustomField,
  UpdateFieldGroup,
  UpdateFieldOption,
} from './kit/documents/custom-fields.js';
import type {
  CreateCustomFieldInput,
  CustomFieldFieldsFragment,
  CustomFieldInput,
  CustomFieldValueFieldsFragment,
  EntityType,
  UpdateCustomFieldInput,
} from './gql/graphql.js';

// Helpers

type Field = CustomFieldFieldsFragment;
type Card = { id: string; version: number; customFields: readonly CustomFieldValueFieldsFragment[] };
/** Any member of the Error interface, as ErrorFields selects it. */
type Err = { __typename: string; code: string; message: string; fields?: { field: string; message: string }[]; entity?: string; id?: string };
type Outcome = { card: Card; error?: undefined } | { card?: undefined; error: Err };

function fail(what: string, x: unknown): never {
  throw new Error(`${what}: ${JSON.stringify(x)}`);
}

async function tryDefine(c: Client, input: CreateCustomFieldInput) {
  const r = await c.gql(CreateCustomField, { input });
  return r.createCustomField.__typename === 'CreateCustomFieldSuccess' ? { field: r.createCustomField.field } : { error: r.createCustomField as Err };
}

async function define(c: Client, input: CreateCustomFieldInput): Promise<Field> {
  const r = await tryDefine(c, input);
  if (!r.field) fail('createCustomField', r.error);
  return r.field;
}

async function tryUpdateField(c: Client, input: UpdateCustomFieldInput) {
  const r = await c.gql(UpdateCustomField, { input });
  return r.updateCustomField.__typename === 'UpdateCustomFieldSuccess' ? { field: r.updateCustomField.field } : { error: r.updateCustomField as Err };
}

async function fieldsOf(c: Client, entityType: EntityType, includeArchived = false) {
  return (await c.gql(CustomFields, { entityType, includeArchived })).customFields;
}

async function create(ws: Client, kind: EntityType, customFields: CustomFieldInput[], name = 'Card'): Promise<Outcome> {
  if (kind === 'DEAL') {
    const r = (await ws.gql(CreateDeal, { input: { name, customFields } })).createDeal;
    return r.__typename === 'CreateDealSuccess' ? { card: r.deal } : { error: r as Err };
  }
  if (kind === 'CONTACT') {
    const r = (await ws.gql(CreateContact, { input: { name, customFields } })).createContact;
    return r.__typename === 'CreateContactSuccess' ? { card: r.contact } : { error: r as Err };
  }
  const r = (await ws.gql(CreateCompany, { input: { name, customFields } })).createCompany;
  return r.__typename === 'CreateCompanySuccess' ? { card: r.company } : { error: r as Err };
}

async function mustCreate(ws: Client, kind: EntityType, customFields: CustomFieldInput[], name = 'Card') {
  const r = await create(ws, kind, customFields, name);
  if (!r.card) fail(`create ${kind}`, r.error);
  return r.card;
}

async function update(
  ws: Client,
  kind: EntityType,
  card: { id: string; version: number },
  customFields: CustomFieldInput[] | undefined,
  name?: string,
): Promise<Outcome> {
  const input = { id: card.id, version: card.version, customFields, ...(name ? { name } : {}) };
  if (kind === 'DEAL') {
    const r = (await ws.gql(UpdateDeal, { input })).updateDeal;
    return r.__typename === 'UpdateDealSuccess' ? { card: r.deal } : { error: r as Err };
  }
  if (kind === 'CONTACT') {
    const r = (await ws.gql(UpdateContact, { input })).updateContact;
    return r.__typename === 'UpdateContactSuccess' ? { card: r.contact } : { error: r as Err };
  }
  const r = (await ws.gql(UpdateCompany, { input })).updateCompany;
  return r.__typename === 'UpdateCompanySuccess' ? { card: r.company } : { error: r as Err };
}

async function mustUpdate(ws: Client, kind: EntityType, card: { id: string; version: number }, customFields?: CustomFieldInput[], name?: string) {
  const r = await update(ws, kind, card, customFields, name);
  if (!r.card) fail(`update ${kind}`, r.error);
  return r.card;
}

const read = (c: Client, id: string): Promise<Card> => readCard(c, id);

/** A card's values as { code: plain value }, for compact assertions. */
function flat(values: readonly CustomFieldValueFieldsFragment[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    switch (v.__typename) {
      case 'TextFieldValue':
      case 'TextareaFieldValue':
        out[v.field.code] = v.text;
        break;
      case 'NumberFieldValue':
      case 'FormulaFieldValue':
        out[v.field.code] = v.number;
        break;
      case 'MoneyFieldValue':
        out[v.field.code] = `${v.amount} ${v.currency}`;
        break;
      case 'DateFieldValue':
        out[v.field.code] = v.date;
        break;
      case 'DateTimeFieldValue':
        out[v.field.code] = v.dateTime;
        break;
      case 'BooleanFieldValue':
        out[v.field.code] = v.boolean;
        break;
      case 'SelectFieldValue':
        out[v.field.code] = v.option?.label ?? null;
        break;
      case 'MultiSelectFieldValue':
        out[v.field.code] = v.options.map((o) => o.label);
        break;
      case 'UrlFieldValue':
        out[v.field.code] = v.url;
        break;
      case 'EmailFieldValue':
        out[v.field.code] = v.email;
        break;
      case 'PhoneFieldValue':
        out[v.field.code] = v.phone.e164;
        break;
      case 'FileFieldValue':
        out[v.field.code] = v.fileId;
        break;
    }
  }
  return out;
}

const issue = (field: string, message: string) => ({ field, message: expect.stringContaining(message) });

/** A well-formed id of a field that does not exist anywhere. */
const ghostFieldId = () => Buffer.from(`CustomField:${randomUUID()}`).toString('base64');
const ghostOptionId = () => Buffer.from(`CustomFieldOption:${randomUUID()}`).toString('base64');
/** A well-formed id of a file nobody uploaded. */
const ghostFileId = () => Buffer.from(`Attachment:${randomUUID()}`).toString('base64');

async function counts(c: Client) {
  const [deals, contacts, companies] = await Promise.all([c.gql(Deals, {}), c.gql(Contacts, {}), c.gql(Companies, {})]);
  return { deals: deals.deals.totalCount, contacts: contacts.contacts.totalCount, companies: companies.companies.totalCount };
}

/** One field of each type on an entity type, with the settings the value tests use. */
async function everyType(ws: Client, entityType: EntityType) {
  const d = (input: Omit<CreateCustomFieldInput, 'entityType'>) => define(ws, { entityType, ...input });
  return {
    text: await d({ type: 'TEXT', name: 'Code', code: 'code', maxLength: 8, pattern: '^[A-Z]{2}-\\d+$' }),
    textarea: await d({ type: 'TEXTAREA', name: 'Notes', code: 'notes' }),
    number: await d({ type: 'NUMBER', name: 'Quantity', code: 'qty', min: '-100', max: '1000' }),
    money: await d({ type: 'MONEY', name: 'Price', code: 'price', max: '1000000' }),
    date: await d({ type: 'DATE', name: 'Due', code: 'due' }),
    dateTime: await d({ type: 'DATETIME', name: 'Call at', code: 'call_at' }),
    boolean: await d({ type: 'BOOLEAN', name: 'VIP', code: 'vip' }),
    select: await d({ type: 'SELECT', name: 'Source', code: 'source', options: ['Site', 'Call', 'Fair'] }),
    multi: await d({ type: 'MULTISELECT', name: 'Interests', code: 'interests', options: ['A', 'B', 'C'] }),
    url: await d({ type: 'URL', name: 'Site', code: 'site' }),
    email: await d({ type: 'EMAIL', name: 'Billing e-mail', code: 'billing_email' }),
    phone: await d({ type: 'PHONE', name: 'Mobile', code: 'mobile' }),
    file: await d({ type: 'FILE', name: 'Contract', code: 'contract' }),
    formula: await d({ type: 'FORMULA', name: 'Total', code: 'total', formula: 'qty * price' }),
  };
}

// Tests

describe('custom field definitions', () => {
  it('an administrator defines fields with name, API code, description, group, sort order and default', async ({ workspace: ws }) => {
    const g = (await ws.gql(CreateFieldGroup, { entityType: 'DEAL', name: 'Delivery' })).createFieldGroup;
    if (g.__typename !== 'CreateFieldGroupSuccess') fail('createFieldGroup', g);
    const weight = await define(ws, {
      entityType: 'DEAL',
      type: 'NUMBER',
      name: 'Weight, kg',
      description: '  Gross weight  ',
      groupId: g.group.id,
      defaultValue: { number: '1.5' },
      sortOrder: 5,
    });
    expect(weight).toMatchObject({
      entityType: 'DEAL',
      type: 'NUMBER',
      name: 'Weight, kg',
      code: 'weight_kg',
      description: 'Gross weight',
      group: { id: g.group.id, name: 'Delivery' },
      sortOrder: 5,
      archived: false,
      required: false,
      lastWrittenAt: null,
      defaultValue: { __typename: 'NumberFieldValue', number: '1.5' },
    });
    const budget = await define(ws, { entityType: 'DEAL', type: 'MONEY', name: 'Бюджет клиента', defaultValue: { money: { amount: '100' } }, sortOrder: 1 });
    expect(budget.code).toBe('byudzhet_klienta');
    expect(budget.defaultValue).toMatchObject({ __typename: 'MoneyFieldValue', amount: '100.00', currency: 'RUB' });
    const carrier = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Carrier', code: 'carrier_name', defaultValue: { text: 'DHL' }, sortOrder: 3 });
    expect(carrier.code).toBe('carrier_name');
    // A second field whose name makes the same code gets a suffix.
    const weight2 = await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Weight kg', code: '' });
    expect(weight2.code).toBe('weight_kg_2');

    // Listed per entity type, in sort order; another entity type has none.
    expect((await fieldsOf(ws, 'DEAL')).map((f) => f.code)).toEqual(['byudzhet_klienta', 'carrier_name', 'weight_kg', 'weight_kg_2']);
    expect(await fieldsOf(ws, 'CONTACT')).toEqual([]);
    const n = (await ws.gql(CustomFieldNode, { id: weight.id })).node;
    expect(n).toMatchObject({ __typename: 'CustomField', name: 'Weight, kg', code: 'weight_kg' });
    expect((await ws.gql(FieldGroups, { entityType: 'DEAL' })).fieldGroups).toEqual([
      { id: g.group.id, name: 'Delivery', sortOrder: 0, entityType: 'DEAL', fields: [{ id: weight.id, code: 'weight_kg' }] },
    ]);

    // Defaults fill a new card's empty fields, and only on create.
    const deal = await mustCreate(ws, 'DEAL', [{ fieldId: carrier.id, value: { text: 'UPS' } }]);
    expect(flat(deal.customFields)).toEqual({ byudzhet_klienta: '100.00 RUB', carrier_name: 'UPS', weight_kg: '1.5' });
    const cleared = await mustUpdate(ws, 'DEAL', deal, [{ fieldId: weight.id, value: null }]);
    expect(flat(cleared.customFields)).toEqual({ byudzhet_klienta: '100.00 RUB', carrier_name: 'UPS' });

    // Settings change; a default can be removed.
    const changed = await tryUpdateField(ws, { id: weight.id, description: null, defaultValue: null, groupId: null, sortOrder: 0, min: '0', max: '500' });
    expect(changed.field).toMatchObject({ description: null, defaultValue: null, group: null, sortOrder: 0, min: '0', max: '500' });
    expect((await fieldsOf(ws, 'DEAL')).map((f) => f.code)).toEqual(['weight_kg', 'byudzhet_klienta', 'carrier_name', 'weight_kg_2']);
    const plain = await mustCreate(ws, 'DEAL', []);
    expect(flat(plain.customFields)).toEqual({ byudzhet_klienta: '100.00 RUB', carrier_name: 'DHL' });
  });

  it('names are unique per entity type (ignoring case), codes too; bad settings are all refused at once and nothing is created', async ({ workspace: ws }) => {
    await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Passport', code: 'passport' });
    // The same name is fine on another entity type.
    await define(ws, { entityType: 'COMPANY', type: 'TEXT', name: 'Passport', code: 'passport' });

    const dup = await tryDefine(ws, { entityType: 'CONTACT', type: 'NUMBER', name: ' passport ', code: 'passport' });
    expect(dup.error).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect(dup.error!.fields).toEqual([issue('name', 'another field'), issue('code', 'another field')]);

    const bad: [CreateCustomFieldInput, { field: string; message: unknown }[]][] = [
      [{ entityType: 'CONTACT', type: 'TEXT', name: '   ' }, [issue('name', 'must not be empty')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'X'.repeat(121) }, [issue('name', 'at most 120')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Bad code', code: 'Bad Code' }, [issue('code', 'lower-case')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Bad code 2', code: '1abc' }, [issue('code', 'lower-case')]],
      [{ entityType: 'CONTACT', type: 'SELECT', name: 'No options' }, [issue('options', 'at least one option')]],
      [
        { entityType: 'CONTACT', type: 'SELECT', name: 'Twice', options: ['A', ' a ', ''] },
        [issue('options[1]', 'twice'), issue('options[2]', 'must not be empty')],
      ],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Opts', options: ['A'] }, [issue('options', 'only SELECT and MULTISELECT')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Pattern', pattern: '^\\d+$' }, [issue('pattern', 'only TEXT and TEXTAREA')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Regex', pattern: '([a-' }, [issue('pattern', 'not a valid regular expression')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Bounds', min: '1' }, [issue('min', 'only NUMBER and MONEY')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Bounds 2', min: 'ten' }, [issue('min', 'must be a number')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Bounds 3', min: '10', max: '5' }, [issue('max', 'at least the minimum')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Length', maxLength: 0 }, [issue('maxLength', 'between 1 and')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Length 2', maxLength: 5 }, [issue('maxLength', 'only TEXT and TEXTAREA')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Formula', formula: '1 + 1' }, [issue('formula', 'only FORMULA fields')]],
      [{ entityType: 'CONTACT', type: 'FORMULA', name: 'No formula' }, [issue('formula', 'needs a formula')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Default', defaultValue: { text: '5' } }, [issue('defaultValue', 'give its value as `number`')]],
      [{ entityType: 'CONTACT', type: 'NUMBER', name: 'Default 2', max: '10', defaultValue: { number: '11' } }, [issue('defaultValue', 'at most 10')]],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Default 3', pattern: '^\\d+$', defaultValue: { text: 'abc' } }, [issue('defaultValue', 'does not match')]],
      [{ entityType: 'CONTACT', type: 'FILE', name: 'Default 4', defaultValue: { fileId: ghostFileId() } }, [issue('defaultValue', 'takes no default')]],
      [
        { entityType: 'CONTACT', type: 'SELECT', name: 'Default 5', options: ['A'], defaultValue: { optionId: ghostOptionId() } },
        [issue('defaultValue', 'after the options exist')],
      ],
      [
        { entityType: 'CONTACT', type: 'TEXT', name: 'Group', groupId: Buffer.from(`FieldGroup:${randomUUID()}`).toString('base64') },
        [issue('groupId', 'no such field group')],
      ],
      [{ entityType: 'CONTACT', type: 'TEXT', name: 'Group 2', groupId: 'garbage' }, [issue('groupId', 'not a valid FieldGroup id')]],
      [
        { entityType: 'CONTACT', type: 'TEXT', name: 'Cond', condition: { fieldId: ghostFieldId(), values: [{ text: 'x' }] } },
        [issue('condition.fieldId', 'no such field')],
      ],
      // Everything wrong at once is listed at once.
      [
        { entityType: 'CONTACT', type: 'NUMBER', name: 'Passport', code: 'X', pattern: 'a', maxLength: 3, min: 'a' },
        [
          issue('name', 'another field'),
          issue('code', 'lower-case'),
          issue('pattern', 'only TEXT'),
          issue('maxLength', 'only TEXT'),
          issue('min', 'must be a number'),
        ],
      ],
    ];
    for (const [input, expected] of bad) {
      const r = await tryDefine(ws, input);
      expect(r.error?.__typename, JSON.stringify(input)).toBe('ValidationError');
      expect(r.error!.fields, JSON.stringify(input)).toEqual(expect.arrayContaining(expected));
      expect(r.error!.fields, JSON.stringify(input)).toHaveLength(expected.length);
    }
    expect((await fieldsOf(ws, 'CONTACT', true)).map((f) => f.name)).toEqual(['Passport']);

    // Updates are checked the same way: renaming onto another field's name or code is refused.
    const other = await define(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Age', code: 'age', min: '0', max: '150' });
    const clash = await tryUpdateField(ws, { id: other.id, name: 'PASSPORT', code: 'passport' });
    expect(clash.error!.fields).toEqual([issue('name', 'another field'), issue('code', 'another field')]);
    const badUpdate = await tryUpdateField(ws, { id: other.id, name: '', min: '200', pattern: 'x' });
    expect(badUpdate.error!.fields).toEqual([issue('name', 'must not be empty'), issue('pattern', 'only TEXT'), issue('min', 'at most the maximum')]);
    const minAboveMax = await tryUpdateField(ws, { id: other.id, min: '200' });
    expect(minAboveMax.error!.fields).toEqual([issue('min', 'at most the maximum')]);
    expect((await fieldsOf(ws, 'CONTACT')).find((f) => f.id === other.id)).toMatchObject({ name: 'Age', code: 'age', min: '0', max: '150', pattern: null });
    // The field's own name, in another case, is fine.
    expect((await tryUpdateField(ws, { id: other.id, name: 'AGE' })).field?.name).toBe('AGE');
    // The type cannot be changed: the input has no such member.
    const r = await ws.raw(UpdateCustomField, { input: { id: other.id, type: 'TEXT' } as UpdateCustomFieldInput });
    expect(r.errors?.[0].message).toMatch(/type/);
  });

  it('non-admin members can read definitions but get ForbiddenError on every definition mutation, and nothing changes', async ({ workspace: ws }) => {
    const member = await ws.member();
    const f = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Stage reason', options: ['A', 'B'] });
    const g = (await ws.gql(CreateFieldGroup, { entityType: 'DEAL', name: 'Main' })).createFieldGroup;
    if (g.__typename !== 'CreateFieldGroupSuccess') fail('group', g);
    const results = [
      (await member.gql(CreateCustomField, { input: { entityType: 'DEAL', type: 'TEXT', name: 'Sneaky' } })).createCustomField,
      (await member.gql(UpdateCustomField, { input: { id: f.id, name: 'Renamed' } })).updateCustomField,
      (await member.gql(ArchiveCustomField, { id: f.id })).archiveCustomField,
      (await member.gql(UnarchiveCustomField, { id: f.id })).unarchiveCustomField,
      (await member.gql(AddFieldOption, { fieldId: f.id, label: 'C' })).addFieldOption,
      (await member.gql(UpdateFieldOption, { id: f.options[0].id, label: 'AA' })).updateFieldOption,
      (await member.gql(DeleteFieldOption, { id: f.options[1].id })).deleteFieldOption,
      (await member.gql(CreateFieldGroup, { entityType: 'DEAL', name: 'Other' })).createFieldGroup,
      (await member.gql(UpdateFieldGroup, { id: g.group.id, name: 'Renamed' })).updateFieldGroup,
      (await member.gql(DeleteFieldGroup, { id: g.group.id })).deleteFieldGroup,
    ];
    for (const r of results) expect(r).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN', message: expect.stringContaining('administrator') });
    // The member sees the definitions, unchanged.
    expect(await fieldsOf(member, 'DEAL')).toEqual([f]);
    expect((await member.gql(FieldGroups, { entityType: 'DEAL' })).fieldGroups.map((x) => x.name)).toEqual(['Main']);
    // And may fill values in.
    const deal = await mustCreate(member, 'DEAL', [{ fieldId: f.id, value: { optionId: f.options[1].id } }]);
    expect(flat(deal.customFields)).toEqual({ stage_reason: 'B' });
  });

  it('formulas naming a missing or non-numeric field, or forming a cycle, are refused when defined', async ({ workspace: ws }) => {
    await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Qty', code: 'qty' });
    await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Label', code: 'label' });
    await define(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Age', code: 'age' });
    const refused: [string, string][] = [
      ['qty * nope', 'names "nope", which is not a field'],
      ['qty * label', 'names "label", which is not a number'],
      ['age + 1', 'names "age", which is not a field'], // a contact field
      ['total + 1', 'cycle'], // itself
      ['qty * (2', 'cannot be read'],
      ['qty qty', 'cannot be read'],
      ['', 'needs a formula'],
    ];
    for (const [formula, message] of refused) {
      const r = await tryDefine(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'Total', code: 'total', formula });
      expect(r.error?.fields, formula).toContainEqual(issue('formula', message));
      expect(
        r.error?.fields?.every((x) => x.field === 'formula'),
        formula,
      ).toBe(true);
    }
    const a = await define(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'A', code: 'a', formula: 'qty * 2' });
    const b = await define(ws, { entityType: 'DEAL', type: 'FORMULA', name: 'B', code: 'b', formula: 'a + 1' });
    // A -> B -> A.
    const cycle = await tryUpdateField(ws, { id: a.id, formula: 'b * 2' });
    expect(cycle.error?.fields).toEqual([issue('formula', 'cycle')]);
    const self = await tryUpdateField(ws, { id: b.id, formula: 'b + 1' });
    expect(self.error?.fields).toEqual([issue('formula', 'cycle')]);
    // A code a formula uses cannot change under it.
    const qty = (await fieldsOf(ws, 'DEAL')).find((f) => f.code === 'qty')!;
    const recode = await tryUpdateField(ws, { id: qty.id, code: 'quantity' });
    expect(recode.error?.fields).toEqual([issue('code', 'a formula uses this code')]);
    // A formula field cannot hold a value or a default.
    const dflt = await tryUpdateField(ws, { id: a.id, defaultValue: { number: '1' } });
    expect(dflt.error?.fields).toEqual([issue('defaultValue', 'takes no default')]);
    const defs = await fieldsOf(ws, 'DEAL');
    expect(defs.map((f) => [f.code, f.formula])).toEqual([
      ['qty', null],
      ['label', null],
      ['a', 'qty * 2'],
      ['b', 'a + 1'],
    ]);
    const deal = await create(ws, 'DEAL', [
      { fieldId: qty.id, value: { number: '4' } },
      { fieldId: a.id, value: { number: '1' } },
    ]);
    expect(deal.error?.fields).toEqual([issue('customFields[1]', 'field "A" is computed by its formula')]);
    const ok = await mustCreate(ws, 'DEAL', [{ fieldId: qty.id, value: { number: '4' } }]);
    expect(flat(ok.customFields)).toEqual({ qty: '4', a: '8', b: '9' });
  });
});

describe('values of every type', () => {
  it('deals store a valid value of each type and read it back as its union member, carrying its field', async ({ workspace: ws }) => {
    const f = await everyType(ws, 'DEAL');
    const deal = await mustCreate(ws, 'DEAL', [
      { fieldId: f.text.id, value: { text: 'AB-12' } },
      { fieldId: f.textarea.id, value: { text: 'Line one\nLine two' } },
      { fieldId: f.number.id, value: { number: '-12.50' } },
      { fieldId: f.money.id, value: { money: { amount: '1500.5', currency: 'usd' } } },
      { fieldId: f.date.id, value: { date: '2028-02-29' } },
      { fieldId: f.dateTime.id, value: { dateTime: '2026-03-01T10:00:00+03:00' } },
      { fieldId: f.boolean.id, value: { boolean: false } },
      { fieldId: f.select.id, value: { optionId: f.select.options[1].id } },
      { fieldId: f.multi.id, value: { optionIds: [f.multi.options[2].id, f.multi.options[0].id, f.multi.options[2].id] } },
      { fieldId: f.url.id, value: { url: 'example.com/path?q=1' } },
      { fieldId: f.email.id, value: { email: ' Billing@Example.COM ' } },
      { fieldId: f.phone.id, value: { phone: '8 (912) 345-67-89' } },
    ]);
    const expected = {
      code: 'AB-12',
      notes: 'Line one\nLine two',
      qty: '-12.5',
      price: '1500.50 USD',
      due: '2028-02-29',
      call_at: '2026-03-01T07:00:00.000Z',
      vip: false,
      source: 'Call',
      interests: ['A', 'C'],
      site: 'https://example.com/path?q=1',
      billing_email: 'billing@example.com',
      mobile: '+79123456789',
      total: '-18756.25',
    };
    expect(flat(deal.customFields)).toEqual(expected);
    // In field order, each member named for its type and carrying its field.
    expect(deal.customFields.map((v) => [v.__typename, v.field.id])).toEqual([
      ['TextFieldValue', f.text.id],
      ['TextareaFieldValue', f.textarea.id],
      ['NumberFieldValue', f.number.id],
      ['MoneyFieldValue', f.money.id],
      ['DateFieldValue', f.date.id],
      ['DateTimeFieldValue', f.dateTime.id],
      ['BooleanFieldValue', f.boolean.id],
      ['SelectFieldValue', f.select.id],
      ['MultiSelectFieldValue', f.multi.id],
      ['UrlFieldValue', f.url.id],
      ['EmailFieldValue', f.email.id],
      ['PhoneFieldValue', f.phone.id],
      ['FormulaFieldValue', f.formula.id],
    ]);
    const phone = deal.customFields.find((v) => v.__typename === 'PhoneFieldValue');
    expect(phone).toMatchObject({ phone: { e164: '+79123456789', international: '+7 912 345 67 89', country: 'RU' } });
    expect(flat((await read(ws, deal.id)).customFields)).toEqual(expected);

    // Decimals stay exact and in plain notation, however small or large.
    const exact = await mustUpdate(ws, 'DEAL', deal, [
      { fieldId: f.number.id, value: { number: '0.00000001' } },
      { fieldId: f.money.id, value: { money: { amount: '999999.99' } } },
    ]);
    expect(flat(exact.customFields)).toMatchObject({ qty: '0.00000001', price: '999999.99 RUB', total: '0.0099999999' });
    // Money without a currency takes the workspace's; numbers may come as JSON numbers.
    const asNumbers = await mustUpdate(ws, 'DEAL', exact, [
      { fieldId: f.number.id, value: { number: 3 as unknown as string } },
      { fieldId: f.money.id, value: { money: { amount: 0.1 as unknown as string, currency: 'EUR' } } },
    ]);
    expect(flat(asNumbers.customFields)).toMatchObject({ qty: '3', price: '0.10 EUR', total: '0.3' });
  });

  it('contacts and companies take values through the same input, and a FILE field refuses a file nobody uploaded', async ({ workspace: ws }) => {
    const cf = await everyType(ws, 'CONTACT');
    const kf = await everyType(ws, 'COMPANY');
    const contact = await mustCreate(ws, 'CONTACT', [
      { fieldId: cf.number.id, value: { number: '2' } },
      { fieldId: cf.money.id, value: { money: { amount: '10.25' } } },
      { fieldId: cf.boolean.id, value: { boolean: true } },
      { fieldId: cf.phone.id, value: { phone: '+44 20 7946 0958' } },
    ]);
    expect(flat(contact.customFields)).toEqual({ qty: '2', price: '10.25 RUB', vip: true, mobile: '+442079460958', total: '20.5' });
    const company = await mustCreate(ws, 'COMPANY', [
      { fieldId: kf.select.id, value: { optionId: kf.select.options[2].id } },
      { fieldId: kf.date.id, value: { date: '2026-12-31' } },
      { fieldId: kf.url.id, value: { url: 'http://acme.example' } },
    ]);
    expect(flat(company.customFields)).toEqual({ source: 'Fair', due: '2026-12-31', site: 'http://acme.example' });

    // FILE: a file nobody uploaded (or not a file id at all) is a clear error, on create and on
    // update, and nothing is written. Uploaded files are in files.test.ts.
    const before = await counts(ws);
    for (const kind of ['CONTACT', 'COMPANY', 'DEAL'] as const) {
      const file =
        kind === 'CONTACT' ? cf.file : kind === 'COMPANY' ? kf.file : await define(ws, { entityType: 'DEAL', type: 'FILE', name: 'Scan', code: 'contract' });
      const r = await create(ws, kind, [{ fieldId: file.id, value: { fileId: ghostFileId() } }]);
      expect(r.error).toMatchObject({ __typename: 'ValidationError', fields: [issue('customFields[0].value.fileId', 'no such file')] });
      const r2 = await create(ws, kind, [{ fieldId: file.id, value: { fileId: 'RmlsZTox' } }]);
      expect(r2.error).toMatchObject({ __typename: 'ValidationError', fields: [issue('customFields[0].value.fileId', 'not a valid Attachment id')] });
    }
    expect(await counts(ws)).toEqual(before);
    const r = await update(ws, 'CONTACT', contact, [{ fieldId: cf.file.id, value: { fileId: ghostFileId() } }]);
    expect(r.error?.fields).toEqual([issue('customFields[0].value.fileId', 'no such file')]);
    const again = await read(ws, contact.id);
    expect(again.version).toBe(contact.version);
    expect(flat(again.customFields)).toEqual(flat(contact.customFields));
  });

  it('a bad value of every type is refused with an error per field, all at once, on create and on update, and nothing is written', async ({
    workspace: ws,
  }) => {
    const f = await everyType(ws, 'DEAL');
    const contactField = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Contact note', code: 'contact_note' });
    const otherSelect = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Other', code: 'other', options: ['X'] });
    const archived = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Old', code: 'old' });
    expect((await ws.gql(ArchiveCustomField, { id: archived.id })).archiveCustomField.__typename).toBe('ArchiveCustomFieldSuccess');
    const bad: [CustomFieldInput, { field: string; message: unknown }][] = [
      [{ fieldId: f.text.id, value: { text: 'AB-123456' } }, issue('', 'field "Code" must be at most 8 characters')],
      [{ fieldId: f.textarea.id, value: { number: '5' } }, issue('', 'field "Notes" is a TEXTAREA field: give its value as `text`')],
      [{ fieldId: f.number.id, value: { number: 'twelve' } }, issue('', 'field "Quantity" must be a number')],
      [{ fieldId: f.money.id, value: { money: { amount: '-5' } } }, issue('', 'field "Price" must not be negative')],
      [{ fieldId: f.date.id, value: { date: '2026-02-30' } }, issue('', 'field "Due" must be a date')],
      [{ fieldId: f.dateTime.id, value: { date: '2026-02-03' } }, issue('', 'field "Call at" is a DATETIME field: give its value as `dateTime`')],
      [{ fieldId: f.boolean.id, value: { text: 'yes' } }, issue('', 'field "VIP" is a BOOLEAN field: give its value as `boolean`')],
      [{ fieldId: f.select.id, value: { optionId: otherSelect.options[0].id } }, issue('', 'field "Source" no such option')],
      [{ fieldId: f.multi.id, value: { optionIds: [f.multi.options[0].id, ghostOptionId()] } }, issue('', 'field "Interests" no such option')],
      [{ fieldId: f.url.id, value: { url: 'not a web address' } }, issue('', 'field "Site" is not a valid web address')],
      [{ fieldId: f.email.id, value: { email: 'nobody@' } }, issue('', 'field "Billing e-mail" is not a valid e-mail address')],
      [{ fieldId: f.phone.id, value: { phone: '12' } }, issue('', 'field "Mobile" "12" is not a valid phone number')],
      [{ fieldId: f.file.id, value: { fileId: ghostFileId() } }, issue('.value.fileId', 'no such file')],
      [{ fieldId: f.formula.id, value: { number: '1' } }, issue('', 'field "Total" is computed by its formula')],
      [{ fieldId: ghostFieldId(), value: { text: 'x' } }, issue('.fieldId', 'no such field')],
      [{ fieldId: contactField.id, value: { text: 'x' } }, issue('.fieldId', 'no such field')],
      [{ fieldId: archived.id, value: { text: 'x' } }, issue('', 'field "Old" is archived')],
      [{ fieldId: f.text.id, value: { text: 'AB-1' } }, issue('.fieldId', 'field "Code" is given twice')],
    ];
    const inputs = bad.map(([x]) => x);
    const expected = bad.map(([, e], i) => ({ ...e, field: `customFields[${i}]${e.field}` }));
    const before = await counts(ws);
    const r = await create(ws, 'DEAL', inputs);
    expect(r.error).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    // Every bad value is named (a FILE value is checked against the stored files last).
    expect(r.error!.fields).toEqual(expect.arrayContaining(expected));
    expect(r.error!.fields).toHaveLength(expected.length);
    expect(await counts(ws)).toEqual(before);

    const deal = await mustCreate(ws, 'DEAL', [
      { fieldId: f.text.id, value: { text: 'AB-1' } },
      { fieldId: f.number.id, value: { number: '2' } },
      { fieldId: f.money.id, value: { money: { amount: '3' } } },
      { fieldId: f.select.id, value: { optionId: f.select.options[0].id } },
    ]);
    const u = await update(ws, 'DEAL', deal, inputs, 'Renamed too');
    expect(u.error!.fields).toEqual(expect.arrayContaining(expected));
    expect(u.error!.fields).toHaveLength(expected.length);
    const after = await read(ws, deal.id);
    expect(after.version).toBe(deal.version);
    expect(flat(after.customFields)).toEqual({ code: 'AB-1', qty: '2', price: '3.00 RUB', source: 'Site', total: '6' });
    expect((await fieldsOf(ws, 'DEAL')).find((x) => x.id === f.url.id)?.lastWrittenAt).toBeNull();

    // The card's own bad fields are listed with the custom ones.
    const cf = await define(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Age', code: 'age', min: '0' });
    const mixed = (await ws.gql(CreateContact, { input: { name: ' ', emails: ['nope'], customFields: [{ fieldId: cf.id, value: { number: '-1' } }] } }))
      .createContact;
    expect(mixed).toMatchObject({ __typename: 'ValidationError' });
    expect((mixed as Err).fields).toEqual(
      expect.arrayContaining([
        issue('customFields[0]', 'field "Age" must be at least 0'),
        issue('name', 'must not be empty'),
        issue('emails[0]', 'not a valid e-mail'),
      ]),
    );
    expect(await counts(ws)).toEqual({ ...before, deals: before.deals + 1 });
    // A stale version writes nothing either.
    const moved = await mustUpdate(ws, 'DEAL', deal, [{ fieldId: f.number.id, value: { number: '3' } }]);
    const stale = await update(ws, 'DEAL', deal, [{ fieldId: f.number.id, value: { number: '4' } }]);
    expect(stale.error).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(flat((await read(ws, deal.id)).customFields)).toMatchObject({ qty: '3', total: '9' });
    expect((await read(ws, deal.id)).version).toBe(moved.version);
  });

  it('ranges, patterns, lengths, currencies and decimals are checked per field', async ({ workspace: ws }) => {
    const f = await everyType(ws, 'COMPANY');
    const long = await define(ws, { entityType: 'COMPANY', type: 'TEXT', name: 'Long', code: 'long' });
    const area = await define(ws, { entityType: 'COMPANY', type: 'TEXTAREA', name: 'Area', code: 'area', maxLength: 20 });
    const cases: [CustomFieldInput, string | null][] = [
      [{ fieldId: f.number.id, value: { number: '1000' } }, null],
      [{ fieldId: f.number.id, value: { number: '1000.0000000001' } }, 'must be at most 1000'],
      [{ fieldId: f.number.id, value: { number: '-100' } }, null],
      [{ fieldId: f.number.id, value: { number: '-100.5' } }, 'must be at least -100'],
      [{ fieldId: f.number.id, value: { number: '1e3' } }, 'must be a number'],
      [{ fieldId: f.number.id, value: { number: '' } }, 'must be a number'],
      [{ fieldId: f.number.id, value: { number: '0.12345678901' } }, 'must be a number'],
      [{ fieldId: f.money.id, value: { money: { amount: '1000000' } } }, null],
      [{ fieldId: f.money.id, value: { money: { amount: '1000000.01' } } }, 'must be at most 1000000'],
      [{ fieldId: f.money.id, value: { money: { amount: '1.005' } } }, 'at most 16 digits before the point and 2 after'],
      [{ fieldId: f.money.id, value: { money: { amount: 'ten' } } }, 'must be a decimal number'],
      [{ fieldId: f.money.id, value: { money: { amount: '1', currency: 'XQZ' } } }, 'currency is not an ISO 4217'],
      [{ fieldId: f.text.id, value: { text: 'ab-1' } }, 'does not match the pattern'],
      [{ fieldId: f.text.id, value: { text: 'ZZ-0' } }, null],
      [{ fieldId: long.id, value: { text: 'x'.repeat(255) } }, null],
      [{ fieldId: long.id, value: { text: 'x'.repeat(256) } }, 'must be at most 255 characters'],
      [{ fieldId: area.id, value: { text: 'x'.repeat(21) } }, 'must be at most 20 characters'],
      [{ fieldId: f.date.id, value: { date: '26-01-01' } }, 'must be a date'],
      [{ fieldId: f.date.id, value: { date: '2027-02-29' } }, 'must be a date'],
      [{ fieldId: f.url.id, value: { url: 'ftp://files.example.com' } }, 'is not a valid web address'],
      [{ fieldId: f.url.id, value: { url: '' } }, 'is not a valid web address'],
      [{ fieldId: f.email.id, value: { email: 'a@b' } }, 'is not a valid e-mail address'],
      [{ fieldId: f.phone.id, value: { phone: 'call me' } }, 'is not a valid phone number'],
      [{ fieldId: f.phone.id, value: { phone: '+7 912 345 67 8' } }, 'is not a valid phone number'],
    ];
    const company = await mustCreate(ws, 'COMPANY', []);
    let current = company;
    for (const [input, problem] of cases) {
      const r = await update(ws, 'COMPANY', current, [input]);
      if (problem === null) {
        expect(r.error, JSON.stringify(input)).toBeUndefined();
        current = r.card!;
      } else {
        expect(r.error?.fields, JSON.stringify(input)).toEqual([issue('customFields[0]', problem)]);
        expect((await read(ws, company.id)).version).toBe(current.version);
      }
    }
    expect(flat(current.customFields)).toEqual({ qty: '-100', price: '1000000.00 RUB', code: 'ZZ-0', long: 'x'.repeat(255), total: '-100000000' });
  });

  it('an unparseable date-time or a second @oneOf member is refused by the schema, and nothing is written', async ({ workspace: ws }) => {
    const f = await everyType(ws, 'DEAL');
    const before = await counts(ws);
    const r1 = await ws.raw(CreateDeal, { input: { name: 'X', customFields: [{ fieldId: f.dateTime.id, value: { dateTime: 'tomorrow' } }] } });
    expect(r1.errors?.[0].message).toMatch(/customFields\[0\]\.value\.dateTime.*ISO-8601/);
    const r2 = await ws.raw(CreateDeal, { input: { name: 'X', customFields: [{ fieldId: f.number.id, value: { number: '1', text: '1' } as never }] } });
    expect(r2.errors?.[0].message).toMatch(/exactly one/i);
    const r3 = await ws.raw(CreateDeal, { input: { name: 'X', customFields: [{ fieldId: f.boolean.id, value: { boolean: 'yes' as unknown as boolean } }] } });
    expect(r3.errors?.[0].message).toMatch(/Boolean/);
    const r4 = await ws.gql(CreateDeal, {
      input: {
        name: 'X',
        customFields: [
          { fieldId: 'not-an-id', value: { text: 'x' } },
          { fieldId: f.select.id, value: { optionId: 'nope' } },
        ],
      },
    });
    expect(r4.createDeal).toMatchObject({
      __typename: 'ValidationError',
      fields: [issue('customFields[0].fieldId', 'not a valid CustomField id'), issue('customFields[1].value.optionId', 'not a valid CustomFieldOption id')],
    });
    expect(await counts(ws)).toEqual(before);
  });

  it('phones in any common format are stored as the same E.164 number', async ({ workspace: ws }) => {
    const phone = await define(ws, { entityType: 'CONTACT', type: 'PHONE', name: 'Mobile', code: 'mobile' });
    const formats = ['+7 912 345-67-89', '89123456789', '8 (912) 345 67 89', '+79123456789', '9123456789', '  +7(912)3456789 '];
    for (const raw of formats) {
      const c = await mustCreate(ws, 'CONTACT', [{ fieldId: phone.id, value: { phone: raw } }]);
      expect(c.customFields[0], raw).toMatchObject({ __typename: 'PhoneFieldValue', phone: { e164: '+79123456789', national: '8 (912) 345-67-89' } });
    }
  });
});

describe('patterns', () => {
  it('must match the whole value, as an HTML pattern attribute does', async ({ workspace: ws }) => {
    const f = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Postcode', code: 'postcode', pattern: '\\d{6}' });
    const longer = await create(ws, 'CONTACT', [{ fieldId: f.id, value: { text: '1234567' } }]);
    expect(longer.error?.fields).toEqual([{ field: 'customFields[0]', message: 'field "Postcode" does not match the pattern \\d{6}' }]);
    const ok = await mustCreate(ws, 'CONTACT', [{ fieldId: f.id, value: { text: '123456' } }]);
    expect(flat(ok.customFields)).toEqual({ postcode: '123456' });
  });
});

describe('update semantics', () => {
  it('fields not named keep their values, null clears, and lastWrittenAt moves only for the fields written', async ({ workspace: ws, app }) => {
    const f = await everyType(ws, 'CONTACT');
    const contact = await mustCreate(ws, 'CONTACT', [
      { fieldId: f.text.id, value: { text: 'AB-1' } },
      { fieldId: f.boolean.id, value: { boolean: true } },
      { fieldId: f.multi.id, value: { optionIds: [f.multi.options[1].id] } },
      { fieldId: f.email.id, value: { email: 'a@example.com' } },
    ]);
    const defs0 = new Map((await fieldsOf(ws, 'CONTACT')).map((x) => [x.code, x.lastWrittenAt]));
    expect(defs0.get('code')).not.toBeNull();
    expect(defs0.get('site')).toBeNull();

    // A name-only update leaves every value.
    const renamed = await mustUpdate(ws, 'CONTACT', contact, undefined, 'New name');
    expect(flat(renamed.customFields)).toEqual(flat(contact.customFields));
    // Naming one field changes only it. The fields were last written a minute ago (their times
    // moved back, rather than the test waiting), so a new write shows.
    await app.database.prisma.$executeRaw`update "CustomField" set "lastWrittenAt" = "lastWrittenAt" - interval '1 minute'
      where "id" = any(${[f.text.id, f.boolean.id, f.multi.id, f.email.id].map(rawId)}::uuid[])`;
    const defs1 = new Map((await fieldsOf(ws, 'CONTACT')).map((x) => [x.code, x.lastWrittenAt]));
    const one = await mustUpdate(ws, 'CONTACT', renamed, [{ fieldId: f.boolean.id, value: { boolean: false } }]);
    expect(flat(one.customFields)).toEqual({ code: 'AB-1', vip: false, interests: ['B'], billing_email: 'a@example.com' });
    const defs2 = new Map((await fieldsOf(ws, 'CONTACT')).map((x) => [x.code, x.lastWrittenAt]));
    expect(defs2.get('code')).toBe(defs1.get('code'));
    expect(new Date(defs2.get('vip')!).getTime()).toBeGreaterThan(new Date(defs1.get('vip')!).getTime());
    // null (or no value at all) clears.
    const cleared = await mustUpdate(ws, 'CONTACT', one, [{ fieldId: f.text.id, value: null }, { fieldId: f.multi.id }]);
    expect(flat(cleared.customFields)).toEqual({ vip: false, billing_email: 'a@example.com' });
    // An empty list or blank text holds nothing either.
    const emptied = await mustUpdate(ws, 'CONTACT', cleared, [
      { fieldId: f.multi.id, value: { optionIds: [] } },
      { fieldId: f.textarea.id, value: { text: '   ' } },
    ]);
    expect(flat(emptied.customFields)).toEqual({ vip: false, billing_email: 'a@example.com' });
    expect(flat((await read(ws, contact.id)).customFields)).toEqual({ vip: false, billing_email: 'a@example.com' });
    const usage = (await ws.gql(FieldUsage, { entityType: 'CONTACT' })).fieldUsage;
    expect(usage.filter((u) => u.filled).map((u) => u.field.code)).toEqual(['vip', 'billing_email']);
  });

  it('a formula is recomputed on every write of its inputs, exactly, and cleared when an input is empty', async ({ workspace: ws, app }) => {
    // Reads recompute formulas, so what a card shows cannot tell a stale stored result: the
    // stored results (which filters, sorts and exports read) must equal the shown ones at each step.
    const storedFormulas = async (id: string) => {
      const row = await app.database.prisma.company.findUniqueOrThrow({ where: { id: rawId(id) }, select: { customFields: true, workspaceId: true } });
      const defs = await app.database.prisma.customField.findMany({ where: { workspaceId: row.workspaceId, type: 'FORMULA' } });
      const held = row.customFields as Record<string, unknown>;
      return Object.fromEntries(defs.filter((d) => held[d.key] !== undefined).map((d) => [d.code, held[d.key]]));
    };
    const shownFormulas = async (id: string) => {
      const shown = flat((await read(ws, id)).customFields);
      return Object.fromEntries(Object.entries(shown).filter(([code]) => ['total', 'net', 'per_unit'].includes(code)));
    };
    const inStep = async (id: string) => expect(await storedFormulas(id)).toEqual(await shownFormulas(id));
    const qty = await define(ws, { entityType: 'COMPANY', type: 'NUMBER', name: 'Qty', code: 'qty' });
    const price = await define(ws, { entityType: 'COMPANY', type: 'MONEY', name: 'Price', code: 'price' });
    const discount = await define(ws, { entityType: 'COMPANY', type: 'NUMBER', name: 'Discount', code: 'discount' });
    const total = await define(ws, { entityType: 'COMPANY', type: 'FORMULA', name: 'Total', code: 'total', formula: 'qty * price' });
    await define(ws, { entityType: 'COMPANY', type: 'FORMULA', name: 'Net', code: 'net', formula: '(total - discount) / 3' });
    const c = await mustCreate(ws, 'COMPANY', [
      { fieldId: qty.id, value: { number: '3' } },
      { fieldId: price.id, value: { money: { amount: '0.10' } } },
    ]);
    // 3 × 0.10 is 0.3 exactly (a float would give 0.30000000000000004); Net lacks its discount.
    expect(flat(c.customFields)).toEqual({ qty: '3', price: '0.10 RUB', total: '0.3' });
    await inStep(c.id);
    const c2 = await mustUpdate(ws, 'COMPANY', c, [{ fieldId: discount.id, value: { number: '0.2' } }]);
    expect(flat(c2.customFields)).toMatchObject({ total: '0.3', net: '0.0333333333' });
    const c3 = await mustUpdate(ws, 'COMPANY', c2, [{ fieldId: qty.id, value: { number: '7' } }]);
    expect(flat(c3.customFields)).toMatchObject({ total: '0.7', net: '0.1666666667' });
    expect(await storedFormulas(c.id)).toEqual({ total: '0.7', net: '0.1666666667' });
    // Large inputs keep every digit.
    const c4 = await mustUpdate(ws, 'COMPANY', c3, [
      { fieldId: qty.id, value: { number: '12345.5' } },
      { fieldId: price.id, value: { money: { amount: '9999999999999999.99' } } },
      { fieldId: discount.id, value: { number: '0' } },
    ]);
    expect(flat(c4.customFields)).toMatchObject({ total: '123454999999999999876.545', net: '41151666666666666625.515' });
    await inStep(c.id);
    // Clearing an input clears the result; a division by zero has none.
    const c5 = await mustUpdate(ws, 'COMPANY', c4, [{ fieldId: price.id, value: null }]);
    expect(flat(c5.customFields)).toEqual({ qty: '12345.5', discount: '0' });
    expect(flat((await read(ws, c.id)).customFields)).toEqual({ qty: '12345.5', discount: '0' });
    expect(await storedFormulas(c.id)).toEqual({});
    const zero = await define(ws, { entityType: 'COMPANY', type: 'FORMULA', name: 'Per unit', code: 'per_unit', formula: 'discount / qty' });
    // A formula defined after the card was written shows its result at once.
    expect(flat((await read(ws, c.id)).customFields)).toEqual({ qty: '12345.5', discount: '0', per_unit: '0' });
    expect(await storedFormulas(c.id)).toEqual({ per_unit: '0' });
    const c6 = await mustUpdate(ws, 'COMPANY', c5, [
      { fieldId: qty.id, value: { number: '0' } },
      { fieldId: discount.id, value: { number: '5' } },
    ]);
    expect(flat(c6.customFields)).toEqual({ qty: '0', discount: '5' });
    const c7 = await mustUpdate(ws, 'COMPANY', c6, [{ fieldId: qty.id, value: { number: '-2' } }]);
    expect(flat(c7.customFields)).toEqual({ qty: '-2', discount: '5', per_unit: '-2.5' });
    await inStep(c.id);
    // Changing a formula shows the new result on existing cards.
    expect((await tryUpdateField(ws, { id: zero.id, formula: 'discount * qty' })).field?.formula).toBe('discount * qty');
    expect(flat((await read(ws, c.id)).customFields)).toMatchObject({ per_unit: '-10' });
    expect(await storedFormulas(c.id)).toEqual({ per_unit: '-10' });
    void total;
  });

  it('a required field is refused on create when missing and on update when cleared; unrelated edits of older cards pass', async ({ workspace: ws }) => {
    const older = await mustCreate(ws, 'CONTACT', [], 'Older');
    const inn = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Tax id', code: 'inn', required: true });
    const note = await define(ws, { entityType: 'CONTACT', type: 'TEXT', name: 'Note', code: 'note' });
    const tier = await define(ws, { entityType: 'CONTACT', type: 'NUMBER', name: 'Tier', code: 'tier', required: true, defaultValue: { number: '1' } });
    const before = await counts(ws);
    const missing = await create(ws, 'CONTACT', [{ fieldId: note.id, value: { text: 'hi' } }]);
    expect(missing.error?.fields).toEqual([issue('customFields', 'field "Tax id" is required')]);
    const blank = await create(ws, 'CONTACT', [{ fieldId: inn.id, value: { text: '' } }]);
    expect(blank.error?.fields).toEqual([issue('customFields', 'field "Tax id" is required')]);
    const nulled = await create(ws, 'CONTACT', [
      { fieldId: inn.id, value: null },
      { fieldId: tier.id, value: null },
    ]);
    expect(nulled.error?.fields).toEqual([issue('customFields', 'field "Tax id" is required')]);
    expect(await counts(ws)).toEqual(before);

    // The default fills Tier.
    const c = await mustCreate(ws, 'CONTACT', [{ fieldId: inn.id, value: { text: '7701' } }]);
    expect(flat(c.customFields)).toEqual({ inn: '7701', tier: '1' });
    for (const clear of [null, { text: '  ' }]) {
      const r = await update(ws, 'CONTACT', c, [
        { fieldId: note.id, value: { text: 'x' } },
        { fieldId: inn.id, value: clear },
      ]);
      expect(r.error?.fields).toEqual([issue('customFields', 'field "Tax id" is required')]);
    }
    const r = await update(ws, 'CONTACT', c, [{ fieldId: tier.id, value: null }]);
    expect(r.error?.fields).toEqual([issue('customFields', 'field "Tier" is required')]);
    const same = await read(ws, c.id);
    expect(same.version).toBe(c.version);
    expect(flat(same.customFields)).toEqual({ inn: '7701', tier: '1' });
    const changed = await mustUpdate(ws, 'CONTACT', c, [{ fieldId: inn.id, value: { text: '7702' } }]);
    expect(flat(changed.customFields)).toEqual({ inn: '7702', tier: '1' });

    // A card from before the field was required may still be edited without it.
    const o2 = await mustUpdate(ws, 'CONTACT', older, [{ fieldId: note.id, value: { text: 'edited' } }], 'Older, edited');
    expect(flat(o2.customFields)).toEqual({ note: 'edited' });
    // A field no longer required may be cleared.
    expect((await tryUpdateField(ws, { id: inn.id, required: false })).field?.required).toBe(false);
    expect(flat((await mustUpdate(ws, 'CONTACT', changed, [{ fieldId: inn.id, value: null }])).customFields)).toEqual({ tier: '1' });
  });

  it('a conditional field is neither shown nor required while its condition is not met', async ({ workspace: ws }) => {
    const status = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Status', code: 'status', options: ['Open', 'Lost', 'Frozen'] });
    const [open, lost, frozen] = status.options;
    const why = await define(ws, {
      entityType: 'DEAL',
      type: 'TEXT',
      name: 'Why lost',
      code: 'why',
      required: true,
      condition: { fieldId: status.id, values: [{ optionId: lost.id }, { optionId: frozen.id }] },
    });
    expect(why.condition).toMatchObject({ field: { id: status.id }, values: [{ option: { label: 'Lost' } }, { option: { label: 'Frozen' } }] });
    const bad = await tryDefine(ws, { entityType: 'DEAL', type: 'TEXT', name: 'X', condition: { fieldId: status.id, values: [{ text: 'Lost' }] } });
    expect(bad.error?.fields).toEqual([issue('condition.values[0]', 'give its value as `optionId`')]);
    const selfCond = await tryUpdateField(ws, { id: why.id, condition: { fieldId: why.id, values: [{ text: 'x' }] } });
    expect(selfCond.error?.fields).toEqual([issue('condition.fieldId', 'cannot depend on itself')]);

    // Not applying: not required, and a value given is kept but not shown.
    const d1 = await mustCreate(ws, 'DEAL', [{ fieldId: status.id, value: { optionId: open.id } }]);
    expect(flat(d1.customFields)).toEqual({ status: 'Open' });
    const d2 = await mustCreate(ws, 'DEAL', [
      { fieldId: status.id, value: { optionId: open.id } },
      { fieldId: why.id, value: { text: 'early note' } },
    ]);
    expect(flat(d2.customFields)).toEqual({ status: 'Open' });
    const noStatus = await mustCreate(ws, 'DEAL', []);
    expect(flat(noStatus.customFields)).toEqual({});
    // Applying: required.
    const missing = await create(ws, 'DEAL', [{ fieldId: status.id, value: { optionId: lost.id } }]);
    expect(missing.error?.fields).toEqual([issue('customFields', 'field "Why lost" is required')]);
    // Meeting the condition on update makes the field required then.
    const moved = await update(ws, 'DEAL', d1, [{ fieldId: status.id, value: { optionId: frozen.id } }]);
    expect(moved.error?.fields).toEqual([issue('customFields', 'field "Why lost" is required')]);
    expect(flat((await read(ws, d1.id)).customFields)).toEqual({ status: 'Open' });
    const d1b = await mustUpdate(ws, 'DEAL', d1, [
      { fieldId: status.id, value: { optionId: frozen.id } },
      { fieldId: why.id, value: { text: 'Budget' } },
    ]);
    expect(flat(d1b.customFields)).toEqual({ status: 'Frozen', why: 'Budget' });
    // The kept value shows once the condition holds.
    const d2b = await mustUpdate(ws, 'DEAL', d2, [{ fieldId: status.id, value: { optionId: lost.id } }]);
    expect(flat(d2b.customFields)).toEqual({ status: 'Lost', why: 'early note' });
    const clear = await update(ws, 'DEAL', d2b, [{ fieldId: why.id, value: null }]);
    expect(clear.error?.fields).toEqual([issue('customFields', 'field "Why lost" is required')]);
    // Back to Open: hidden again, and may be cleared.
    const d2c = await mustUpdate(ws, 'DEAL', d2b, [
      { fieldId: status.id, value: { optionId: open.id } },
      { fieldId: why.id, value: null },
    ]);
    expect(flat(d2c.customFields)).toEqual({ status: 'Open' });
    // Removing the condition makes the field apply everywhere.
    const uncond = await tryUpdateField(ws, { id: why.id, condition: null, required: false });
    expect(uncond.field?.condition).toBeNull();
    expect(flat((await read(ws, d1.id)).customFields)).toEqual({ status: 'Frozen', why: 'Budget' });
  });
});

describe('renaming, archiving and the field audit', () => {
  it('renaming keeps values; archiving hides the field from cards and lists but keeps its data; unarchiving brings it back', async ({ workspace: ws }) => {
    const size = await define(ws, { entityType: 'COMPANY', type: 'NUMBER', name: 'Size', code: 'size' });
    const city = await define(ws, { entityType: 'COMPANY', type: 'TEXT', name: 'City', code: 'city' });
    const g = (await ws.gql(CreateFieldGroup, { entityType: 'COMPANY', name: 'Profile' })).createFieldGroup;
    if (g.__typename !== 'CreateFieldGroupSuccess') fail('group', g);
    await tryUpdateField(ws, { id: size.id, groupId: g.group.id });
    const co = await mustCreate(ws, 'COMPANY', [
      { fieldId: size.id, value: { number: '250' } },
      { fieldId: city.id, value: { text: 'Kazan' } },
    ]);

    const renamed = await tryUpdateField(ws, { id: size.id, name: 'Headcount', code: 'headcount' });
    expect(renamed.field).toMatchObject({ name: 'Headcount', code: 'headcount' });
    const afterRename = await read(ws, co.id);
    expect(afterRename.customFields.find((v) => v.field.id === size.id)).toMatchObject({
      __typename: 'NumberFieldValue',
      number: '250',
      field: { code: 'headcount' },
    });

    const arch = (await ws.gql(ArchiveCustomField, { id: size.id })).archiveCustomField;
    expect(arch).toMatchObject({ __typename: 'ArchiveCustomFieldSuccess', field: { archived: true } });
    expect(flat((await read(ws, co.id)).customFields)).toEqual({ city: 'Kazan' });
    expect((await fieldsOf(ws, 'COMPANY')).map((f) => f.code)).toEqual(['city']);
    expect((await fieldsOf(ws, 'COMPANY', true)).map((f) => [f.code, f.archived])).toEqual([
      ['headcount', true],
      ['city', false],
    ]);
    expect((await ws.gql(FieldGroups, { entityType: 'COMPANY' })).fieldGroups[0].fields).toEqual([]);
    expect((await ws.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage.map((u) => u.field.code)).toEqual(['city']);
    // Still listed by id, as archived.
    expect((await ws.gql(CustomFieldNode, { id: size.id })).node).toMatchObject({ archived: true });
    // Writing it is refused; writing other fields keeps its hidden value.
    const w = await update(ws, 'COMPANY', co, [{ fieldId: size.id, value: { number: '1' } }]);
    expect(w.error?.fields).toEqual([issue('customFields[0]', 'field "Headcount" is archived')]);
    const w2 = await update(ws, 'COMPANY', co, [{ fieldId: size.id, value: null }]);
    expect(w2.error?.fields).toEqual([issue('customFields[0]', 'is archived')]);
    const co2 = await mustUpdate(ws, 'COMPANY', co, [{ fieldId: city.id, value: { text: 'Omsk' } }]);
    // New cards neither need nor get it.
    const fresh = await mustCreate(ws, 'COMPANY', []);
    expect(fresh.customFields).toEqual([]);

    const un = (await ws.gql(UnarchiveCustomField, { id: size.id })).unarchiveCustomField;
    expect(un).toMatchObject({ __typename: 'UnarchiveCustomFieldSuccess', field: { archived: false } });
    expect(flat((await read(ws, co.id)).customFields)).toEqual({ headcount: '250', city: 'Omsk' });
    expect((await ws.gql(FieldGroups, { entityType: 'COMPANY' })).fieldGroups[0].fields).toEqual([{ id: size.id, code: 'headcount' }]);
    expect(flat((await mustUpdate(ws, 'COMPANY', co2, [{ fieldId: size.id, value: { number: '251' } }])).customFields)).toEqual({
      headcount: '251',
      city: 'Omsk',
    });
    // Archiving twice or an unknown field: clear answers.
    const missing = (await ws.gql(ArchiveCustomField, { id: ghostFieldId() })).archiveCustomField;
    expect(missing).toMatchObject({ __typename: 'NotFoundError', entity: 'CustomField' });
    const garbage = (await ws.gql(ArchiveCustomField, { id: 'garbage' })).archiveCustomField;
    expect(garbage).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', 'not a valid CustomField id')] });
  });

  it('fieldUsage gives each live field its fill rate over the cards outside the trash, and lastWrittenAt tells when it was last written', async ({
    workspace: ws,
  }) => {
    const empty = (await ws.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage;
    expect(empty).toEqual([]);
    const a = await define(ws, { entityType: 'COMPANY', type: 'TEXT', name: 'A', code: 'a' });
    const b = await define(ws, { entityType: 'COMPANY', type: 'BOOLEAN', name: 'B', code: 'b' });
    const c = await define(ws, { entityType: 'COMPANY', type: 'NUMBER', name: 'C', code: 'c' });
    expect((await ws.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage).toEqual([
      { field: { id: a.id, code: 'a', lastWrittenAt: null }, filled: 0, total: 0, fillRate: 0 },
      { field: { id: b.id, code: 'b', lastWrittenAt: null }, filled: 0, total: 0, fillRate: 0 },
      { field: { id: c.id, code: 'c', lastWrittenAt: null }, filled: 0, total: 0, fillRate: 0 },
    ]);
    const t0 = Date.now();
    const k1 = await mustCreate(ws, 'COMPANY', [
      { fieldId: a.id, value: { text: 'x' } },
      { fieldId: b.id, value: { boolean: false } },
    ]);
    await mustCreate(ws, 'COMPANY', [{ fieldId: a.id, value: { text: 'y' } }]);
    await mustCreate(ws, 'COMPANY', []);
    await mustCreate(ws, 'COMPANY', [{ fieldId: a.id, value: { text: 'z' } }]);
    await mustCreate(ws, 'CONTACT', []); // another entity type does not count
    const u1 = (await ws.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage;
    expect(u1.map((u) => [u.field.code, u.filled, u.total, u.fillRate])).toEqual([
      ['a', 3, 4, 0.75],
      ['b', 1, 4, 0.25],
      ['c', 0, 4, 0],
    ]);
    expect(new Date(u1[0].field.lastWrittenAt!).getTime()).toBeGreaterThanOrEqual(t0 - 1000);
    expect(u1[2].field.lastWrittenAt).toBeNull();
    // A trashed card does not count.
    expect((await ws.gql(DeleteCompany, { id: k1.id })).deleteCompany.__typename).toBe('DeleteCompanySuccess');
    const u2 = (await ws.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage;
    expect(u2.map((u) => [u.field.code, u.filled, u.total, u.fillRate])).toEqual([
      ['a', 2, 3, 2 / 3],
      ['b', 0, 3, 0],
      ['c', 0, 3, 0],
    ]);
    // A member may read the audit too.
    const member = await ws.member();
    expect((await member.gql(FieldUsage, { entityType: 'COMPANY' })).fieldUsage).toHaveLength(3);
  });
});

describe('workspace isolation', () => {
  it('a field of workspace A is never visible or usable in workspace B', async ({ signUp }) => {
    const a = await signUp({ name: 'A' });
    const b = await signUp({ name: 'B' });
    const fa = await define(a, { entityType: 'DEAL', type: 'SELECT', name: 'Source', code: 'source', options: ['Web', 'Fair'] });
    const ga = (await a.gql(CreateFieldGroup, { entityType: 'DEAL', name: 'Main' })).createFieldGroup;
    if (ga.__typename !== 'CreateFieldGroupSuccess') fail('group', ga);
    const fb = await define(b, { entityType: 'DEAL', type: 'SELECT', name: 'Source', code: 'source', options: ['Web'] });
    const dealA = await mustCreate(a, 'DEAL', [{ fieldId: fa.id, value: { optionId: fa.options[0].id } }]);
    const dealB = await mustCreate(b, 'DEAL', []);

    // Invisible.
    for (const id of [fa.id, fa.options[0].id, ga.group.id, dealA.id]) expect((await b.gql(Node, { id })).node, id).toBeNull();
    expect((await fieldsOf(b, 'DEAL', true)).map((f) => f.id)).toEqual([fb.id]);
    expect(await b.gql(FieldGroups, { entityType: 'DEAL' })).toEqual({ fieldGroups: [] });
    expect((await b.gql(FieldUsage, { entityType: 'DEAL' })).fieldUsage.map((u) => u.field.id)).toEqual([fb.id]);

    // Unusable in B's cards: A's field, and A's option in B's field.
    const w1 = await update(b, 'DEAL', dealB, [{ fieldId: fa.id, value: { optionId: fa.options[0].id } }]);
    expect(w1.error?.fields).toEqual([issue('customFields[0].fieldId', 'no such field')]);
    const w2 = await update(b, 'DEAL', dealB, [{ fieldId: fb.id, value: { optionId: fa.options[0].id } }]);
    expect(w2.error?.fields).toEqual([issue('customFields[0]', 'no such option')]);
    const w3 = await create(b, 'DEAL', [{ fieldId: fa.id, value: { optionId: fa.options[0].id } }]);
    expect(w3.error?.fields).toEqual([issue('customFields[0].fieldId', 'no such field')]);
    const readB = await read(b, dealB.id);
    expect(readB.version).toBe(dealB.version);
    expect(readB.customFields).toEqual([]);

    // Unreachable by B's administrator.
    const notFound = { __typename: 'NotFoundError' };
    expect((await tryUpdateField(b, { id: fa.id, name: 'Mine' })).error).toMatchObject(notFound);
    expect((await b.gql(ArchiveCustomField, { id: fa.id })).archiveCustomField).toMatchObject(notFound);
    expect((await b.gql(UnarchiveCustomField, { id: fa.id })).unarchiveCustomField).toMatchObject(notFound);
    expect((await b.gql(AddFieldOption, { fieldId: fa.id, label: 'Mine' })).addFieldOption).toMatchObject(notFound);
    expect((await b.gql(UpdateFieldOption, { id: fa.options[0].id, label: 'Mine' })).updateFieldOption).toMatchObject(notFound);
    expect((await b.gql(DeleteFieldOption, { id: fa.options[1].id })).deleteFieldOption).toMatchObject(notFound);
    expect((await b.gql(DeleteFieldOption, { id: fb.options[0].id, moveToOptionId: fa.options[0].id })).deleteFieldOption).toMatchObject({
      __typename: 'ValidationError',
    });
    expect((await b.gql(UpdateFieldGroup, { id: ga.group.id, name: 'Mine' })).updateFieldGroup).toMatchObject(notFound);
    expect((await b.gql(DeleteFieldGroup, { id: ga.group.id })).deleteFieldGroup).toMatchObject(notFound);
    expect((await tryDefine(b, { entityType: 'DEAL', type: 'TEXT', name: 'In A group', groupId: ga.group.id })).error?.fields).toEqual([
      issue('groupId', 'no such field group'),
    ]);
    expect(
      (await tryDefine(b, { entityType: 'DEAL', type: 'TEXT', name: 'On A', condition: { fieldId: fa.id, values: [{ optionId: fa.options[0].id }] } })).error
        ?.fields,
    ).toEqual([issue('condition.fieldId', 'no such field')]);
    expect((await tryDefine(b, { entityType: 'DEAL', type: 'FORMULA', name: 'Uses A', formula: 'source * 2' })).error?.fields).toEqual([
      issue('formula', 'not a number'),
    ]);

    // A is untouched.
    const [fa2] = await fieldsOf(a, 'DEAL');
    expect(fa2).toMatchObject({ name: 'Source', archived: false, options: [{ label: 'Web' }, { label: 'Fair' }], group: null });
    expect(flat((await read(a, dealA.id)).customFields)).toEqual({ source: 'Web' });
    expect((await a.gql(FieldGroups, { entityType: 'DEAL' })).fieldGroups.map((g) => g.name)).toEqual(['Main']);
  });
});
