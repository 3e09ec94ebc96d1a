-- Automation jobs of one card run in event order on every instance (issue 11): a worker claims
-- no job whose card has an earlier job still due outside its own claim (held by another worker,
-- or skipped as locked). The card is a column of its own, with an index of the jobs not done, so
-- that check is one index probe per claimed job.
ALTER TABLE "AutomationJob" ADD COLUMN "cardId" UUID;
UPDATE "AutomationJob" SET "cardId" = ("event"->>'cardId')::uuid;
ALTER TABLE "AutomationJob" ALTER COLUMN "cardId" SET NOT NULL;
CREATE INDEX "AutomationJob_cardId_id_idx" ON "AutomationJob"("cardId", "id") WHERE "doneAt" IS NULL;
