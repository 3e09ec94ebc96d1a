// What triggers automations. In the transaction of each change, the automations of the
// workspace whose trigger the change's event matches get a job row (unique per automation and
// event, so a repeated event never queues twice): the job exists if and only if the change
// committed. Once the outbox has delivered the change, the worker is kicked and runs the jobs
// (automations.runner.ts). A change made by an automation queues its jobs one level deeper.
import { events, jobsQueued, type FieldChange, type LeadEvent, type RecordEvent, type TaskEvent } from '../../kernel/events.js';
import type { AppDeps, ServiceCtx } from '../../context.js';
import type { Tx } from '../../lib/outbox.js';
import type { Db } from '../../db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AutomationTrigger } from '../../generated/prisma/enums.js';
import type { TriggerConfig } from './automations.service.js';
import { runDueJobs, type JobEvent } from './automations.runner.js';
import { atMostEvery } from '../../lib/worker.js';
import { insertRows } from '../../lib/bulk-insert.js';

type Candidate = { id: string; trigger: AutomationTrigger; cardKind: string; triggerConfig: Prisma.JsonValue };

/** A changed value as a trigger's "to value" compares it: text, decimals as written, lists joined. */
function asText(x: FieldChange['new']): string {
  if (x === null) return '';
  if (Array.isArray(x)) return x.map(asText).join(',');
  if (typeof x === 'object') return 'a' in x ? String(x.a) : JSON.stringify(x);
  return String(x);
}

function matches(a: Candidate, topic: string, e: RecordEvent): boolean {
  if (a.cardKind !== e.kind) return false;
  const c = a.triggerConfig as TriggerConfig;
  switch (a.trigger) {
    case 'CARD_CREATED':
      return topic === 'record.created';
    case 'STAGE_ENTERED':
      return topic === 'record.updated' && e.diff.some((d) => d.field === 'stageId' && d.new === c.stageId);
    case 'FIELD_CHANGED':
      return (
        topic === 'record.updated' &&
        e.diff.some(
          (d) =>
            (c.customFieldId ? d.customFieldId === c.customFieldId : !d.customFieldId && d.field === c.field) &&
            (c.toValue === undefined || asText(d.new) === c.toValue),
        )
      );
    default:
      return false;
  }
}

type Item = { pick: (a: Candidate) => boolean; key: string; event: JobEvent };

