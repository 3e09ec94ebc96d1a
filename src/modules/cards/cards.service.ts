// What contacts, companies and deals share: responsible users, tags, search text, system
// fields, versions and the trash. Each card service calls these, so the rules hold alike.
import type { ServiceCtx } from '../../context.js';
import { ConflictError, ForbiddenError, IssueList, NotFoundError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import { likeLiteral, normalizePhone } from '../../lib/validate.js';
import { perRequest } from '../../lib/per-request.js';
import type { Prisma } from '../../generated/prisma/client.js';

export type CardKind = 'contact' | 'company' | 'deal';
export const CARD_TYPE: Record<CardKind, string> = { contact: 'Contact', company: 'Company', deal: 'Deal' };

export type SortInput<F extends string> = { field: F; direction: 'ASC' | 'DESC' };

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

/** Checks that ids name live (not trashed) cards of this workspace; one issue per stranger. */
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
  const where = { id: { in: valid }, workspaceId: ctx.viewer.workspaceId };
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

/** What the search filter matches: lower-cased names and e-mails, phone digits. */
export function searchText(parts: { names: (string | null | undefined)[]; phones?: string[]; emails?: string[] }) {
  return [
    ...parts.names.filter(Boolean).map((s) => s!.toLowerCase()),
    ...(parts.emails ?? []),
    ...(parts.phones ?? []).map((p) => p.replace(/\D/g, '')),
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

export function searchWhere(terms: string[]) {
  // `contains` becomes LIKE: the user's % and _ are meant literally, not as wildcards.
  return terms.map((t) => ({ searchText: { contains: likeLiteral(t) } }));
}

export function dateRange(r: { from?: Date | null; to?: Date | null } | null | undefined) {
  if (!r) return undefined;
  const out: { gte?: Date; lte?: Date } = {};
  if (r.from) out.gte = r.from;
  if (r.to) out.lte = r.to;
  return Object.keys(out).length ? out : undefined;
}

/** Orders by the requested fields, nulls last, with the id as the final tie-breaker. */
export function orderBy<F extends string>(
  sort: SortInput<F>[] | null | undefined,
  map: Record<F, (dir: 'asc' | 'desc') => object>,
  fallback: SortInput<F>,
) {
  const list = sort?.length ? sort : [fallback];
  const out = list.map((s) => map[s.field](s.direction === 'ASC' ? 'asc' : 'desc'));
  const last = list[list.length - 1].direction === 'ASC' ? 'asc' : 'desc';
  return [...out, { id: last }];
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

/** The workspace's phone region and currency, read once per request. */
export function workspaceRegion(ctx: ServiceCtx) {
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
  const current = assertLive(kind, id, await delegate(ctx.db, kind).findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } }));
  assertVersion(kind, current, version);
  return ctx.db.$transaction(async (tx) => {
    await bumpVersion(tx, kind, current, { deletedAt: new Date(), ...touched(ctx) });
    const row = await delegate(tx, kind).findUniqueOrThrow({ where: { id } });
    await after?.(tx, row);
    return row;
  });
}

export async function restoreCard<K extends CardKind>(ctx: ServiceCtx, kind: K, id: string, after?: After) {
  const current = await delegate(ctx.db, kind).findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!current) throw new NotFoundError(CARD_TYPE[kind], id);
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
  and?: F[] | null;
  or?: F[] | null;
};

/**
 * Builds a card list's where: the shared conditions, `own(f, path)` for the type's own keys,
 * and nested and / or. `search` turns search terms into the type's condition.
 */
export function cardFilter<F extends CommonFilter<F>>(
  f: F,
  region: string,
  own: (f: F, path: string) => object[],
  search: (match: ReturnType<typeof searchWhere>) => object = (match) => ({ OR: match }),
  path = 'filter.',
): { AND: object[] } {
  const and: object[] = [];
  const terms = f.search ? searchTerms(f.search, region) : [];
  if (terms.length) and.push(search(searchWhere(terms)));
  if (f.responsibleIds?.length) and.push({ responsibleId: { in: f.responsibleIds } });
  if (f.tags?.length) and.push({ tags: { some: { tag: { name: { in: f.tags } } } } });
  for (const key of ['createdAt', 'updatedAt'] as const) {
    const r = dateRange(f[key]);
    if (r) and.push({ [key]: r });
  }
  and.push(...own(f, path));
  f.and?.forEach((x, i) => and.push(cardFilter(x, region, own, search, `${path}and[${i}].`)));
  if (f.or?.length) and.push({ OR: f.or.map((x, i) => cardFilter(x, region, own, search, `${path}or[${i}].`)) });
  return { AND: and };
}

/** The live cards of the viewer's workspace, or its trash. */
export function cardScope(ctx: ServiceCtx, inTrash: boolean | null | undefined) {
  return { workspaceId: ctx.viewer.workspaceId, deletedAt: inTrash ? { not: null } : null };
}

export const COMMON_SORT = {
  NAME: (d: 'asc' | 'desc') => ({ name: d }),
  CREATED_AT: (d: 'asc' | 'desc') => ({ createdAt: d }),
  UPDATED_AT: (d: 'asc' | 'desc') => ({ updatedAt: d }),
  LAST_ACTIVITY_AT: (d: 'asc' | 'desc') => ({ lastActivityAt: d }),
};
export type CommonSortField = keyof typeof COMMON_SORT;
