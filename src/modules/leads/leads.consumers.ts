// Incoming leads: once a lead is committed, it goes live to the `incomingLeadReceived`
// subscriptions of its workspace, which show it to those whose LEAD VIEW scope covers it.
// A merge, once committed, is logged (its cards' own events tell live views).
import { events } from '../../kernel/events.js';

events.afterCommit('lead.received', 'realtime: incomingLeadReceived', (e, deps) =>
  deps.pubsub.publish('incomingLeadReceived', e.workspaceId, {
    workspaceId: e.workspaceId,
    leadId: e.leadId,
    responsibleId: e.responsibleId,
    occurredAt: e.occurredAt,
  }),
);

events.afterCommit('record.merged', 'log: cards merged', (e, deps) =>
  deps.log.info({ workspaceId: e.workspaceId, kind: e.kind, keptId: e.recordId, mergedIds: e.merged.map((m) => m.id), actorId: e.actorId }, 'cards merged'),
);
