// Saved views of the card lists: a name, the list's filter (kept as the list's filter input, with
// global ids, so using a view is the same request as sending its filter), a sort and the visible
// columns. Personal, or shared with the workspace by an administrator. Every workspace also has
// the built-in views below, kept in code so new and existing workspaces alike have them.
import type { ServiceCtx } from '../../context.js';
import { ForbiddenError, IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import { encodeGlobalId, tryDecodeId } from '../../lib/ids.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import type { Message } from '../../lib/i18n.js';
import { canRead } from '../../kernel/access/field-access.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { visibleDefinitions } from '../../kernel/fields/definitions.js';
import type { SavedViewModel } from '../../generated/prisma/models.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { VIEWS } from './saved-views.messages.js';

export type ViewSort = { field?: string | null; customFieldId?: string | null; direction: 'ASC' | 'DESC' };
type Json = Record<string, unknown>;

/** A view as the API shows it; built-in views have `builtIn` set and no row. */
export type View = {
  id: string;
  entityType: CardKind;
  /** A built-in view's name is a message, shown in the caller's language. */
  name: string | Message;
  shared: boolean;
  builtIn: boolean;
  ownerId: string | null;
  filter: Json;
  sort: ViewSort[];
  columns: string[];
};

// Built-in views: the same fixed ids in every workspace (their filters are read per viewer).
const BUILT_IN: { id: string; name: Message; filter: (viewerGlobalId: string) => Json; columns: string[] }[] = [
  {
    id: '00000000-0000-7000-8000-000000000001',
    name: VIEWS.myOpenDeals(),
    filter: (me) => ({ responsibleIds: [me], stageKinds: ['OPEN'] }),
    columns: ['name', 'amount', 'stage', 'responsible'],
  },
  { id: '00000000-0000-7000-8000-000000000002', name: VIEWS.noOpenTask(), filter: () => ({ hasOpenTask: false }), columns: ['name', 'stage', 'responsible'] },
  {
    id: '00000000-0000-7000-8000-000000000003',
    name: VIEWS.overdueTasks(),
    filter: () => ({ hasOverdueTask: true }),
    columns: ['name', 'stage', 'responsible'],
  },
  { id: '00000000-0000-7000-8000-000000000004', name: VIEWS.hotClient(), filter: () => ({ tags: ['Hot client'] }), columns: ['name', 'amount', 'tags'] },
];

function builtIns(ctx: ServiceCtx, kind: CardKind): View[] {
  if (kind !== 'DEAL') return [];
  const me = encodeGlobalId('User', ctx.viewer.userId);
  return BUILT_IN.map((b) => ({
    id: b.id,
    entityType: 'DEAL',
    name: b.name,
    shared: true,
    builtIn: true,
    ownerId: null,
    filter: b.filter(me),
    sort: [],
    columns: b.columns,
  }));
}

const fromRow = (r: SavedViewModel): View => ({
  id: r.id,
  entityType: r.entityType,
  name: r.name,
  shared: r.ownerId === null,
  builtIn: false,
  ownerId: r.ownerId,
  filter: r.filter as Json,
  sort: r.sort as ViewSort[],
  columns: r.columns,
});

/** The views of a kind the viewer may use: the built-in ones, the shared ones and their own. */
export async function savedViews(ctx: ServiceCtx, kind: CardKind): Promise<View[]> {
  const rows = await ctx.db.savedView.findMany({
    where: { workspaceId: ctx.viewer.workspaceId, entityType: kind, OR: [{ ownerId: null }, { ownerId: ctx.viewer.userId }] },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
  return [...builtIns(ctx, kind), ...rows.map(fromRow)];
}

/** One view the viewer may use, of the list's kind. */
export async function viewFor(ctx: ServiceCtx, kind: CardKind, id: string): Promise<View> {
  const built = builtIns(ctx, kind).find((b) => b.id === id);
  if (built) return built;
  const row = await ctx.db.savedView.findFirst({
    where: { id, workspaceId: ctx.viewer.workspaceId, entityType: kind, OR: [{ ownerId: null }, { ownerId: ctx.viewer.userId }] },
  });
  if (!row) throw new NotFoundError('SavedView', encodeGlobalId('SavedView', id));
  return fromRow(row);
}

/** The columns of a view the viewer may see: system fields their role hides and hidden custom fields are left out. */
export async function visibleColumns(ctx: ServiceCtx, view: View): Promise<string[]> {
  const shown = new Set((await visibleDefinitions(ctx, view.entityType)).map((d) => encodeGlobalId('CustomField', d.id)));
  const access = descriptor(view.entityType).access;
  return view.columns.filter((c) => (c in access ? canRead(ctx.viewer, view.entityType, c) : !tryDecodeId('CustomField', c) || shown.has(c)));
}

/** System columns a view may show, per kind (custom fields are named by their global id). */
const SYSTEM_COLUMNS: Record<CardKind, string[]> = {
  CONTACT: ['name', 'position', 'phones', 'emails', 'company', 'responsible', 'tags', 'createdAt', 'updatedAt', 'lastActivityAt'],
  COMPANY: ['name', 'address', 'website', 'phones', 'emails', 'responsible', 'tags', 'createdAt', 'updatedAt', 'lastActivityAt'],
  DEAL: ['name', 'amount', 'pipeline', 'stage', 'responsible', 'company', 'contacts', 'tags', 'closedAt', 'createdAt', 'updatedAt', 'lastActivityAt'],
};

export type ViewInput = { name?: string | null; shared?: boolean | null; filter?: Json | null; sort?: ViewSort[] | null; columns?: string[] | null };

/**
 * Checks a view's name and columns; the filter and sort are checked by the caller with the list's
 * own rules (`checkList`), so a view can hold nothing a list would refuse.
 */
async function check(ctx: ServiceCtx, kind: CardKind, input: ViewInput, issues: IssueList, creating: boolean) {
  const name = input.name?.trim();
  if (creating || input.name !== undefined) {
    if (!name) issues.add('name', VIEWS.nameEmpty());
    else if (name.length > 100) issues.add('name', VIEWS.nameTooLong({ max: 100 }));
  }
  if (input.shared) assertAdmin(ctx.viewer, VIEWS.share());
  if (input.columns) {
    const shown = new Set((await visibleDefinitions(ctx, kind)).map((d) => d.id));
    input.columns.forEach((c, i) => {
      if (SYSTEM_COLUMNS[kind].includes(c)) {
        if (c in descriptor(kind).access && !canRead(ctx.viewer, kind, c)) issues.add(`columns[${i}]`, VIEWS.unknownColumn({ column: c }));
        return;
      }
      const id = tryDecodeId('CustomField', c);
      if (!id || !shown.has(id)) issues.add(`columns[${i}]`, VIEWS.unknownColumn({ column: c }));
    });
  }
  return name;
}

/** Checks the filter and sort as the list would read them: `checkList` throws the list's ValidationError. */
async function checked(issues: IssueList, checkList: () => Promise<unknown>) {
  try {
    await checkList();
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const f of e.fields) issues.add(f.field, f.message);
  }
}

export async function createSavedView(ctx: ServiceCtx, kind: CardKind, input: ViewInput, checkList: () => Promise<unknown>, issues = new IssueList()) {
  const name = await check(ctx, kind, input, issues, true);
  await checked(issues, checkList);
  issues.throwIfAny();
  const row = await ctx.db.savedView.create({
    data: {
      workspaceId: ctx.viewer.workspaceId,
      entityType: kind,
      name: name!,
      ownerId: input.shared ? null : ctx.viewer.userId,
      filter: (input.filter ?? {}) as Prisma.InputJsonValue,
      sort: (input.sort ?? []) as Prisma.InputJsonValue,
      columns: input.columns ?? [],
    },
  });
  return fromRow(row);
}

/** A stored view the viewer may change: their own, or (administrators) a shared one. */
async function own(ctx: ServiceCtx, id: string) {
  if (BUILT_IN.some((b) => b.id === id)) throw new ForbiddenError(VIEWS.builtIn());
  const row = await ctx.db.savedView.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId, OR: [{ ownerId: null }, { ownerId: ctx.viewer.userId }] } });
  if (!row) throw new NotFoundError('SavedView', encodeGlobalId('SavedView', id));
  if (row.ownerId === null) assertAdmin(ctx.viewer, VIEWS.changeShared());
  return row;
}

export async function savedViewKind(ctx: ServiceCtx, id: string): Promise<CardKind> {
  return (await own(ctx, id)).entityType;
}

export async function updateSavedView(ctx: ServiceCtx, id: string, input: ViewInput, checkList: () => Promise<unknown>, issues = new IssueList()) {
  const row = await own(ctx, id);
  const name = await check(ctx, row.entityType, input, issues, false);
  await checked(issues, checkList);
  issues.throwIfAny();
  const updated = await ctx.db.savedView.update({
    where: { id },
    data: {
      ...(name ? { name } : {}),
      ...(input.shared !== undefined && input.shared !== null ? { ownerId: input.shared ? null : ctx.viewer.userId } : {}),
      ...(input.filter ? { filter: input.filter as Prisma.InputJsonValue } : {}),
      ...(input.sort ? { sort: input.sort as Prisma.InputJsonValue } : {}),
      ...(input.columns ? { columns: input.columns } : {}),
    },
  });
  return fromRow(updated);
}

export async function deleteSavedView(ctx: ServiceCtx, id: string) {
  const row = await own(ctx, id);
  await ctx.db.savedView.delete({ where: { id } });
  return fromRow(row);
}
