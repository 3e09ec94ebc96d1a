// GraphQL pieces shared by contacts, companies and deals: tags, phones, the trash.
import parsePhoneNumber from 'libphonenumber-js/max';
import { builder, NODE_TYPES } from '../../builder.js';
import { IdParser } from '../../lib/ids.js';
import { SortDirection } from '../common/common.schema.js';
import { authed } from '../../context.js';
import { ForbiddenError } from '../../lib/errors.js';
import { emptyTrash } from '../../kernel/records.js';
import { CARD_KINDS, type CardKind } from '../../kernel/card-kinds.js';
import { viewable } from '../../kernel/access/visibility.js';
import type { Viewer } from '../../kernel/access/viewer.js';

/**
 * Restricts node loading (and fallback loads) to the viewer's workspace. Every node type that
 * uses it also sets `nullable: true`, so node(id) of a missing or another workspace's row
 * answers null (plugin-prisma's findUniqueOrThrow would otherwise surface as an unexpected error).
 */
export const NOWHERE = '00000000-0000-0000-0000-000000000000';

export const inWorkspace = (id: string, ctx: { viewer: { workspaceId: string } | null }) => ({
  id,
  workspaceId: ctx.viewer?.workspaceId ?? NOWHERE,
});

/** A node lookup of a row the viewer may not see: it finds nothing, as for a missing id. */
export const seenOrNowhere = (seen: boolean, id: string, ctx: { viewer: { workspaceId: string } | null }) => inWorkspace(seen ? id : NOWHERE, ctx);

/** Like inWorkspace, for a card: also narrowed to what the viewer's role lets them see. */
export const inScope = (kind: CardKind) => (id: string, ctx: { viewer: Viewer | null }) =>
  ctx.viewer ? { id, workspaceId: ctx.viewer.workspaceId, AND: [viewable(ctx.viewer, kind)] } : inWorkspace(id, ctx);

export function registerNode(name: string) {
  NODE_TYPES.add(name);
}

registerNode('Tag');
export const Tag = builder.prismaNode('Tag', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({ name: t.exposeString('name') }),
});

export const Phone = builder.objectRef<string>('Phone').implement({
  description: 'A phone number, stored in E.164 and searchable in any common format.',
  fields: (t) => ({
    e164: t.string({ resolve: (p) => p }),
    international: t.string({ resolve: (p) => parsePhoneNumber(p)?.formatInternational() ?? p }),
    national: t.string({ resolve: (p) => parsePhoneNumber(p)?.formatNational() ?? p }),
    country: t.string({ nullable: true, resolve: (p) => parsePhoneNumber(p)?.country ?? null }),
  }),
});

builder.queryField('tags', (t) =>
  t.prismaField({
    type: ['Tag'],
    authScopes: { member: true },
    description: "The workspace's tags, by name.",
    resolve: (query, _root, _args, ctx) => ctx.db.tag.findMany({ ...query, where: { workspaceId: ctx.viewer!.workspaceId }, orderBy: { name: 'asc' } }),
  }),
);

/** The one public name for a kind of card (custom fields, field access, the trash, the timeline). */
export const EntityType = builder.enumType('EntityType', { values: CARD_KINDS });

builder.mutationField('emptyTrash', (t) =>
  t.int({
    authScopes: { writer: true },
    description: 'Deletes for good the trashed cards of the given types (all when left out); administrators only. Answers how many were removed.',
    errors: { types: [ForbiddenError] },
    args: { entityTypes: t.arg({ type: [EntityType] }) },
    resolve: (_r, a, ctx) => emptyTrash(authed(ctx), a.entityTypes ?? CARD_KINDS),
  }),
);

// Lists: what the contacts, companies and deals connections share.

export const ValueRange = builder.inputType('ValueRange', {
  description: 'Inclusive bounds, written as the field type reads them; either may be left out.',
  fields: (t) => ({ from: t.string(), to: t.string() }),
});

