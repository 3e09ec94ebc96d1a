-- Telephony (issue 12): a call from an unknown number becomes an incoming lead or, per the
-- workspace's settings, a contact with a deal; either way it gets a call-back task, so tasks may
-- now hang on an incoming lead (and move to its cards when it is converted).
CREATE TYPE "CallTarget" AS ENUM ('LEAD', 'DEAL');
ALTER TABLE "Workspace" ADD COLUMN "callTarget" "CallTarget" NOT NULL DEFAULT 'LEAD',
  ADD COLUMN "callPipelineId" UUID,
  ADD COLUMN "callStageId" UUID;

ALTER TABLE "Task" ADD COLUMN "leadId" UUID;
CREATE INDEX "Task_leadId_idx" ON "Task"("leadId");
ALTER TABLE "Task" ADD CONSTRAINT "Task_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "IncomingLead"("id") ON DELETE CASCADE ON UPDATE CASCADE;
