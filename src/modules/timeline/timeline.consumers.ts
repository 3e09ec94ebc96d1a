// The timeline listens to the changes it records, in their own transaction: a card created or
// changed (from its event's diff), a task created or completed, a file attached. Nobody else
// writes a card's system entries. Each entry then goes out as a `timelineUpdated` event, which
// the realtime consumer relays to the card's subscribers once committed.
import { events } from '../../kernel/events.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { changeEntries, created, record } from './timeline.service.js';

events.inTransaction('record.created', 'timeline: card created', async (tx, e, ctx) => {
  await record(tx, ctx, { entityType: e.kind, id: e.recordId }, [created()]);
});

events.inTransaction('record.updated', 'timeline: field, stage and responsible changes', async (tx, e, ctx) => {
  // The definitions were read before the transaction (per request), so this costs no query.
  await record(tx, ctx, { entityType: e.kind, id: e.recordId }, changeEntries(e, await definitions(ctx, e.kind)));
});

events.inTransaction('task.created', 'timeline: task created', async (tx, { card, task }, ctx) => {
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'TASK_CREATED', text: task.text, data: { taskId: task.id, type: task.type, dueAt: task.dueAt, responsibleId: task.responsibleId } },
  ]);
});

events.inTransaction('task.completed', 'timeline: task completed', async (tx, { card, task }, ctx) => {
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'TASK_COMPLETED', text: [task.text, task.result].filter(Boolean).join('\n'), data: { taskId: task.id, type: task.type, result: task.result } },
  ]);
});

events.inTransaction('file.attached', 'timeline: file attached', async (tx, { card, file }, ctx) => {
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'ATTACHMENT', text: file.name, data: { attachmentId: file.id, name: file.name, size: file.size, contentType: file.contentType } },
  ]);
});
