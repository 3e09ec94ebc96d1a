// The timeline listens to the changes it records, in their own transaction: a card created or
// changed (from its event's diff), a task created or completed, a file attached, cards merged. Nobody else
// writes a card's system entries. Each entry but a new card's first then goes out as a
// `timelineUpdated` event, which the realtime consumer relays to the card's subscribers once
// committed.
import { events } from '../../kernel/events.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { changeEntries, created, imported, record, recordMany } from './timeline.service.js';

// A card an import created says "imported" (file and row) instead of "created". No notice: the
// card is new in this transaction, so nobody is subscribed to its timeline yet (recordMany).
events.inTransactionMany('record.created', 'timeline: card created', async (tx, list, ctx) => {
  const imp = ctx.importing;
  // One entry for all: the batch's rows then carry its text and data once (lib/bulk-insert.ts).
  const entry = imp ? imported(imp, 'created') : created();
  await recordMany(
    tx,
    ctx,
    list.map((e) => ({ card: { entityType: e.kind, id: e.recordId }, entries: [entry] })),
    { notice: false },
  );
});

events.inTransactionMany('record.updated', 'timeline: field, stage and responsible changes', async (tx, list, ctx) => {
  const imp = ctx.importing;
  const items = [];
  for (const e of list) {
    // The definitions were read before the transaction (per request), so this costs no query.
    const entries = changeEntries(e, await definitions(ctx, e.kind));
    if (imp) entries.unshift(imported(imp, 'updated'));
    items.push({ card: { entityType: e.kind, id: e.recordId }, entries });
  }
  await recordMany(tx, ctx, items);
});

// An incoming lead has no timeline: its tasks show on the cards it becomes.
events.inTransaction('task.created', 'timeline: task created', async (tx, { card, task }, ctx) => {
  if (card.kind === 'LEAD') return;
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'TASK_CREATED', text: task.text, data: { taskId: task.id, type: task.type, dueAt: task.dueAt, responsibleId: task.responsibleId } },
  ]);
});

events.inTransaction('task.completed', 'timeline: task completed', async (tx, { card, task }, ctx) => {
  if (card.kind === 'LEAD') return;
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'TASK_COMPLETED', text: [task.text, task.result].filter(Boolean).join('\n'), data: { taskId: task.id, type: task.type, result: task.result } },
  ]);
});

events.inTransaction('file.attached', 'timeline: file attached', async (tx, { card, file }, ctx) => {
  await record(tx, ctx, { entityType: card.kind, id: card.id }, [
    { kind: 'ATTACHMENT', text: file.name, data: { attachmentId: file.id, name: file.name, size: file.size, contentType: file.contentType } },
  ]);
});

// A merge says on the kept card what was merged into it (the merged cards' names at the time).
events.inTransaction('record.merged', 'timeline: cards merged', async (tx, e, ctx) => {
  await record(tx, ctx, { entityType: e.kind, id: e.recordId }, [{ kind: 'MERGED', text: e.merged.map((m) => m.name).join(', '), data: { merged: e.merged } }]);
});
