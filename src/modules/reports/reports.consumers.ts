// The data the reports read, kept in the transaction of the change it records. The stage
// history: a deal created enters its first stage, a deal whose stage changed enters the new
// one. The aggregates (reports.aggregates.ts): every deal's contribution follows its creation,
// its changes, its trashing and restoring. Nobody else writes these tables (the migrations that
// created them filled them once).
import { events, type RecordEvent } from '../../kernel/events.js';
import type { Snapshot } from '../../kernel/events.js';
import type { Tx } from '../../lib/outbox.js';
import { shiftContribution, type DealState } from './reports.aggregates.js';

const str = (x: unknown) => (typeof x === 'string' ? x : null);

async function enter(tx: Tx, e: RecordEvent, fromStageId: string | null, sinceAt: string | null) {
  const toStageId = str(e.after.stageId);
  const pipelineId = str(e.after.pipelineId);
  if (!toStageId || !pipelineId) return null;
  // The moment the deal's row says it entered the stage, so history and card agree.
  const at = str(e.after.stageEnteredAt) ?? e.occurredAt;
  const row = await tx.stageTransition.create({
    data: { workspaceId: e.workspaceId, dealId: e.recordId, pipelineId, fromStageId, toStageId, at, sinceAt, byId: e.actorId },
    select: { id: true },
  });
  return row.id;
}

/** The fields of a deal the aggregates depend on; null for a deal in the trash. */
function state(id: string, s: Snapshot | null): DealState | null {
  if (!s || s.deletedAt) return null;
  return {
    id,
    pipelineId: String(s.pipelineId),
    stageId: String(s.stageId),
    responsibleId: String(s.responsibleId),
    currency: String(s.currency),
    amount: String(s.amount ?? '0'),
    closedAt: str(s.closedAt),
  };
}

const same = (a: DealState | null, b: DealState | null) => JSON.stringify(a) === JSON.stringify(b);

events.inTransaction('record.created', 'reports: stage history and aggregates (deal created)', async (tx, e) => {
  if (e.kind !== 'DEAL') return;
  await enter(tx, e, null, null);
  await shiftContribution(tx, null, state(e.recordId, e.after), null);
});

events.inTransaction('record.updated', 'reports: stage history and aggregates (deal changed)', async (tx, e) => {
  if (e.kind !== 'DEAL') return;
  const moved = e.diff.some((c) => c.field === 'stageId');
  const newId = moved ? await enter(tx, e, str(e.before?.stageId), str(e.before?.stageEnteredAt)) : null;
  const before = state(e.recordId, e.before);
  const after = state(e.recordId, e.after);
  if (moved || !same(before, after)) await shiftContribution(tx, before, after, newId);
});

events.inTransaction('record.trashed', 'reports: aggregates (deal trashed)', async (tx, e) => {
  if (e.kind === 'DEAL') await shiftContribution(tx, state(e.recordId, e.before), null, null);
});

events.inTransaction('record.restored', 'reports: aggregates (deal restored)', async (tx, e) => {
  if (e.kind === 'DEAL') await shiftContribution(tx, null, state(e.recordId, e.after), null);
});
