// Runs automation jobs: claims due rows of AutomationJob with a lease (several instances skip
// each other's rows), checks the conditions against the card as it is now, runs the actions in
// order through the same services a user's request calls (with the rights of the automation's
// owner), and writes the run with its counters. Each action's result is saved as it completes,
// so a worker that dies mid-run leaves a job whose lease ends and whose retry resumes after the
// last saved action: at least once per action, never the whole run again.
import type { AppDeps, ServiceCtx } from '../../context.js';
import { AppError } from '../../lib/errors.js';
import { render } from '../../lib/i18n.js';
import { enqueue } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { events } from '../../kernel/events.js';
import type { CardKind } from '../../kernel/card-kinds.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { updateRecord } from '../../kernel/records.js';
import { cardTable } from '../../kernel/tables.js';
import { displayValue } from '../timeline/timeline.service.js';
import { createTask } from '../tasks/tasks.service.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { conditionsHold, PLACEHOLDER, type Action } from './automations.service.js';
import { AUTOMATIONS } from './automations.messages.js';

/** Levels of automations triggering automations before a run is refused. */
export const MAX_DEPTH = 5;
/** Failed runs in a row that pause an automation. */
export const PAUSE_AFTER = 5;
const LEASE_SECONDS = 120;
const BATCH = 50;
/** Jobs of one batch run at once (each card's own jobs stay in order: see `byCard`). */
const PARALLEL = 8;

/** What a job keeps of its trigger event. */
export type JobEvent = { topic: string; kind: CardKind; cardId: string; actorId: string; occurredAt: string };

export type ActionResult = { index: number; type: Action['type']; ok: boolean; error?: string; durationMs: number; detail?: string };

type JobRow = { id: bigint; automationId: string; depth: number; event: JobEvent; progress: ActionResult[]; attempts: number; createdAt: Date };

const message = (err: unknown) => (err instanceof AppError ? render(err.msg, 'en') : err instanceof Error ? err.message : String(err));

/** Claims up to BATCH due jobs for this worker, leased for LEASE_SECONDS. */
async function claim(deps: AppDeps): Promise<JobRow[]> {
  return deps.db.$queryRaw<JobRow[]>`
    update "AutomationJob" set "lockedUntil" = now() + make_interval(secs => ${LEASE_SECONDS}), "attempts" = "attempts" + 1
    where "id" in (select "id" from "AutomationJob"
                   where "doneAt" is null and "runAt" <= now() and ("lockedUntil" is null or "lockedUntil" < now())
                   order by "id" limit ${BATCH} for update skip locked)
    returning "id", "automationId"::text as "automationId", "depth", "event", "progress", "attempts", "createdAt"`;
}

/** Runs a batch of due jobs; returns how many it ran. */
export async function runDueJobs(deps: AppDeps): Promise<number> {
  const jobs = await claim(deps);
  if (!jobs.length) return 0;
  // Jobs of one card run one after another, in the order their events happened.
  const byCard = new Map<string, JobRow[]>();
  for (const j of jobs.sort((a, b) => (a.id < b.id ? -1 : 1))) byCard.set(j.event.cardId, [...(byCard.get(j.event.cardId) ?? []), j]);
  const lanes = [...byCard.values()];
  let next = 0;
  const lane = async () => {
    while (next < lanes.length) {
      for (const job of lanes[next++]) {
        await runJob(deps, job).catch((err) => deps.log.error({ err, jobId: String(job.id) }, 'automation job failed; retried when its lease ends'));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, lanes.length) }, lane));
  deps.outbox.kick();
  return jobs.length;
}

async function runJob(deps: AppDeps, job: JobRow) {
  const startedAt = new Date();
  const a = await deps.db.automation.findUnique({ where: { id: job.automationId } });
  if (!a || !a.enabled || a.pausedAt) {
    await deps.db.automationJob.updateMany({ where: { id: job.id }, data: { doneAt: new Date() } });
    return;
  }
  const finish = (status: string, results: ActionResult[], error?: string) => record(deps, a, job, startedAt, status, results, error);
  if (job.depth > MAX_DEPTH) return finish('DEPTH_LIMIT', [], render(AUTOMATIONS.depthLimit({ depth: MAX_DEPTH }), 'en'));
  const viewer = await viewerOfUser(deps.db, a.ownerId);
  if (!viewer) return finish('FAILED', [], render(AUTOMATIONS.ownerGone(), 'en'));
  const ctx: ServiceCtx = { db: deps.db, deps, viewer, automation: { id: a.id, name: a.name, depth: job.depth } };
  const kind = job.event.kind;
  // Conditions are read against the card as it is when the run starts (resumed runs already passed them).
  if (!job.progress.length && !(await conditionsHold(ctx, kind, a.conditions as object | null, job.event.cardId))) return finish('SKIPPED', []);
  const actions = a.actions as unknown as Action[];
  const results = [...job.progress];
  for (let i = results.length; i < actions.length; i++) {
    const t0 = performance.now();
    let r: ActionResult;
    try {
      const detail = await perform(ctx, a.id, kind, job.event.cardId, actions[i], i);
      r = { index: i, type: actions[i].type, ok: true, durationMs: Math.round((performance.now() - t0) * 100) / 100, ...(detail ? { detail } : {}) };
    } catch (err) {
      r = { index: i, type: actions[i].type, ok: false, error: message(err), durationMs: Math.round((performance.now() - t0) * 100) / 100 };
    }
    results.push(r);
    if (!r.ok) return finish('FAILED', results, r.error);
    if (i < actions.length - 1) {
      await deps.db.automationJob.update({ where: { id: job.id }, data: { progress: results as unknown as Prisma.InputJsonValue } });
    }
  }
  return finish('SUCCEEDED', results);
}

