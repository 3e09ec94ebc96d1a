-- CreateEnum
CREATE TYPE "TimelineKind" AS ENUM ('CARD_CREATED', 'STAGE_CHANGED', 'FIELD_CHANGED', 'RESPONSIBLE_CHANGED', 'NOTE', 'CALL', 'EMAIL', 'MEETING', 'CHAT', 'TASK_CREATED', 'TASK_COMPLETED', 'ATTACHMENT');

-- CreateTable
CREATE TABLE "TimelineEntry" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "entityType" "EntityType" NOT NULL,
    "cardId" UUID NOT NULL,
    "kind" "TimelineKind" NOT NULL,
    "authorId" UUID,
    "text" TEXT NOT NULL DEFAULT '',
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TimelineEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NoteTemplate" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NoteTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TimelineEntry_cardId_createdAt_id_idx" ON "TimelineEntry"("cardId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "TimelineEntry_workspaceId_idx" ON "TimelineEntry"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "NoteTemplate_workspaceId_name_key" ON "NoteTemplate"("workspaceId", "name");

-- AddForeignKey
ALTER TABLE "TimelineEntry" ADD CONSTRAINT "TimelineEntry_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimelineEntry" ADD CONSTRAINT "TimelineEntry_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NoteTemplate" ADD CONSTRAINT "NoteTemplate_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
