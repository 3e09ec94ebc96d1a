// The data the reports read, kept in the transaction of the change it records. The stage
// history: a deal created enters its first stage, a deal whose stage changed enters the new
// one. The aggregates (reports.aggregates.ts): every deal's contribution follows its creation,
// its changes, its trashing and restoring. Nobody else writes these tables (the migrations that
// created them filled them once).
import { v7 as uuidv7 } from 'uuid';
import { events, type RecordEvent } from '../../kernel/events.js';
import type { Snapshot } from '../../kernel/events.js';
import type { Tx } from '../../lib/outbox.js';
import { insertRows } from '../../lib/bulk-insert.js';
import { shiftContributions, type Contribution, type DealState } from './reports.aggregates.js';

const str = (x: unknown) => (typeof x === 'string' ? x : null);

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

/** One change of a deal: its state before and after, and whether it entered a stage (created, or moved). */
type Change = { e: RecordEvent; before: DealState | null; after: DealState | null; enters: boolean; fromStageId: string | null; sinceAt: string | null };

/**
 * Records a batch of deal changes (one emit: a single change, or an import's hundreds) in a
 * constant number of statements: the stage history they add in one insert, then every change's
 * contribution moved in one statement. A change's states leave out the history rows written by
 * the changes that follow it in the batch (and its state before, its own), as they would have
 * been one at a time.
 */
async function record(tx: Tx, list: Change[]) {
  const rows = [];
  const written = new Map<Change, string>();
  for (const c of list) {
    const toStageId = str(c.e.after?.stageId);
    const pipelineId = str(c.e.after?.pipelineId);
    if (!c.enters || !toStageId || !pipelineId) continue;
    // Time-ordered, as the table's own default (uuid(7)) would make it.
    const id = uuidv7();
    written.set(c, id);
    // The moment the deal's row says it entered the stage, so history and card agree.
    const at = str(c.e.after?.stageEnteredAt) ?? c.e.occurredAt;
    rows.push({
      id,
      workspaceId: c.e.workspaceId,
      dealId: c.e.recordId,
      pipelineId,
      fromStageId: c.fromStageId,
      toStageId,
      at,
      sinceAt: c.sinceAt,
      byId: c.e.actorId,
    });
  }
  await insertRows(tx, 'StageTransition', rows);
  const shifts: Contribution[] = [];
  list.forEach((c, i) => {
    if (!written.has(c) && same(c.before, c.after)) return;
    const later = list.slice(i + 1).flatMap((x) => (x.e.recordId === c.e.recordId && written.has(x) ? [written.get(x)!] : []));
    const own = written.get(c);
    if (c.before) shifts.push({ sign: -1, state: c.before, skip: own ? [own, ...later] : later });
    if (c.after) shifts.push({ sign: 1, state: c.after, skip: later });
  });
  await shiftContributions(tx, shifts);
}

const deals = (list: RecordEvent[]) => list.filter((e) => e.kind === 'DEAL');

events.inTransactionMany('record.created', 'reports: stage history and aggregates (deal created)', async (tx, list) => {
  await record(
    tx,
    deals(list).map((e) => ({ e, before: null, after: state(e.recordId, e.after), enters: true, fromStageId: null, sinceAt: null })),
  );
});

events.inTransactionMany('record.updated', 'reports: stage history and aggregates (deal changed)', async (tx, list) => {
  await record(
    tx,
    deals(list).map((e) => ({
      e,
      before: state(e.recordId, e.before),
      after: state(e.recordId, e.after),
      enters: e.diff.some((c) => c.field === 'stageId'),
      fromStageId: str(e.before?.stageId),
      sinceAt: str(e.before?.stageEnteredAt),
    })),
  );
});

events.inTransactionMany('record.trashed', 'reports: aggregates (deal trashed)', async (tx, list) => {
  await record(
    tx,
    deals(list).map((e) => ({ e, before: state(e.recordId, e.before), after: null, enters: false, fromStageId: null, sinceAt: null })),
  );
});

events.inTransactionMany('record.restored', 'reports: aggregates (deal restored)', async (tx, list) => {
  await record(
    tx,
    deals(list).map((e) => ({ e, before: null, after: state(e.recordId, e.after), enters: false, fromStageId: null, sinceAt: null })),
  );
});
