// The stage history the reports read, kept in the transaction of the change it records: a deal
// created enters its first stage, a deal whose stage changed enters the new one. Nobody else
// writes StageTransition rows (the migration that created the table filled it from the
// timeline once).
import { events, type RecordEvent } from '../../kernel/events.js';
import type { Tx } from '../../lib/outbox.js';

const str = (x: unknown) => (typeof x === 'string' ? x : null);

function transition(e: RecordEvent, fromStageId: string | null, sinceAt: string | null) {
  const toStageId = str(e.after.stageId);
  const pipelineId = str(e.after.pipelineId);
  if (!toStageId || !pipelineId) return null;
  // The moment the deal's row says it entered the stage, so history and card agree.
  const at = str(e.after.stageEnteredAt) ?? e.occurredAt;
  return { workspaceId: e.workspaceId, dealId: e.recordId, pipelineId, fromStageId, toStageId, at, sinceAt, byId: e.actorId };
}

async function enter(tx: Tx, e: RecordEvent, fromStageId: string | null, sinceAt: string | null) {
  const data = transition(e, fromStageId, sinceAt);
  if (data) await tx.stageTransition.create({ data });
}

events.inTransactionMany('record.created', 'reports: stage history (deal created)', async (tx, list) => {
  const data = list.flatMap((e) => (e.kind === 'DEAL' ? [transition(e, null, null)].filter((x) => x !== null) : []));
  if (data.length) await tx.stageTransition.createMany({ data });
});

events.inTransaction('record.updated', 'reports: stage history (deal moved)', async (tx, e) => {
  if (e.kind !== 'DEAL' || !e.diff.some((c) => c.field === 'stageId')) return;
  await enter(tx, e, str(e.before?.stageId), str(e.before?.stageEnteredAt));
});
