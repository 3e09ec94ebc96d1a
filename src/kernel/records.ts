// The one write path for cards of every kind: create, update (a deal's move included), trash and
// restore; and merge, import, automation actions and inbound channels, which call it too.
// Each write goes the same way:
//
//   access check → value preparation (system fields by their descriptor types, responsible,
//   links, custom fields with files and formulas, the kind's own hook) → one transaction (row,
//   tags, links, slot columns) → a domain event with before, after and the field-level diff,
//   handed to the in-transaction consumers and written to the outbox.
//
// A kind's own rules (a deal's stage and its requirements, its contacts) are a hook registered
// for the kind (`registerKindHooks`), so every caller of the write path gets them.
import { z } from 'zod';
import type { ServiceCtx } from '../context.js';
import { ConflictError, ForbiddenError, IssueList, NotFoundError } from '../lib/errors.js';
import { holdingOutbox, type Tx } from '../lib/outbox.js';
import { workspaceRegion } from './workspace.js';
import * as v from '../lib/validate.js';
import { assertEditable } from './access/field-access.js';
import { assertCan, assertHandover } from './access/actions.js';
import { canSee, visible } from './access/visibility.js';
import { descriptor, type CardKind, type SystemField } from './card-kinds.js';
import { events, type FieldChange, type ReadsAhead, type RecordEvent, type Snapshot } from './events.js';
import { cardTable, setTagsMany, type CardRow, type SlotColumn, type WrittenCard } from './tables.js';
import { insertRowsReturning, lockRows, updateRowsReturning } from '../lib/bulk-insert.js';
import { lockedPositions, slotColumnsWith } from './fields/slots.js';
import { Prisma } from '../generated/prisma/client.js';
import { definitions, keeping } from './fields/definitions.js';
import { applyValues, searchableValues, touchFields, type FieldValueInput } from './fields/card-values.js';
import { noun } from '../lib/i18n.js';
import { CARD } from './messages.js';
import { ACCESS } from './access/messages.js';
import { batchContext, rowsById } from './batch-reads.js';

/** A write of a card: only what is given changes (undefined: not given; null: clear). */
export type CardWrite = {
  /** System fields by their descriptor names. */
  fields?: Record<string, unknown>;
  responsibleId?: string | null;
  companyId?: string | null;
  tags?: string[] | null;
  customFields?: FieldValueInput[] | null;
  /** Input of the kind's own hook (a deal's pipelineId, stageId, lossReasonId, contactIds). */
  extra?: Record<string, unknown>;
};

/** What a hook sees and may add to: the write as checked so far. */
export type WriteState = {
  ctx: ServiceCtx;
  kind: CardKind;
  input: CardWrite;
  /** The card before the write; null on create. */
  current: CardRow | null;
  issues: IssueList;
  /** The custom field values the card will hold. */
  values: Record<string, unknown>;
  /** The hook's own findings, from `prepare` to `written`. */
  own: Record<string, unknown>;
};

export type KindHooks = {
  /** Resolves the kind's own references, adding issues (before links and values are checked). */
  prepare?(w: WriteState): Promise<void>;
  /** Checks the kind's own links, after the company link (a deal's contacts). */
  links?(w: WriteState): Promise<void>;
  /** Refuses the write once every value is known and valid (a stage's required fields). */
  check?(w: WriteState): Promise<void>;
  /** Columns the kind sets. */
  columns?(w: WriteState, now: Date): Record<string, unknown>;
  /**
   * Reads ahead, for a batch (writeRecords), what the kind's checks will look up for these
   * writes, through `rowsById` with the batch's context, so each is one statement per table.
   */
  preload?(ctx: ServiceCtx, writes: CardWrite[]): Promise<void>;
  /** Inside the transaction, once the row is written (links in join tables). */
  written?(tx: Tx, w: WriteState, id: string): Promise<void>;
};

const hooks = new Map<CardKind, KindHooks>();

/** A kind's own rules, run by every write of that kind whoever asks for it. */
export function registerKindHooks(kind: CardKind, h: KindHooks) {
  hooks.set(kind, h);
}

// Reading

/** A card the viewer may see, or null. */
export function findVisible(ctx: ServiceCtx, kind: CardKind, id: string, query: object = {}) {
  return cardTable(ctx.db, kind).findFirst({ ...query, where: { id, ...visible(ctx, kind) } });
}

/** A card to change must exist in the workspace and not be in the trash. */
export function assertLive<T extends { deletedAt: Date | null }>(kind: CardKind, id: string, card: T | null): T {
  const type = descriptor(kind).typeName;
  if (!card) throw new NotFoundError(type, id);
  if (card.deletedAt) throw new NotFoundError(type, id, CARD.inTrash({ type, noun: noun(type) }), 'IN_TRASH');
  return card;
}

export function assertVersion(kind: CardKind, card: { id: string; version: number }, version: number | null | undefined) {
  if (version !== null && version !== undefined && version !== card.version) {
    throw new ConflictError(descriptor(kind).typeName, card.id, card.version);
  }
}

/** A card as other records (timeline entries, tasks, files) name it. */
export type CardRef = { entityType: CardKind; id: string };

