-- The claim's walk of the due jobs in id order gets an index that the claim's look-ups by card
-- cannot use: its predicate names "depth" (every job's is 1 or more), which only the walk states.
-- With statistics taken while the queue was drained, PostgreSQL takes both partial indexes of the
-- jobs not done for nearly empty; it then found a card's jobs by reading the index in id order
-- whole, once per claimed job (773 ms a claim with 30,000 jobs queued on a scratch copy). The
-- look-ups by card now have only "AutomationJob_cardId_id_idx" (13 ms there; docs/performance.md,
-- "Automations: the claim whatever the statistics").
DROP INDEX "AutomationJob_id_idx";
CREATE INDEX "AutomationJob_id_idx" ON "AutomationJob"("id") WHERE ("doneAt" IS NULL) AND (depth > 0);