export const CustomFieldFilter = builder.inputType('CustomFieldFilter', {
  description: [
    'A condition on one custom field; every operator given must hold. Values are written as the field type reads them:',
    'decimals for NUMBER, MONEY (the amount) and FORMULA; YYYY-MM-DD for DATE; ISO 8601 with an offset for DATETIME;',
    '"true" / "false" for BOOLEAN; option ids for SELECT and MULTISELECT; any common format for PHONE.',
    'Text comparisons ignore case and look at the first 255 characters. `CustomField.operators` lists what each field takes.',
  ].join(' '),
  fields: (t) => ({
    fieldId: t.id({ required: true }),
    eq: t.string(),
    neq: t.string({ description: 'Not this value; cards where the field is empty match too.' }),
    in: t.stringList({ description: 'Any of these values.' }),
    contains: t.string(),
    startsWith: t.string(),
    gt: t.string(),
    gte: t.string(),
    lt: t.string(),
    lte: t.string(),
    between: t.field({ type: ValueRange }),
    isEmpty: t.boolean({ description: 'true: the field has no value; false: it has one.' }),
    anyOf: t.idList({ description: 'SELECT, MULTISELECT: holds any of these options.' }),
    allOf: t.idList({ description: 'MULTISELECT: holds all of these options.' }),
  }),
});

type Nested<F> = { and?: F[] | null; or?: F[] | null; customFields?: { fieldId: string }[] | null };

/** Decodes the id lists of a (nested) card filter; `idFields` maps each key to its node type. */
export function decodeCardFilter<F extends Nested<F>>(
  ids: IdParser,
  f: F | null | undefined,
  idFields: Record<string, string>,
  path = 'filter',
): F | undefined {
  if (!f) return undefined;
  const out: Record<string, unknown> = { ...f };
  for (const [key, typename] of Object.entries(idFields)) {
    out[key] = ids.many(`${path}.${key}`, typename, (f as Record<string, string[] | null | undefined>)[key]);
  }
  out.customFields = f.customFields?.map((c, i) => ({ ...c, fieldId: ids.one(`${path}.customFields[${i}].fieldId`, 'CustomField', c.fieldId) }));
  out.and = f.and?.map((x, i) => decodeCardFilter(ids, x, idFields, `${path}.and[${i}]`));
  out.or = f.or?.map((x, i) => decodeCardFilter(ids, x, idFields, `${path}.or[${i}]`));
  return out as F;
}

/** A connection's arguments as the card services take them, ids decoded. */
export function cardListArgs<F extends Nested<F>, S extends string>(
  a: {
    filter?: F | null;
    orderBy?: { field?: S | null; customFieldId?: string | null; direction?: 'ASC' | 'DESC' | null }[] | null;
    inTrash?: boolean | null;
  },
  idFields: Record<string, string>,
) {
  const ids = new IdParser();
  const filter = decodeCardFilter(ids, a.filter, idFields);
  const orderBy = a.orderBy?.map((o, i) => ({
    field: o.field,
    customFieldId: ids.one(`orderBy[${i}].customFieldId`, 'CustomField', o.customFieldId),
    direction: o.direction ?? ('ASC' as const),
  }));
  ids.done();
  return { filter, inTrash: a.inTrash, orderBy };
}

/** The `<Prefix>SortField` enum and `<Prefix>Order` input of a card list. */
export function orderInput<const S extends string>(prefix: string, values: readonly S[]) {
  const field = builder.enumType(`${prefix}SortField`, { values });
  return builder.inputType(`${prefix}Order`, {
    description: 'One sort key: a system `field` or a custom field (`customFieldId`), not both. Empty values sort last either way.',
    fields: (t) => ({
      field: t.field({ type: field }),
      customFieldId: t.id({ description: 'A custom field whose `sortable` is true.' }),
      direction: t.field({ type: SortDirection, defaultValue: 'ASC' }),
    }),
  });
}
