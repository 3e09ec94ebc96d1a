-- Chat channels (SPEC §9): a channel per messenger or site chat, the people writing through it
-- and the messages taken (once each).

-- CreateEnum
CREATE TYPE "ChatChannelKind" AS ENUM ('GENERIC', 'TELEGRAM');

-- CreateTable
CREATE TABLE "ChatChannel" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ChatChannelKind" NOT NULL DEFAULT 'GENERIC',
    "key" TEXT NOT NULL,
    "secretToken" TEXT,
    "target" "WebFormTarget" NOT NULL DEFAULT 'LEAD',
    "pipelineId" UUID,
    "stageId" UUID,
    "responsibleId" UUID,
    "webhookId" UUID,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatPerson" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "leadId" UUID,
    "contactId" UUID,
    "dealId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatPerson_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatMessage" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "result" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ChatChannel_key_key" ON "ChatChannel"("key");

-- CreateIndex
CREATE INDEX "ChatChannel_workspaceId_idx" ON "ChatChannel"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatPerson_channelId_externalId_key" ON "ChatPerson"("channelId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatMessage_channelId_externalId_key" ON "ChatMessage"("channelId", "externalId");

-- AddForeignKey
ALTER TABLE "ChatChannel" ADD CONSTRAINT "ChatChannel_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatChannel" ADD CONSTRAINT "ChatChannel_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatPerson" ADD CONSTRAINT "ChatPerson_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "ChatChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatMessage" ADD CONSTRAINT "ChatMessage_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "ChatChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;
