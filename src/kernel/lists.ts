// Card lists, for every kind alike: the filter every kind shares (search, responsible, tags,
// dates, custom fields, nested and / or) plus the kind's own keys, the order (system keys from
// the kind's descriptor, custom fields by their slot column) and the page, read in two ranges
// when it leads with a custom field so the slot's partial index serves it.
import type { ServiceCtx } from '../context.js';
import { IssueList } from '../lib/errors.js';
import { likeLiteral, normalizePhone, searchIssue } from '../lib/validate.js';
import { customFieldConditions, sortSlot, type CustomFieldFilterInput } from './fields/filters.js';
import type { FieldDef } from './fields/values.js';
import { definitions, visibleDefinitions } from './fields/definitions.js';
import { workspaceRegion } from './workspace.js';
import { canRead, hidesAny } from './access/field-access.js';
import { visible } from './access/visibility.js';
import { descriptor, type CardKind } from './card-kinds.js';
import { cardTable, type CardRow } from './tables.js';
import { CARD } from './messages.js';
import { cursorSeen } from '../lib/cursors.js';

/** One sort key: a system field, or a custom field (by id). */
export type SortInput<F extends string> = { field?: F | null; customFieldId?: string | null; direction: 'ASC' | 'DESC' };

// `cursor` is the connection's unique-field cursor, as plugin-prisma builds it.
export type Page = { take?: number; skip?: number; cursor?: { id?: string } };

/**
 * Terms a search string is matched by: the text itself, and when it looks like a phone
 * number, its digits (a full number normalized to E.164 first, so "8 (912) 345-67-89" finds
 * +79123456789).
 */
export function searchTerms(q: string, region: string): string[] {
  const text = q.trim().toLowerCase();
  if (!text) return [];
  const terms = [text];
  if (/^[\d\s()+\-.]+$/.test(text)) {
    const digits = text.replace(/\D/g, '');
    const full = normalizePhone(text, region);
    if (full) terms.push(full.slice(1));
    else if (digits.length >= 3) {
      terms.push(digits);
      // Russians and Kazakhs dial 8 for the +7 country code: "8 915" means "7915".
      if ((region === 'RU' || region === 'KZ') && digits.startsWith('8') && digits.length >= 4) terms.push(`7${digits.slice(1)}`);
    }
  }
  return [...new Set(terms)];
}

/**
 * Search conditions for the terms: over names, phones and e-mails, or over the name alone when
 * `details` is false (a role that hides some of them, so search cannot reveal their values).
 */
export function searchWhere(terms: string[], details = true) {
  // `contains` becomes LIKE: the user's % and _ are meant literally, not as wildcards.
  return terms.map((t) => (details ? { searchText: { contains: likeLiteral(t) } } : { name: { contains: likeLiteral(t), mode: 'insensitive' as const } }));
}

/** The system fields of a card type hidden from the viewer's role. */
export function hiddenSystemFields(viewer: ServiceCtx['viewer'], kind: CardKind): Set<string> {
  return new Set(Object.keys(descriptor(kind).access).filter((f) => !canRead(viewer, kind, f)));
}

/**
 * Whether search may look at a card type's phones and e-mails for the viewer: only when none of
 * them, system or custom, is hidden from the viewer's role. Otherwise it matches names alone.
 */
export async function searchesDetails(ctx: ServiceCtx, kind: CardKind): Promise<boolean> {
  const entity = kind;
  if (ctx.viewer.isAdmin || !ctx.viewer.fieldAccess?.[entity]) return true;
  if (hidesAny(ctx.viewer, entity, ['phones', 'emails'])) return false;
  const shown = new Set((await visibleDefinitions(ctx, entity)).map((d) => d.id));
  return !(await definitions(ctx, entity)).some((d) => (d.type === 'PHONE' || d.type === 'EMAIL') && !shown.has(d.id));
}

