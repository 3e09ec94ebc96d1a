// Custom field definitions, groups, options, the CustomFieldValue union on every card, and the
// @oneOf input that writes values.
import type { FieldRef } from '@pothos/core';
import { withId } from '../../lib/prisma-query.js';
import { builder, type InputFields, type Types } from '../../builder.js';
import { authed, type Context } from '../../context.js';
import { encodeGlobalId, IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { EntityType, inWorkspace, NOWHERE, Phone, registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import { listFields, createField, updateField, setArchived, type DefinitionInput } from './definitions.service.js';
import { addOption, updateOption, deleteOption } from './options.service.js';
import { listGroups, createGroup, updateGroup, deleteGroup } from './groups.service.js';
import { fieldUsage } from './usage.service.js';
import {
  accessTo,
  definitions,
  hiddenFromViewer,
  shownValues,
  visibleDefinitions,
  type EntityType as FieldEntityType,
} from '../../kernel/fields/definitions.js';
import type { FieldValueInput } from '../../kernel/fields/card-values.js';
import { attachmentById } from '../files/files.service.js';
import { plain, toGraphql, type FieldDef, type GraphqlValue, type ValueInput } from '../../kernel/fields/values.js';
import { isFilterable, isSortable, OPERATORS } from '../../kernel/fields/filters.js';
import { FIELD_LEVELS } from '../../kernel/access/field-access.js';

for (const n of ['CustomField', 'FieldGroup', 'CustomFieldOption']) registerNode(n);

export const FieldType = builder.enumType('FieldType', {
  values: ['TEXT', 'TEXTAREA', 'NUMBER', 'MONEY', 'DATE', 'DATETIME', 'BOOLEAN', 'SELECT', 'MULTISELECT', 'URL', 'EMAIL', 'PHONE', 'FILE', 'FORMULA'] as const,
});

export const CustomFieldOption = builder.prismaNode('CustomFieldOption', {
  id: { field: 'id' },
  nullable: true,
  // An option of a field hidden from the viewer is not found either.
  findUnique: async (id, ctx) => ({ id, field: { workspaceId: ctx.viewer?.workspaceId ?? NOWHERE, id: { notIn: [...(await hiddenFromViewer(ctx))] } } }),
  fields: (t) => ({ label: t.exposeString('label'), sortOrder: t.exposeInt('sortOrder') }),
});

export const FieldGroup = builder.prismaNode('FieldGroup', {
  id: { field: 'id' },
  nullable: true,
  findUnique: inWorkspace,
  fields: (t) => ({
    entityType: t.expose('entityType', { type: EntityType }),
    name: t.exposeString('name'),
    sortOrder: t.exposeInt('sortOrder'),
    fields: t.field({
      type: [CustomField],
      description: "Live fields of the group, in order; fields hidden from the viewer's role are left out.",
      select: (_a, _c, nested) => ({ fields: nested({ where: { archived: false }, orderBy: { sortOrder: 'asc' } }) }),
      resolve: async (g, _a, ctx) => {
        const shown = new Set((await visibleDefinitions(authed(ctx), g.entityType)).map((d) => d.id));
        return g.fields.filter((f) => shown.has(f.id));
      },
    }),
  }),
});

export const FieldAccessLevel = builder.enumType('FieldAccessLevel', {
  values: FIELD_LEVELS,
  description: 'HIDDEN: absent everywhere (values, filters, sorting, search, timeline, live events); READ: shown, not written; EDIT.',
});

const asDef = (f: unknown) => f as FieldDef;

const OPERATOR_NAME = {
  eq: 'EQ',
  neq: 'NEQ',
  in: 'IN',
  contains: 'CONTAINS',
  startsWith: 'STARTS_WITH',
  gt: 'GT',
  gte: 'GTE',
  lt: 'LT',
  lte: 'LTE',
  between: 'BETWEEN',
  isEmpty: 'IS_EMPTY',
  anyOf: 'ANY_OF',
  allOf: 'ALL_OF',
} as const;
const FilterOperator = builder.enumType('FilterOperator', {
  description: 'The members of CustomFieldFilter, for building filter forms.',
  values: Object.values(OPERATOR_NAME),
});

export const CustomField = builder.prismaNode('CustomField', {
  id: { field: 'id' },
  nullable: true,
  // A field hidden from the viewer (by their role, or through a formula's inputs or a
  // condition) is not found, exactly as lists leave it out.
  findUnique: async (id, ctx) => seenOrNowhere(!(await hiddenFromViewer(ctx)).has(id), id, ctx),
  fields: (t) => ({
    access: t.field({
      type: FieldAccessLevel,
      description: "What the viewer's role may do with this field's values (formulas are at most READ).",
      resolve: (f, _a, ctx) => accessTo(authed(ctx), f),
    }),
    entityType: t.expose('entityType', { type: EntityType }),
    name: t.exposeString('name'),
    code: t.exposeString('code', { description: 'Stable API code, e.g. for imports and formulas.' }),
    type: t.expose('type', { type: FieldType }),
    group: t.relation('group', { nullable: true }),
    sortOrder: t.exposeInt('sortOrder'),
    description: t.exposeString('description', { nullable: true }),
    archived: t.exposeBoolean('archived', { description: 'Hidden from cards, filters and exports; values are kept.' }),
    required: t.exposeBoolean('required', { description: 'A card cannot be saved without it (when the field applies).' }),
    requiredStageIds: t.idList({
      description: 'Deal stages that cannot be entered while the field is empty.',
      resolve: (f) => f.requiredStageIds.map((id) => encodeGlobalId('Stage', id)),
    }),
    pattern: t.exposeString('pattern', { nullable: true }),
    min: t.field({ type: 'Decimal', nullable: true, resolve: (f) => (f.minValue === null ? null : plain(f.minValue)) }),
    max: t.field({ type: 'Decimal', nullable: true, resolve: (f) => (f.maxValue === null ? null : plain(f.maxValue)) }),
    maxLength: t.exposeInt('maxLength', { nullable: true }),
    formula: t.exposeString('formula', { nullable: true }),
    options: t.relation('options', { query: { orderBy: { sortOrder: 'asc' } } }),
    lastWrittenAt: t.expose('lastWrittenAt', { type: 'DateTime', nullable: true }),
    filterable: t.boolean({
      description: 'Whether card lists can filter by it. False only for a field created after every indexed slot for its kind of value was taken.',
      resolve: (f) => isFilterable(asDef(f)),
    }),
    sortable: t.boolean({
      description: 'Whether card lists can sort by it: not TEXTAREA, MULTISELECT or FILE, and filterable.',
      resolve: (f) => isSortable(asDef(f)),
    }),
    operators: t.field({
      type: [FilterOperator],
      description: 'The CustomFieldFilter operators this field takes (none when it is not filterable).',
      resolve: (f) => (isFilterable(asDef(f)) ? OPERATORS[f.type].map((op) => OPERATOR_NAME[op]) : []),
    }),
  }),
});

const fieldOf = (t: PothosSchemaTypes.ObjectFieldBuilder<Types, GraphqlValue>) => t.field({ type: CustomField, resolve: (v) => v.field as never });

function member(name: string, extra: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, GraphqlValue>) => Record<string, FieldRef<Types, unknown, 'Object'>>) {
  return builder.objectRef<GraphqlValue>(name).implement({ fields: (t) => ({ field: fieldOf(t), ...extra(t) }) });
}

const str = (key: string) => (t: PothosSchemaTypes.ObjectFieldBuilder<Types, GraphqlValue>) => ({
  [key]: t.string({ resolve: (v) => v[key] as string }),
});

const MEMBERS = [
  member('TextFieldValue', str('text')),
  member('TextareaFieldValue', str('text')),
  member('NumberFieldValue', (t) => ({ number: t.field({ type: 'Decimal', resolve: (v) => v.number as string }) })),
  member('MoneyFieldValue', (t) => ({
    amount: t.field({ type: 'Decimal', resolve: (v) => v.amount as string }),
    currency: t.string({ resolve: (v) => v.currency as string }),
  })),
  member('DateFieldValue', (t) => ({ date: t.string({ description: 'YYYY-MM-DD', resolve: (v) => v.date as string }) })),
  member('DateTimeFieldValue', (t) => ({ dateTime: t.field({ type: 'DateTime', resolve: (v) => v.dateTime as Date }) })),
  member('BooleanFieldValue', (t) => ({ boolean: t.boolean({ resolve: (v) => v.boolean as boolean }) })),
  member('SelectFieldValue', (t) => ({
    option: t.field({ type: CustomFieldOption, nullable: true, resolve: (v) => v.option as never }),
  })),
  member('MultiSelectFieldValue', (t) => ({ options: t.field({ type: [CustomFieldOption], resolve: (v) => v.options as never }) })),
  member('UrlFieldValue', str('url')),
  member('EmailFieldValue', str('email')),
  member('PhoneFieldValue', (t) => ({ phone: t.field({ type: Phone, resolve: (v) => v.phone as string }) })),
  member('FileFieldValue', (t) => ({
    fileId: t.id({ resolve: (v) => encodeGlobalId('Attachment', v.fileId as string) }),
    file: t.prismaField({
      type: 'Attachment',
      nullable: true,
      // Batched: a page of cards loads all its files, with what the query selects of them, in one statement.
      resolve: (query, v, _a, ctx) => attachmentById(authed(ctx), v.fileId as string, query),
    }),
  })),
  member('FormulaFieldValue', (t) => ({ number: t.field({ type: 'Decimal', resolve: (v) => v.number as string }) })),
];

export const CustomFieldValue = builder.unionType('CustomFieldValue', {
  description: "A card's value of one custom field; each member carries its field definition.",
  types: MEMBERS,
  resolveType: (v) => v.__typename,
});

const FieldCondition = builder.objectRef<{ field: FieldDef; values: GraphqlValue[] }>('FieldCondition').implement({
  fields: (t) => ({
    field: t.field({ type: CustomField, resolve: (c) => c.field as never }),
    values: t.field({ type: [CustomFieldValue], description: 'Any of these values.', resolve: (c) => c.values }),
  }),
});

// Defined after the union, which refers back to CustomField.
builder.prismaObjectFields('CustomField', (t) => ({
  defaultValue: t.field({
    type: CustomFieldValue,
    nullable: true,
    select: { options: { orderBy: { sortOrder: 'asc' } } },
    resolve: (f) => (f.defaultValue === null ? null : toGraphql(asDef(f), f.defaultValue)),
  }),
  condition: t.field({
    type: FieldCondition,
    nullable: true,
    description: 'The field applies (is shown and may be required) only when this holds.',
    resolve: async (f, _a, ctx) => {
      if (!f.conditionFieldId) return null;
      // A condition on a field hidden from the viewer is left out with it.
      const defs = await visibleDefinitions(authed(ctx), f.entityType);
      const cond = defs.find((d) => d.id === f.conditionFieldId);
      return cond ? { field: cond, values: ((f.conditionValues as unknown[]) ?? []).map((x) => toGraphql(cond, x)) } : null;
    },
  }),
}));

/** Resolves a card's `customFields`: its values, in field order, for fields that apply. */
function resolveValues(entityType: FieldEntityType) {
  return async (card: { customFields: unknown }, _a: unknown, ctx: Context) => {
    const sctx = authed(ctx);
    return shownValues(await definitions(sctx, entityType), await visibleDefinitions(sctx, entityType), card.customFields);
  };
}

const VALUES_DESCRIPTION = "Values of the custom fields that are filled and apply; archived fields and fields hidden from the viewer's role are left out.";

// Writing values

const MoneyInput = builder.inputType('MoneyInput', {
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true }),
    currency: t.string({ description: "ISO 4217; the workspace's currency when left out." }),
  }),
});

