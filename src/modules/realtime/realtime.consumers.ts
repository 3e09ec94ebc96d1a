// Realtime: once a change has committed, the outbox hands its events here and they go to the
// pubsub (in-process, or Redis with REDIS_URL), where the subscriptions of every instance pick
// them up and filter them for each subscriber's rights.
import { events, type RecordEvent, type TaskEvent } from '../../kernel/events.js';
import type { AppDeps } from '../../context.js';
import type { DealChangeKind, DealChangedMessage } from '../../lib/pubsub.js';

const DEAL_KIND = {
  'record.created': 'CREATED',
  'record.updated': 'UPDATED',
  'record.trashed': 'DELETED',
  'record.restored': 'RESTORED',
} as const satisfies Record<string, DealChangeKind>;

function publishDeal(deps: AppDeps, topic: keyof typeof DEAL_KIND, e: RecordEvent) {
  if (e.kind !== 'DEAL') return;
  const pipelineId = String(e.after.pipelineId);
  const moved = topic === 'record.updated' && e.diff.some((c) => c.field === 'stageId');
  const handedFrom = topic === 'record.updated' && e.diff.some((c) => c.field === 'responsibleId') ? String(e.before?.responsibleId ?? '') : '';
  const message = (kind: DealChangeKind, pipeline: string): DealChangedMessage => ({
    workspaceId: e.workspaceId,
    pipelineId: pipeline,
    dealId: e.recordId,
    kind,
    occurredAt: e.occurredAt,
    ...(handedFrom ? { formerResponsibleId: handedFrom } : {}),
  });
  deps.pubsub.publish('dealChanged', pipelineId, message(moved ? 'MOVED' : DEAL_KIND[topic], pipelineId));
  // A board watching the old pipeline learns that the deal left it.
  const from = e.before?.pipelineId;
  if (topic === 'record.updated' && from && from !== pipelineId) deps.pubsub.publish('dealChanged', String(from), message('MOVED', String(from)));
}

for (const topic of Object.keys(DEAL_KIND) as (keyof typeof DEAL_KIND)[]) {
  events.afterCommit(topic, 'realtime: dealChanged', (e, deps) => publishDeal(deps, topic, e));
}

// A deal's open task (Deal.openTask, shown on board cards) changes with its tasks: boards hear of
// it as an UPDATED deal.
for (const topic of ['task.created', 'task.completed', 'task.updated'] as const) {
  events.afterCommit(topic, 'realtime: dealChanged (open task)', (e: TaskEvent, deps) => {
    const pipelineId = e.card.pipelineId;
    if (e.card.kind !== 'DEAL' || !pipelineId) return;
    deps.pubsub.publish('dealChanged', pipelineId, { workspaceId: e.workspaceId, pipelineId, dealId: e.card.id, kind: 'UPDATED', occurredAt: e.occurredAt });
  });
}

events.afterCommit('timelineUpdated', 'realtime: timelineUpdated', (m, deps) => deps.pubsub.publish('timelineUpdated', m.cardId, m));
events.afterCommit('notification', 'realtime: notifications', (m, deps) => deps.pubsub.publish('notification', m.userId, m));
events.afterCommit('settingsChanged', 'realtime: rights re-read', (m, deps) => deps.pubsub.publish('settingsChanged', m));
events.afterCommit('automationRun', 'realtime: automationRunLogged', (m, deps) => deps.pubsub.publish('automationRun', m.automationId, m));