/** The card must be one the viewer may see; `live` refuses one in the trash. */
export async function findCard(ctx: ServiceCtx, card: CardRef, live: boolean) {
  // A card the viewer's role does not let them see is not found, like one that does not exist.
  const row = await findVisible(ctx, card.entityType, card.id, { select: { id: true, deletedAt: true, responsibleId: true } });
  return live ? assertLive(card.entityType, card.id, row) : assertFound(card.entityType, card.id, row);
}

function assertFound<T>(kind: CardKind, id: string, row: T | null): T {
  if (!row) throw new NotFoundError(descriptor(kind).typeName, id);
  return row;
}

/** The databases inOneTransaction hands its writes: one transaction, one connection. */
const joined = new WeakSet<object>();

/**
 * Starts what a write of `kind` will read whatever its input (the field definitions, and the
 * reads ahead of its events' consumers: the automations and webhooks listening) on connections
 * of their own, beside the write's first read instead of one after another: each is a round
 * trip the write no longer waits for in turn. Not within inOneTransaction, whose one connection
 * would run them in turn anyway (its consumers read in the transaction).
 */
function startReads(ctx: ServiceCtx, kind: CardKind, topics: RecordTopic[]): ReadsAhead | undefined {
  if (joined.has(ctx.db)) return undefined;
  void definitions(ctx, kind);
  return events.startReads(ctx.db, ctx.viewer.workspaceId, topics, keeping(ctx));
}

/** Adding to a card's timeline (notes, calls, tasks, files) needs the right to edit the card. */
export async function assertCanAdd(ctx: ServiceCtx, card: CardRef) {
  const row = await findCard(ctx, card, true);
  await assertCan(ctx, `${descriptor(card.entityType).table}:edit`, row);
}

/**
 * Runs several writes of the kernel as one transaction (a lead's conversion, a merge): `fn` gets
 * a context whose database is the transaction, so each createRecord / updateRecord / trashRecord
 * inside it joins it instead of committing on its own, with the same checks and events. If
 * anything throws, none of it happened.
 */
