// Runs automation jobs: claims due rows of AutomationJob with a lease (several instances skip
// each other's rows), checks the conditions against the card as it is now, runs the actions in
// order through the same services a user's request calls (with the rights of the automation's
// owner), and writes the run with its counters. Each action's result is saved as it completes,
// so a worker that dies mid-run leaves a job whose lease ends and whose retry resumes after the
// last saved action: at least once per action, never the whole run again.
import type { AppDeps, ServiceCtx } from '../../context.js';
import { AppError } from '../../lib/errors.js';
import { render } from '../../lib/i18n.js';
import { enqueue, type Tx } from '../../lib/outbox.js';
import type { AutomationRunMessage } from '../../lib/pubsub.js';
import type { Viewer } from '../../kernel/access/viewer.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { events } from '../../kernel/events.js';
import type { CardKind } from '../../kernel/card-kinds.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { inOneTransaction, updateRecord } from '../../kernel/records.js';
import { cardTable } from '../../kernel/tables.js';
import { displayValue } from '../timeline/timeline.service.js';
import { createTask } from '../tasks/tasks.service.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { webhookCard } from '../webhooks/webhooks.service.js';
import { conditionsHold, PLACEHOLDER, type Action } from './automations.service.js';
import { AUTOMATIONS } from './automations.messages.js';
import type { Transporter } from 'nodemailer';

/** Levels of automations triggering automations before a run is refused. */
export const MAX_DEPTH = 5;
/** Failed runs in a row that pause an automation. */
export const PAUSE_AFTER = 5;
const LEASE_SECONDS = 120;
const BATCH = 50;
/** Jobs of one batch run at once (each card's own jobs stay in order: see `byCard`). */
const PARALLEL = 8;

/** What a job keeps of its trigger event. */
export type JobEvent = { topic: string; kind: CardKind | 'LEAD'; cardId: string; actorId: string; occurredAt: string };

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

/** Rows a batch reads once, however many of its jobs need them (the automation, its owner's viewer). */
type BatchCache = { automations: Map<string, Promise<AutomationRow | null>>; viewers: Map<string, Promise<Viewer | null>> };
type AutomationRow = NonNullable<Awaited<ReturnType<AppDeps['db']['automation']['findUnique']>>>;

function cached<T>(m: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = m.get(key);
  if (!p) m.set(key, (p = load()));
  return p;
}

/** Runs a batch of due jobs; returns how many it ran. */
export async function runDueJobs(deps: AppDeps): Promise<number> {
  const jobs = await claim(deps);
  if (!jobs.length) return 0;
  const cache: BatchCache = { automations: new Map(), viewers: new Map() };
  // Jobs of one card run one after another, in the order their events happened.
  const byCard = new Map<string, JobRow[]>();
  for (const j of jobs.sort((a, b) => (a.id < b.id ? -1 : 1))) byCard.set(j.event.cardId, [...(byCard.get(j.event.cardId) ?? []), j]);
  const lanes = [...byCard.values()];
  let next = 0;
  const lane = async () => {
    while (next < lanes.length) {
      for (const job of lanes[next++]) {
        await runJob(deps, job, cache).catch((err) => deps.log.error({ err, jobId: String(job.id) }, 'automation job failed; retried when its lease ends'));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, lanes.length) }, lane));
  deps.outbox.kick();
  return jobs.length;
}

/** Another worker saved this job's step first (its lease had ended): this one's work is undone. */
class Overtaken extends Error {}

const ms = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;

