// The stage history the reports read, kept in the transaction of the change it records: a deal
// created enters its first stage, a deal whose stage changed enters the new one. Nobody else
// writes StageTransition rows (the migration that created the table filled it from the
// timeline once).
import { events, type RecordEvent } from '../../kernel/events.js';
import type { Tx } from '../../lib/outbox.js';

const str = (x: unknown) => (typeof x === 'string' ? x : null);

async function enter(tx: Tx, e: RecordEvent, fromStageId: string | null, sinceAt: string | null) {
  const toStageId = str(e.after.stageId);
  const pipelineId = str(e.after.pipelineId);
  if (!toStageId || !pipelineId) return;
  // The moment the deal's row says it entered the stage, so history and card agree.
  const at = str(e.after.stageEnteredAt) ?? e.occurredAt;
  await tx.stageTransition.create({
    data: { workspaceId: e.workspaceId, dealId: e.recordId, pipelineId, fromStageId, toStageId, at, sinceAt, byId: e.actorId },
  });
}

events.inTransaction('record.created', 'reports: stage history (deal created)', async (tx, e) => {
  if (e.kind === 'DEAL') await enter(tx, e, null, null);
});

events.inTransaction('record.updated', 'reports: stage history (deal moved)', async (tx, e) => {
  if (e.kind !== 'DEAL' || !e.diff.some((c) => c.field === 'stageId')) return;
  await enter(tx, e, str(e.before?.stageId), str(e.before?.stageEnteredAt));
});
