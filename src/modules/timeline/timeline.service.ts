// The timeline of a deal, contact or company: entries people add (notes, calls, e-mails,
// meetings, chat messages) and the entries the server writes itself in the transaction of the
// change they record (card created, stage changed, field changed, responsible changed). Every
// entry but a new card's first also goes to the outbox as a `timelineUpdated` event for the card,
// so subscribers learn of it once it is committed, and a write that fails leaves neither entry
// nor event.
import { z } from 'zod';
import type { ImportSource, ServiceCtx } from '../../context.js';
import { ForbiddenError, IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import { definitions, hiddenFieldIds } from '../../kernel/fields/definitions.js';
import { enqueue, insertRowsHeld, type Tx } from '../../lib/outbox.js';
import type { RecordEvent } from '../../kernel/events.js';
import type { CardKind } from '../../kernel/card-kinds.js';
import { assertCanAdd, findCard, type CardRef } from '../../kernel/records.js';
export { assertCanAdd, findCard };
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { TimelineKind } from '../../generated/prisma/enums.js';
import type { FieldDef } from '../../kernel/fields/values.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { hidesPhones } from '../../kernel/access/field-access.js';
import { scopeOf } from '../../kernel/access/rights.js';
import { visibleTasks } from '../tasks/tasks.service.js';
import { hiddenSystemFields } from '../../kernel/lists.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import { TIMELINE } from './timeline.messages.js';
import { cursorSeen } from '../../lib/cursors.js';

export type EntityType = CardKind;
export type { CardRef };
export type EntryInput = { kind: TimelineKind; text?: string; data?: Record<string, unknown>; privateToId?: string | null };
type Query = { include?: Prisma.TimelineEntryInclude; select?: Prisma.TimelineEntrySelect };

/** An entry's data when it has none (one object, so a batch's rows share it: lib/bulk-insert.ts). */
const NO_DATA = Object.freeze({});

/** Writes entries of one card inside the caller's transaction, with their outbox events. */
export async function record(tx: Tx, ctx: ServiceCtx, card: CardRef, entries: EntryInput[]) {
  return recordMany(tx, ctx, [{ card, entries }]);
}

/**
 * Writes entries of several cards (a batch of imported cards) in two statements, with their
 * outbox events. `notice: false` writes no timelineUpdated event: for the entry of a card created
 * in the same transaction, which nobody can be subscribed to yet (a subscription checks the card
 * exists) and which every read of its timeline after the commit shows. An import of 1,000 cards
 * then writes 1,000 outbox rows instead of 2,000 (docs/performance.md).
 */
export async function recordMany(tx: Tx, ctx: ServiceCtx, items: { card: CardRef; entries: EntryInput[] }[], { notice = true } = {}) {
  const flat = items.flatMap(({ card, entries }) => entries.map((e) => ({ card, e })));
  if (!flat.length) return [];
  const ws = ctx.viewer.workspaceId;
  // One statement whatever the batch (lib/bulk-insert.ts): Prisma's createMany costs the client
  // milliseconds per row.
  const data = flat.map(({ card, e }) => ({
    workspaceId: ws,
    entityType: card.entityType,
    cardId: card.id,
    kind: e.kind,
    authorId: ctx.viewer.userId,
    text: e.text ?? '',
    data: e.data ?? NO_DATA,
    privateToId: e.privateToId ?? null,
    automationId: ctx.automation?.id ?? null,
    automationName: ctx.automation?.name ?? null,
  }));
  // Written with the write's outbox rows when the write holds them (nothing in a write reads its entries back).
  const ids = await insertRowsHeld(tx, 'TimelineEntry', data, { ids: true, now: ['createdAt'], fresh: true });
  const rows = data.map((d, i) => ({ id: ids[i], entityType: d.entityType, cardId: d.cardId }));
  if (!notice) return rows.map((r) => ({ id: r.id }));
  const occurredAt = new Date().toISOString();
  await enqueue(
    tx,
    rows.map((r) => ({
      topic: 'timelineUpdated' as const,
      workspaceId: ws,
      payload: { workspaceId: ws, entityType: r.entityType, cardId: r.cardId, entryId: r.id, occurredAt },
    })),
  );
  return rows.map((r) => ({ id: r.id }));
}

// System entries

/** A value as the timeline shows it: option labels, money with its currency, null when empty. */
export function displayValue(def: FieldDef, stored: unknown): string | null {
  if (stored === undefined || stored === null) return null;
  switch (def.type) {
    case 'MONEY': {
      const m = stored as { a: string; c: string };
      return `${m.a} ${m.c}`;
    }
    case 'SELECT':
      return def.options.find((o) => o.id === stored)?.label ?? null;
    case 'MULTISELECT':
      return (
        def.options
          .filter((o) => (stored as string[]).includes(o.id))
          .map((o) => o.label)
          .join(', ') || null
      );
    default:
      return String(stored);
  }
}

const show = (x: unknown): string | null => {
  if (x === null || x === undefined) return null;
  if (Array.isArray(x)) return x.length ? x.join(', ') : null;
  if (typeof x === 'object' && 'toFixed' in (x as object)) return (x as { toFixed(n: number): string }).toFixed(2);
  return String(x);
};

/**
 * The entries an update writes, from its event's diff: a new stage, a new responsible, and each
 * changed system and custom field (old → new, as the timeline shows values).
 */
export function changeEntries(event: RecordEvent, defs: FieldDef[]): EntryInput[] {
  const out: EntryInput[] = [];
  const { before, after } = event;
  for (const c of event.diff) {
    if (c.field === 'stageId') {
      out.push({
        kind: 'STAGE_CHANGED',
        data: { fromStageId: c.old, toStageId: c.new, fromPipelineId: before?.pipelineId, toPipelineId: after.pipelineId },
      });
    } else if (c.field === 'responsibleId') {
      out.push({ kind: 'RESPONSIBLE_CHANGED', data: { fromUserId: c.old, toUserId: c.new } });
    } else if (c.customFieldId) {
      const d = defs.find((x) => x.id === c.customFieldId);
      if (!d) continue;
      const [o, n] = [displayValue(d, c.old), displayValue(d, c.new)];
      out.push({ kind: 'FIELD_CHANGED', text: [d.name, o, n].filter(Boolean).join(' '), data: { customFieldId: d.id, field: d.name, old: o, new: n } });
    } else {
      const [o, n] = [show(c.old), show(c.new)];
      if (o !== n) out.push({ kind: 'FIELD_CHANGED', text: [o, n].filter(Boolean).join(' '), data: { field: c.field, old: o, new: n } });
    }
  }
  return out;
}

export const created = (): EntryInput => ({ kind: 'CARD_CREATED' });

/** The entry of a card an import created or updated: which import, which file. */
export const imported = (imp: ImportSource, outcome: 'created' | 'updated'): EntryInput => ({
  kind: 'IMPORTED',
  text: imp.fileName,
  data: { importId: imp.id, fileName: imp.fileName, outcome },
});

// The card an entry belongs to

// Entries people add

const PLACEHOLDER = /\[([^\]\n]{1,60})\]/g;

