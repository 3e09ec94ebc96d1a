// What the modules register with the kernel, loaded once by the app (as the schema's types are):
// each card kind's own hooks (its write rules, its list keys) and every event consumer. Whatever
// path writes a change, the same hooks run and the same consumers hear of it.
import { events, pruneKeptEvents } from '../kernel/events.js';
import './contacts/contacts.service.js';
import './deals/deals.service.js';
import './timeline/timeline.consumers.js';
import './reports/reports.consumers.js';
import './realtime/realtime.consumers.js';
import './tasks/tasks.consumers.js';
import './leads/leads.consumers.js';
import './automations/automations.consumers.js';
import './automations/automations.usage.js';
import './webhooks/webhooks.consumers.js';

// Last of the worker's sources: a pass runs the modules' due jobs before it deletes old events.
events.jobSource('outbox: published events past their keep', pruneKeptEvents);
