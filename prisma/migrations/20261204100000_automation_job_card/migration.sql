-- Automation jobs of one card run in event order on every instance (issue 11): a worker claims
-- no job whose card has an earlier job still due outside its own claim (held by another worker,
-- or skipped as locked). The card is a column of its own, with an index of the jobs not done, so
-- that check is one index probe per claimed job.
ALTER TABLE "AutomationJob" ADD COLUMN "cardId" UUID;
UPDATE "AutomationJob" SET "cardId" = ("event"->>'cardId')::uuid;
ALTER TABLE "AutomationJob" ALTER COLUMN "cardId" SET NOT NULL;
CREATE INDEX "AutomationJob_cardId_id_idx" ON "AutomationJob"("cardId", "id") WHERE "doneAt" IS NULL;

-- A claim takes the first due jobs in id order. With an index of (doneAt, runAt) the planner
-- walked the primary key from the first job ever, past every job done (7 ms a claim at 90,000
-- done jobs, growing with the history); an index of the jobs not done, in id order, keeps a claim
-- at a fraction of a millisecond however long the history (0.26 ms there).
DROP INDEX "AutomationJob_doneAt_runAt_idx";
CREATE INDEX "AutomationJob_id_idx" ON "AutomationJob"("id") WHERE "doneAt" IS NULL;