export const CustomFieldValueInput = builder.inputType('CustomFieldValueInput', {
  isOneOf: true,
  description: 'Exactly one member, the one that fits the field type.',
  fields: (t) => ({
    text: t.string({ description: 'TEXT, TEXTAREA' }),
    number: t.field({ type: 'Decimal', description: 'NUMBER' }),
    money: t.field({ type: MoneyInput, description: 'MONEY' }),
    date: t.string({ description: 'DATE, as YYYY-MM-DD' }),
    dateTime: t.field({ type: 'DateTime', description: 'DATETIME' }),
    boolean: t.boolean({ description: 'BOOLEAN' }),
    optionId: t.id({ description: 'SELECT' }),
    optionIds: t.idList({ description: 'MULTISELECT' }),
    url: t.string({ description: 'URL' }),
    email: t.string({ description: 'EMAIL' }),
    phone: t.string({ description: 'PHONE, any common format' }),
    fileId: t.id({ description: 'FILE' }),
  }),
});

export const CustomFieldInput = builder.inputType('CustomFieldInput', {
  fields: (t) => ({
    fieldId: t.id({ required: true }),
    value: t.field({ type: CustomFieldValueInput, description: 'Null clears the value.' }),
  }),
});

type RawValue = { [K in keyof ValueInput]?: ValueInput[K] | null };

