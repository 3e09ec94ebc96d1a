// The card tables, reached through their descriptor instead of `kind === 'deal' ? tx.deal : …`.
// The three tables share the columns the kernel touches (id, workspace, version, responsible,
// trash, custom field documents), so one structural type serves them all.
import type { Tx } from '../lib/outbox.js';
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
