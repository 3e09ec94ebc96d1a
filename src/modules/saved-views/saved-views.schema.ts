// Saved views (saved-views.service.ts) as the API shows them; the lists take `viewId`
// (cards/card-api.ts).
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, parseId } from '../../lib/ids.js';
import { render } from '../../lib/i18n.js';
import { IssueList, ValidationError } from '../../lib/errors.js';
import type { ServiceCtx } from '../../context.js';
import { listQuery, type CommonFilter } from '../../kernel/lists.js';
import type { CardKind } from '../../kernel/card-kinds.js';
import { SortDirection, WRITE_ERRORS } from '../common/common.schema.js';
import { cardListArgs, EntityType } from '../cards/cards.schema.js';
import { DealFilter, ID_FIELDS as DEAL_IDS } from '../deals/deals.schema.js';
import { ContactFilter, ID_FIELDS as CONTACT_IDS } from '../contacts/contacts.schema.js';
import { CompanyFilter, ID_FIELDS as COMPANY_IDS } from '../companies/companies.schema.js';
import * as views from './saved-views.service.js';
import { VIEWS } from './saved-views.messages.js';

const ViewSort = builder.objectRef<views.ViewSort>('SavedViewSort').implement({
  fields: (t) => ({
    field: t.string({ nullable: true, description: "A system sort key of the list's order (e.g. CREATED_AT).", resolve: (s) => s.field ?? null }),
    customFieldId: t.id({ nullable: true, resolve: (s) => s.customFieldId ?? null }),
    direction: t.field({ type: SortDirection, resolve: (s) => s.direction }),
  }),
});

const SavedView = builder.objectRef<views.View>('SavedView').implement({
  description: 'A named filter, sort and set of columns of a card list; use it as `deals(viewId:)` (or contacts, companies).',
  fields: (t) => ({
    id: t.id({ resolve: (v) => encodeGlobalId('SavedView', v.id) }),
    entityType: t.field({ type: EntityType, resolve: (v) => v.entityType }),
    name: t.string({ resolve: (v, _a, ctx) => (typeof v.name === 'string' ? v.name : render(v.name, ctx.locale)) }),
    shared: t.exposeBoolean('shared', { description: 'Shared with the workspace (made by an administrator), or the caller’s own.' }),
    builtIn: t.exposeBoolean('builtIn', { description: 'One of the views every workspace has; it cannot be changed.' }),
    filter: t.string({
      nullable: true,
      description: "The filter as JSON, in the shape of the list's filter input (e.g. DealFilter); null when it names a field the caller's role hides.",
      resolve: async (v, _a, ctx) => ((await refused(authed(ctx), v.entityType, v.filter)) ? null : JSON.stringify(v.filter)),
    }),
    sort: t.field({ type: [ViewSort], resolve: (v) => v.sort }),
    columns: t.stringList({
      description: 'System fields by name, custom fields by global id; those hidden from the caller’s role are left out.',
      resolve: (v, _a, ctx) => views.visibleColumns(authed(ctx), v),
    }),
  }),
});

/** Whether the list would refuse this filter for the viewer (it names a field their role hides). */
async function refused(ctx: ServiceCtx, kind: CardKind, filter: object) {
  try {
    const args = cardListArgs({ filter: filter as never }, ID_FIELDS[kind]);
    await listQuery(ctx, kind, { filter: (args.filter ?? null) as CommonFilter<never> | null });
    return false;
  } catch (e) {
    if (e instanceof ValidationError) return true;
    throw e;
  }
}

builder.queryField('savedViews', (t) =>
  t.field({
    type: [SavedView],
    authScopes: { member: true },
    description: "The built-in views, the workspace's shared views and the caller's own, of one kind of card.",
    args: { entityType: t.arg({ type: EntityType, required: true }) },
    resolve: (_r, a, ctx) => views.savedViews(authed(ctx), a.entityType),
  }),
);

const SortInput = builder.inputType('SavedViewSortInput', {
  description: "One sort key, as in the list's orderBy: a system `field` (the list's sort field name) or a custom field.",
  fields: (t) => ({ field: t.string(), customFieldId: t.id(), direction: t.field({ type: SortDirection, defaultValue: 'ASC' }) }),
});

