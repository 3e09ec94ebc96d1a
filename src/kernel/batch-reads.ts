// Reads a batch of writes repeats (writeRecords: an import's rows, the demo seed's cards): the
// same responsible, stage or linked card checked for card after card. Inside a batch each row is
// read once, by id, and the batch's own preload reads them all in one statement per table before
// the first card is checked; the checks answer from there. Outside a batch every call reads, as
// before. A batch's context is a copy of the caller's, so nothing outlives the batch; it starts
// with what the caller memoized for its request (the field definitions, the workspace's region).
import type { ServiceCtx } from '../context.js';
import { validate as validateUuid } from 'uuid';
import { inheritRequest, perRequestValue } from '../lib/per-request.js';

const batches = new WeakSet<object>();

/** A context for one batch: the reads below are shared by its writes, and the caller's memoized reads by the batch. */
export function batchContext(ctx: ServiceCtx): ServiceCtx {
  const b = { ...ctx };
  inheritRequest(ctx, b);
  batches.add(b);
  return b;
}

/**
 * The rows of `table` with these ids, as `load` reads them (null: none); inside a batch, only
 * the ids not read yet are loaded, in one statement.
 */
export async function rowsById<R extends { id: string }>(
  ctx: ServiceCtx,
  table: string,
  ids: readonly string[],
  load: (ids: string[]) => Promise<R[]>,
): Promise<Map<string, R | null>> {
  // An id that is no uuid names no row: never sent, so a batch's reads do not fail on it.
  const wanted = [...new Set(ids.filter((id) => id && validateUuid(id)))];
  if (!batches.has(ctx)) {
    const rows = wanted.length ? await load(wanted) : [];
    const byId = new Map<string, R | null>(wanted.map((id) => [id, null]));
    for (const r of rows) byId.set(r.id, r);
    return byId;
  }
  const known = perRequestValue(ctx, `batch:${table}`, () => new Map<string, Promise<R | null>>());
  const missing = wanted.filter((id) => !known.has(id));
  if (missing.length) {
    const loading = load(missing).then((rows) => new Map(rows.map((r) => [r.id, r])));
    // A failed read is not kept: the next card asks again.
    for (const id of missing)
      known.set(
        id,
        loading.then((m) => m.get(id) ?? null),
      );
    loading.catch(() => {
      for (const id of missing) known.delete(id);
    });
  }
  return new Map(await Promise.all(wanted.map(async (id) => [id, await known.get(id)!] as const)));
}
