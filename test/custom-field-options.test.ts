// SELECT / MULTISELECT options and field groups through the public API: options are added,
// renamed and reordered without touching stored values; an option still in use is removed only
// by moving its values to another option; groups per entity type, ordered.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { readCard } from './kit/cards.js';
import { CreateDeal, DeleteDeal, RestoreDeal } from './kit/documents/deals.js';
import { CreateContact } from './kit/documents/contacts.js';
import { CreateCompany } from './kit/documents/companies.js';
import { Node } from './kit/documents/cards.js';
import {
  AddFieldOption,
  CreateCustomField,
  CreateFieldGroup,
  CustomFieldNode,
  CustomFields,
  DeleteFieldGroup,
  DeleteFieldOption,
  FieldGroups,
  UpdateCustomField,
  UpdateFieldGroup,
  UpdateFieldOption,
} from './kit/documents/custom-fields.js';
import type { CreateCustomFieldInput, CustomFieldFieldsFragment, CustomFieldInput, EntityType } from './gql/graphql.js';

type Err = { __typename: string; code: string; message: string; fields?: { field: string; message: string }[]; entity?: string };
type Card = { id: string; version: number; customFields: readonly ({ __typename: string; field: { code: string } } & Record<string, unknown>)[] };

function fail(what: string, x: unknown): never {
  throw new Error(`${what}: ${JSON.stringify(x)}`);
}

const issue = (field: string, message: string) => ({ field, message: expect.stringContaining(message) });
const ghost = (type: string) => Buffer.from(`${type}:${randomUUID()}`).toString('base64');

async function define(ws: Client, input: CreateCustomFieldInput): Promise<CustomFieldFieldsFragment> {
  const r = (await ws.gql(CreateCustomField, { input })).createCustomField;
  if (r.__typename !== 'CreateCustomFieldSuccess') fail('createCustomField', r);
  return r.field;
}

async function fieldById(ws: Client, entityType: EntityType, id: string) {
  const f = (await ws.gql(CustomFields, { entityType, includeArchived: true })).customFields.find((x) => x.id === id);
  if (!f) fail('field', id);
  return f;
}

const labels = (f: { options: readonly { label: string; sortOrder: number }[] }) => f.options.map((o) => `${o.sortOrder}:${o.label}`);

async function create(ws: Client, kind: EntityType, customFields: CustomFieldInput[], name = 'Card'): Promise<Card> {
  if (kind === 'DEAL') {
    const r = (await ws.gql(CreateDeal, { input: { name, customFields } })).createDeal;
    if (r.__typename !== 'CreateDealSuccess') fail('createDeal', r);
    return r.deal as Card;
  }
  if (kind === 'CONTACT') {
    const r = (await ws.gql(CreateContact, { input: { name, customFields } })).createContact;
    if (r.__typename !== 'CreateContactSuccess') fail('createContact', r);
    return r.contact as Card;
  }
  const r = (await ws.gql(CreateCompany, { input: { name, customFields } })).createCompany;
  if (r.__typename !== 'CreateCompanySuccess') fail('createCompany', r);
  return r.company as Card;
}

/** The card's value of its one choice field, as labels. */
async function chosen(ws: Client, id: string): Promise<{ version: number; value: string | string[] | null }> {
  const n = (await readCard(ws, id)) as Card;
  const v = n.customFields.find((x) => x.__typename === 'SelectFieldValue' || x.__typename === 'MultiSelectFieldValue');
  const value = !v
    ? null
    : v.__typename === 'SelectFieldValue'
      ? ((v.option as { label: string } | null)?.label ?? '(dangling)')
      : (v.options as { label: string }[]).map((o) => o.label);
  return { version: n.version, value };
}