/** Fills a template's [placeholders]; every unknown or unfilled one is reported. */
export function fillTemplate(text: string, values: { name: string; value: string }[], issues: IssueList) {
  const names = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]));
  values.forEach((x, i) => {
    if (!names.has(x.name)) issues.add(`values[${i}].name`, TIMELINE.noPlaceholder({ name: x.name }));
  });
  for (const n of names) if (!values.some((x) => x.name === n)) issues.add('values', TIMELINE.fillPlaceholder({ name: n }));
  return text.replace(PLACEHOLDER, (m, n: string) => values.find((x) => x.name === n)?.value ?? m);
}

async function add(ctx: ServiceCtx, card: CardRef, entry: EntryInput) {
  await assertCanAdd(ctx, card);
  const [row] = await ctx.db.$transaction((tx) => record(tx, ctx, card, [entry]));
  ctx.deps.outbox.kick();
  return row.id;
}

const text = (max: number) =>
  v
    .text()
    .trim()
    .min(1, v.zmsg(v.VALIDATE.empty()))
    .max(max, v.zmsg(v.VALIDATE.tooLong({ max })));

export async function addNote(
  ctx: ServiceCtx,
  card: CardRef,
  input: { text?: string | null; templateId?: string | null; values?: { name: string; value: string }[] | null },
) {
  const issues = new IssueList();
  let body = input.text ?? '';
  if (input.templateId) {
    const t = await ctx.db.noteTemplate.findFirst({ where: { id: input.templateId, workspaceId: ctx.viewer.workspaceId } });
    if (input.text) issues.add('text', TIMELINE.textOrTemplate());
    if (!t) {
      // No template, so no text to check: the client sent no text of its own to blame.
      issues.add('templateId', v.noSuch('NoteTemplate'));
      issues.throwIfAny();
    } else body = fillTemplate(t.text, input.values ?? [], issues);
  } else if (input.values?.length) issues.add('values', TIMELINE.valuesNeedTemplate());
  const data = v.parseInput(z.object({ text: text(20_000) }), { text: body }, issues.issues);
  return add(ctx, card, { kind: 'NOTE', text: data.text });
}