const inputFields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<never>, 'InputObject'>) => ({
  name: t.string(),
  shared: t.boolean({ description: 'Share with the workspace (administrators only).' }),
  dealFilter: t.field({ type: DealFilter, description: 'The filter of a DEAL view; on update, null clears it.' }),
  contactFilter: t.field({ type: ContactFilter, description: 'The filter of a CONTACT view; on update, null clears it.' }),
  companyFilter: t.field({ type: CompanyFilter, description: 'The filter of a COMPANY view; on update, null clears it.' }),
  sort: t.field({ type: [SortInput], description: 'On update, null clears it.' }),
  columns: t.stringList({ description: 'System fields by name (name, amount, stage, …), custom fields by global id.' }),
});

const CreateInput = builder.inputType('CreateSavedViewInput', {
  fields: (t) => ({ entityType: t.field({ type: EntityType, required: true }), ...inputFields(t as never) }),
});
const UpdateInput = builder.inputType('UpdateSavedViewInput', {
  fields: (t) => ({ id: t.id({ required: true }), ...inputFields(t as never) }),
});

type RawInput = {
  name?: string | null;
  shared?: boolean | null;
  dealFilter?: object | null;
  contactFilter?: object | null;
  companyFilter?: object | null;
  sort?: { field?: string | null; customFieldId?: string | null; direction?: 'ASC' | 'DESC' | null }[] | null;
  columns?: string[] | null;
};

const FILTER_KEY = { DEAL: 'dealFilter', CONTACT: 'contactFilter', COMPANY: 'companyFilter' } as const;
const ID_FIELDS = { DEAL: DEAL_IDS, CONTACT: CONTACT_IDS, COMPANY: COMPANY_IDS };

/**
 * The view's input as the service keeps it (the filter as sent, global ids and all), and a check
 * that runs its filter and sort through the list's own rules, issues named at the input's keys.
 */
function prepare(kind: CardKind, input: RawInput, issues: IssueList) {
  for (const k of CARD_KINDS_OTHER(kind)) if (input[FILTER_KEY[k]]) issues.add(FILTER_KEY[k], VIEWS.filterOfKind({ kind }));
  // null clears the filter (and the sort); absent keeps them.
  const given = input[FILTER_KEY[kind]];
  const filter = given === null ? {} : given;
  const sort =
    input.sort === null ? [] : input.sort?.map((s) => ({ field: s.field ?? null, customFieldId: s.customFieldId ?? null, direction: s.direction ?? 'ASC' }));
  const at = FILTER_KEY[kind];
  return {
    data: { name: input.name, shared: input.shared, filter: filter as Record<string, unknown> | undefined, sort, columns: input.columns },
    check: (ctx: ServiceCtx) => async () => {
      try {
        const args = cardListArgs({ filter: filter as never, orderBy: sort as never }, ID_FIELDS[kind]);
        await listQuery(ctx, kind, { filter: (args.filter ?? null) as CommonFilter<never> | null, orderBy: args.orderBy as never });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        // The list names its issues at filter.… and orderBy[…]; the view's input calls them so.
        throw new ValidationError(e.fields.map((f) => ({ ...f, field: f.field.replace(/^filter/, at).replace(/^orderBy/, 'sort') })));
      }
    },
  };
}

const CARD_KINDS_OTHER = (kind: CardKind) => (['DEAL', 'CONTACT', 'COMPANY'] as const).filter((k) => k !== kind);

builder.mutationField('createSavedView', (t) =>
  t.field({
    type: SavedView,
    authScopes: { member: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'view' } },
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const c = authed(ctx);
      const issues = new IssueList();
      const p = prepare(input.entityType, input as RawInput, issues);
      return views.createSavedView(c, input.entityType, p.data, p.check(c), issues);
    },
  }),
);

builder.mutationField('updateSavedView', (t) =>
  t.field({
    type: SavedView,
    authScopes: { member: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'view' } },
    args: { input: t.arg({ type: UpdateInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const c = authed(ctx);
      const id = parseId('SavedView', input.id);
      const kind = await views.savedViewKind(c, id);
      const issues = new IssueList();
      const p = prepare(kind, input as RawInput, issues);
      return views.updateSavedView(c, id, p.data, p.check(c), issues);
    },
  }),
);

builder.mutationField('deleteSavedView', (t) =>
  t.field({
    type: SavedView,
    authScopes: { member: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'view' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => views.deleteSavedView(authed(ctx), parseId('SavedView', a.id)),
  }),
);
