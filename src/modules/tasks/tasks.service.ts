// Tasks on deals, contacts, companies and incoming leads: create, change, complete (with a result), reopen, and
// the lists a salesperson works from (overdue, due today, by responsible). Creating and
// completing write timeline entries; assigning a task to someone else notifies them, and the
// outbox dispatcher notifies the responsible when a task falls due.
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { ConflictError, IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import { events, type TaskEvent } from '../../kernel/events.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { viewable } from '../../kernel/access/visibility.js';
import { assertCan, assertHandover } from '../../kernel/access/actions.js';
import { assertCanAdd, checkResponsible, findCard, type CardRef } from '../../kernel/records.js';
import { batchContext } from '../../kernel/batch-reads.js';
import * as rights from '../../kernel/access/rights.js';
import { TASKS } from './tasks.messages.js';
import { cursorSeen } from '../../lib/cursors.js';

export type TaskType = 'CALL' | 'MEETING' | 'FOLLOW_UP' | 'CUSTOM';
type Query = { include?: Prisma.TaskInclude; select?: Prisma.TaskSelect };
type Task = Prisma.TaskModel;

/**
 * What a task hangs on: a card, or an incoming lead (a call-back for an unknown caller), whose
 * tasks move to its cards when it is converted.
 */
export type TaskSubject = CardRef | { entityType: 'LEAD'; id: string };

const SUBJECT_COLUMN = { DEAL: 'dealId', CONTACT: 'contactId', COMPANY: 'companyId', LEAD: 'leadId' } as const;

export function subjectOf(t: Pick<Task, 'dealId' | 'contactId' | 'companyId' | 'leadId'>): TaskSubject {
  if (t.dealId) return { entityType: 'DEAL', id: t.dealId };
  if (t.contactId) return { entityType: 'CONTACT', id: t.contactId };
  if (t.leadId) return { entityType: 'LEAD', id: t.leadId };
  return { entityType: 'COMPANY', id: t.companyId! };
}

/** A lead the viewer sees (LEAD VIEW), else NotFoundError: a lead outside it is not told apart from none. */
async function findSeenLead(ctx: ServiceCtx, id: string) {
  const lead = await ctx.db.incomingLead.findFirst({
    where: { id, workspaceId: ctx.viewer.workspaceId, AND: [rights.allowed(ctx.viewer, 'LEAD', 'VIEW') as Prisma.IncomingLeadWhereInput] },
    select: { responsibleId: true },
  });
  if (!lead) throw new NotFoundError('IncomingLead', id);
  return lead;
}

/** A task's subject must be one the viewer may add to: EDIT on the card, or LEAD EDIT on a lead they see. */
async function assertCanAddTo(ctx: ServiceCtx, subject: TaskSubject) {
  if (subject.entityType !== 'LEAD') return assertCanAdd(ctx, subject);
  await assertCan(ctx, 'lead:edit', await findSeenLead(ctx, subject.id));
}

/**
 * Inside the task's transaction: the lead is still undecided (a converted lead's tasks live on its
 * cards; a declined one has none open), read under a share lock against its conversion or decline
 * (which lock it first, see leads.service): without it a task committed just after a conversion
 * moved the lead's tasks would stay on the converted lead, on no board.
 */
async function lockUndecidedLead(tx: Tx, id: string) {
  const [row] = await tx.$queryRaw<{ status: string }[]>`select status from "IncomingLead" where id = ${id} for share`;
  if (!row || row.status === 'CONVERTED' || row.status === 'DECLINED')
    throw ValidationError.field('cardId', TASKS.leadDecided({ status: row?.status ?? 'DECLINED' }));
}

const fields = z.object({
  type: z.enum(['CALL', 'MEETING', 'FOLLOW_UP', 'CUSTOM']),
  text: v
    .text()
    .trim()
    .min(1, v.zmsg(v.VALIDATE.empty()))
    .max(5000, v.zmsg(v.VALIDATE.tooLong({ max: 5000 }))),
  dueAt: z.date(),
});

function notifyAssigned(tx: Tx, ctx: ServiceCtx, task: Task) {
  return notifyAssignedMany(tx, ctx, [task]);
}

async function notifyAssignedMany(tx: Tx, ctx: ServiceCtx, tasks: Task[]) {
  const others = tasks.filter((t) => t.responsibleId !== ctx.viewer.userId);
  if (!others.length) return;
  await events.emit(
    tx,
    ctx,
    'notification',
    others.map((t) => ({ workspaceId: t.workspaceId, userId: t.responsibleId, kind: 'TASK_ASSIGNED', taskId: t.id, occurredAt: new Date().toISOString() })),
  );
}

async function taskEvent(tx: Tx, ctx: ServiceCtx, card: TaskSubject, t: Task): Promise<TaskEvent> {
  const deal = card.entityType === 'DEAL' ? await tx.deal.findUnique({ where: { id: card.id }, select: { pipelineId: true } }) : null;
  return eventOfTask(ctx, card, t, deal?.pipelineId);
}

function eventOfTask(ctx: ServiceCtx, card: TaskSubject, t: Task, pipelineId: string | undefined): TaskEvent {
  return {
    workspaceId: t.workspaceId,
    actorId: ctx.viewer.userId,
    occurredAt: new Date().toISOString(),
    card: { kind: card.entityType, id: card.id, ...(pipelineId ? { pipelineId } : {}) },
    task: { id: t.id, type: t.type, text: t.text, dueAt: t.dueAt.toISOString(), responsibleId: t.responsibleId, result: t.result },
  };
}

export type CreateTaskInput = { type: TaskType; text: string; dueAt: Date; responsibleId?: string | null };

/**
 * A new task's row after its checks: the card (the viewer may add to it), the responsible, the
 * right to create a task for them (ForbiddenError), the fields; field issues go to `issues`
 * (null: the fields did not parse).
 */
async function checkedTask(ctx: ServiceCtx, card: TaskSubject, input: CreateTaskInput, issues: IssueList): Promise<Prisma.TaskCreateManyInput | null> {
  await assertCanAddTo(ctx, card);
  const responsibleId = await checkResponsible(ctx, issues, input.responsibleId);
  await assertTaskRight(ctx, 'CREATE', responsibleId);
  const clean = fields.safeParse(input);
  if (!clean.success) {
    for (const x of v.issuesOf(clean.error)) issues.add(x.field, x.message);
    return null;
  }
  return { workspaceId: ctx.viewer.workspaceId, [SUBJECT_COLUMN[card.entityType]]: card.id, ...clean.data, responsibleId, createdById: ctx.viewer.userId };
}

export async function createTask(ctx: ServiceCtx, card: TaskSubject, input: CreateTaskInput, issues = new IssueList()) {
  const data = await checkedTask(ctx, card, input, issues);
  issues.throwIfAny();
  const task = await ctx.db.$transaction(async (tx) => {
    if (card.entityType === 'LEAD') await lockUndecidedLead(tx, card.id);
    const t = await tx.task.create({ data: data! });
    await events.emit(tx, ctx, 'task.created', [await taskEvent(tx, ctx, card, t)]);
    await notifyAssigned(tx, ctx, t);
    return t;
  });
  ctx.deps.outbox.kick();
  return task;
}

/**
 * Many tasks on cards by one author (the demo seed's), each checked as createTask checks it
 * (the card, the responsible, the right to create it, the fields), written in one transaction
 * with one event per topic, so the in-transaction consumers (timeline, webhooks, automations)
 * take them as one batch. A task refused refuses them all: its error is thrown, nothing is written.
 * Cards only: a task on an incoming lead needs createTask's lock on the undecided lead.
 */
export async function createTasks(callerCtx: ServiceCtx, items: { card: CardRef; input: CreateTaskInput }[]) {
  if (!items.length) return [];
  // The checks share their reads (the responsibles) across the batch.
  const ctx = batchContext(callerCtx);
  const issues = new IssueList();
  const data: Prisma.TaskCreateManyInput[] = [];
  for (const [i, { card, input }] of items.entries()) {
    const mine = new IssueList();
    const row = await checkedTask(ctx, card, input, mine);
    // Each issue names its task: tasks[1].text.
    mine.issues.forEach((x) => issues.add(`tasks[${i}].${x.field}`, x.message));
    if (row) data.push(row);
  }
  issues.throwIfAny();
  const tasks = await ctx.db.$transaction(async (tx) => {
    const rows = await tx.task.createManyAndReturn({ data });
    const dealIds = rows.flatMap((t) => (t.dealId ? [t.dealId] : []));
    const pipelines = new Map(
      dealIds.length
        ? (await tx.deal.findMany({ where: { id: { in: dealIds } }, select: { id: true, pipelineId: true } })).map((d) => [d.id, d.pipelineId])
        : [],
    );
    await events.emit(
      tx,
      ctx,
      'task.created',
      rows.map((t) => eventOfTask(ctx, subjectOf(t), t, t.dealId ? pipelines.get(t.dealId) : undefined)),
    );
    await notifyAssignedMany(tx, ctx, rows);
    return rows;
  });
  ctx.deps.outbox.kick();
  return tasks;
}

/**
 * A converted lead's tasks move to the card it became (inside the conversion's transaction), as
 * updates of those tasks, so the deal's board hears of its new open task.
 */
export async function moveLeadTasks(tx: Tx, ctx: ServiceCtx, leadId: string, card: CardRef) {
  const moved = await tx.task.updateManyAndReturn({
    where: { leadId },
    data: { leadId: null, [SUBJECT_COLUMN[card.entityType]]: card.id, updatedAt: new Date(), version: { increment: 1 } },
  });
  if (moved.length) await events.emit(tx, ctx, 'task.updated', await Promise.all(moved.map((t) => taskEvent(tx, ctx, card, t))));
}

/** A declined lead's open tasks are done with: completed, with the reason as their result. */
export async function closeLeadTasks(tx: Tx, ctx: ServiceCtx, leadId: string, result: string) {
  const closed = await tx.task.updateManyAndReturn({
    where: { leadId, completedAt: null },
    data: { completedAt: new Date(), result, updatedAt: new Date(), version: { increment: 1 } },
  });
  const lead: TaskSubject = { entityType: 'LEAD', id: leadId };
  if (closed.length) await events.emit(tx, ctx, 'task.completed', await Promise.all(closed.map((t) => taskEvent(tx, ctx, lead, t))));
}

/** Tasks the viewer may see: the role's TASK VIEW scope, on cards (or leads) the viewer may see. */
export function visibleTasks(ctx: ServiceCtx): Prisma.TaskWhereInput {
  return {
    workspaceId: ctx.viewer.workspaceId,
    AND: [
      rights.allowed(ctx.viewer, 'TASK', 'VIEW'),
      {
        OR: [
          { deal: { AND: [viewable(ctx.viewer, 'DEAL')] } },
          { contact: { AND: [viewable(ctx.viewer, 'CONTACT')] } },
          { company: { AND: [viewable(ctx.viewer, 'COMPANY')] } },
          { lead: { AND: [rights.allowed(ctx.viewer, 'LEAD', 'VIEW') as Prisma.IncomingLeadWhereInput] } },
        ],
      },
    ],
  };
}

const assertTaskRight = (ctx: ServiceCtx, action: 'CREATE' | 'EDIT', responsibleId: string) =>
  assertCan(ctx, action === 'CREATE' ? 'task:create' : 'task:edit', { responsibleId });

export function findTask(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.task.findFirst({ ...query, where: { id, ...visibleTasks(ctx) } });
}

async function current(ctx: ServiceCtx, id: string, version: number | null | undefined) {
  const t = await findTask(ctx, id);
  if (!t) throw new NotFoundError('Task', id);
  if (version !== null && version !== undefined && version !== t.version) throw new ConflictError('Task', id, t.version);
  await assertTaskRight(ctx, 'EDIT', t.responsibleId);
  return t;
}

/** Writes `data` only if the task is still at the version read; otherwise ConflictError. */
async function write(tx: Tx, t: Task, data: Prisma.TaskUncheckedUpdateManyInput) {
  const { count } = await tx.task.updateMany({ where: { id: t.id, version: t.version }, data: { ...data, updatedAt: new Date(), version: { increment: 1 } } });
  if (!count) {
    const now = await tx.task.findUnique({ where: { id: t.id }, select: { version: true } });
    throw new ConflictError('Task', t.id, now?.version ?? t.version);
  }
  return tx.task.findUniqueOrThrow({ where: { id: t.id } });
}

export type UpdateTaskInput = { type?: TaskType | null; text?: string | null; dueAt?: Date | null; responsibleId?: string | null };

export async function updateTask(ctx: ServiceCtx, id: string, version: number, input: UpdateTaskInput, issues = new IssueList()) {
  const t = await current(ctx, id, version);
  const responsibleId = input.responsibleId ? await checkResponsible(ctx, issues, input.responsibleId) : undefined;
  await assertHandover(ctx, 'TASK', t.responsibleId, responsibleId, issues);
  const data = v.parseInput(fields, { type: input.type ?? t.type, text: input.text ?? t.text, dueAt: input.dueAt ?? t.dueAt }, issues.issues);
  const task = await ctx.db.$transaction(async (tx) => {
    const row = await write(tx, t, {
      ...data,
      ...(responsibleId ? { responsibleId } : {}),
      // A new due time may fall due again.
      ...(data.dueAt.getTime() !== t.dueAt.getTime() ? { dueNotifiedAt: null } : {}),
    });
    if (row.responsibleId !== t.responsibleId) await notifyAssigned(tx, ctx, row);
    await events.emit(tx, ctx, 'task.updated', [await taskEvent(tx, ctx, subjectOf(row), row)]);
    return row;
  });
  ctx.deps.outbox.kick();
  return task;
}

export async function completeTask(ctx: ServiceCtx, id: string, version: number, result?: string | null) {
  const t = await current(ctx, id, version);
  if (t.completedAt) throw ValidationError.field('id', TASKS.alreadyCompleted());
  const clean = v.parseInput(
    z.object({
      result: v
        .text()
        .trim()
        .max(5000, v.zmsg(v.VALIDATE.tooLong({ max: 5000 })))
        .nullish(),
    }),
    { result },
  );
  const task = await ctx.db.$transaction(async (tx) => {
    const row = await write(tx, t, { completedAt: new Date(), result: clean.result || null });
    await events.emit(tx, ctx, 'task.completed', [await taskEvent(tx, ctx, subjectOf(row), row)]);
    return row;
  });
  ctx.deps.outbox.kick();
  return task;
}

export async function reopenTask(ctx: ServiceCtx, id: string, version: number) {
  const t = await current(ctx, id, version);
  if (!t.completedAt) throw ValidationError.field('id', TASKS.notCompleted());
  const task = await ctx.db.$transaction(async (tx) => {
    const row = await write(tx, t, { completedAt: null, result: null });
    await events.emit(tx, ctx, 'task.updated', [await taskEvent(tx, ctx, subjectOf(row), row)]);
    return row;
  });
  ctx.deps.outbox.kick();
  return task;
}

// Lists

export type TaskFilter = {
  cardId?: TaskSubject | null;
  responsibleIds?: string[] | null;
  completed?: boolean | null;
  overdue?: boolean | null;
  dueToday?: boolean | null;
};

/** Midnight to midnight of today in a time zone, as instants. */
export function today(timeZone: string, now = new Date()): { from: Date; to: Date } {
  const ymd = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const midnight = (day: string) => {
    // The instant whose wall clock in `timeZone` reads `day` 00:00: start from UTC midnight and
    // correct by the zone's offset at that moment (twice, for offsets that change that day).
    let t = Date.parse(`${day}T00:00:00Z`);
    for (let i = 0; i < 2; i++) t = Date.parse(`${day}T00:00:00Z`) - offset(timeZone, new Date(t));
    return new Date(t);
  };
  const next = new Date(Date.parse(`${ymd}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { from: midnight(ymd), to: new Date(midnight(next).getTime() - 1) };
}

function offset(timeZone: string, at: Date) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

export async function taskWhere(ctx: ServiceCtx, f: TaskFilter): Promise<Prisma.TaskWhereInput> {
  const and: Prisma.TaskWhereInput[] = [visibleTasks(ctx)];
  if (f.cardId) and.push({ [SUBJECT_COLUMN[f.cardId.entityType]]: f.cardId.id });
  if (f.responsibleIds?.length) and.push({ responsibleId: { in: f.responsibleIds } });
  if (f.completed !== null && f.completed !== undefined) and.push({ completedAt: f.completed ? { not: null } : null });
  const now = new Date();
  if (f.overdue !== null && f.overdue !== undefined) {
    and.push(f.overdue ? { completedAt: null, dueAt: { lt: now } } : { OR: [{ completedAt: { not: null } }, { dueAt: { gte: now } }] });
  }
  if (f.dueToday) {
    const ws = await ctx.db.workspace.findUniqueOrThrow({ where: { id: ctx.viewer.workspaceId }, select: { timeZone: true } });
    const day = today(ws.timeZone, now);
    and.push({ dueAt: { gte: day.from, lte: day.to } });
  }
  return { AND: and };
}

export async function listTasks(ctx: ServiceCtx, f: TaskFilter, query: Query & { take?: number; skip?: number; cursor?: Prisma.TaskWhereUniqueInput }) {
  if (f.cardId) await (f.cardId.entityType === 'LEAD' ? findSeenLead(ctx, f.cardId.id) : findCard(ctx, f.cardId, false));
  if (!(await cursorSeen(query.cursor, (id) => ctx.db.task.findFirst({ where: { AND: [visibleTasks(ctx), { id }] }, select: { id: true } })))) return [];
  return ctx.db.task.findMany({ ...query, where: await taskWhere(ctx, f), orderBy: [{ dueAt: 'asc' }, { id: 'asc' }] });
}

export async function countTasks(ctx: ServiceCtx, f: TaskFilter) {
  return ctx.db.task.count({ where: await taskWhere(ctx, f) });
}