describe('options', () => {
  it('are added at a position, renamed and reordered, and the values stored stay with their option', async ({ workspace: ws }) => {
    const f = await define(ws, { entityType: 'COMPANY', type: 'SELECT', name: 'Segment', options: ['Small', 'Large'] });
    const [small, large] = f.options;
    const co = await create(ws, 'COMPANY', [{ fieldId: f.id, value: { optionId: large.id } }]);
    const add = async (label: string, position?: number) => {
      const r = (await ws.gql(AddFieldOption, { fieldId: f.id, label, position })).addFieldOption;
      if (r.__typename !== 'AddFieldOptionSuccess') fail('addFieldOption', r);
      return r.option;
    };
    const medium = await add(' Medium ', 1);
    expect(medium).toMatchObject({ label: 'Medium', sortOrder: 1 });
    await add('Huge');
    await add('Tiny', -5);
    await add('Giant', 99);
    expect(labels(await fieldById(ws, 'COMPANY', f.id))).toEqual(['0:Tiny', '1:Small', '2:Medium', '3:Large', '4:Huge', '5:Giant']);

    // Renaming: the card now reads the new label, and the card itself is not written.
    const ren = (await ws.gql(UpdateFieldOption, { id: large.id, label: 'Enterprise' })).updateFieldOption;
    expect(ren).toMatchObject({ __typename: 'UpdateFieldOptionSuccess', option: { id: large.id, label: 'Enterprise' } });
    expect(await chosen(ws, co.id)).toEqual({ version: co.version, value: 'Enterprise' });
    // A label may change only in case.
    expect((await ws.gql(UpdateFieldOption, { id: small.id, label: 'SMALL' })).updateFieldOption).toMatchObject({ option: { label: 'SMALL' } });

    // Reordering.
    const moved = (await ws.gql(UpdateFieldOption, { id: large.id, position: 0 })).updateFieldOption;
    expect(moved).toMatchObject({ option: { sortOrder: 0 } });
    await ws.gql(UpdateFieldOption, { id: medium.id, label: 'Mid', position: 100 });
    expect(labels(await fieldById(ws, 'COMPANY', f.id))).toEqual(['0:Enterprise', '1:Tiny', '2:SMALL', '3:Huge', '4:Giant', '5:Mid']);
    expect(await chosen(ws, co.id)).toEqual({ version: co.version, value: 'Enterprise' });
    expect((await ws.gql(CustomFieldNode, { id: medium.id })).node).toEqual({ __typename: 'CustomFieldOption', id: medium.id, label: 'Mid', sortOrder: 5 });

    // Refusals change nothing.
    const text = await define(ws, { entityType: 'COMPANY', type: 'TEXT', name: 'Note' });
    const refusals: [Promise<{ __typename: string } & Partial<Err>>, object][] = [
      [
        ws.gql(AddFieldOption, { fieldId: f.id, label: 'tiny' }).then((r) => r.addFieldOption),
        { __typename: 'ValidationError', fields: [issue('label', 'already has this option')] },
      ],
      [
        ws.gql(AddFieldOption, { fieldId: f.id, label: '  ' }).then((r) => r.addFieldOption),
        { __typename: 'ValidationError', fields: [issue('label', 'must not be empty')] },
      ],
      [
        ws.gql(AddFieldOption, { fieldId: f.id, label: 'x'.repeat(256) }).then((r) => r.addFieldOption),
        { __typename: 'ValidationError', fields: [issue('label', 'at most 255')] },
      ],
      [
        ws.gql(AddFieldOption, { fieldId: text.id, label: 'A' }).then((r) => r.addFieldOption),
        { __typename: 'ValidationError', fields: [issue('fieldId', 'only SELECT and MULTISELECT')] },
      ],
      [
        ws.gql(AddFieldOption, { fieldId: ghost('CustomField'), label: 'A' }).then((r) => r.addFieldOption),
        { __typename: 'NotFoundError', entity: 'CustomField' },
      ],
      [
        ws.gql(AddFieldOption, { fieldId: 'garbage', label: 'A' }).then((r) => r.addFieldOption),
        { __typename: 'ValidationError', fields: [issue('fieldId', 'not a valid CustomField id')] },
      ],
      [
        ws.gql(UpdateFieldOption, { id: small.id, label: 'Huge' }).then((r) => r.updateFieldOption),
        { __typename: 'ValidationError', fields: [issue('label', 'already has this option')] },
      ],
      [
        ws.gql(UpdateFieldOption, { id: small.id, label: '' }).then((r) => r.updateFieldOption),
        { __typename: 'ValidationError', fields: [issue('label', 'must not be empty')] },
      ],
      [
        ws.gql(UpdateFieldOption, { id: ghost('CustomFieldOption'), label: 'Q' }).then((r) => r.updateFieldOption),
        { __typename: 'NotFoundError', entity: 'CustomFieldOption' },
      ],
      [
        ws.gql(UpdateFieldOption, { id: f.id, label: 'Q' }).then((r) => r.updateFieldOption),
        { __typename: 'ValidationError', fields: [issue('id', 'not a valid CustomFieldOption id')] },
      ],
    ];
    for (const [p, expected] of refusals) expect(await p).toMatchObject(expected);
    expect(labels(await fieldById(ws, 'COMPANY', f.id))).toEqual(['0:Enterprise', '1:Tiny', '2:SMALL', '3:Huge', '4:Giant', '5:Mid']);
  });

  it('a SELECT option still held by cards is not removed unless its values are moved to another option, trashed cards included', async ({ workspace: ws }) => {
    const f = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Source', options: ['Site', 'Call', 'Fair', 'Ads'] });
    const other = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Other', options: ['X'] });
    const [site, call, fair, ads] = f.options;
    const d1 = await create(ws, 'DEAL', [{ fieldId: f.id, value: { optionId: site.id } }]);
    const d2 = await create(ws, 'DEAL', [{ fieldId: f.id, value: { optionId: site.id } }]);
    const d3 = await create(ws, 'DEAL', [{ fieldId: f.id, value: { optionId: call.id } }]);
    const d4 = await create(ws, 'DEAL', [{ fieldId: f.id, value: { optionId: site.id } }]);
    const d5 = await create(ws, 'DEAL', []);
    expect((await ws.gql(DeleteDeal, { id: d4.id })).deleteDeal.__typename).toBe('DeleteDealSuccess');
    const snapshot = async () => Promise.all([d1, d2, d3, d5].map((d) => chosen(ws, d.id)));
    const before = await snapshot();

    const del = async (id: string, moveToOptionId?: string) => (await ws.gql(DeleteFieldOption, { id, moveToOptionId })).deleteFieldOption;
    expect(await del(site.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', '3 card(s) hold this option; name moveToOptionId')] });
    expect(await del(site.id, site.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('moveToOptionId', 'another option of the same field')] });
    expect(await del(site.id, other.options[0].id)).toMatchObject({
      __typename: 'ValidationError',
      fields: [issue('moveToOptionId', 'another option of the same field')],
    });
    expect(await del(site.id, ghost('CustomFieldOption'))).toMatchObject({
      __typename: 'ValidationError',
      fields: [issue('moveToOptionId', 'another option of the same field')],
    });
    expect(await del(site.id, 'garbage')).toMatchObject({
      __typename: 'ValidationError',
      fields: [issue('moveToOptionId', 'not a valid CustomFieldOption id')],
    });
    expect(await del(ghost('CustomFieldOption'))).toMatchObject({ __typename: 'NotFoundError', entity: 'CustomFieldOption' });
    expect(labels(await fieldById(ws, 'DEAL', f.id))).toEqual(['0:Site', '1:Call', '2:Fair', '3:Ads']);
    expect(await snapshot()).toEqual(before);

    // An option no card holds goes at once; so does moving into an option nobody holds yet.
    expect(await del(fair.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess', option: { id: fair.id, label: 'Fair' } });
    expect((await ws.gql(Node, { id: fair.id })).node).toBeNull();
    expect(await del(call.id, ads.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect(await chosen(ws, d3.id)).toMatchObject({ value: 'Ads' });
    expect(await del(site.id, ads.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess', option: { label: 'Site' } });
    expect(labels(await fieldById(ws, 'DEAL', f.id))).toEqual(['3:Ads']);
    expect((await snapshot()).map((s) => s.value)).toEqual(['Ads', 'Ads', 'Ads', null]);
    // The trashed deal moved too and comes back with the new option.
    expect((await ws.gql(RestoreDeal, { id: d4.id })).restoreDeal.__typename).toBe('RestoreDealSuccess');
    expect(await chosen(ws, d4.id)).toMatchObject({ value: 'Ads' });
    // The removed option cannot be written any more.
    const r = (await ws.gql(CreateDeal, { input: { name: 'Late', customFields: [{ fieldId: f.id, value: { optionId: site.id } }] } })).createDeal;
    expect(r).toMatchObject({ __typename: 'ValidationError', fields: [issue('customFields[0]', 'no such option')] });
  });

  it('a MULTISELECT option is moved into the target without duplicates, in option order', async ({ workspace: ws }) => {
    const f = await define(ws, { entityType: 'CONTACT', type: 'MULTISELECT', name: 'Interests', options: ['A', 'B', 'C', 'D'] });
    const [a, b, c, d] = f.options;
    const c1 = await create(ws, 'CONTACT', [{ fieldId: f.id, value: { optionIds: [a.id, b.id] } }]);
    const c2 = await create(ws, 'CONTACT', [{ fieldId: f.id, value: { optionIds: [b.id] } }]);
    const c3 = await create(ws, 'CONTACT', [{ fieldId: f.id, value: { optionIds: [c.id] } }]);
    const c4 = await create(ws, 'CONTACT', [{ fieldId: f.id, value: { optionIds: [d.id, b.id] } }]);
    const all = async () => (await Promise.all([c1, c2, c3, c4].map((x) => chosen(ws, x.id)))).map((x) => x.value);
    expect(await all()).toEqual([['A', 'B'], ['B'], ['C'], ['B', 'D']]);

    const del = async (id: string, moveToOptionId?: string) => (await ws.gql(DeleteFieldOption, { id, moveToOptionId })).deleteFieldOption;
    expect(await del(b.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', '3 card(s) hold this option')] });
    expect(await all()).toEqual([['A', 'B'], ['B'], ['C'], ['B', 'D']]);
    expect(await del(b.id, d.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect(await all()).toEqual([['A', 'D'], ['D'], ['C'], ['D']]);
    // Moving to an option before it keeps option order: A into C gives [C, D].
    expect(await del(a.id, c.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect(await all()).toEqual([['C', 'D'], ['D'], ['C'], ['D']]);
    // Reordering the options reorders every card's list.
    await ws.gql(UpdateFieldOption, { id: d.id, position: 0 });
    expect(await all()).toEqual([['D', 'C'], ['D'], ['C'], ['D']]);
    expect(labels(await fieldById(ws, 'CONTACT', f.id))).toEqual(['0:D', '1:C']);
    // Versions: a moved value is an edit of the card (c1 moved twice, so a stale client gets a
    // ConflictError); relabeling and reordering options are not.
    expect((await chosen(ws, c1.id)).version).toBe(c1.version + 2);
    expect((await chosen(ws, c3.id)).version).toBe(c3.version);
  });

  it("an option that is the field's default or in another field's condition goes only with moveToOptionId, which moves them too", async ({ workspace: ws }) => {
    const tier = await define(ws, { entityType: 'DEAL', type: 'SELECT', name: 'Tier', options: ['Bronze', 'Silver', 'Gold'] });
    const [bronze, silver, gold] = tier.options;
    const set = (await ws.gql(UpdateCustomField, { input: { id: tier.id, defaultValue: { optionId: bronze.id } } })).updateCustomField;
    expect(set).toMatchObject({ field: { defaultValue: { __typename: 'SelectFieldValue', option: { label: 'Bronze' } } } });
    const perks = await define(ws, {
      entityType: 'DEAL',
      type: 'TEXT',
      name: 'Perks',
      condition: { fieldId: tier.id, values: [{ optionId: gold.id }] },
    });
    const tags = await define(ws, { entityType: 'DEAL', type: 'MULTISELECT', name: 'Tags', options: ['Hot', 'Cold', 'Warm'] });
    const [hot, cold, warm] = tags.options;
    const setTags = (await ws.gql(UpdateCustomField, { input: { id: tags.id, defaultValue: { optionIds: [hot.id, warm.id] } } })).updateCustomField;
    expect(setTags).toMatchObject({ field: { defaultValue: { options: [{ label: 'Hot' }, { label: 'Warm' }] } } });

    const del = async (id: string, moveToOptionId?: string) => (await ws.gql(DeleteFieldOption, { id, moveToOptionId })).deleteFieldOption;
    expect(await del(bronze.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', 'default')] });
    expect(await del(gold.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', 'condition of field "Perks"')] });
    expect(await del(hot.id)).toMatchObject({ __typename: 'ValidationError', fields: [issue('id', 'default')] });
    expect(labels(await fieldById(ws, 'DEAL', tier.id))).toEqual(['0:Bronze', '1:Silver', '2:Gold']);

    expect(await del(bronze.id, silver.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect((await fieldById(ws, 'DEAL', tier.id)).defaultValue).toMatchObject({ option: { id: silver.id, label: 'Silver' } });
    expect(await del(gold.id, silver.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect((await fieldById(ws, 'DEAL', perks.id)).condition).toMatchObject({ field: { id: tier.id }, values: [{ option: { id: silver.id } }] });
    expect(await del(hot.id, warm.id)).toMatchObject({ __typename: 'DeleteFieldOptionSuccess' });
    expect((await fieldById(ws, 'DEAL', tags.id)).defaultValue).toMatchObject({ options: [{ id: warm.id }] });
    void cold;

    // New deals get the moved defaults, and Perks applies to Silver deals now.
    const deal = await create(ws, 'DEAL', [{ fieldId: perks.id, value: { text: 'Lounge' } }]);
    expect(
      deal.customFields.map((v) => [
        v.field.code,
        v.__typename === 'TextFieldValue'
          ? v.text
          : v.__typename === 'SelectFieldValue'
            ? (v.option as { label: string }).label
            : (v.options as { label: string }[]).map((o) => o.label),
      ]),
    ).toEqual([
      ['tier', 'Silver'],
      ['perks', 'Lounge'],
      ['tags', ['Warm']],
    ]);
  });
});

describe('field groups', () => {
  it('are kept per entity type, in order; renamed; hold their fields; and deleting one keeps its fields, ungrouped', async ({ workspace: ws }) => {
    const mk = async (entityType: EntityType, name: string) => (await ws.gql(CreateFieldGroup, { entityType, name })).createFieldGroup;
    const g1 = await mk('DEAL', 'Delivery');
    const g2 = await mk('DEAL', 'Finance');
    const g3 = await mk('DEAL', 'Legal');
    const gc = await mk('CONTACT', 'Delivery'); // the same name on another entity type
    for (const g of [g1, g2, g3, gc]) expect(g.__typename).toBe('CreateFieldGroupSuccess');
    if (
      g1.__typename !== 'CreateFieldGroupSuccess' ||
      g2.__typename !== 'CreateFieldGroupSuccess' ||
      g3.__typename !== 'CreateFieldGroupSuccess' ||
      gc.__typename !== 'CreateFieldGroupSuccess'
    )
      return;
    expect([g1, g2, g3].map((g) => g.group.sortOrder)).toEqual([0, 1, 2]);
    expect(await mk('DEAL', ' delivery ')).toMatchObject({ __typename: 'ValidationError', fields: [issue('name', 'already exists')] });
    expect(await mk('DEAL', '')).toMatchObject({ __typename: 'ValidationError', fields: [issue('name', 'must not be empty')] });

    // Reordering and renaming.
    const up = async (id: string, name?: string, sortOrder?: number) => (await ws.gql(UpdateFieldGroup, { id, name, sortOrder })).updateFieldGroup;
    expect(await up(g3.group.id, 'Legal & compliance', 0)).toMatchObject({
      __typename: 'UpdateFieldGroupSuccess',
      group: { name: 'Legal & compliance', sortOrder: 0 },
    });
    expect(await up(g1.group.id, undefined, 5)).toMatchObject({ group: { name: 'Delivery', sortOrder: 5 } });
    expect(await up(g2.group.id, 'LEGAL & COMPLIANCE')).toMatchObject({ __typename: 'ValidationError', fields: [issue('name', 'already exists')] });
    expect(await up(g2.group.id, undefined, -1)).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'sortOrder', message: expect.any(String) }],
    });
    expect(await up(ghost('FieldGroup'), 'X')).toMatchObject({ __typename: 'NotFoundError', entity: 'FieldGroup' });
    const groups = async (entityType: EntityType) => (await ws.gql(FieldGroups, { entityType })).fieldGroups;
    expect((await groups('DEAL')).map((g) => g.name)).toEqual(['Legal & compliance', 'Finance', 'Delivery']);
    expect((await groups('CONTACT')).map((g) => [g.name, g.entityType])).toEqual([['Delivery', 'CONTACT']]);
    // A new group goes last.
    const g4 = await mk('DEAL', 'Misc');
    expect(g4).toMatchObject({ group: { sortOrder: 6 } });
    expect((await groups('DEAL')).map((g) => g.name)).toEqual(['Legal & compliance', 'Finance', 'Delivery', 'Misc']);

    // Fields in groups, in field order; a group of another entity type is refused.
    const weight = await define(ws, { entityType: 'DEAL', type: 'NUMBER', name: 'Weight', groupId: g1.group.id, sortOrder: 2 });
    const carrier = await define(ws, { entityType: 'DEAL', type: 'TEXT', name: 'Carrier', groupId: g1.group.id, sortOrder: 1 });
    const wrong = (await ws.gql(CreateCustomField, { input: { entityType: 'DEAL', type: 'TEXT', name: 'Wrong', groupId: gc.group.id } })).createCustomField;
    expect(wrong).toMatchObject({ __typename: 'ValidationError', fields: [issue('groupId', 'another entity type')] });
    const wrong2 = (await ws.gql(UpdateCustomField, { input: { id: weight.id, groupId: gc.group.id } })).updateCustomField;
    expect(wrong2).toMatchObject({ __typename: 'ValidationError', fields: [issue('groupId', 'another entity type')] });
    expect((await groups('DEAL')).find((g) => g.id === g1.group.id)?.fields.map((x) => x.code)).toEqual(['carrier', 'weight']);
    // Moving a field to another group.
    const mv = (await ws.gql(UpdateCustomField, { input: { id: weight.id, groupId: g2.group.id } })).updateCustomField;
    expect(mv).toMatchObject({ field: { group: { id: g2.group.id, name: 'Finance' } } });

    // Deleting a group keeps its fields and their values.
    const deal = await create(ws, 'DEAL', [{ fieldId: carrier.id, value: { text: 'DHL' } }]);
    const gone = (await ws.gql(DeleteFieldGroup, { id: g1.group.id })).deleteFieldGroup;
    expect(gone).toMatchObject({ __typename: 'DeleteFieldGroupSuccess', group: { name: 'Delivery' } });
    expect((await ws.gql(Node, { id: g1.group.id })).node).toBeNull();
    expect((await fieldById(ws, 'DEAL', carrier.id)).group).toBeNull();
    expect((await groups('DEAL')).map((g) => g.name)).toEqual(['Legal & compliance', 'Finance', 'Misc']);
    const n = (await readCard(ws, deal.id)) as Card;
    expect(n.customFields).toEqual([{ __typename: 'TextFieldValue', field: { id: carrier.id, code: 'carrier' }, text: 'DHL' }]);
    expect((await ws.gql(DeleteFieldGroup, { id: g1.group.id })).deleteFieldGroup).toMatchObject({ __typename: 'NotFoundError' });
  });
});
