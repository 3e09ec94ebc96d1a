-- Incoming leads (the "unsorted" inbox), web forms and telephony events (SPEC §3, §9).

-- CreateEnum
CREATE TYPE "LeadSource" AS ENUM ('FORM', 'CALL', 'EMAIL', 'CHAT', 'API');

-- CreateEnum
CREATE TYPE "LeadStatus" AS ENUM ('NEW', 'IN_WORK', 'CONVERTED', 'DECLINED');

-- CreateEnum
CREATE TYPE "LeadRating" AS ENUM ('HOT', 'WARM', 'COLD');

-- CreateEnum
CREATE TYPE "WebFormTarget" AS ENUM ('LEAD', 'DEAL');

-- CreateTable
CREATE TABLE "IncomingLead" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "source" "LeadSource" NOT NULL,
    "status" "LeadStatus" NOT NULL DEFAULT 'NEW',
    "rating" "LeadRating" NOT NULL DEFAULT 'WARM',
    "channel" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL DEFAULT '',
    "phones" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "emails" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "companyName" TEXT,
    "message" TEXT NOT NULL DEFAULT '',
    "data" JSONB NOT NULL DEFAULT '{}',
    "searchText" TEXT NOT NULL DEFAULT '',
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "responsibleId" UUID NOT NULL,
    "createdById" UUID,
    "duplicateContactIds" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "fileIds" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[],
    "declineReason" TEXT,
    "contactId" UUID,
    "companyId" UUID,
    "dealId" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "IncomingLead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebForm" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "mapping" JSONB NOT NULL DEFAULT '[]',
    "target" "WebFormTarget" NOT NULL DEFAULT 'LEAD',
    "pipelineId" UUID,
    "stageId" UUID,
    "responsibleId" UUID,
    "teamId" UUID,
    "handedOut" INTEGER NOT NULL DEFAULT 0,
    "allowedOrigins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "honeypot" TEXT NOT NULL DEFAULT 'website',
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebForm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebFormSubmission" (
    "id" UUID NOT NULL,
    "formId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "result" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebFormSubmission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TelephonyEvent" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "callId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "result" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TelephonyEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TelephonyEvent_workspaceId_callId_event_key" ON "TelephonyEvent"("workspaceId", "callId", "event");

-- CreateIndex
CREATE INDEX "IncomingLead_workspaceId_receivedAt_idx" ON "IncomingLead"("workspaceId", "receivedAt");

-- CreateIndex
CREATE INDEX "IncomingLead_workspaceId_responsibleId_idx" ON "IncomingLead"("workspaceId", "responsibleId");

-- CreateIndex
CREATE UNIQUE INDEX "WebForm_key_key" ON "WebForm"("key");

-- CreateIndex
CREATE INDEX "WebForm_workspaceId_idx" ON "WebForm"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "WebFormSubmission_formId_idempotencyKey_key" ON "WebFormSubmission"("formId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "IncomingLead" ADD CONSTRAINT "IncomingLead_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncomingLead" ADD CONSTRAINT "IncomingLead_responsibleId_fkey" FOREIGN KEY ("responsibleId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebForm" ADD CONSTRAINT "WebForm_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebFormSubmission" ADD CONSTRAINT "WebFormSubmission_formId_fkey" FOREIGN KEY ("formId") REFERENCES "WebForm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TelephonyEvent" ADD CONSTRAINT "TelephonyEvent_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
