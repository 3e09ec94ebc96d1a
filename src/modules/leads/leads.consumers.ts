// Incoming leads: once a lead is committed, it goes live to the `incomingLeadReceived`
// subscriptions of its workspace, which show it to those whose LEAD VIEW scope covers it.
import { events } from '../../kernel/events.js';

events.afterCommit('lead.received', 'realtime: incomingLeadReceived', (e, deps) =>
  deps.pubsub.publish('incomingLeadReceived', e.workspaceId, {
    workspaceId: e.workspaceId,
    leadId: e.leadId,
    responsibleId: e.responsibleId,
    occurredAt: e.occurredAt,
  }),
);
