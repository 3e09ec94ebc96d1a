-- Automations (docs/automations.md): definitions, their durable jobs and their run log; and the
-- timeline's note of which automation made a change.

-- CreateEnum
CREATE TYPE "AutomationTrigger" AS ENUM ('CARD_CREATED', 'STAGE_ENTERED', 'FIELD_CHANGED', 'TASK_COMPLETED');

-- AlterTable
ALTER TABLE "TimelineEntry" ADD COLUMN "automationId" UUID,
ADD COLUMN "automationName" TEXT;

-- CreateTable
CREATE TABLE "Automation" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "ownerId" UUID NOT NULL,
    "trigger" "AutomationTrigger" NOT NULL,
    "cardKind" TEXT NOT NULL,
    "triggerConfig" JSONB NOT NULL DEFAULT '{}',
    "conditions" JSONB,
    "actions" JSONB NOT NULL DEFAULT '[]',
    "runs" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "failureStreak" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "lastRunAt" TIMESTAMPTZ(3),
    "pausedAt" TIMESTAMPTZ(3),
    "rotation" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Automation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationJob" (
    "id" BIGSERIAL NOT NULL,
    "workspaceId" UUID NOT NULL,
    "automationId" UUID NOT NULL,
    "eventKey" TEXT NOT NULL,
    "depth" INTEGER NOT NULL DEFAULT 1,
    "event" JSONB NOT NULL,
    "runAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "progress" JSONB NOT NULL DEFAULT '[]',
    "doneAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutomationJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationRun" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "automationId" UUID NOT NULL,
    "jobId" BIGINT NOT NULL,
    "topic" TEXT NOT NULL,
    "cardKind" TEXT NOT NULL,
    "cardId" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "actions" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "depth" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutomationRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Automation_workspaceId_trigger_idx" ON "Automation"("workspaceId", "trigger");

-- CreateIndex
CREATE INDEX "AutomationJob_doneAt_runAt_idx" ON "AutomationJob"("doneAt", "runAt");

-- CreateIndex
CREATE UNIQUE INDEX "AutomationJob_automationId_eventKey_key" ON "AutomationJob"("automationId", "eventKey");

-- CreateIndex
CREATE UNIQUE INDEX "AutomationRun_jobId_key" ON "AutomationRun"("jobId");

-- CreateIndex
CREATE INDEX "AutomationRun_automationId_finishedAt_idx" ON "AutomationRun"("automationId", "finishedAt");

-- AddForeignKey
ALTER TABLE "Automation" ADD CONSTRAINT "Automation_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Automation" ADD CONSTRAINT "Automation_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationJob" ADD CONSTRAINT "AutomationJob_automationId_fkey" FOREIGN KEY ("automationId") REFERENCES "Automation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationRun" ADD CONSTRAINT "AutomationRun_automationId_fkey" FOREIGN KEY ("automationId") REFERENCES "Automation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
