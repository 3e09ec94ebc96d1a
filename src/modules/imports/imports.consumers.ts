// An import's progress moves in the transaction of each row's write: the Import row's position
// and counts (and the rows skipped or failed before it) commit with the card, or not at all, so
// a resumed import never writes a row twice. In a dry run the write is undone here, once every
// check has passed.
import { events } from '../../kernel/events.js';
import { DryRunRollback, flush, runOf } from './imports.service.js';

events.inTransaction(['record.created', 'record.updated'], 'imports: progress', async (tx, _event, ctx) => {
  const run = runOf(ctx);
  if (!run?.armed) return;
  if (run.dryRun) throw new DryRunRollback(run.armed.outcome);
  await flush(tx, run, run.armed);
});
