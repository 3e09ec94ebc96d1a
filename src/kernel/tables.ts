// The card tables, reached through their descriptor instead of `kind === 'deal' ? tx.deal : …`.
// The three tables share the columns the kernel touches (id, workspace, version, responsible,
// trash, custom field documents), so one structural type serves them all.
import type { Tx } from '../lib/outbox.js';
import type { Db } from '../db.js';
import { cap } from '../lib/i18n.js';
import type { Prisma } from '../generated/prisma/client.js';
import { descriptor, type CardKind } from './card-kinds.js';

export type CardRow = {
  id: string;
  workspaceId: string;
  version: number;
  responsibleId: string;
  deletedAt: Date | null;
  customFields: unknown;
  [column: string]: unknown;
};

/** The row type of each kind's table. */
type CardModels = { CONTACT: Prisma.ContactModel; COMPANY: Prisma.CompanyModel; DEAL: Prisma.DealModel };

/** A slot column: a custom value's indexed copy (`cfText1`, `cfNumber3`…), ~80 a table. */
export type SlotColumn = `cf${Capitalize<string>}`;

/**
 * A card as the write path answers it (createRecord, updateRecord, writeRecords): every column of
 * its kind but the slot columns, which its INSERT and UPDATE leave out of what they return.
 * Reading a slot column from it is a type error, not an undefined at run time.
 */
export type WrittenCard<K extends CardKind = CardKind> = Omit<CardModels[K], SlotColumn>;

type Args = Record<string, unknown>;

/** The operations the kernel uses on any card table. */
export type CardTable = {
  findFirst(args: Args): Promise<CardRow | null>;
  findMany(args: Args): Promise<CardRow[]>;
  findUnique(args: Args): Promise<CardRow | null>;
  findUniqueOrThrow(args: Args): Promise<CardRow>;
  create(args: Args): Promise<CardRow>;
  updateMany(args: Args): Promise<{ count: number }>;
  updateManyAndReturn(args: Args): Promise<CardRow[]>;
  deleteMany(args: Args): Promise<{ count: number }>;
  count(args: Args): Promise<number>;
};

export function cardTable(db: Tx, kind: CardKind): CardTable {
  return db[descriptor(kind).table] as unknown as CardTable;
}

type TagTable = { deleteMany(args: Args): Promise<unknown>; createMany(args: Args): Promise<unknown> };

/** Replaces a card's tags (upserting the tags by name). */
export async function setTags(tx: Tx, kind: CardKind, workspaceId: string, cardId: string, names: string[]) {
  let ids: string[] = [];
  if (names.length) {
    await tx.tag.createMany({ data: names.map((name) => ({ workspaceId, name })), skipDuplicates: true });
    ids = (await tx.tag.findMany({ where: { workspaceId, name: { in: names } }, select: { id: true } })).map((t) => t.id);
  }
  const { model, column } = descriptor(kind).tags;
  const table = tx[model] as unknown as TagTable;
  await table.deleteMany({ where: { [column]: cardId } });
  await table.createMany({ data: ids.map((tagId) => ({ [column]: cardId, tagId })) });
}

/** Sets the tags of several cards at once (a batch of imported cards): three statements in all. */
export async function setTagsMany(tx: Tx, kind: CardKind, workspaceId: string, cards: { cardId: string; names: string[]; created?: boolean }[]) {
  if (!cards.length) return;
  const names = [...new Set(cards.flatMap((c) => c.names))];
  let idOf = new Map<string, string>();
  if (names.length) {
    await tx.tag.createMany({ data: names.map((name) => ({ workspaceId, name })), skipDuplicates: true });
    idOf = new Map((await tx.tag.findMany({ where: { workspaceId, name: { in: names } }, select: { id: true, name: true } })).map((t) => [t.name, t.id]));
  }
  const { model, column } = descriptor(kind).tags;
  const table = tx[model] as unknown as TagTable;
  // A card inserted in this transaction has no tags to replace: an imported batch of new cards
  // skips the delete (a statement of 1,000 parameters that Prisma plans and PostgreSQL probes).
  const replaced = cards.filter((c) => !c.created).map((c) => c.cardId);
  if (replaced.length) await table.deleteMany({ where: { [column]: { in: replaced } } });
  const data = cards.flatMap((c) => [...new Set(c.names)].flatMap((n) => (idOf.has(n) ? [{ [column]: c.cardId, tagId: idOf.get(n) }] : [])));
  if (data.length) await table.createMany({ data });
}

/** tagsOf's statement: $1 the cards' ids (uuid[]). The tag tables are named as their models (no @@map). */
export function tagsSql(kind: CardKind) {
  const { model, column } = descriptor(kind).tags;
  const table = cap(model);
  // A lateral look-up per id (`offset 0` keeps it one: PostgreSQL would otherwise fold it into a
  // join, which it may plan as a scan of the whole table).
  return `select i."id"::text as "card", t."name" from unnest($1::uuid[]) as i("id") cross join lateral (select x."tagId" from "${table}" x where x."${column}" = i."id" offset 0) x join "Tag" t on t."id" = x."tagId"`;
}

/**
 * The tag names of cards, by card (one statement). Written as a look-up per id, so PostgreSQL
 * reads each card's tags by the tag table's key whatever its statistics say: as `card in (…)` with a
 * batch's hundreds of ids and no statistics (autovacuum off, or behind a burst), it expected every
 * row to match and scanned the whole table each time (the automation runner, an "add a tag" round).
 */
export async function tagsOf(db: Db, kind: CardKind, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ids.length) return out;
  const rows = await db.$queryRawUnsafe<{ card: string; name: string }[]>(tagsSql(kind), ids);
  for (const r of rows) {
    const names = out.get(r.card);
    if (names) names.push(r.name);
    else out.set(r.card, [r.name]);
  }
  return out;
}
