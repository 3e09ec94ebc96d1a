// What contacts, companies and deals share: responsible users, tags, search text, system
// fields, versions and the trash. Each card service calls these, so the rules hold alike.
import type { ServiceCtx } from '../../context.js';
import { ConflictError, ForbiddenError, IssueList, NotFoundError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import { likeLiteral, normalizePhone } from '../../lib/validate.js';
import DataLoader from 'dataloader';
import { perRequest, perRequestValue } from '../../lib/per-request.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as rights from '../../kernel/access/rights.js';
import { customFieldConditions, sortSlot, type CustomFieldFilterInput } from '../custom-fields/filters.js';
import type { FieldDef } from '../custom-fields/values.js';
import { definitions, visibleDefinitions } from '../custom-fields/custom-fields.service.js';
import { canRead, hidesAny, SYSTEM_FIELDS, type CardEntity } from '../../kernel/access/field-access.js';

export type CardKind = 'contact' | 'company' | 'deal';
export const ENTITY: Record<CardKind, rights.Entity> = { contact: 'CONTACT', company: 'COMPANY', deal: 'DEAL' };
export const KIND = { CONTACT: 'contact', COMPANY: 'company', DEAL: 'deal' } as const satisfies Record<string, CardKind>;

/** The viewer's cards of a kind they may see: the workspace, narrowed by the role's VIEW scope. */
export function visible(ctx: ServiceCtx, kind: CardKind) {
  // Under AND, so the scope's own keys (id, OR) never replace the caller's.
  return { workspaceId: ctx.viewer.workspaceId, AND: [rights.allowed(ctx.viewer, ENTITY[kind], 'VIEW')] };
}

/** The VIEW condition alone (no workspace), for relation filters; {} when the role sees all. */
export function viewable(viewer: ServiceCtx['viewer'], kind: CardKind) {
  return rights.allowed(viewer, ENTITY[kind], 'VIEW');
}

/**
 * Whether the viewer may see a related card (a deal's company, a contact's company). Batched
 * per request with a DataLoader; a role that sees every card of the kind costs no query.
 */
export function canSee(ctx: ServiceCtx, kind: CardKind, id: string): Promise<boolean> {
  if (rights.scopeOf(ctx.viewer, ENTITY[kind], 'VIEW') === 'ALL') return Promise.resolve(true);
  const loader = perRequestValue(ctx, `visible:${kind}`, () =>
    new DataLoader<string, boolean>(async (ids) => {
      const where = { id: { in: [...ids] }, ...visible(ctx, kind) };
      const found =
        kind === 'deal'
          ? await ctx.db.deal.findMany({ where, select: { id: true } })
          : kind === 'contact'
            ? await ctx.db.contact.findMany({ where, select: { id: true } })
            : await ctx.db.company.findMany({ where, select: { id: true } });
      const seen = new Set(found.map((f) => f.id));
      return ids.map((i) => seen.has(i));
    }),
  );
  return loader.load(id);
}

async function teamsOf(ctx: ServiceCtx, userId: string) {
  return (await ctx.db.teamMember.findMany({ where: { userId }, select: { teamId: true } })).map((t) => t.teamId);
}

/**
 * An action on a record (a card or a task) needs the role's scope for it to cover the record's
 * responsible: the new record's on CREATE. Otherwise ForbiddenError and nothing changes. Cards
 * the viewer cannot see never get here: their lookups answer NotFoundError.
 */
export async function assertCovers(ctx: ServiceCtx, entity: rights.Entity, action: rights.Action, responsibleId: string) {
  const scope = rights.scopeOf(ctx.viewer, entity, action);
  if (scope === 'ALL') return;
  if (!rights.covers(ctx.viewer, scope, responsibleId, scope === 'TEAM' ? await teamsOf(ctx, responsibleId) : [])) {
    throw rights.forbidden(entity, action, scope);
  }
}

export const assertRight = (ctx: ServiceCtx, kind: CardKind, action: 'EDIT' | 'DELETE', responsibleId: string) =>
  assertCovers(ctx, ENTITY[kind], action, responsibleId);

export const assertCreate = (ctx: ServiceCtx, kind: CardKind, responsibleId: string) => assertCovers(ctx, ENTITY[kind], 'CREATE', responsibleId);

/**
 * Handing a card or task to another responsible: the new one must be within the viewer's EDIT
 * scope too, so nothing leaves the scope it was edited under (as a create must fall within the
 * CREATE scope). Skipped when the new responsible is already reported as not a valid user.
 */
export async function assertHandover(ctx: ServiceCtx, entity: rights.Entity, from: string, to: string | undefined, issues: IssueList, field = 'responsibleId') {
  if (!to || to === from || issues.issues.some((i) => i.field === field)) return;
  await assertCovers(ctx, entity, 'EDIT', to);
}
export const CARD_TYPE: Record<CardKind, string> = { contact: 'Contact', company: 'Company', deal: 'Deal' };

/** One sort key: a system field, or a custom field (by id). */
export type SortInput<F extends string> = { field?: F | null; customFieldId?: string | null; direction: 'ASC' | 'DESC' };

// `cursor` is the connection's unique-field cursor, as plugin-prisma builds it.
export type Page = { take?: number; skip?: number; cursor?: any };

/** Checks a responsible user id: of this workspace and active. Defaults to the viewer. */
export async function checkResponsible(
  ctx: ServiceCtx,
  issues: IssueList,
  id: string | null | undefined,
  field = 'responsibleId',
): Promise<string> {
  if (!id) return ctx.viewer.userId;
  const u = await ctx.db.user.findFirst({
    where: { id, workspaceId: ctx.viewer.workspaceId },
    select: { active: true },
  });
  if (!u) issues.add(field, 'no such user');
  else if (!u.active) issues.add(field, 'this user is deactivated; choose an active user');
  return id;
}

/**
 * Checks that ids name live (not trashed) cards the viewer may see; one issue per other id. A
 * card outside the VIEW scope is "no such" card, like one that does not exist.
 */
export async function checkCards(
  ctx: ServiceCtx,
  issues: IssueList,
  kind: 'contact' | 'company',
  field: string,
  ids: string[],
  single = false,
) {
  // An empty id is one that did not decode; its issue is already listed.
  const valid = ids.filter(Boolean);
  if (!valid.length) return;
  const where = { id: { in: valid }, ...visible(ctx, kind) };
  const rows =
    kind === 'contact'
      ? await ctx.db.contact.findMany({ where, select: { id: true, deletedAt: true } })
      : await ctx.db.company.findMany({ where, select: { id: true, deletedAt: true } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  ids.forEach((id, i) => {
    if (!id) return;
    const f = single ? field : `${field}[${i}]`;
    const r = byId.get(id);
    if (!r) issues.add(f, `no such ${kind}`);
    else if (r.deletedAt) issues.add(f, `this ${kind} is in the trash`);
  });
}

/** Which of these cards the viewer may not see: links to them are kept when the viewer rewrites a card's links. */
export async function unseen(ctx: ServiceCtx, kind: 'contact' | 'company', ids: string[]): Promise<string[]> {
  const seen = await Promise.all(ids.map((id) => canSee(ctx, kind, id)));
  return ids.filter((_, i) => !seen[i]);
}

/** A company link the viewer clears: kept when the company now linked is one they may not see. */
export async function keptCompany(ctx: ServiceCtx, input: string | null | undefined, current: string | null) {
  if (input === null && current && (await unseen(ctx, 'company', [current])).length) return undefined;
  return input;
}

/** Upserts tags by name and returns their ids. */
async function tagIds(tx: Tx, workspaceId: string, names: string[]) {
  if (!names.length) return [];
  await tx.tag.createMany({ data: names.map((name) => ({ workspaceId, name })), skipDuplicates: true });
  const tags = await tx.tag.findMany({ where: { workspaceId, name: { in: names } }, select: { id: true } });
  return tags.map((t) => t.id);
}

export async function setTags(tx: Tx, kind: CardKind, workspaceId: string, cardId: string, names: string[]) {
  const ids = await tagIds(tx, workspaceId, names);
  if (kind === 'deal') {
    await tx.dealTag.deleteMany({ where: { dealId: cardId } });
    await tx.dealTag.createMany({ data: ids.map((tagId) => ({ dealId: cardId, tagId })) });
  } else if (kind === 'contact') {
    await tx.contactTag.deleteMany({ where: { contactId: cardId } });
    await tx.contactTag.createMany({ data: ids.map((tagId) => ({ contactId: cardId, tagId })) });
  } else {
    await tx.companyTag.deleteMany({ where: { companyId: cardId } });
    await tx.companyTag.createMany({ data: ids.map((tagId) => ({ companyId: cardId, tagId })) });
  }
}

type Searchable = { phones?: string[]; emails?: string[] };

/**
 * What the search filter matches: lower-cased names and e-mails, phone digits; `custom` adds
 * the card's PHONE and EMAIL custom field values.
 */
export function searchText(parts: Searchable & { names: (string | null | undefined)[] }, custom: Searchable = {}) {
  return [
    ...parts.names.filter(Boolean).map((s) => s!.toLowerCase()),
    ...(parts.emails ?? []),
    ...(custom.emails ?? []),
    ...[...(parts.phones ?? []), ...(custom.phones ?? [])].map((p) => p.replace(/\D/g, '')),
  ].join(' ');
}

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
  const entity = ENTITY[kind] as CardEntity;
  return new Set((SYSTEM_FIELDS[entity] as readonly string[]).filter((f) => !canRead(viewer, entity, f)));
}

/**
 * Whether search may look at a card type's phones and e-mails for the viewer: only when none of
 * them, system or custom, is hidden from the viewer's role. Otherwise it matches names alone.
 */
export async function searchesDetails(ctx: ServiceCtx, kind: CardKind): Promise<boolean> {
  const entity = ENTITY[kind] as CardEntity;
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
  sort: SortInput<F>[] | null | undefined,
  map: Record<F, (dir: 'asc' | 'desc') => object>,
  fallback: SortInput<F>,
  defs: FieldDef[],
  issues: IssueList,
): CardOrder {
  const list = sort?.length ? sort : [fallback];
  const keys = list.map((s, i) => {
    const dir = s.direction === 'ASC' ? ('asc' as const) : ('desc' as const);
    const path = `orderBy[${i}]`;
    if ((s.field ? 1 : 0) + (s.customFieldId !== null && s.customFieldId !== undefined ? 1 : 0) !== 1) {
      issues.add(path, 'give either field or customFieldId');
      return { order: {} };
    }
    if (s.field) return { order: map[s.field](dir) };
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

type FindArgs = { where: object; orderBy: object[]; take?: number; skip?: number; cursor?: any; include?: any; select?: any };

/**
 * One page of a card list. When the order leads with a custom field, the cards holding a value
 * and those without are read as two ranges (empties last), each in an order its index serves:
 * one `WHERE slot IS NOT NULL ORDER BY slot, ..., id` range, then `WHERE slot IS NULL ORDER BY
 * ..., id`. Cursors are card ids; the cursor card's value says which range it is in.
 */
export async function pageCards<K extends CardKind>(
  ctx: ServiceCtx,
  kind: K,
  where: object,
  order: CardOrder,
  query: { include?: any; select?: any } & Page,
): Promise<Rows[K][]> {
  const table = delegate(ctx.db, kind) as unknown as {
    findMany(args: FindArgs): Promise<Rows[K][]>;
    findUnique(args: object): Promise<Record<string, unknown> | null>;
  };
  const find = (args: FindArgs) => table.findMany(args);
  const slotValue = async (id: string, col: string) => {
    const r = await table.findUnique({ where: { id }, select: { [col]: true } });
    return r && { value: r[col] };
  };
  const { take, skip, cursor, ...shape } = query;
  if (!order.split) return find({ ...shape, where, orderBy: order.orderBy, take, skip, cursor });
  const { col, dir, rest } = order.split;
  const held = { where: { AND: [where, { [col]: { not: null } }] }, orderBy: [{ [col]: dir }, ...rest] };
  const empty = { where: { AND: [where, { [col]: null }] }, orderBy: rest };
  const n = take === undefined ? Infinity : Math.abs(take);
  let inHeld: boolean | undefined;
  if (cursor) {
    const row = await slotValue(cursor.id, col);
    if (!row) return [];
    inHeld = row.value !== null;
  }
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

type Versioned = { id: string; version: number; deletedAt: Date | null };

/** A card to change must exist in the workspace and not be in the trash. */
export function assertLive<T extends Versioned>(kind: CardKind, id: string, card: T | null): T {
  if (!card) throw new NotFoundError(CARD_TYPE[kind], id);
  if (card.deletedAt) {
    throw new NotFoundError(CARD_TYPE[kind], id, `${CARD_TYPE[kind]} is in the trash; restore it first`, 'IN_TRASH');
  }
  return card;
}

export function assertVersion(kind: CardKind, card: Versioned, version: number | null | undefined) {
  if (version !== null && version !== undefined && version !== card.version) {
    throw new ConflictError(CARD_TYPE[kind], card.id, card.version);
  }
}

/**
 * Bumps the version only if it is still `expected`: the compare-and-set that makes a stale
 * concurrent write fail instead of overwriting.
 */
export async function bumpVersion(
  tx: Tx,
  kind: CardKind,
  card: Versioned,
  data: Record<string, unknown>,
) {
  const args = { where: { id: card.id, version: card.version }, data: { ...data, version: { increment: 1 } } };
  const { count } =
    kind === 'deal'
      ? await tx.deal.updateMany(args as Prisma.DealUpdateManyArgs)
      : kind === 'contact'
        ? await tx.contact.updateMany(args as Prisma.ContactUpdateManyArgs)
        : await tx.company.updateMany(args as Prisma.CompanyUpdateManyArgs);
  if (!count) {
    const now =
      kind === 'deal'
        ? await tx.deal.findUnique({ where: { id: card.id }, select: { version: true } })
        : kind === 'contact'
          ? await tx.contact.findUnique({ where: { id: card.id }, select: { version: true } })
          : await tx.company.findUnique({ where: { id: card.id }, select: { version: true } });
    throw new ConflictError(CARD_TYPE[kind], card.id, now?.version ?? card.version);
  }
}

/** System fields stamped on every write. */
export function touched(ctx: ServiceCtx) {
  const now = new Date();
  return { updatedAt: now, updatedById: ctx.viewer.userId, lastActivityAt: now };
}

/** The workspace's phone region and currency: read with the token, else once per request. */
export async function workspaceRegion(ctx: ServiceCtx) {
  const { phoneRegion, currency } = ctx.viewer;
  if (phoneRegion && currency) return { phoneRegion, currency };
  return perRequest(ctx, 'workspace:region', () =>
    ctx.db.workspace.findUniqueOrThrow({ where: { id: ctx.viewer.workspaceId }, select: { phoneRegion: true, currency: true } }),
  );
}

/** Drops keys whose value is undefined (not given), keeping null (meaning "clear"). */
export function given<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type CardRow = Versioned & { workspaceId: string };
type Rows = { deal: Prisma.DealModel; contact: Prisma.ContactModel; company: Prisma.CompanyModel };

function delegate<K extends CardKind>(tx: Tx, kind: K) {
  // The three card tables share the columns these helpers touch.
  return (kind === 'deal' ? tx.deal : kind === 'contact' ? tx.contact : tx.company) as unknown as {
    findFirst(args: object): Promise<Rows[K] | null>;
    findUniqueOrThrow(args: object): Promise<Rows[K]>;
  };
}

type After = (tx: Tx, row: CardRow) => Promise<void>;

/** Moves a card to the trash. Nothing is lost: restore brings it back as it was. */
export async function trashCard<K extends CardKind>(ctx: ServiceCtx, kind: K, id: string, version?: number | null, after?: After) {
  const current = assertLive(kind, id, await delegate(ctx.db, kind).findFirst({ where: { id, ...visible(ctx, kind) } }));
  await assertRight(ctx, kind, 'DELETE', (current as unknown as { responsibleId: string }).responsibleId);
  assertVersion(kind, current, version);
  return ctx.db.$transaction(async (tx) => {
    await bumpVersion(tx, kind, current, { deletedAt: new Date(), ...touched(ctx) });
    const row = await delegate(tx, kind).findUniqueOrThrow({ where: { id } });
    await after?.(tx, row);
    return row;
  });
}

export async function restoreCard<K extends CardKind>(ctx: ServiceCtx, kind: K, id: string, after?: After) {
  const current = await delegate(ctx.db, kind).findFirst({ where: { id, ...visible(ctx, kind) } });
  if (!current) throw new NotFoundError(CARD_TYPE[kind], id);
  await assertRight(ctx, kind, 'DELETE', (current as unknown as { responsibleId: string }).responsibleId);
  if (!current.deletedAt) return current;
  return ctx.db.$transaction(async (tx) => {
    await bumpVersion(tx, kind, current, { deletedAt: null, ...touched(ctx) });
    const row = await delegate(tx, kind).findUniqueOrThrow({ where: { id } });
    await after?.(tx, row);
    return row;
  });
}

/**
 * Empties the trash for good (administrators only): the one path that deletes cards. Returns how
 * many cards were removed. Links from live cards to removed ones are cleared by the database.
 */
export async function emptyTrash(ctx: ServiceCtx, kinds: CardKind[] = ['deal', 'contact', 'company']) {
  if (!ctx.viewer.isAdmin) throw new ForbiddenError('Only an administrator may empty the trash');
  const where = { workspaceId: ctx.viewer.workspaceId, deletedAt: { not: null } };
  return ctx.db.$transaction(async (tx) => {
    // Their timelines go with them (entries name their card without a foreign key).
    const gone = [
      ...(kinds.includes('deal') ? await tx.deal.findMany({ where, select: { id: true } }) : []),
      ...(kinds.includes('contact') ? await tx.contact.findMany({ where, select: { id: true } }) : []),
      ...(kinds.includes('company') ? await tx.company.findMany({ where, select: { id: true } }) : []),
    ].map((r) => r.id);
    if (gone.length) await tx.timelineEntry.deleteMany({ where: { workspaceId: ctx.viewer.workspaceId, cardId: { in: gone } } });
    let n = 0;
    if (kinds.includes('deal')) n += (await tx.deal.deleteMany({ where })).count;
    if (kinds.includes('contact')) n += (await tx.contact.deleteMany({ where })).count;
    if (kinds.includes('company')) n += (await tx.company.deleteMany({ where })).count;
    return n;
  });
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
export const HIDDEN_FIELD = 'your role cannot see this field, so it cannot filter or sort by it';

/** Builds a card list's where: the shared conditions, the type's own keys, custom fields, and nested and / or. */
export function cardFilter<F extends CommonFilter<F>>(f: F, env: FilterEnv<F>, path = 'filter.'): { AND: object[] } {
  const custom = customFieldConditions(env.defs, env.region, env.issues);
  const build = (x: F, at: string): { AND: object[] } => {
    const and: object[] = [];
    const terms = x.search ? searchTerms(x.search, env.region) : [];
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

export const COMMON_SORT = {
  NAME: (d: 'asc' | 'desc') => ({ name: d }),
  CREATED_AT: (d: 'asc' | 'desc') => ({ createdAt: d }),
  UPDATED_AT: (d: 'asc' | 'desc') => ({ updatedAt: d }),
  LAST_ACTIVITY_AT: (d: 'asc' | 'desc') => ({ lastActivityAt: d }),
};
export type CommonSortField = keyof typeof COMMON_SORT;