const direction = z.enum(['INBOUND', 'OUTBOUND']);

export type CallInput = {
  direction: 'INBOUND' | 'OUTBOUND';
  number: string;
  durationSeconds?: number | null;
  recordingUrl?: string | null;
  result?: string | null;
};

export async function logCall(ctx: ServiceCtx, card: CardRef, input: CallInput) {
  const { phoneRegion } = await workspaceRegion(ctx);
  const issues = new IssueList();
  const number = v.normalizePhone(input.number, phoneRegion);
  if (!number) issues.add('number', TIMELINE.notPhone());
  const data = v.parseInput(
    z.object({
      direction,
      durationSeconds: z.number().int().min(0, v.zmsg(v.VALIDATE.negative())).max(86_400, v.zmsg(TIMELINE.atMostDay())).nullish(),
      recordingUrl: v.webUrl(2000).nullish(),
      result: v.text().trim().max(2000).nullish(),
    }),
    input,
    issues.issues,
  );
  return add(ctx, card, {
    kind: 'CALL',
    text: [number?.replace(/\D/g, ''), data.result].filter(Boolean).join(' '),
    data: {
      direction: data.direction,
      number,
      durationSeconds: data.durationSeconds ?? null,
      recordingUrl: data.recordingUrl ?? null,
      result: data.result ?? null,
    },
  });
}

export type EmailInput = { direction: 'INBOUND' | 'OUTBOUND'; subject: string; body: string; mailbox?: string | null };

/**
 * An e-mail through a registered personal mailbox is kept to the mailbox's owner, and only the
 * owner may log one through it; any other address is a shared mailbox, seen by card rights.
 */
export async function logEmail(ctx: ServiceCtx, card: CardRef, input: EmailInput) {
  const data = v.parseInput(
    z.object({ direction, subject: v.text().trim().max(1000), body: v.text().max(200_000), mailbox: v.text().trim().max(320).nullish() }),
    input,
  );
  const box = data.mailbox
    ? await ctx.db.mailbox.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, address: data.mailbox.toLowerCase() }, select: { ownerId: true } })
    : null;
  if (box?.ownerId && box.ownerId !== ctx.viewer.userId) throw new ForbiddenError(TIMELINE.otherMailbox());
  return add(ctx, card, {
    kind: 'EMAIL',
    text: `${data.subject}\n${data.body}`,
    data: { direction: data.direction, subject: data.subject, body: data.body, mailbox: data.mailbox ?? null },
    privateToId: box?.ownerId ?? null,
  });
}

export type MeetingInput = { subject: string; startsAt: Date; endsAt?: Date | null; place?: string | null; notes?: string | null };