export function dateRange(r: { from?: Date | null; to?: Date | null } | null | undefined) {
  if (!r) return undefined;
  const out: { gte?: Date; lte?: Date } = {};
  if (r.from) out.gte = r.from;
  if (r.to) out.lte = r.to;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The order of a card list: the requested keys (custom fields by their slot column, empties
 * last either way), then the id as the final tie-breaker. `split` names the leading custom field
 * column, which `pageCards` reads in two parts so its partial index serves the page.
 */
export function orderBy<F extends string>(
  kind: CardKind,
  sort: SortInput<F>[] | null | undefined,
  fallback: SortInput<F>,
  defs: FieldDef[],
  issues: IssueList,
): CardOrder {
  const list = sort?.length ? sort : [fallback];
  const keys = list.map((s, i) => {
    const dir = s.direction === 'ASC' ? ('asc' as const) : ('desc' as const);
    const path = `orderBy[${i}]`;
    if ((s.field ? 1 : 0) + (s.customFieldId !== null && s.customFieldId !== undefined ? 1 : 0) !== 1) {
      issues.add(path, CARD.sortEither());
      return { order: {} };
    }
    if (s.field) return { order: sortOrder(kind, s.field, dir) };
    const col = sortSlot(defs, issues, s.customFieldId!, `${path}.customFieldId`);
    return col ? { order: { [col]: { sort: dir, nulls: 'last' } }, col, dir } : { order: {} };
  });
  const id = { id: list[list.length - 1].direction === 'ASC' ? 'asc' : 'desc' };
  const lead = keys[0];
  return {
    orderBy: [...keys.map((k) => k.order), id],
    split: lead.col ? { col: lead.col, dir: lead.dir!, rest: [...keys.slice(1).map((k) => k.order), id] } : undefined,
  };
}

export type CardOrder = { orderBy: object[]; split?: { col: string; dir: 'asc' | 'desc'; rest: object[] } };

/** A list's order for the viewer: `orderBy()` with its fallback, a key the viewer's role hides refused. */
export function listOrder<S extends string>(ctx: ServiceCtx, kind: CardKind, sort: SortInput<S>[] | null | undefined, defs: FieldDef[], issues: IssueList) {
  const hidden = hiddenSystemFields(ctx.viewer, kind);
  const keys = descriptor(kind).sort;
  sort?.forEach((s, i) => {
    const key = s.field && keys[s.field];
    if (key && 'column' in key && !('relation' in key) && hidden.has(key.column)) issues.add(`orderBy[${i}].field`, HIDDEN_FIELD);
  });
  // Newest first when no order is given.
  return orderBy(kind, sort, { field: 'CREATED_AT' as S, direction: 'DESC' }, defs, issues);
}

const COLUMN = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * A card order as the ORDER BY of a statement over the card table as `alias`, for a page picked
 * in one raw statement (the board plan, modules/deals/deals.board.ts): the same keys, directions
 * and empties-last as the Prisma order. Null when a key is no column of the card table (a
 * relation's) or the order leads with a custom field (read in two ranges by pageCards).
 */
export function orderSql(order: CardOrder, alias: string): string | null {
  if (order.split) return null;
  const parts: string[] = [];
  for (const key of order.orderBy) {
    const entries = Object.entries(key);
    if (entries.length !== 1) return null;
    const [column, how] = entries[0] as [string, unknown];
    if (!COLUMN.test(column)) return null;
    if (how === 'asc' || how === 'desc') parts.push(`${alias}."${column}" ${how}`);
    else if (how && typeof how === 'object' && Object.keys(how).every((k) => k === 'sort' || k === 'nulls')) {
      const { sort, nulls } = how as { sort?: unknown; nulls?: unknown };
      if ((sort !== 'asc' && sort !== 'desc') || (nulls !== undefined && nulls !== 'last' && nulls !== 'first')) return null;
      parts.push(`${alias}."${column}" ${sort}${nulls ? ` nulls ${nulls}` : ''}`);
    } else return null;
  }
  return parts.join(', ');
}

type Shape = { include?: object; select?: object };
type FindArgs = Shape & { where: object; orderBy: object[]; take?: number; skip?: number; cursor?: { id?: string } };

/**
 * One page of a card list. When the order leads with a custom field, the cards holding a value
 * and those without are read as two ranges (empties last), each in an order its index serves:
 * one `WHERE slot IS NOT NULL ORDER BY slot, ..., id` range, then `WHERE slot IS NULL ORDER BY
 * ..., id`. Cursors are card ids; the cursor card's value says which range it is in.
 */
export async function pageCards<R = CardRow>(ctx: ServiceCtx, kind: CardKind, where: object, order: CardOrder, query: Shape & Page): Promise<R[]> {
  const table = cardTable(ctx.db, kind);
  const find = async (args: FindArgs): Promise<R[]> => {
    const { include, select, ...range } = args;
    // Relations are joined into the page's statement (relationJoins), but PostgreSQL would join
    // them for every card in the range before sorting and cutting the page, and with a cursor
    // Prisma does not join at all. So a page with relations takes its ids first (sort, cursor
    // and limit on the card table alone), then reads those cards with their relations joined:
    // two statements whatever the page size.
    const joins = include ? Object.keys(include).length > 0 : Object.values(select ?? {}).some((v) => typeof v === 'object');
    if (!joins) return (await table.findMany(args)) as R[];
    const ids = ((await table.findMany({ ...range, select: { id: true } })) as { id: string }[]).map((r) => r.id);
    if (!ids.length) return [];
    return (await table.findMany({ include, select, where: { id: { in: ids } }, orderBy: args.orderBy } as FindArgs)) as R[];
  };
  // The cursor card must be one the viewer may see (see lib/cursors.ts); its slot value says which range it is in.
  let cursorRow: Record<string, unknown> | null = null;
  const seen = await cursorSeen(query.cursor, async (id) => {
    cursorRow = await table.findFirst({
      where: { AND: [visible(ctx, kind), { id }] },
      select: { id: true, ...(order.split ? { [order.split.col]: true } : {}) },
    });
    return cursorRow;
  });
  if (!seen) return [];
  const { take, skip, cursor, ...shape } = query;
  if (!order.split) return find({ ...shape, where, orderBy: order.orderBy, take, skip, cursor });
  const { col, dir, rest } = order.split;
  const held = { where: { AND: [where, { [col]: { not: null } }] }, orderBy: [{ [col]: dir }, ...rest] };
  const empty = { where: { AND: [where, { [col]: null }] }, orderBy: rest };
  const n = take === undefined ? Infinity : Math.abs(take);
  let inHeld: boolean | undefined;
  if (cursor) inHeld = cursorRow![col] !== null && cursorRow![col] !== undefined;
  const page = (part: typeof held, count: number, withCursor: boolean) =>
    find({ ...shape, ...part, ...(withCursor ? { cursor, skip } : {}), ...(count === Infinity ? {} : { take: take! < 0 ? -count : count }) });
  if (take === undefined || take >= 0) {
    const a = inHeld === false ? [] : await page(held, n, inHeld === true);
    if (a.length >= n) return a;
    return [...a, ...(await page(empty, n - a.length, inHeld === false))];
  }
  // Backwards: the end of the empties first, then the end of the held range.
  const b = inHeld === true ? [] : await page(empty, n, inHeld === false);
  if (b.length >= n) return b;
  return [...(await page(held, n - b.length, inHeld === true)), ...b];
}

// Lists

type Range = { from?: Date | null; to?: Date | null } | null;

/** The filter keys every card type has; each type adds its own. */
export type CommonFilter<F> = {
  search?: string | null;
  responsibleIds?: string[] | null;
  tags?: string[] | null;
  createdAt?: Range;
  updatedAt?: Range;
  customFields?: CustomFieldFilterInput[] | null;
  and?: F[] | null;
  or?: F[] | null;
};

export type FilterEnv<F> = {
  region: string;
  /** The type's custom field definitions. */
  defs: FieldDef[];
  issues: IssueList;
  /** Conditions of the type's own keys. */
  own?: (f: F, path: string) => object[];
  /** Turns search terms into the type's condition (default: its own names, phones, e-mails). */
  search?: (terms: string[]) => object;
  /** Whether search looks at phones and e-mails (see searchesDetails). */
  details?: boolean;
  /** System fields hidden from the viewer: filtering by them is refused. */
  hidden?: Set<string>;
};

/** The issue for a filter or sort on a field the viewer's role hides. */
export const HIDDEN_FIELD = CARD.hiddenField();

/** Builds a card list's where: the shared conditions, the type's own keys, custom fields, and nested and / or. */
export function cardFilter<F extends CommonFilter<F>>(f: F, env: FilterEnv<F>, path = 'filter.'): { AND: object[] } {
  const custom = customFieldConditions(env.defs, env.region, env.issues);
  const build = (x: F, at: string): { AND: object[] } => {
    const and: object[] = [];
    const bad = searchIssue(x.search, `${at}search`);
    if (bad) env.issues.add(bad.field, bad.message);
    const terms = x.search && !bad ? searchTerms(x.search, env.region) : [];
    if (terms.length) and.push(env.search ? env.search(terms) : { OR: searchWhere(terms, env.details ?? true) });
    if (x.responsibleIds?.length) {
      if (env.hidden?.has('responsible')) env.issues.add(`${at}responsibleIds`, HIDDEN_FIELD);
      else and.push({ responsibleId: { in: x.responsibleIds } });
    }
    if (x.tags?.length) and.push({ tags: { some: { tag: { name: { in: x.tags } } } } });
    for (const key of ['createdAt', 'updatedAt'] as const) {
      const r = dateRange(x[key]);
      if (r) and.push({ [key]: r });
    }
    and.push(...(env.own?.(x, at) ?? []));
    and.push(...custom(x.customFields, at));
    x.and?.forEach((y, i) => and.push(build(y, `${at}and[${i}].`)));
    if (x.or?.length) and.push({ OR: x.or.map((y, i) => build(y, `${at}or[${i}].`)) });
    return { AND: and };
  };
  return build(f, path);
}

/** The live cards of the viewer's workspace they may see, or its trash. */
export function cardScope(ctx: ServiceCtx, kind: CardKind, inTrash: boolean | null | undefined) {
  return { ...visible(ctx, kind), deletedAt: inTrash ? { not: null } : null };
}

/** A system sort key of the kind's descriptor as a Prisma order. */
export function sortOrder(kind: CardKind, key: string, dir: 'asc' | 'desc'): object {
  const k = descriptor(kind).sort[key];
  if ('relation' in k) return { [k.relation]: { [k.column]: dir } };
  return { [k.column]: k.nullsLast ? { sort: dir, nulls: 'last' } : dir };
}

/** A kind's own list rules: its filter keys and, where it differs, its search. */
export type ListHooks<F> = {
  /** Conditions of the kind's own filter keys (issues for bad ones; `hidden`: system fields the role hides). */
  own?(ctx: ServiceCtx, issues: IssueList, hidden: Set<string>): (f: F, path: string) => object[];
  /** The kind's search (default: its own names, phones and e-mails). */
  search?(ctx: ServiceCtx): Promise<(terms: string[]) => object>;
};

const listHooks = new Map<CardKind, ListHooks<never>>();

export function registerListHooks<F>(kind: CardKind, h: ListHooks<F>) {
  listHooks.set(kind, h as ListHooks<never>);
}

export type ListArgs<F, S extends string> = { filter?: F | null; orderBy?: SortInput<S>[] | null; inTrash?: boolean | null };

/** Whether the filter, or one nested in it, holds a key `has` looks for. */
function mentions<F extends CommonFilter<F>>(f: F | null | undefined, has: (f: F) => boolean): boolean {
  if (!f) return false;
  return has(f) || !!f.and?.some((x) => mentions(x, has)) || !!f.or?.some((x) => mentions(x, has));
}

/** A list's where and order, every bad filter or sort key reported at once. */
export async function listQuery<F extends CommonFilter<F>, S extends string>(ctx: ServiceCtx, kind: CardKind, args: ListArgs<F, S>) {
  const hooks = (listHooks.get(kind) ?? {}) as ListHooks<F>;
  const { phoneRegion } = await workspaceRegion(ctx);
  // Only the fields the viewer can see may be filtered and sorted by. The definitions (and what
  // search may look at) are read only when the list filters or sorts by a custom field (or
  // searches): a plain page costs no statement for them.
  const custom =
    mentions(args.filter, (f) => !!f.customFields?.length) || !!args.orderBy?.some((s) => s.customFieldId !== null && s.customFieldId !== undefined);
  const searching = mentions(args.filter, (f) => f.search !== null && f.search !== undefined);
  const defs = custom ? await visibleDefinitions(ctx, kind) : [];
  const hidden = hiddenSystemFields(ctx.viewer, kind);
  const issues = new IssueList();
  const search = hooks.search && searching ? await hooks.search(ctx) : undefined;
  const details = search || !searching ? undefined : await searchesDetails(ctx, kind);
  const filter = cardFilter(args.filter ?? ({} as F), { region: phoneRegion, defs, issues, own: hooks.own?.(ctx, issues, hidden), search, details, hidden });
  const order = listOrder(ctx, kind, args.orderBy, defs, issues);
  issues.throwIfAny();
  return { where: { AND: [cardScope(ctx, kind, !!args.inTrash), filter] }, order };
}

/** One page of a kind's list, as the viewer may see it. */
export async function listCards<R, F extends CommonFilter<F>, S extends string>(ctx: ServiceCtx, kind: CardKind, args: ListArgs<F, S>, query: Shape & Page) {
  const { where, order } = await listQuery(ctx, kind, args);
  return pageCards<R>(ctx, kind, where, order, query);
}

export async function countCards<F extends CommonFilter<F>, S extends string>(ctx: ServiceCtx, kind: CardKind, args: ListArgs<F, S>) {
  return cardTable(ctx.db, kind).count({ where: (await listQuery(ctx, kind, args)).where });
}