export function decodeValue(ids: IdParser, path: string, v: RawValue): ValueInput {
  return {
    ...v,
    optionId: ids.one(`${path}.optionId`, 'CustomFieldOption', v.optionId),
    optionIds: ids.many(`${path}.optionIds`, 'CustomFieldOption', v.optionIds),
    fileId: ids.one(`${path}.fileId`, 'Attachment', v.fileId),
  } as ValueInput;
}

/** Decodes the ids inside `customFields` inputs of a card mutation. */
export function decodeFieldInputs(ids: IdParser, list: { fieldId: string; value?: RawValue | null }[] | null | undefined): FieldValueInput[] | undefined {
  return list?.map((x, i) => ({
    fieldId: ids.one(`customFields[${i}].fieldId`, 'CustomField', x.fieldId),
    value: x.value ? decodeValue(ids, `customFields[${i}].value`, x.value) : null,
  }));
}

export const customFieldsArg = (t: InputFields) =>
  t.field({ type: [CustomFieldInput], description: 'Values to set (null clears); fields not named keep theirs.' });

// Queries

builder.queryField('customFields', (t) =>
  t.prismaField({
    type: ['CustomField'],
    authScopes: { member: true },
    args: { entityType: t.arg({ type: EntityType, required: true }), includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (query, _r, a, ctx) => listFields(authed(ctx), a.entityType, !!a.includeArchived, query),
  }),
);

builder.queryField('fieldGroups', (t) =>
  t.prismaField({
    type: ['FieldGroup'],
    authScopes: { member: true },
    args: { entityType: t.arg({ type: EntityType, required: true }) },
    resolve: (query, _r, a, ctx) => listGroups(authed(ctx), a.entityType, query),
  }),
);

type Usage = { fieldId: string; filled: number; total: number };
const FieldUsage = builder.objectRef<Usage>('FieldUsage').implement({
  description: 'How much a field is used, to find fields nobody fills.',
  fields: (t) => ({
    field: t.prismaField({
      type: 'CustomField',
      resolve: (query, u, _a, ctx) => ctx.db.customField.findUniqueOrThrow({ ...withId(query), where: { id: u.fieldId } }),
    }),
    filled: t.exposeInt('filled', { description: 'Cards (outside the trash) holding a value.' }),
    total: t.exposeInt('total', { description: 'Cards outside the trash.' }),
    fillRate: t.float({ description: 'filled / total, 0 when there are no cards.', resolve: (u) => (u.total ? u.filled / u.total : 0) }),
  }),
});

builder.queryField('fieldUsage', (t) =>
  t.field({
    type: [FieldUsage],
    authScopes: { member: true },
    description: 'Fill rate of each live field; lastWrittenAt on the field tells when a value was last written.',
    args: { entityType: t.arg({ type: EntityType, required: true }) },
    resolve: (_r, a, ctx) => fieldUsage(authed(ctx), a.entityType),
  }),
);

// Definitions

const ConditionInput = builder.inputType('FieldConditionInput', {
  fields: (t) => ({
    fieldId: t.id({ required: true }),
    values: t.field({ type: [CustomFieldValueInput], required: true, description: 'The field applies when the other holds any of these.' }),
  }),
});

const definitionFields = (t: InputFields, create: boolean) => ({
  name: t.string({ required: create }),
  code: t.string({ description: 'Lower-case latin, digits and _; made from the name when left out.' }),
  groupId: t.id(),
  sortOrder: t.int(),
  description: t.string(),
  defaultValue: t.field({ type: CustomFieldValueInput }),
  required: t.boolean(),
  requiredStageIds: t.idList({ description: 'Deal fields: stages that cannot be entered while it is empty.' }),
  pattern: t.string({ description: 'TEXT, TEXTAREA: a regular expression the whole value must match (like the pattern attribute of HTML).' }),
  min: t.field({ type: 'Decimal', description: 'NUMBER, MONEY' }),
  max: t.field({ type: 'Decimal', description: 'NUMBER, MONEY' }),
  maxLength: t.int({ description: 'TEXT, TEXTAREA' }),
  formula: t.string({ description: 'FORMULA: arithmetic over NUMBER/MONEY/FORMULA field codes, e.g. "quantity * price".' }),
  condition: t.field({ type: ConditionInput }),
});

const CreateCustomFieldInput = builder.inputType('CreateCustomFieldInput', {
  fields: (t) => ({
    entityType: t.field({ type: EntityType, required: true }),
    type: t.field({ type: FieldType, required: true }),
    options: t.stringList({ description: 'SELECT, MULTISELECT: option labels in order.' }),
    ...definitionFields(t, true),
  }),
});

const UpdateCustomFieldInput = builder.inputType('UpdateCustomFieldInput', {
  fields: (t) => ({ id: t.id({ required: true }), ...definitionFields(t, false) }),
});

type RawDefinition = {
  groupId?: string | null;
  defaultValue?: RawValue | null;
  requiredStageIds?: string[] | null;
  condition?: { fieldId: string; values: RawValue[] } | null;
  [k: string]: unknown;
};

function decodeDefinition(ids: IdParser, d: RawDefinition): DefinitionInput {
  return {
    ...(d as DefinitionInput),
    groupId: ids.one('groupId', 'FieldGroup', d.groupId),
    requiredStageIds: ids.many('requiredStageIds', 'Stage', d.requiredStageIds),
    defaultValue: d.defaultValue ? decodeValue(ids, 'defaultValue', d.defaultValue) : d.defaultValue,
    condition: d.condition
      ? {
          fieldId: ids.one('condition.fieldId', 'CustomField', d.condition.fieldId),
          values: d.condition.values.map((x, i) => decodeValue(ids, `condition.values[${i}]`, x)),
        }
      : d.condition,
  };
}

builder.mutationField('createCustomField', (t) =>
  t.field({
    type: CustomField,
    authScopes: { writer: true },
    description: 'Defines a custom field (administrators only).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'field' } },
    args: { input: t.arg({ type: CreateCustomFieldInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const def = decodeDefinition(ids, input as RawDefinition);
      ids.done();
      return createField(authed(ctx), { ...def, entityType: input.entityType, type: input.type, name: input.name as string }) as never;
    },
  }),
);

builder.mutationField('updateCustomField', (t) =>
  t.field({
    type: CustomField,
    authScopes: { writer: true },
    description: 'Changes the settings given. Renaming keeps every value; the type cannot change.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'field' } },
    args: { input: t.arg({ type: UpdateCustomFieldInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'CustomField', input.id);
      const def = decodeDefinition(ids, input as RawDefinition);
      ids.done();
      return updateField(authed(ctx), id, def) as never;
    },
  }),
);

for (const [name, archived] of [
  ['archiveCustomField', true],
  ['unarchiveCustomField', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: CustomField,
      authScopes: { writer: true },
      description: archived ? 'Hides the field from cards, filters and exports; its values are kept.' : 'Brings an archived field back, with its values.',
      errors: { types: WRITE_ERRORS, dataField: { name: 'field' } },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_r, a, ctx) => setArchived(authed(ctx), parseId('CustomField', a.id), archived) as never,
    }),
  );
}

builder.mutationField('addFieldOption', (t) =>
  t.field({
    type: CustomFieldOption,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'option' } },
    args: { fieldId: t.arg.id({ required: true }), label: t.arg.string({ required: true }), position: t.arg.int() },
    resolve: (_r, a, ctx) => addOption(authed(ctx), parseId('CustomField', a.fieldId, 'fieldId'), a.label, a.position),
  }),
);