export async function inOneTransaction<T>(ctx: ServiceCtx, fn: (tctx: ServiceCtx, tx: Tx) => Promise<T>): Promise<T> {
  const result = await ctx.db.$transaction(
    async (tx) => {
      const db = new Proxy(tx, {
        get(target, prop) {
          if (prop === '$transaction') return (inner: (t: Tx) => Promise<unknown>) => inner(target);
          const x = (target as unknown as Record<PropertyKey, unknown>)[prop];
          return typeof x === 'function' ? x.bind(target) : x;
        },
      });
      joined.add(db);
      return fn({ ...ctx, db: db as unknown as ServiceCtx['db'] }, tx);
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
  ctx.deps.outbox.kick();
  return result;
}

// Checks shared by every kind

/** Checks a responsible user id: of this workspace and active. Defaults to the viewer. */
export async function checkResponsible(ctx: ServiceCtx, issues: IssueList, id: string | null | undefined, field = 'responsibleId'): Promise<string> {
  if (!id) return ctx.viewer.userId;
  const u = (await users(ctx, [id])).get(id);
  if (!u) issues.add(field, v.noSuch('User'));
  else if (!u.active) issues.add(field, CARD.userDeactivated());
  return id;
}

/**
 * Checks that ids name live (not trashed) cards the viewer may see; one issue per other id. A
 * card outside the VIEW scope is "no such" card, like one that does not exist.
 */
export async function checkCards(ctx: ServiceCtx, issues: IssueList, kind: CardKind, field: string, ids: string[], single = false) {
  // An empty id is one that did not decode; its issue is already listed.
  const valid = ids.filter(Boolean);
  if (!valid.length) return;
  const byId = await linkableCards(ctx, kind, valid);
  const type = descriptor(kind).typeName;
  ids.forEach((id, i) => {
    if (!id) return;
    const f = single ? field : `${field}[${i}]`;
    const r = byId.get(id);
    if (!r) issues.add(f, v.noSuch(type));
    else if (r.deletedAt) issues.add(f, CARD.linkedInTrash({ noun: noun(type) }));
  });
}

/** Users by id (of this workspace), with whether they are active. */
function users(ctx: ServiceCtx, ids: string[]) {
  return rowsById(ctx, 'user', ids, (wanted) =>
    ctx.db.user.findMany({ where: { id: { in: wanted }, workspaceId: ctx.viewer.workspaceId }, select: { id: true, active: true } }),
  );
}

/** Cards by id that the viewer may see, with whether they are in the trash (null: none they may see). */
export function linkableCards(ctx: ServiceCtx, kind: CardKind, ids: string[]) {
  return rowsById(ctx, `card:${kind}:visible`, ids, (wanted) =>
    cardTable(ctx.db, kind).findMany({ where: { id: { in: wanted }, ...visible(ctx, kind) }, select: { id: true, deletedAt: true } }),
  );
}

/** Which of these cards the viewer may not see: links to them are kept when the viewer rewrites a card's links. */
export async function unseen(ctx: ServiceCtx, kind: CardKind, ids: string[]): Promise<string[]> {
  const seen = await Promise.all(ids.map((id) => canSee(ctx, kind, id)));
  return ids.filter((_, i) => !seen[i]);
}

/** A company link the viewer clears: kept when the company now linked is one they may not see. */
async function keptCompany(ctx: ServiceCtx, input: string | null | undefined, current: string | null) {
  if (input === null && current && (await unseen(ctx, 'COMPANY', [current])).length) return undefined;
  return input;
}

/** Drops keys whose value is undefined (not given), keeping null (meaning "clear"). */
export function given<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

// System fields, by their descriptor types

function validator(f: SystemField, region: string, creating: boolean): z.ZodType {
  switch (f.type) {
    case 'NAME':
      return v.name(f.max);
    case 'TEXT':
      return v.optionalText(f.max ?? 255);
    case 'URL':
      return v.url.nullish();
    case 'PHONES':
      return v.phones(region).default([]);
    case 'EMAILS':
      return v.emails.default([]);
    case 'AMOUNT':
      return creating ? v.amount.default('0') : v.amount;
    case 'CURRENCY':
      return v.currency;
  }
}

// Built once per kind, region and create-or-update: building a zod schema costs far more than
// checking a row with it, and an import checks hundreds of thousands of rows.
const systemSchemas = new Map<string, z.ZodType>();
function systemSchema(kind: CardKind, region: string, creating: boolean) {
  const key = `${kind}:${region}:${creating}`;
  let schema = systemSchemas.get(key);
  if (!schema) {
    const d = descriptor(kind);
    schema = z.object(Object.fromEntries([...d.fields.map((f) => [f.name, validator(f, region, creating)]), ['tags', v.tags.default([])]]));
    systemSchemas.set(key, schema);
  }
  return schema;
}

/** The system field values the card will hold: the input over the current card, checked. */
function systemValues(kind: CardKind, input: CardWrite, current: CardRow | null, region: string, currency: string, issues: IssueList) {
  const d = descriptor(kind);
  const creating = !current;
  const schema = systemSchema(kind, region, creating);
  const sent = input.fields ?? {};
  const merged: Record<string, unknown> = {};
  for (const f of d.fields) {
    const x = sent[f.name];
    if (creating) {
      // Nothing given is the field's default; a currency defaults to the workspace's.
      merged[f.name] = x ?? (f.type === 'CURRENCY' ? currency : undefined);
    } else if (f.type === 'TEXT' || f.type === 'URL') {
      merged[f.name] = x !== undefined ? x : current![f.name];
    } else {
      merged[f.name] = x ?? fromRow(current![f.name]);
    }
  }
  merged.tags = input.tags ?? (creating ? undefined : []);
  const data = v.parseInput(schema, creating ? given(merged) : merged, issues.issues) as Record<string, unknown>;
  for (const f of d.fields) if (f.type === 'TEXT' || f.type === 'URL') data[f.name] = data[f.name] ?? null;
  return data;
}

/** A stored value as the input would give it (decimals as strings). */
function fromRow(x: unknown) {
  return x && typeof x === 'object' && 'toFixed' in x ? (x as { toFixed(n: number): string }).toFixed(2) : x;
}

/** What the card search matches: lower-cased names and e-mails, phone digits, and custom PHONE and EMAIL values. */
export function searchText(
  parts: { names: (string | null | undefined)[]; phones?: string[]; emails?: string[] },
  custom: { phones?: string[]; emails?: string[] } = {},
) {
  return [
    ...parts.names.filter(Boolean).map((s) => s!.toLowerCase()),
    ...(parts.emails ?? []),
    ...(custom.emails ?? []),
    ...[...(parts.phones ?? []), ...(custom.phones ?? [])].map((p) => p.replace(/\D/g, '')),
  ].join(' ');
}

function searchOf(kind: CardKind, data: Record<string, unknown>, custom: { phones: string[]; emails: string[] }) {
  const s = descriptor(kind).search;
  return searchText(
    {
      names: s.names.map((n) => data[n] as string),
      phones: s.phones ? (data[s.phones] as string[]) : undefined,
      emails: s.emails ? (data[s.emails] as string[]) : undefined,
    },
    custom,
  );
}

/** The input keys of fields a role may restrict, for the field access check. */
function accessGiven(kind: CardKind, input: CardWrite, creating: boolean) {
  const fields = input.fields ?? {};
  const out: Record<string, unknown> = {};
  const access = descriptor(kind).access;
  for (const field in access) {
    let x: unknown;
    for (const k of access[field]) {
      const y = k === 'responsibleId' ? input.responsibleId : fields[k];
      // On create a null is "not given"; on update it clears, which is a change.
      if (creating ? y !== undefined && y !== null : y !== undefined) {
        x = y;
        break;
      }
    }
    out[field] = creating ? (x ?? undefined) : x;
  }
  return out;
}

/** System fields stamped on every write. */
export function touched(ctx: ServiceCtx) {
  const now = new Date();
  return { updatedAt: now, updatedById: ctx.viewer.userId, lastActivityAt: now };
}

// Events

const SLOT = /^cf[A-Z]/;
/** Not a slot column: what WrittenCard keeps. */
const notSlot = <C extends string>(c: C): c is Exclude<C, SlotColumn> => !SLOT.test(c);

/** A card as events carry it: its columns without search text and slot copies, JSON-ready. */
export function snapshot(row: CardRow): Snapshot {
  const out: Snapshot = {};
  for (const k in row) {
    const x = (row as Record<string, unknown>)[k];
    if (k === 'searchText' || SLOT.test(k) || x === undefined) continue;
    out[k] = x instanceof Date ? x.toISOString() : (fromRow(x) as Snapshot[string]);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * What a write changed, in the order the timeline shows it: stage, responsible, the kind's
 * tracked system fields, then custom fields in their definitions' order.
 */
export async function diffOf(ctx: ServiceCtx, kind: CardKind, before: Snapshot, after: Snapshot): Promise<FieldChange[]> {
  const out: FieldChange[] = [];
  for (const col of ['stageId', 'responsibleId']) {
    if (col in after && !same(before[col], after[col])) out.push({ field: col, old: before[col] ?? null, new: after[col] ?? null });
  }
  for (const f of descriptor(kind).fields) {
    if (f.tracked && !same(before[f.name], after[f.name])) out.push({ field: f.name, old: before[f.name] ?? null, new: after[f.name] ?? null });
  }
  const was = (before.customFields ?? {}) as Record<string, Snapshot[string]>;
  const now = (after.customFields ?? {}) as Record<string, Snapshot[string]>;
  for (const d of await definitions(ctx, kind)) {
    if (!same(was[d.key], now[d.key])) out.push({ field: d.name, customFieldId: d.id, old: was[d.key] ?? null, new: now[d.key] ?? null });
  }
  return out;
}

type RecordTopic = 'record.created' | 'record.updated' | 'record.trashed' | 'record.restored';

async function eventOf(ctx: ServiceCtx, topic: RecordTopic, kind: CardKind, before: CardRow | null, row: CardRow): Promise<RecordEvent> {
  const e = plainEvent(ctx, kind, before, row);
  if (e.before && topic === 'record.updated') e.diff = await diffOf(ctx, kind, e.before, e.after);
  return e;
}

/** An event without its diff (a new card's has none): made at once, for a thousand imported cards. */
function plainEvent(ctx: ServiceCtx, kind: CardKind, before: CardRow | null, row: CardRow): RecordEvent {
  return {
    kind,
    workspaceId: row.workspaceId,
    recordId: row.id,
    actorId: ctx.viewer.userId,
    occurredAt: new Date().toISOString(),
    before: before && snapshot(before),
    after: snapshot(row),
    diff: [],
  };
}

async function emit(tx: Tx, ctx: ServiceCtx, topic: RecordTopic, kind: CardKind, before: CardRow | null, row: CardRow) {
  await events.emit(tx, ctx, topic, [await eventOf(ctx, topic, kind, before, row)]);
}

// Writes

/** The checks and values every create and update share; the kind's hook runs between them. */
async function prepare(ctx: ServiceCtx, kind: CardKind, input: CardWrite, current: CardRow | null, issues: IssueList) {
  const d = descriptor(kind);
  const creating = !current;
  const ws = await workspaceRegion(ctx);
  const w: WriteState = { ctx, kind, input, current, issues, values: (current?.customFields ?? {}) as Record<string, unknown>, own: {} };
  const hook = hooks.get(kind) ?? {};
  let responsibleId: string | undefined;
  if (creating) {
    assertEditable(ctx.viewer, kind, accessGiven(kind, input, true));
    responsibleId = await checkResponsible(ctx, issues, input.responsibleId);
    await assertCan(ctx, `${d.table}:create`, { responsibleId });
  } else {
    responsibleId = input.responsibleId !== undefined ? await checkResponsible(ctx, issues, input.responsibleId) : undefined;
    await assertHandover(ctx, kind, current.responsibleId, responsibleId, issues);
  }
  await hook.prepare?.(w);
  if (d.companyLink && input.companyId) await checkCards(ctx, issues, 'COMPANY', 'companyId', [input.companyId], true);
  await hook.links?.(w);
  const companyId = d.companyLink
    ? creating
      ? (input.companyId ?? null)
      : await keptCompany(ctx, input.companyId, current.companyId as string | null)
    : undefined;
  // A create fills defaults and checks required fields with or without values given; an update
  // without values leaves them as they are.
  const cf =
    creating || input.customFields
      ? await applyValues(ctx, kind, (current?.customFields ?? {}) as Record<string, unknown>, input.customFields, issues, {
          creating,
          region: ws.phoneRegion,
          currency: ws.currency,
        })
      : null;
  if (cf) w.values = cf.values;
  const data = systemValues(kind, input, current, ws.phoneRegion, ws.currency, issues);
  await hook.check?.(w);
  const custom = searchableValues(cf?.defs ?? (await definitions(ctx, kind)), w.values);
  const { tags, ...columns } = data;
  return { w, hook, cf, responsibleId, companyId, tags: tags as string[], columns, search: searchOf(kind, data, custom) };
}

/** The card tables by kind, and their columns defaulting to the moment of the write. */
const TABLE: Record<CardKind, string> = { CONTACT: 'Contact', COMPANY: 'Company', DEAL: 'Deal' };
export const NOW_COLUMNS: Record<CardKind, readonly string[]> = {
  CONTACT: ['createdAt', 'updatedAt', 'lastActivityAt'],
  COMPANY: ['createdAt', 'updatedAt', 'lastActivityAt'],
  DEAL: ['createdAt', 'updatedAt', 'lastActivityAt', 'stageEnteredAt'],
};

/**
 * The columns a card write answers: all but the slot columns (`cf…`, the custom values' indexed
 * copies, ~80 a table, nearly all null), which no caller reads from a row and events leave out
 * (`snapshot`). A new card's are mostly made from what its INSERT sent (lib/written-rows.ts).
 */
export const RETURNING: { [K in CardKind]: readonly (keyof WrittenCard<K>)[] } = {
  CONTACT: Object.values(Prisma.ContactScalarFieldEnum).filter(notSlot),
  COMPANY: Object.values(Prisma.CompanyScalarFieldEnum).filter(notSlot),
  DEAL: Object.values(Prisma.DealScalarFieldEnum).filter(notSlot),
};

/** A write checked and prepared, to commit: `current` is the card read before (null on create). */
type Ready = { index: number; current: CardRow | null; p: Awaited<ReturnType<typeof prepare>> };
type Written = { index: number; row: WrittenCard; created: boolean };

/** Thrown by a caller's `committing`: it is theirs, not a write that failed, so it is handed back as is. */
class CallerError extends Error {
  constructor(readonly error: unknown) {
    super('caller');
  }
}
/** A step of the caller's, inside the transaction: its failure is the caller's, not a card's. */
async function callerStep(step: (() => Promise<void>) | undefined) {
  try {
    await step?.();
  } catch (err) {
    throw new CallerError(err);
  }
}
/** Undoes a dry run's transaction once everything was written. */
class Undo extends Error {
  constructor(readonly written: Written[]) {
    super('dry run');
  }
}

/**
 * Commits prepared writes in one transaction: the new cards in one multi-row INSERT, the updates
 * in one multi-row UPDATE with each card's compare-and-set on the version, tags, links and slot
 * columns, then the domain events
 * (one emit per topic, so batch consumers write a few statements, not one per card).
 */
async function commit(ctx: ServiceCtx, kind: CardKind, ready: Ready[], hooks: BatchHooks, started?: ReadsAhead): Promise<Written[]> {
  const ws = ctx.viewer.workspaceId;
  const creates = ready.filter((r) => !r.current);
  const updates = ready.filter((r) => r.current);
  const ahead =
    started ?? startReads(ctx, kind, [...(creates.length ? ['record.created' as const] : []), ...(updates.length ? ['record.updated' as const] : [])]);
  const run = async (tx: Tx): Promise<Written[]> => {
    await callerStep(hooks.order?.ready);
    const now = new Date();
    const withValues = ready.filter((r) => r.p.cf);
    const defs = withValues[0]?.p.cf?.defs ?? [];
    const positions = withValues.length
      ? await lockedPositions(
          tx,
          ctx,
          kind,
          defs,
          withValues.map((r) => r.p.cf!.values),
        )
      : new Map<string, number>();
    hooks.order?.locked();
    const valueCols = (r: Ready) => ({
      customFields: r.p.cf!.values as Prisma.InputJsonValue,
      ...slotColumnsWith(ctx, kind, r.p.cf!.defs, r.p.cf!.values, positions),
    });
    const written: Written[] = [];
    if (creates.length) {
      // One INSERT with the batch as one JSON parameter, answering the rows written (lib/bulk-insert.ts:
      // Prisma's createMany, and its findMany of the rows, spend seconds of CPU on a batch of cards).
      const rows = await insertRowsReturning<WrittenCard>(
        tx,
        TABLE[kind],
        creates.map((r) => ({
          workspaceId: ws,
          ...r.p.columns,
          ...r.p.hook.columns?.(r.p.w, now),
          ...(r.p.companyId !== undefined ? { companyId: r.p.companyId } : {}),
          responsibleId: r.p.responsibleId,
          createdById: ctx.viewer.userId,
          updatedById: ctx.viewer.userId,
          ...valueCols(r),
          searchText: r.p.search,
        })),
        { ids: true, now: NOW_COLUMNS[kind], returning: RETURNING[kind], fresh: true },
      );
      for (const [i, r] of creates.entries()) {
        await r.p.hook.written?.(tx, r.p.w, rows[i].id);
        written.push({ index: r.index, row: rows[i], created: true });
      }
    }
    // Past this point the transaction may wait on locks another batch of the caller holds (a
    // field's lastWrittenAt, tags, the caller's progress row): it waits for the batch before it here.
    await callerStep(hooks.order?.turn);
    if (updates.length) {
      // One UPDATE for the batch's updates (per shape of columns), each with its compare-and-set
      // on the version; the cards locked first in id order when there are several, so two
      // batches sharing some cards (two workers) wait for each other instead of deadlocking.
      if (updates.length > 1) await lockRows(tx, TABLE[kind], updates.map((r) => r.current!.id).sort());
      const rows = await updateRowsReturning<WrittenCard>(
        tx,
        TABLE[kind],
        updates.map((r) => ({
          id: r.current!.id,
          version: r.current!.version,
          data: {
            ...r.p.columns,
            ...r.p.hook.columns?.(r.p.w, now),
            ...(r.p.companyId !== undefined ? { companyId: r.p.companyId } : {}),
            ...(r.p.responsibleId ? { responsibleId: r.p.responsibleId } : {}),
            ...(r.p.cf ? valueCols(r) : {}),
            searchText: r.p.search,
            ...touched(ctx),
          },
        })),
        RETURNING[kind],
      );
      for (const r of updates) {
        const row = rows.get(r.current!.id);
        if (!row) await stale(tx, kind, r.current!);
        await r.p.hook.written?.(tx, r.p.w, r.current!.id);
        written.push({ index: r.index, row: row!, created: false });
      }
    }
    await touchFields(tx, [...new Set(ready.flatMap((r) => r.p.cf?.written ?? []))]);
    const byIndex = new Map(ready.map((r) => [r.index, r]));
    await setTagsMany(
      tx,
      kind,
      ws,
      written
        .filter((x) => x.created || byIndex.get(x.index)!.p.w.input.tags)
        .map((x) => ({ cardId: x.row.id, names: byIndex.get(x.index)!.p.tags, created: x.created })),
    );
    written.sort((a, b) => a.index - b.index);
    const created = written.filter((x) => x.created);
    const changed = written.filter((x) => !x.created);
    await events.emit(
      tx,
      ctx,
      'record.created',
      created.map((x) => plainEvent(ctx, kind, null, x.row)),
      ahead,
    );
    await events.emit(
      tx,
      ctx,
      'record.updated',
      await Promise.all(changed.map((x) => eventOf(ctx, 'record.updated', kind, byIndex.get(x.index)!.current, x.row))),
      ahead,
    );
    await callerStep(hooks.committing && (() => hooks.committing!(tx, written)));
    if (hooks.dryRun) throw new Undo(written);
    return written;
  };
  try {
    // They ran beside the change's own reads and checks; the transaction, which takes row locks, does not wait on them.
    await ahead?.settled();
    // The write's outbox rows (its events, the timeline's notices, the worker's wake-up) go in one INSERT.
    return await ctx.db.$transaction((tx) => holdingOutbox(tx, () => run(tx)), { timeout: 120_000, maxWait: 30_000 });
  } catch (err) {
    if (err instanceof Undo) return err.written;
    throw err;
  }
}

/** Creates a card. `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createRecord<K extends CardKind>(ctx: ServiceCtx, kind: K, input: CardWrite, issues = new IssueList()): Promise<WrittenCard<K>> {
  const ahead = startReads(ctx, kind, ['record.created']);
  const p = await prepare(ctx, kind, input, null, issues);
  const [w] = await commitOne(ctx, kind, { index: 0, current: null, p }, ahead);
  return w.row as WrittenCard<K>;
}

async function commitOne(ctx: ServiceCtx, kind: CardKind, r: Ready, ahead: ReadsAhead | undefined) {
  try {
    // Its events are claimed right behind its COMMIT (or the dispatcher is kicked).
    return await ctx.deps.outbox.claimBehindCommit(() => commit(ctx, kind, [r], {}, ahead));
  } catch (err) {
    throw err instanceof CallerError ? err.error : err;
  }
}

/**
 * Bumps the version only if it is still the one read: the compare-and-set that makes a stale
 * concurrent write fail instead of overwriting. Answers the card as written (one statement:
 * the update returns it).
 */
async function bumpVersion(tx: Tx, kind: CardKind, card: CardRow, data: Record<string, unknown>): Promise<CardRow> {
  const [row] = await cardTable(tx, kind).updateManyAndReturn({ where: { id: card.id, version: card.version }, data: { ...data, version: { increment: 1 } } });
  return row ?? stale(tx, kind, card);
}

/**
 * A card the batch's UPDATE did not write: its version was no longer the one read (a concurrent
 * write), so the write fails instead of overwriting.
 */
async function stale(tx: Tx, kind: CardKind, card: CardRow): Promise<never> {
  const now = await cardTable(tx, kind).findUnique({ where: { id: card.id }, select: { version: true } });
  throw new ConflictError(descriptor(kind).typeName, card.id, now?.version ?? card.version);
}

/** The checks an update makes before preparing its values. */
async function checkUpdate(ctx: ServiceCtx, kind: CardKind, id: string, found: CardRow | null, version: number, input: CardWrite) {
  const current = assertLive(kind, id, found);
  assertVersion(kind, current, version);
  await assertCan(ctx, `${descriptor(kind).table}:edit`, current);
  assertEditable(ctx.viewer, kind, accessGiven(kind, input, false));
  return current;
}

/**
 * Changes the fields given; a stale `version` fails with ConflictError and changes nothing. A
 * deal's move is an update of its stage (the deal hook checks the stage's requirements).
 */
export async function updateRecord<K extends CardKind>(
  ctx: ServiceCtx,
  kind: K,
  id: string,
  version: number,
  input: CardWrite,
  issues = new IssueList(),
): Promise<WrittenCard<K>> {
  const ahead = startReads(ctx, kind, ['record.updated']);
  const current = await checkUpdate(ctx, kind, id, await findVisible(ctx, kind, id), version, input);
  const p = await prepare(ctx, kind, input, current, issues);
  const [w] = await commitOne(ctx, kind, { index: 0, current, p }, ahead);
  return w.row as WrittenCard<K>;
}

// Batches

/** One write of a batch: a create, or an update of a card (its id and the version read). */
export type BatchWrite = { write: CardWrite; id?: undefined; version?: undefined } | { write: CardWrite; id: string; version: number };
/** What became of it: the card as written, or the error createRecord / updateRecord would have thrown. */
export type BatchResult<K extends CardKind = CardKind> = { ok: true; row: WrittenCard<K>; created: boolean } | { ok: false; error: unknown };
export type BatchHooks = {
  /**
   * Told at once of each write refused (by a check, or by the database when its batch fell back
   * to one write at a time), so a caller's progress never moves past a refusal it has not seen.
   * A promise it answers is awaited before the batch goes on.
   */
  refused?(index: number, error: unknown): void | Promise<void>;
  /** Runs inside each transaction that writes cards, once they are written: a caller's progress commits with them. */
  committing?(tx: Tx, written: Written[]): Promise<void>;
  /** Once a transaction that wrote cards committed (what `committing` wrote is now kept). */
  committed?(written: Written[]): void;
  /** Everything is checked and written, then undone: the results say what would have happened. */
  dryRun?: boolean;
  /**
   * For a caller whose batches of creates are written side by side, each in its own transaction,
   * and must commit in order (an import: its progress commits with its rows). In each of the
   * batch's transactions, `ready` is awaited first (the batch before holds its locks by then),
   * `locked` is told once the fields' shared lock is held (nothing before it waits on another
   * batch), and `turn` is awaited once the new cards are inserted, before anything that may wait
   * on a lock the batch before holds (a field's lastWrittenAt, tags, events' consumers, the
   * caller's progress): the caller makes it wait there for the batch before to commit. So a
   * batch's INSERT runs while the batch before commits, and no two batches wait on each other.
   */
  order?: { ready(): Promise<void>; locked(): void; turn(): Promise<void> };
};

/**
 * Many creates and updates of one kind (an import's batch) through the same checks, values,
 * hooks and events as createRecord / updateRecord, one card at a time, but committed in one
 * transaction with one multi-row INSERT and one multi-row UPDATE (per shape of columns). A write its checks refuse is left out (its error in
 * its result) and the others go ahead; if the batch's transaction fails on a card changed
 * meanwhile, that write is refused (ConflictError) and the others are tried again together; on
 * anything else (a constraint), each write is retried alone, so one bad card never takes the
 * good ones with it and none is written twice. An update of a card already updated earlier in the
 * batch is refused with ConflictError (the version it read is no longer the card's).
 */
export async function writeRecords<K extends CardKind>(callerCtx: ServiceCtx, kind: K, batch: BatchWrite[], hooks: BatchHooks = {}): Promise<BatchResult<K>[]> {
  // The batch's writes share their reads (responsibles, linked cards, a kind's own references).
  const ctx = batchContext(callerCtx);
  // A read that fails here (the database) is made again by each card's own check, which then
  // fails that card alone, as without the read ahead.
  await preloadBatch(ctx, kind, batch).catch(() => {});
  const results: BatchResult<K>[] = new Array<BatchResult<K>>(batch.length);
  const refuse = async (index: number, error: unknown) => {
    results[index] = { ok: false, error };
    await hooks.refused?.(index, error);
  };
  const ids = [...new Set(batch.flatMap((b) => (b.id !== undefined ? [b.id] : [])))];
  const found = new Map(
    ids.length ? (await cardTable(ctx.db, kind).findMany({ where: { id: { in: ids }, ...visible(ctx, kind) } })).map((r) => [r.id, r]) : [],
  );
  const targeted = new Set<string>();
  const ready: Ready[] = [];
  for (const [index, b] of batch.entries()) {
    try {
      let current: CardRow | null = null;
      if (b.id !== undefined) {
        current = await checkUpdate(ctx, kind, b.id, found.get(b.id) ?? null, b.version, b.write);
        if (targeted.has(b.id)) throw new ConflictError(descriptor(kind).typeName, b.id, current.version + 1);
        targeted.add(b.id);
      }
      ready.push({ index, current, p: await prepare(ctx, kind, b.write, current, new IssueList()) });
    } catch (error) {
      await refuse(index, error);
    }
  }
  const done = (written: Written[]) => {
    for (const x of written) results[x.index] = { ok: true, row: x.row as WrittenCard<K>, created: x.created };
    if (written.length && !hooks.dryRun) hooks.committed?.(written);
  };
  let left = ready;
  while (left.length) {
    try {
      done(await commit(ctx, kind, left, hooks));
      break;
    } catch (err) {
      if (err instanceof CallerError) throw err.error;
      // A card changed since the batch read it fails alone just the same (its compare-and-set):
      // it is refused and the others are tried again together, not one at a time (two workers
      // updating a few of the same cards would otherwise cost a transaction per card).
      const stale = err instanceof ConflictError ? left.find((r) => r.current?.id === err.id) : undefined;
      if (stale && left.length > 1) {
        await refuse(stale.index, err);
        left = left.filter((r) => r !== stale);
        continue;
      }
      if (left.length === 1) await refuse(left[0].index, err);
      // One at a time: the writes that can commit do, each with the caller's progress.
      else
        for (const r of left) {
          try {
            done(await commit(ctx, kind, [r], hooks));
          } catch (e) {
            if (e instanceof CallerError) throw e.error;
            await refuse(r.index, e);
          }
        }
      break;
    }
  }
  ctx.deps.outbox.kick();
  return results;
}

/** The responsibles, companies and the kind's own references of a batch, each table in one read. */
async function preloadBatch(ctx: ServiceCtx, kind: CardKind, batch: BatchWrite[]) {
  const writes = batch.map((b) => b.write);
  const ids = (f: (w: CardWrite) => string | null | undefined) => writes.flatMap((w) => f(w) ?? []);
  await users(
    ctx,
    ids((w) => w.responsibleId),
  );
  if (descriptor(kind).companyLink)
    await linkableCards(
      ctx,
      'COMPANY',
      ids((w) => w.companyId),
    );
  await hooks.get(kind)?.preload?.(ctx, writes);
}

/**
 * Moves a card to the trash. Nothing is lost: restore brings it back as it was. A merge gives
 * `mergedIntoId`, the card it was merged into (kinds that are `mergeable` only).
 */
export async function trashRecord(
  ctx: ServiceCtx,
  kind: CardKind,
  id: string,
  version?: number | null,
  opts: { mergedIntoId?: string } = {},
): Promise<CardRow> {
  const current = assertLive(kind, id, await findVisible(ctx, kind, id));
  await assertCan(ctx, `${descriptor(kind).table}:delete`, current);
  assertVersion(kind, current, version);
  const merged = opts.mergedIntoId && descriptor(kind).mergeable ? { mergedIntoId: opts.mergedIntoId } : {};
  const row = await ctx.db.$transaction(async (tx) => {
    const after = await bumpVersion(tx, kind, current, { deletedAt: new Date(), ...merged, ...touched(ctx) });
    await emit(tx, ctx, 'record.trashed', kind, current, after);
    return after;
  });
  ctx.deps.outbox.kick();
  return row;
}

export async function restoreRecord(ctx: ServiceCtx, kind: CardKind, id: string): Promise<CardRow> {
  const current = await findVisible(ctx, kind, id);
  if (!current) throw new NotFoundError(descriptor(kind).typeName, id);
  await assertCan(ctx, `${descriptor(kind).table}:delete`, current);
  if (!current.deletedAt) return current;
  const row = await ctx.db.$transaction(async (tx) => {
    // A merged card restored is a card of its own again: it no longer points at the kept one.
    const after = await bumpVersion(tx, kind, current, { deletedAt: null, ...(descriptor(kind).mergeable ? { mergedIntoId: null } : {}), ...touched(ctx) });
    await emit(tx, ctx, 'record.restored', kind, current, after);
    return after;
  });
  ctx.deps.outbox.kick();
  return row;
}

/**
 * Points cards' links elsewhere without the checks of a write (a merge moving the merged cards'
 * deals and contacts to the kept card, whoever may edit them): `data` is what changes (a
 * company link), or nothing when the change is in a join table written by the caller. Each card's
 * version goes up and a live card's `record.updated` event goes out, so live boards re-read it.
 */
export async function relinkRecords(tx: Tx, ctx: ServiceCtx, kind: CardKind, ids: string[], data: Record<string, unknown> = {}) {
  if (!ids.length) return;
  const table = cardTable(tx, kind);
  const before = await table.findMany({ where: { id: { in: ids }, workspaceId: ctx.viewer.workspaceId } });
  if (!before.length) return;
  await table.updateMany({
    where: { id: { in: before.map((r) => r.id) } },
    data: { ...data, version: { increment: 1 }, updatedAt: new Date(), updatedById: ctx.viewer.userId },
  });
  const after = new Map((await table.findMany({ where: { id: { in: before.map((r) => r.id) } } })).map((r) => [r.id, r]));
  // A card in the trash moves with the others but silently: nobody shows it.
  const live = before.filter((b) => !b.deletedAt);
  await events.emit(tx, ctx, 'record.updated', await Promise.all(live.map((b) => eventOf(ctx, 'record.updated', kind, b, after.get(b.id)!))));
}

/**
 * Empties the trash for good (administrators only): the one path that deletes cards. Returns how
 * many cards were removed. Links from live cards to removed ones are cleared by the database.
 */
export async function emptyTrash(ctx: ServiceCtx, kinds: readonly CardKind[]) {
  if (!ctx.viewer.isAdmin) throw new ForbiddenError(ACCESS.onlyAdmin({ what: CARD.emptyTrash() }));
  const where = { workspaceId: ctx.viewer.workspaceId, deletedAt: { not: null } };
  return ctx.db.$transaction(async (tx) => {
    // Their timelines go with them (entries name their card without a foreign key).
    const gone: string[] = [];
    for (const k of kinds) gone.push(...(await cardTable(tx, k).findMany({ where, select: { id: true } })).map((r) => r.id));
    if (gone.length) await tx.timelineEntry.deleteMany({ where: { workspaceId: ctx.viewer.workspaceId, cardId: { in: gone } } });
    let n = 0;
    for (const k of kinds) n += (await cardTable(tx, k).deleteMany({ where })).count;
    return n;
  });
}