/** Writes the run, closes the job and updates the counters, in one transaction. */
async function record(
  deps: AppDeps,
  a: { id: string; name: string; workspaceId: string; failureStreak: number },
  job: JobRow,
  startedAt: Date,
  status: string,
  results: ActionResult[],
  error?: string,
) {
  const failed = status === 'FAILED' || status === 'DEPTH_LIMIT';
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.automationJob.updateMany({
      where: { id: job.id, doneAt: null },
      data: { doneAt: new Date(), progress: results as unknown as Prisma.InputJsonValue },
    });
    if (!count) return;
    await tx.automationRun.create({
      data: {
        workspaceId: a.workspaceId,
        automationId: a.id,
        jobId: job.id,
        topic: job.event.topic,
        cardKind: job.event.kind,
        cardId: job.event.cardId,
        status,
        actions: results as unknown as Prisma.InputJsonValue,
        error: error ?? null,
        depth: job.depth,
        startedAt,
      },
    });
    const [after] = await tx.$queryRaw<{ failureStreak: number; pausedAt: Date | null }[]>`
      update "Automation" set "runs" = "runs" + 1, "lastRunAt" = now(),
        "failures" = "failures" + ${failed ? 1 : 0},
        "failureStreak" = case when ${failed} then "failureStreak" + 1 else 0 end,
        "lastError" = case when ${failed} then ${error ?? null}::text else "lastError" end,
        "pausedAt" = case when ${failed} and "failureStreak" + 1 >= ${PAUSE_AFTER} and "pausedAt" is null then now() else "pausedAt" end
      where "id" = ${a.id}::uuid
      returning "failureStreak", "pausedAt"`;
    if (failed && after && after.failureStreak === PAUSE_AFTER && after.pausedAt) {
      // Paused just now: every administrator of the workspace hears of it.
      const admins = await tx.user.findMany({ where: { workspaceId: a.workspaceId, active: true, role: { isAdmin: true } }, select: { id: true } });
      const occurredAt = new Date().toISOString();
      await enqueue(
        tx,
        admins.map((u) => ({
          topic: 'notification',
          workspaceId: a.workspaceId,
          payload: {
            workspaceId: a.workspaceId,
            userId: u.id,
            kind: 'AUTOMATION_PAUSED',
            text: render(AUTOMATIONS.paused({ name: a.name, n: PAUSE_AFTER }), 'en'),
            occurredAt,
          },
        })),
      );
    }
  });
}

// Actions

async function currentCard(ctx: ServiceCtx, kind: CardKind, id: string) {
  const row = await cardTable(ctx.db, kind).findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!row || row.deletedAt) throw new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND');
  return row;
}

/** A card's update with its version read just before; a concurrent write is retried. */
async function update(
  ctx: ServiceCtx,
  kind: CardKind,
  id: string,
  write: (card: Record<string, unknown>) => Promise<Parameters<typeof updateRecord>[4] | null>,
) {
  for (let attempt = 0; ; attempt++) {
    const card = await currentCard(ctx, kind, id);
    const input = await write(card as unknown as Record<string, unknown>);
    if (!input) return 'unchanged';
    try {
      await updateRecord(ctx, kind, id, card.version, input);
      return undefined;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'CONFLICT') || attempt >= 3) throw err;
    }
  }
}

