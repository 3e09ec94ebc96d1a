// Taking an inbound request once by its key (a chat message's id, a call event, a form's
// idempotency key), without ever losing one. The key's row is claimed before the work, marked
// `{ pending: true }`, and holds the result once the work is done; a replay answers that result.
// A refused request releases its claim, so the sender may send it again, corrected. A claim whose
// holder died mid-work (a crash, a kill) would otherwise stay pending for ever and the request
// be lost: a claim older than STALE_CLAIM_MS is taken over and the work done again. The work
// itself must be safe to redo after a crash (each step commits what it wrote, or nothing).
import { isUniqueViolation } from './errors.js';

export const PENDING = { pending: true } as const;

/** How long a claim may stay pending before another request takes it over (no work takes this long). */
export const STALE_CLAIM_MS = 5 * 60_000;

export type ClaimOps<R> = {
  /** Creates the key's row with `result: PENDING`; throws a unique violation when it exists. */
  insert: () => Promise<unknown>;
  /** The key's row. */
  read: () => Promise<{ result: unknown } | null>;
  /** Re-stamps the row as claimed now if it is still pending and was claimed before `before`; how many rows it changed. */
  takeOver: (before: Date) => Promise<number>;
  run: () => Promise<R>;
  /** Stores the result on the key's row. */
  save: (result: R) => Promise<unknown>;
  /** Deletes the key's row (the work was refused). */
  release: () => Promise<unknown>;
};

export type Taken<R> = { result: R; replayed: boolean } | { pending: true };

export async function takeOnce<R>(ops: ClaimOps<R>): Promise<Taken<R>> {
  try {
    await ops.insert();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const first = await ops.read();
    const result = first?.result as (R & { pending?: boolean }) | undefined;
    if (first && !result?.pending) return { result: result as R, replayed: true };
    if (!first || !(await ops.takeOver(new Date(Date.now() - STALE_CLAIM_MS)))) return { pending: true };
  }
  try {
    const result = await ops.run();
    await ops.save(result);
    return { result, replayed: false };
  } catch (err) {
    await ops.release();
    throw err;
  }
}