builder.mutationField('updateFieldOption', (t) =>
  t.field({
    type: CustomFieldOption,
    authScopes: { writer: true },
    description: 'Renames or moves an option; stored values refer to it by id and stay.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'option' } },
    args: { id: t.arg.id({ required: true }), label: t.arg.string(), position: t.arg.int() },
    resolve: (_r, a, ctx) => updateOption(authed(ctx), parseId('CustomFieldOption', a.id), a),
  }),
);

builder.mutationField('deleteFieldOption', (t) =>
  t.field({
    type: CustomFieldOption,
    authScopes: { writer: true },
    description: 'Removes an option. Refused while cards hold it, unless moveToOptionId says where their values go.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'option' } },
    args: { id: t.arg.id({ required: true }), moveToOptionId: t.arg.id() },
    resolve: (_r, a, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'CustomFieldOption', a.id);
      const moveTo = ids.one('moveToOptionId', 'CustomFieldOption', a.moveToOptionId);
      ids.done();
      return deleteOption(authed(ctx), id, moveTo);
    },
  }),
);

builder.mutationField('createFieldGroup', (t) =>
  t.field({
    type: FieldGroup,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'group' } },
    args: { entityType: t.arg({ type: EntityType, required: true }), name: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => createGroup(authed(ctx), a.entityType, a.name),
  }),
);