/** The workspace's running automations with one of `triggers`. */
function candidates(db: Tx | Db, workspaceId: string, triggers: AutomationTrigger[]): Promise<Candidate[]> {
  return db.automation.findMany({
    where: { workspaceId, enabled: true, pausedAt: null, trigger: { in: triggers } },
    select: { id: true, trigger: true, cardKind: true, triggerConfig: true },
    // One event's jobs run in the order their automations were created (the job ids keep it).
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/**
 * Queues the jobs of one change's events (or one batch of changes) in a single statement; the
 * candidates read ahead of the transaction when the writer started that read (ReadsAhead).
 */
async function queue(tx: Tx, ctx: ServiceCtx, workspaceId: string, triggers: AutomationTrigger[], items: Item[], ahead?: Promise<Candidate[]>) {
  if (!items.length) return;
  const list = await (ahead ?? candidates(tx, workspaceId, triggers));
  if (!list.length) return;
  const depth = (ctx.automation?.depth ?? 0) + 1;
  const data = items.flatMap(({ pick, key, event }) =>
    list
      .filter(pick)
      .map((a) => ({ workspaceId, automationId: a.id, eventKey: key, cardId: event.cardId, depth, event: event as unknown as Prisma.InputJsonValue })),
  );
  if (!data.length) return;
  // The automations may come from a list kept across requests (SettingsEpochs.keptList): one
  // deleted since is left out rather than failing the change on its foreign key.
  await insertRows(tx, 'AutomationJob', data, { parent: { column: 'automationId', table: 'Automation' }, skipDuplicates: true });
  await jobsQueued(tx, workspaceId);
}

const RECORD_TRIGGERS: Record<string, AutomationTrigger[]> = {
  'record.created': ['CARD_CREATED'],
  'record.updated': ['STAGE_ENTERED', 'FIELD_CHANGED'],
};

const QUEUE_RUNS = 'automations: queue runs';
for (const topic of ['record.created', 'record.updated'] as const) {
  events.readAhead(topic, QUEUE_RUNS, (db, workspaceId) => candidates(db, workspaceId, RECORD_TRIGGERS[topic]));
  events.inTransactionMany(topic, QUEUE_RUNS, async (tx, list, ctx, ahead) => {
    const items = list.map((e) => ({
      pick: (a: Candidate) => matches(a, topic, e),
      // The card's version after the change names the event: unique per card and change.
      key: `${topic}:${e.recordId}:${String(e.after.version)}`,
      event: { topic, kind: e.kind, cardId: e.recordId, actorId: e.actorId, occurredAt: e.occurredAt },
    }));
    const workspaceId = list[0].workspaceId;
    await queue(tx, ctx, workspaceId, RECORD_TRIGGERS[topic], items, ahead?.take(topic, QUEUE_RUNS, workspaceId));
  });
}

events.inTransaction('task.completed', QUEUE_RUNS, async (tx, e: TaskEvent, ctx) => {
  // Automations act on cards; a lead's task (a call-back) is not one until the lead is converted.
  if (e.card.kind === 'LEAD') return;
  const key = `task.completed:${e.task.id}:${e.occurredAt}`;
  await queue(
    tx,
    ctx,
    e.workspaceId,
    ['TASK_COMPLETED'],
    [
      {
        pick: (a) => a.cardKind === e.card.kind,
        key,
        event: { topic: 'task.completed', kind: e.card.kind, cardId: e.card.id, actorId: e.actorId, occurredAt: e.occurredAt },
      },
    ],
  );
});

events.inTransaction('lead.received', QUEUE_RUNS, async (tx, e: LeadEvent, ctx) => {
  await queue(
    tx,
    ctx,
    e.workspaceId,
    ['CARD_CREATED'],
    [
      {
        pick: (a) => a.cardKind === 'LEAD',
        key: `lead.received:${e.leadId}`,
        event: { topic: 'lead.received', kind: 'LEAD', cardId: e.leadId, actorId: e.actorId, occurredAt: e.occurredAt },
      },
    ],
  );
});

/** How often at most an instance looks for time-based triggers that came due. */
const SWEEP_MS = 1000;

/**
 * Time-based triggers: deals that have stayed N hours in a stage, tasks that are overdue. Each
 * becomes one job keyed by what it is about (the deal's stay: the deal and when it entered the
 * stage; the task and its due time), so a sweep that finds it again, on this instance or another,
 * queues nothing new; a deal that leaves and comes back, or a task given a new due time, is a new
 * event. Answers how many jobs it queued.
 */
export async function sweepTimeTriggers(deps: AppDeps): Promise<number> {
  const stays = await deps.db.$executeRaw`
    insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "depth", "event")
    select a."workspaceId", a."id", 'stay:' || d."id" || ':' || (extract(epoch from d."stageEnteredAt") * 1000)::bigint, d."id", 1,
           jsonb_build_object('topic', 'deal.inStage', 'kind', 'DEAL', 'cardId', d."id", 'actorId', a."ownerId",
                              'occurredAt', to_char((d."stageEnteredAt" + make_interval(hours => (a."triggerConfig"->>'hours')::int)) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    from "Automation" a
    join "Deal" d on d."workspaceId" = a."workspaceId" and d."deletedAt" is null
                 and d."stageEnteredAt" <= now() - make_interval(hours => (a."triggerConfig"->>'hours')::int)
                 and (a."triggerConfig"->>'stageId' is null or d."stageId" = (a."triggerConfig"->>'stageId')::uuid)
    where a."trigger" = 'IN_STAGE_FOR' and a."enabled" and a."pausedAt" is null
    on conflict ("automationId", "eventKey") do nothing`;
  const overdue = await deps.db.$executeRaw`
    insert into "AutomationJob" ("workspaceId", "automationId", "eventKey", "cardId", "depth", "event")
    select a."workspaceId", a."id", 'overdue:' || t."id" || ':' || (extract(epoch from t."dueAt") * 1000)::bigint, coalesce(t."dealId", t."contactId", t."companyId"), 1,
           jsonb_build_object('topic', 'task.overdue', 'kind', a."cardKind", 'cardId', coalesce(t."dealId", t."contactId", t."companyId"), 'actorId', a."ownerId",
                              'occurredAt', to_char(t."dueAt" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    from "Automation" a
    join "Task" t on t."workspaceId" = a."workspaceId" and t."completedAt" is null and t."dueAt" < now()
                 and case a."cardKind" when 'DEAL' then t."dealId" when 'CONTACT' then t."contactId" else t."companyId" end is not null
    where a."trigger" = 'TASK_OVERDUE' and a."enabled" and a."pausedAt" is null
    on conflict ("automationId", "eventKey") do nothing`;
  return stays + overdue;
}

events.jobSource('automations: time triggers', atMostEvery(SWEEP_MS, sweepTimeTriggers));
events.jobSource('automations: due runs', runDueJobs);