async function runJob(deps: AppDeps, job: JobRow, cache: BatchCache) {
  const startedAt = new Date();
  const a = await cached(cache.automations, job.automationId, () => deps.db.automation.findUnique({ where: { id: job.automationId } }));
  if (!a || !a.enabled || a.pausedAt) {
    await deps.db.automationJob.updateMany({ where: { id: job.id }, data: { doneAt: new Date() } });
    return;
  }
  const finish = (status: string, results: ActionResult[], error?: string) =>
    deps.db.$transaction((tx) => record(tx, a, job, startedAt, status, results, error));
  if (job.depth > MAX_DEPTH) return finish('DEPTH_LIMIT', [], render(AUTOMATIONS.depthLimit({ depth: MAX_DEPTH }), 'en'));
  const viewer = await cached(cache.viewers, a.ownerId, () => viewerOfUser(deps.db, a.ownerId));
  if (!viewer) return finish('FAILED', [], render(AUTOMATIONS.ownerGone(), 'en'));
  const ctx: ServiceCtx = { db: deps.db, deps, viewer, automation: { id: a.id, name: a.name, depth: job.depth } };
  const kind = job.event.kind;
  // Conditions are read against the card as it is when the run starts (resumed runs already passed them).
  if (!job.progress.length && kind !== 'LEAD' && !(await conditionsHold(ctx, kind, a.conditions as object | null, job.event.cardId)))
    return finish('SKIPPED', []);
  const actions = a.actions as unknown as Action[];
  const results = [...job.progress];
  for (let i = results.length; i < actions.length; i++) {
    const action = actions[i];
    const last = i === actions.length - 1;
    const t0 = performance.now();
    // Saves this step's result with the job in `tx`: the run's record after the last action, the
    // progress after any other. Only if no other worker saved it first (else the step is undone).
    const save = async (tx: Tx, r: ActionResult) => {
      const done = [...results, r];
      const ok = last ? await record(tx, a, job, startedAt, 'SUCCEEDED', done) : await saveProgress(tx, job.id, i, done);
      if (!ok) throw new Overtaken();
    };
    try {
      if (action.type === 'DELAY') {
        // The run waits in the job table: the job falls due again when the delay is over, on
        // whichever instance claims it then (a restart in between changes nothing).
        const until = new Date(Date.now() + action.minutes * 60_000);
        const r: ActionResult = { index: i, type: action.type, ok: true, durationMs: ms(t0), detail: `until ${until.toISOString()}` };
        const done = [...results, r];
        if (last) await deps.db.$transaction((tx) => record(tx, a, job, startedAt, 'SUCCEEDED', done));
        else
          await deps.db.$executeRaw`update "AutomationJob" set "progress" = ${JSON.stringify(done)}::jsonb, "runAt" = ${until}, "lockedUntil" = null
                                         where "id" = ${job.id} and "doneAt" is null and jsonb_array_length("progress") = ${i}`;
        return;
      }
      if (action.type === 'SEND_EMAIL') {
        // Leaves the database (mail, an HTTP call): done first, then saved. A worker that dies in
        // between does it again with the same idempotency key (job and action), which the
        // receiver dedupes by (webhook-id, Message-ID).
        const detail = await sendEmail(ctx, job, kind, action, i);
        const r: ActionResult = { index: i, type: action.type, ok: true, durationMs: ms(t0), ...(detail ? { detail } : {}) };
        await deps.db.$transaction((tx) => save(tx, r));
        results.push(r);
        continue;
      }
      // A change in the database: the action and its result commit together, so a retry after a
      // crash never repeats it (exactly once for these actions).
      const r = await inOneTransaction(ctx, async (tctx, tx) => {
        const detail = await perform(tctx, a.id, kind, job.event.cardId, action, i, `${String(job.id)}_${i}`);
        const r: ActionResult = { index: i, type: action.type, ok: true, durationMs: ms(t0), ...(detail ? { detail } : {}) };
        await save(tx, r);
        return r;
      });
      results.push(r);
    } catch (err) {
      if (err instanceof Overtaken) return;
      const r: ActionResult = { index: i, type: action.type, ok: false, error: message(err), durationMs: ms(t0) };
      return finish('FAILED', [...results, r], r.error);
    }
  }
}

