// What triggers automations. In the transaction of each change, the automations of the
// workspace whose trigger the change's event matches get a job row (unique per automation and
// event, so a repeated event never queues twice): the job exists if and only if the change
// committed. Once the outbox has delivered the change, the worker is kicked and runs the jobs
// (automations.runner.ts). A change made by an automation queues its jobs one level deeper.
import { events, type FieldChange, type RecordEvent, type TaskEvent } from '../../kernel/events.js';
import type { ServiceCtx } from '../../context.js';
import type { Tx } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AutomationTrigger } from '../../generated/prisma/enums.js';
import type { TriggerConfig } from './automations.service.js';
import { runDueJobs, type JobEvent } from './automations.runner.js';

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

/** Queues the jobs of one change's events (or one batch of changes) in a single statement. */
async function queue(tx: Tx, ctx: ServiceCtx, workspaceId: string, triggers: AutomationTrigger[], items: Item[]) {
  if (!items.length) return;
  const list = await tx.automation.findMany({
    where: { workspaceId, enabled: true, pausedAt: null, trigger: { in: triggers } },
    select: { id: true, trigger: true, cardKind: true, triggerConfig: true },
  });
  if (!list.length) return;
  const depth = (ctx.automation?.depth ?? 0) + 1;
  const data = items.flatMap(({ pick, key, event }) =>
    list.filter(pick).map((a) => ({ workspaceId, automationId: a.id, eventKey: key, depth, event: event as unknown as Prisma.InputJsonValue })),
  );
  if (data.length) await tx.automationJob.createMany({ data, skipDuplicates: true });
}

const RECORD_TRIGGERS: Record<string, AutomationTrigger[]> = {
  'record.created': ['CARD_CREATED'],
  'record.updated': ['STAGE_ENTERED', 'FIELD_CHANGED'],
};

for (const topic of ['record.created', 'record.updated'] as const) {
  events.inTransactionMany(topic, 'automations: queue runs', async (tx, list, ctx) => {
    const items = list.map((e) => ({
      pick: (a: Candidate) => matches(a, topic, e),
      // The card's version after the change names the event: unique per card and change.
      key: `${topic}:${e.recordId}:${String(e.after.version)}`,
      event: { topic, kind: e.kind, cardId: e.recordId, actorId: e.actorId, occurredAt: e.occurredAt },
    }));
    if (items.length) await queue(tx, ctx, list[0].workspaceId, RECORD_TRIGGERS[topic], items);
  });
  events.afterCommit(topic, 'automations: wake the worker', (_e, deps) => deps.worker.kick());
}

events.inTransaction('task.completed', 'automations: queue runs', async (tx, e: TaskEvent, ctx) => {
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
events.afterCommit('task.completed', 'automations: wake the worker', (_e, deps) => deps.worker.kick());

events.jobSource('automations: due runs', runDueJobs);