builder.mutationField('updateFieldGroup', (t) =>
  t.field({
    type: FieldGroup,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'group' } },
    args: { id: t.arg.id({ required: true }), name: t.arg.string(), sortOrder: t.arg.int() },
    resolve: (_r, a, ctx) => updateGroup(authed(ctx), parseId('FieldGroup', a.id), a),
  }),
);

builder.mutationField('deleteFieldGroup', (t) =>
  t.field({
    type: FieldGroup,
    authScopes: { writer: true },
    description: 'Deletes a group; its fields stay, ungrouped.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'group' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => deleteGroup(authed(ctx), parseId('FieldGroup', a.id)),
  }),
);

builder.prismaObjectField('Contact', 'customFields', (t) =>
  t.field({ type: [CustomFieldValue], description: VALUES_DESCRIPTION, select: { customFields: true }, resolve: resolveValues('CONTACT') }),
);
builder.prismaObjectField('Company', 'customFields', (t) =>
  t.field({ type: [CustomFieldValue], description: VALUES_DESCRIPTION, select: { customFields: true }, resolve: resolveValues('COMPANY') }),
);
builder.prismaObjectField('Deal', 'customFields', (t) =>
  t.field({ type: [CustomFieldValue], description: VALUES_DESCRIPTION, select: { customFields: true }, resolve: resolveValues('DEAL') }),
);