export async function logMeeting(ctx: ServiceCtx, card: CardRef, input: MeetingInput) {
  const issues = new IssueList();
  if (input.endsAt && input.endsAt < input.startsAt) issues.add('endsAt', TIMELINE.endsBeforeStart());
  const data = v.parseInput(
    z.object({ subject: text(1000), place: v.text().trim().max(1000).nullish(), notes: v.text().max(20_000).nullish() }),
    input,
    issues.issues,
  );
  return add(ctx, card, {
    kind: 'MEETING',
    text: [data.subject, data.place, data.notes].filter(Boolean).join('\n'),
    data: {
      subject: data.subject,
      startsAt: input.startsAt.toISOString(),
      endsAt: input.endsAt?.toISOString() ?? null,
      place: data.place ?? null,
      notes: data.notes ?? null,
    },
  });
}

export type ChatInput = { direction: 'INBOUND' | 'OUTBOUND'; channel: string; text: string };

export async function logChatMessage(ctx: ServiceCtx, card: CardRef, input: ChatInput) {
  const data = v.parseInput(z.object({ direction, channel: text(100), text: text(20_000) }), input);
  return add(ctx, card, { kind: 'CHAT', text: data.text, data: { direction: data.direction, channel: data.channel } });
}

// Reading

export type TimelineFilter = { kinds?: TimelineKind[] | null; authorIds?: string[] | null; search?: string | null };

/**
 * What the viewer may see of a card's timeline: no e-mail of another user's personal mailbox,
 * no change of a field their role hides (custom or system; a hidden responsible hides its
 * changes too), and no entry of a task outside their TASK VIEW scope. Each kind of hidden entry
 * costs one or two statements, only for roles that hide fields or do not see every task.
 */
export async function entryConditions(ctx: ServiceCtx, card: CardRef): Promise<Prisma.TimelineEntryWhereInput[]> {
  const and: Prisma.TimelineEntryWhereInput[] = [{ OR: [{ privateToId: null }, { privateToId: ctx.viewer.userId }] }];
  const hidden = [...(await hiddenFieldEntries(ctx, card)), ...(await hiddenTaskEntries(ctx, card))];
  if (hidden.length) and.push({ id: { notIn: hidden } });
  return and;
}

/** The card's FIELD_CHANGED / RESPONSIBLE_CHANGED entries of fields the viewer's role hides. */
async function hiddenFieldEntries(ctx: ServiceCtx, card: CardRef): Promise<string[]> {
  if (ctx.viewer.isAdmin || !ctx.viewer.fieldAccess?.[card.entityType]) return [];
  const custom = [...hiddenFieldIds(ctx.viewer, card.entityType, await definitions(ctx, card.entityType))];
  const system = hiddenSystemFields(ctx.viewer, card.entityType);
  const names = [...system].flatMap((f) => (f === 'amount' ? ['amount', 'currency'] : f === 'responsible' ? [] : [f]));
  const responsible = system.has('responsible');
  if (!custom.length && !names.length && !responsible) return [];
  const rows = await ctx.db.$queryRaw<{ id: string }[]>`
    select "id"::text from "TimelineEntry"
     where "cardId" = ${card.id}::uuid and "workspaceId" = ${ctx.viewer.workspaceId}::uuid
       and (("kind" = 'FIELD_CHANGED' and ("data"->>'customFieldId' = any(${custom}::text[])
                                          or ("data"->>'customFieldId' is null and "data"->>'field' = any(${names}::text[]))))
            or ("kind" = 'RESPONSIBLE_CHANGED' and ${responsible}::boolean))`;
  return rows.map((r) => r.id);
}

/** The card's TASK_CREATED / TASK_COMPLETED entries of tasks outside the viewer's TASK VIEW scope. */
async function hiddenTaskEntries(ctx: ServiceCtx, card: CardRef): Promise<string[]> {
  if (scopeOf(ctx.viewer, 'TASK', 'VIEW') === 'ALL') return [];
  const entries = await ctx.db.timelineEntry.findMany({
    where: { cardId: card.id, workspaceId: ctx.viewer.workspaceId, kind: { in: ['TASK_CREATED', 'TASK_COMPLETED'] } },
    select: { id: true, data: true },
  });
  if (!entries.length) return [];
  const taskOf = (e: { data: unknown }) => String((e.data as { taskId?: string }).taskId ?? '');
  const seen = new Set(
    (await ctx.db.task.findMany({ where: { ...visibleTasks(ctx), id: { in: [...new Set(entries.map(taskOf))] } }, select: { id: true } })).map((t) => t.id),
  );
  return entries.filter((e) => !seen.has(taskOf(e))).map((e) => e.id);
}

