// The GraphQL surface every card kind shares, built from its descriptor: the system fields of
// its object type (responsible, tags, phones and e-mails where it has them, who and when, trash,
// version), its list connection, and its create / update / delete / restore mutations, which
// call the kernel's one write path. A kind's own module adds only what is truly its own.
import type { InputFieldRef, InputObjectRef, ObjectRef } from '@pothos/core';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { builder, type InputFields, type Types } from '../../builder.js';
import { authed, type ServiceCtx } from '../../context.js';
import { shown } from '../../kernel/access/field-access.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { createRecord, restoreRecord, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { User } from '../users/users.schema.js';
import { customFieldsArg, decodeFieldInputs } from '../custom-fields/custom-fields.schema.js';
import { cardListArgs, inScope, orderInput, Phone, Tag } from './cards.schema.js';
import { cardTable } from '../../kernel/tables.js';
import type { GraphQLResolveInfo } from 'graphql';
import { viewFor } from '../saved-views/saved-views.service.js';
import { countCards, listCards, type CommonFilter } from '../../kernel/lists.js';

/** The fields every card's object type has, added to the kind's type by name. */
export function cardSystemFields(kind: CardKind) {
  const d = descriptor(kind);
  // The three card models share these columns; the type parameter names one of them.
  builder.prismaObjectFields(d.typeName as 'Contact', (t) => ({
    name: t.exposeString('name'),
    ...(d.search.phones
      ? {
          phones: t.field({
            type: [Phone],
            description: "Empty when the viewer's role hides phones.",
            select: { phones: true },
            resolve: (c, _a, ctx) => shown(ctx.viewer, kind, 'phones', c.phones, []),
          }),
        }
      : {}),
    ...(d.search.emails
      ? {
          emails: t.stringList({
            description: "Empty when the viewer's role hides e-mails.",
            select: { emails: true },
            resolve: (c, _a, ctx) => shown(ctx.viewer, kind, 'emails', c.emails, []),
          }),
        }
      : {}),
    responsible: t.field({
      type: User,
      nullable: true,
      description: "Null when the viewer's role hides it.",
      select: (_a, _c, nested) => ({ responsible: nested(true) }),
      resolve: (c, _a, ctx) => shown(ctx.viewer, kind, 'responsible', c.responsible, null),
    }),
    tags: t.field({
      type: [Tag],
      select: (_a, _c, nested) => ({ tags: { select: { tag: nested(true) }, orderBy: { tag: { name: 'asc' } } } }),
      resolve: (c) => c.tags.map((x) => x.tag),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.relation('updatedBy', { nullable: true }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'Set while in the trash.' }),
    version: t.exposeInt('version', { description: 'Send it back with updates; a stale one gets ConflictError.' }),
  }));
}

/** A write input as the kernel takes it: descriptor fields, the shared keys, and the kind's own rest. */
export function toWrite(kind: CardKind, input: Record<string, unknown>): CardWrite {
  const { customFields, responsibleId, companyId, tags, ...rest } = input;
  const names = new Set(descriptor(kind).fields.map((f) => f.name));
  const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => names.has(k)));
  const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => !names.has(k)));
  return {
    fields,
    responsibleId: responsibleId as string | null | undefined,
    companyId: companyId as string | null | undefined,
    tags: tags as string[] | null | undefined,
    customFields: customFields as CardWrite['customFields'],
    extra,
  };
}

type Fields = Record<string, InputFieldRef<Types, unknown>>;
type Raw = Record<string, unknown> & { customFields?: Parameters<typeof decodeFieldInputs>[1] };

export type CardMutationOptions = {
  /** The kind's object type. */
  type: ObjectRef<Types, object>;
  /** The kind's own input fields (those beyond the system fields and the shared keys). */
  fields: (t: InputFields, create: boolean) => Fields;
  /** Id fields of the input (responsibleId included) and their node types, decoded in this order. */
  ids: Record<string, { type: string; many?: boolean }>;
  /** Error members beyond the write errors (a deal's StageRequirementsError). */
  errors?: readonly (typeof WRITE_ERRORS)[number][] | readonly unknown[];
  updateDescription: string;
};

/**
 * The card a mutation answers with, read for the document's selection as a `prismaField` would
 * be (`queryFromInfo` follows the result union to its data field, and Pothos maps what the query
 * loads onto the row): the row the write returned when it holds every column selected, with no
 * read at all (a rename answering its version and name), else one read planned for the whole
 * selection (relations), under the same scope as the type's own node lookup. Without it, each
 * field the row did not come with was loaded after the fact, one statement for the lot even
 * when the row held them.
 */
export async function answered<R extends { id: string }>(ctx: Types['Context'], info: GraphQLResolveInfo, kind: CardKind, row: R): Promise<R> {
  const query = queryFromInfo({ context: ctx, info }) as { select?: Record<string, unknown>; include?: Record<string, unknown> };
  const wanted = query.select ?? query.include ?? {};
  if (Object.entries(wanted).every(([k, v]) => v === true && k in row)) return row;
  return ((await cardTable(ctx.db, kind).findFirst({ ...query, where: inScope(kind)(row.id, ctx) })) as R | null) ?? row;
}