/** Fills [placeholders] from the card: its name, responsible, id, a deal's amount and stage, custom fields by name. */
async function fill(ctx: ServiceCtx, kind: CardKind, id: string, text: string) {
  if (text.search(PLACEHOLDER) < 0) return text;
  const card = (await cardTable(ctx.db, kind).findFirst({
    where: { id },
    include: {
      responsible: { select: { name: true } },
      ...(kind === 'DEAL' ? { stage: { select: { name: true } }, pipeline: { select: { name: true } } } : {}),
    },
  })) as unknown as (Record<string, unknown> & { customFields: Record<string, unknown> }) | null;
  if (!card) return text;
  const defs = await definitions(ctx, kind);
  const values: Record<string, string> = {
    name: String(card.name ?? ''),
    id,
    responsible: (card.responsible as { name: string } | null)?.name ?? '',
  };
  if (kind === 'DEAL') {
    values.amount = card.amount === null || card.amount === undefined ? '' : (card.amount as { toFixed(n: number): string }).toFixed(2);
    values.currency = String(card.currency ?? '');
    values.stage = (card.stage as { name: string } | null)?.name ?? '';
    values.pipeline = (card.pipeline as { name: string } | null)?.name ?? '';
  }
  for (const d of defs) values[d.name] ??= displayValue(d, card.customFields?.[d.key]) ?? '';
  return text.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
}

async function pickResponsible(
  ctx: ServiceCtx,
  automationId: string,
  index: number,
  card: { responsibleId: string },
  r: Extract<Action, { type: 'CREATE_TASK' }>['responsible'],
) {
  if (r.mode === 'USER') return r.userId!;
  if (r.mode === 'CARD') return card.responsibleId;
  const members = await ctx.db.teamMember.findMany({
    where: { teamId: r.teamId!, user: { active: true } },
    select: { userId: true },
    orderBy: { userId: 'asc' },
  });
  if (!members.length) throw new AppError(AUTOMATIONS.emptyTeam(), 'VALIDATION_FAILED');
  // Round-robin: a counter per action, moved atomically, so concurrent runs take turns too.
  const key = String(index);
  const [row] = await ctx.db.$queryRaw<{ n: number }[]>`
    update "Automation" set "rotation" = jsonb_set("rotation", array[${key}], to_jsonb(coalesce(("rotation"->>${key})::int, -1) + 1))
    where "id" = ${automationId}::uuid returning ("rotation"->>${key})::int as n`;
  return members[row.n % members.length].userId;
}

async function perform(ctx: ServiceCtx, automationId: string, kind: CardKind, cardId: string, action: Action, index: number): Promise<string | undefined> {
  switch (action.type) {
    case 'CREATE_TASK': {
      const card = await currentCard(ctx, kind, cardId);
      const responsibleId = await pickResponsible(ctx, automationId, index, card, action.responsible);
      const text = await fill(ctx, kind, cardId, action.text);
      const task = await createTask(
        ctx,
        { entityType: kind, id: cardId },
        { type: action.taskType, text, dueAt: new Date(Date.now() + action.dueInMinutes * 60_000), responsibleId },
      );
      return `task ${task.id}`;
    }
    case 'SET_FIELD':
      return update(ctx, kind, cardId, async () =>
        action.field
          ? { fields: { [action.field]: action.value ? (action.value.text ?? action.value.number ?? null) : null } }
          : { customFields: [{ fieldId: action.customFieldId!, value: action.value }] },
      );
    case 'MOVE_TO_STAGE':
      return update(ctx, kind, cardId, async (card) =>
        card.stageId === action.stageId ? null : { extra: { stageId: action.stageId, lossReasonId: action.lossReasonId } },
      );
    case 'SET_RESPONSIBLE':
      return update(ctx, kind, cardId, async (card) => (card.responsibleId === action.userId ? null : { responsibleId: action.userId }));
    case 'ADD_TAG':
      return update(ctx, kind, cardId, async () => {
        const d = { DEAL: 'dealTag', CONTACT: 'contactTag', COMPANY: 'companyTag' } as const;
        const col = { DEAL: 'dealId', CONTACT: 'contactId', COMPANY: 'companyId' } as const;
        const rows = await (ctx.db[d[kind]] as unknown as { findMany(a: object): Promise<{ tag: { name: string } }[]> }).findMany({
          where: { [col[kind]]: cardId },
          select: { tag: { select: { name: true } } },
        });
        const tags = rows.map((r) => r.tag.name);
        return tags.some((t) => t.toLowerCase() === action.tag.toLowerCase()) ? null : { tags: [...tags, action.tag] };
      });
    case 'NOTIFY': {
      const card = await currentCard(ctx, kind, cardId);
      const userId = action.userId ?? card.responsibleId;
      const text = await fill(ctx, kind, cardId, action.text);
      await ctx.db.$transaction((tx) =>
        events.emit(tx, ctx, 'notification', [
          { workspaceId: ctx.viewer.workspaceId, userId, kind: 'AUTOMATION', text, card: { kind, id: cardId }, occurredAt: new Date().toISOString() },
        ]),
      );
      ctx.deps.outbox.kick();
      return undefined;
    }
  }
}