/** Whether the viewer may see this entry now: its card, and the entry itself (see entryConditions). */
export async function canSeeEntry(ctx: ServiceCtx, card: CardRef, entryId: string) {
  // Read afresh, not through the per-request canSee cache: a live subscription asks this for each
  // event, and the card may have been handed out of the viewer's scope since the last one.
  try {
    await findCard(ctx, card, false);
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
  const where = { id: entryId, cardId: card.id, workspaceId: ctx.viewer.workspaceId, AND: await entryConditions(ctx, card) };
  return !!(await ctx.db.timelineEntry.findFirst({ where, select: { id: true } }));
}

/** canSeeEntry for an entry known by its id alone; false when there is none in the workspace. */
export async function canSeeEntryById(ctx: ServiceCtx, entryId: string) {
  const e = await ctx.db.timelineEntry.findFirst({ where: { id: entryId, workspaceId: ctx.viewer.workspaceId }, select: { entityType: true, cardId: true } });
  return !!e && (await canSeeEntry(ctx, { entityType: e.entityType, id: e.cardId }, entryId));
}

/**
 * The card's entries, newest first. Keyword search is PostgreSQL full text in Russian and
 * English at once (either language's stemming finds a word), over one card's entries.
 */
export async function listTimeline(
  ctx: ServiceCtx,
  card: CardRef,
  filter: TimelineFilter,
  query: Query & { take?: number; skip?: number; cursor?: Prisma.TimelineEntryWhereUniqueInput },
) {
  await findCard(ctx, card, false);
  const where: Prisma.TimelineEntryWhereInput = {
    workspaceId: ctx.viewer.workspaceId,
    cardId: card.id,
    entityType: card.entityType,
    AND: await entryConditions(ctx, card),
  };
  const base = { ...where };
  if (!(await cursorSeen(query.cursor, (id) => ctx.db.timelineEntry.findFirst({ where: { AND: [base, { id }] }, select: { id: true } })))) return [];
  if (filter.kinds?.length) where.kind = { in: filter.kinds };
  if (filter.authorIds?.length) where.authorId = { in: filter.authorIds };
  v.assertSearchable(filter.search);
  const q = filter.search?.trim();
  if (q) {
    // A role that hides phones searches a call by its result alone, not by its number.
    const text = hidesPhones(ctx.viewer) ? `(case when kind = 'CALL' then coalesce(data->>'result', '') else text end)` : 'text';
    const hits = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
      `select id from "TimelineEntry" where "cardId" = $1::uuid and "workspaceId" = $2::uuid
         and (to_tsvector('russian', ${text}) || to_tsvector('english', ${text})) @@ (websearch_to_tsquery('russian', $3) || websearch_to_tsquery('english', $3))`,
      card.id,
      ctx.viewer.workspaceId,
      q,
    );
    where.id = { in: hits.map((h) => h.id) };
  }
  return ctx.db.timelineEntry.findMany({ ...query, where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

// Note templates (administrators)

export function listTemplates(ctx: ServiceCtx, query: Query = {}) {
  return ctx.db.noteTemplate.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { name: 'asc' } });
}

export async function createTemplate(ctx: ServiceCtx, input: { name: string; text: string }) {
  assertAdmin(ctx.viewer, TIMELINE.manageTemplates());
  const data = v.parseInput(z.object({ name: v.name(120), text: text(5000) }), input);
  if (await ctx.db.noteTemplate.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, name: v.sameText(data.name) } })) {
    throw ValidationError.field('name', TIMELINE.templateTaken());
  }
  return ctx.db.noteTemplate.create({ data: { workspaceId: ctx.viewer.workspaceId, ...data } });
}

export async function deleteTemplate(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, TIMELINE.manageTemplates());
  const t = await ctx.db.noteTemplate.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!t) throw new NotFoundError('NoteTemplate', id);
  await ctx.db.noteTemplate.delete({ where: { id } });
  return t;
}