/** The create / update / delete / restore mutations of a kind, each one call of the write path. */
export function cardMutations(kind: CardKind, opts: CardMutationOptions) {
  const d = descriptor(kind);
  const T = d.typeName;
  const errors = (opts.errors ?? WRITE_ERRORS) as typeof WRITE_ERRORS;
  const dataField = { name: d.label.one };
  const inputFields = (t: InputFields, create: boolean) => ({
    ...opts.fields(t, create),
    responsibleId: t.id({ description: create ? 'Defaults to the caller.' : undefined }),
    tags: t.stringList({ description: create ? 'Tag names; new ones are created.' : 'Replaces the tags when given.' }),
    customFields: customFieldsArg(t),
  });
  const CreateInput = builder.inputType(`Create${T}Input`, { fields: (t) => inputFields(t, true) });
  const UpdateInput = builder.inputType(`Update${T}Input`, {
    fields: (t) => ({ id: t.id({ required: true }), version: t.int({ required: true }), ...inputFields(t, false) }),
  });
  const decode = (ids: IdParser, input: Raw) => {
    const out: Record<string, unknown> = { ...input, customFields: decodeFieldInputs(ids, input.customFields) };
    for (const [key, idType] of Object.entries(opts.ids)) {
      out[key] = idType.many
        ? ids.many(key, idType.type, input[key] as string[] | null | undefined)
        : ids.one(key, idType.type, input[key] as string | null | undefined);
    }
    return out;
  };
  const ref = opts.type;

  builder.mutationField(`create${T}`, (t) =>
    t.field({
      type: ref,
      authScopes: { writer: true },
      errors: { types: errors, dataField },
      args: { input: t.arg({ type: CreateInput, required: true }) },
      resolve: async (_r, { input }, ctx, info) => {
        const ids = new IdParser();
        const data = decode(ids, input as Raw);
        // Malformed ids travel on to be listed with the kernel's own findings.
        return answered(ctx, info, kind, await createRecord(authed(ctx), kind, toWrite(kind, data), ids.issues));
      },
    }),
  );

  builder.mutationField(`update${T}`, (t) =>
    t.field({
      type: ref,
      authScopes: { writer: true },
      description: opts.updateDescription,
      errors: { types: errors, dataField },
      args: { input: t.arg({ type: UpdateInput, required: true }) },
      resolve: async (_r, { input }, ctx, info) => {
        const ids = new IdParser();
        const { id: rawId, version, ...rest } = input as Raw & { id: string; version: number };
        const id = ids.one('id', T, rawId);
        const data = decode(ids, rest);
        if (!id) ids.done();
        return answered(ctx, info, kind, await updateRecord(authed(ctx), kind, id, version, toWrite(kind, data), ids.issues));
      },
    }),
  );

  builder.mutationField(`delete${T}`, (t) =>
    t.field({
      type: ref,
      authScopes: { writer: true },
      description: `Moves the ${d.label.one} to the trash, from which restore${T} brings it back.`,
      errors: { types: WRITE_ERRORS, dataField },
      args: { id: t.arg.id({ required: true }), version: t.arg.int() },
      resolve: async (_r, a, ctx, info) => answered(ctx, info, kind, await trashRecord(authed(ctx), kind, parseId(T, a.id), a.version)),
    }),
  );

  builder.mutationField(`restore${T}`, (t) =>
    t.field({
      type: ref,
      authScopes: { writer: true },
      errors: { types: WRITE_ERRORS, dataField },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, a, ctx, info) => answered(ctx, info, kind, await restoreRecord(authed(ctx), kind, parseId(T, a.id))),
    }),
  );
}

/** Any kind's filter, as the shared list code reads it (each kind's own keys pass through). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface AnyFilter extends CommonFilter<AnyFilter> {}

/**
 * The kind's list: a connection named after it (`contacts`, `deals`, …) with its filter, an
 * order by the sort keys of its descriptor or by custom fields, and the trash.
 */
export function cardList(kind: CardKind, opts: { filter: InputObjectRef<Types, object>; ids: Record<string, string> }) {
  const d = descriptor(kind);
  const Order = orderInput(d.typeName, Object.keys(d.sort));
  // The three card models share what a list reads; the type parameter names one of them.
  builder.queryField(d.label.many, (t) =>
    t.prismaConnection({
      type: d.typeName as 'Contact',
      cursor: 'id',
      authScopes: { member: true },
      args: {
        filter: t.arg({ type: opts.filter }),
        orderBy: t.arg({ type: [Order], description: 'Newest first when left out.' }),
        inTrash: t.arg.boolean({ defaultValue: false, description: 'List the trash instead.' }),
        viewId: t.arg.id({ description: 'A saved view of this kind: its filter (and with `filter`, both), and its sort unless `orderBy` is given.' }),
      },
      resolve: async (query, _r, a, ctx) => listCards(authed(ctx), kind, await withView(authed(ctx), kind, a, opts.ids), query),
      totalCount: async (_c, a, ctx) => countCards(authed(ctx), kind, await withView(authed(ctx), kind, a, opts.ids)),
    }),
  );
}

type ListArgsIn = { filter?: object | null; orderBy?: object[] | null; inTrash?: boolean | null; viewId?: string | null };

/** A list's arguments with its saved view applied: the view's filter and the given one both hold. */
export async function withView(ctx: ServiceCtx, kind: CardKind, a: ListArgsIn, ids: Record<string, string>) {
  if (!a.viewId) return cardListArgs<AnyFilter, string>(a as never, ids);
  const view = await viewFor(ctx, kind, parseId('SavedView', a.viewId, 'viewId'));
  const filter = a.filter ? { and: [view.filter, a.filter] } : view.filter;
  const orderBy = a.orderBy ?? (view.sort.length ? view.sort : undefined);
  return cardListArgs<AnyFilter, string>({ filter, orderBy, inTrash: a.inTrash } as never, ids);
}