async function saveProgress(tx: Tx, jobId: bigint, index: number, done: ActionResult[]) {
  const n = await tx.$executeRaw`update "AutomationJob" set "progress" = ${JSON.stringify(done)}::jsonb
                                 where "id" = ${jobId} and "doneAt" is null and jsonb_array_length("progress") = ${index}`;
  return n > 0;
}

/** Writes the run, closes the job and updates the counters, in `tx`; false if the job was closed already. */
async function record(
  tx: Tx,
  a: { id: string; name: string; workspaceId: string },
  job: JobRow,
  startedAt: Date,
  status: string,
  results: ActionResult[],
  error?: string,
) {
  const failed = status === 'FAILED' || status === 'DEPTH_LIMIT';
  const { count } = await tx.automationJob.updateMany({
    where: { id: job.id, doneAt: null },
    data: { doneAt: new Date(), progress: results as unknown as Prisma.InputJsonValue },
  });
  if (!count) return false;
  const run = await tx.automationRun.create({
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
    select: { id: true, finishedAt: true },
  });
  const occurredAt = new Date().toISOString();
  // The run log's live subscribers (administrators) hear of it once it committed.
  await enqueue(tx, [
    {
      topic: 'automationRun',
      workspaceId: a.workspaceId,
      payload: { workspaceId: a.workspaceId, automationId: a.id, runId: run.id, status, occurredAt } satisfies AutomationRunMessage,
    },
  ]);
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
  return true;
}

// Actions

