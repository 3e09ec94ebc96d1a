-- The claim's plan, and the plans of the statements that save a job by its id, no longer depend on
-- the queue's statistics. With statistics taken while the queue was drained, PostgreSQL takes a
-- partial index of the jobs not done for empty, and read it whole where it was not meant to: the
-- claim's look-ups by card read the index in id order once per claimed job (773 ms a claim of a
-- 30,000-job queue on a scratch copy), and a batch's update of its jobs by id hashed the whole
-- queue (93 ms for 200 jobs of a 150,000-job queue, 3 ms by the primary key). docs/performance.md,
-- "Automations: the claim whatever the statistics".
--
-- The walk of the due jobs in id order keeps a partial index, whose predicate names "depth"
-- (every job's is 1 or more): only the walk states it, so no other statement can use this index.
DROP INDEX "AutomationJob_id_idx";
CREATE INDEX "AutomationJob_id_idx" ON "AutomationJob"("id") WHERE ("doneAt" IS NULL) AND (depth > 0);

-- A card's jobs not done are found in an index of every job by card, then "doneAt" (a search for
-- IS NULL stays on the card's jobs not done): its size is the table's, not the queue's, so no
-- statistics make it look empty, and a statement that names no card has no use for it.
DROP INDEX "AutomationJob_cardId_id_idx";
CREATE INDEX "AutomationJob_cardId_doneAt_id_idx" ON "AutomationJob"("cardId", "doneAt", "id");