async function currentCard(ctx: ServiceCtx, kind: CardKind | 'LEAD', id: string) {
  if (kind === 'LEAD') {
    const lead = await ctx.db.incomingLead.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
    if (!lead) throw new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND');
    return { ...lead, deletedAt: null };
  }
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
async function fill(ctx: ServiceCtx, kind: CardKind | 'LEAD', id: string, text: string) {
  if (text.search(PLACEHOLDER) < 0) return text;
  if (kind === 'LEAD') {
    const lead = await ctx.db.incomingLead.findUnique({ where: { id }, include: { responsible: { select: { name: true } } } });
    const values: Record<string, string> = { name: lead?.name ?? '', id, responsible: lead?.responsible.name ?? '' };
    return text.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
  }
  // Only what the text names is read: a notify saying "[name] changed" costs one statement, not six.
  const used = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]));
  const deal = kind === 'DEAL';
  const card = (await cardTable(ctx.db, kind).findFirst({
    where: { id },
    include: {
      ...(used.has('responsible') ? { responsible: { select: { name: true } } } : {}),
      ...(deal && used.has('stage') ? { stage: { select: { name: true } } } : {}),
      ...(deal && used.has('pipeline') ? { pipeline: { select: { name: true } } } : {}),
    },
  })) as unknown as (Record<string, unknown> & { customFields: Record<string, unknown> }) | null;
  if (!card) return text;
  const system = ['name', 'id', 'responsible', ...(deal ? ['amount', 'currency', 'stage', 'pipeline'] : [])];
  const defs = [...used].some((n) => !system.includes(n)) ? await definitions(ctx, kind) : [];
  const values: Record<string, string> = {
    name: String(card.name ?? ''),
    id,
    responsible: (card.responsible as { name: string } | undefined)?.name ?? '',
  };
  if (deal) {
    values.amount = card.amount === null || card.amount === undefined ? '' : (card.amount as { toFixed(n: number): string }).toFixed(2);
    values.currency = String(card.currency ?? '');
    values.stage = (card.stage as { name: string } | undefined)?.name ?? '';
    values.pipeline = (card.pipeline as { name: string } | undefined)?.name ?? '';
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

/** One SMTP transport per URL, kept for the process (a pool of connections). */
const transports = new Map<string, Transporter>();

/**
 * Sends the e-mail of a "send an e-mail" action. Its Message-ID is made of the job and the action,
 * so a retry after a crash between sending and saving sends the same message, which mail
 * systems recognise as a duplicate.
 */
async function sendEmail(ctx: ServiceCtx, job: JobRow, kind: CardKind | 'LEAD', action: Extract<Action, { type: 'SEND_EMAIL' }>, index: number) {
  const { url, from } = ctx.deps.config.smtp;
  if (!url) throw new AppError(AUTOMATIONS.noSmtp(), 'VALIDATION_FAILED');
  let to = action.to;
  if (!to) {
    const card = await currentCard(ctx, kind, job.event.cardId);
    const user = await ctx.db.user.findUnique({ where: { id: card.responsibleId }, select: { email: true } });
    if (!user) throw new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND');
    to = user.email;
  }
  let transport = transports.get(url);
  if (!transport) {
    // Loaded on the first e-mail: an idle server does not need nodemailer in memory.
    const { createTransport } = await import('nodemailer');
    transport = transports.get(url) ?? createTransport(url);
    transports.set(url, transport);
  }
  const messageId = `<automation-${String(job.id)}-${index}@${new URL(url).hostname || 'crm'}>`;
  const info = await transport.sendMail({
    from,
    to,
    subject: await fill(ctx, kind, job.event.cardId, action.subject),
    text: await fill(ctx, kind, job.event.cardId, action.text),
    messageId,
  });
  return `to ${to}: ${info.response}`;
}

async function perform(
  ctx: ServiceCtx,
  automationId: string,
  kind: CardKind | 'LEAD',
  cardId: string,
  action: Action,
  index: number,
  key: string,
): Promise<string | undefined> {
  if (kind === 'LEAD') {
    // An incoming lead is not a card yet: it can be told about, mailed about and waited on.
    if (action.type !== 'NOTIFY') throw new AppError(AUTOMATIONS.notForLeads(), 'VALIDATION_FAILED');
    return notify(ctx, kind, cardId, action);
  }
  switch (action.type) {
    case 'DELAY':
    case 'SEND_EMAIL':
      throw new Error(`${action.type} is not a database action`);
    case 'CALL_WEBHOOK': {
      // A delivery of the webhook, queued with this step: signed, retried and logged like every
      // delivery; its webhook-id is made of the job and the action, the same on every attempt.
      const card = await currentCard(ctx, kind, cardId);
      const hook = await ctx.db.webhook.findFirst({
        where: { id: action.webhookId, workspaceId: ctx.viewer.workspaceId },
        select: { id: true, enabled: true },
      });
      if (!hook?.enabled) throw new AppError(AUTOMATIONS.webhookOff(), 'NOT_FOUND');
      const occurredAt = new Date().toISOString();
      const delivery = await ctx.db.webhookDelivery.create({
        data: {
          workspaceId: ctx.viewer.workspaceId,
          webhookId: hook.id,
          eventType: 'AUTOMATION',
          messageId: `msg_automation_${key}`,
          payload: {
            type: 'automation.called',
            timestamp: occurredAt,
            data: await webhookCard(ctx, hook.id, kind, card as unknown as Record<string, unknown>, { id: automationId, name: ctx.automation?.name ?? '' }),
          } as Prisma.InputJsonValue,
        },
        select: { id: true },
      });
      return `delivery ${delivery.id}`;
    }
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
    case 'NOTIFY':
      return notify(ctx, kind, cardId, action);
  }
}

async function notify(ctx: ServiceCtx, kind: CardKind | 'LEAD', cardId: string, action: Extract<Action, { type: 'NOTIFY' }>) {
  const card = await currentCard(ctx, kind, cardId);
  const userId = action.userId ?? card.responsibleId;
  const text = await fill(ctx, kind, cardId, action.text);
  await ctx.db.$transaction((tx) =>
    events.emit(tx, ctx, 'notification', [
      {
        workspaceId: ctx.viewer.workspaceId,
        userId,
        kind: 'AUTOMATION',
        text,
        ...(kind === 'LEAD' ? {} : { card: { kind, id: cardId } }),
        occurredAt: new Date().toISOString(),
      },
    ]),
  );
  ctx.deps.outbox.kick();
  return undefined;
}
