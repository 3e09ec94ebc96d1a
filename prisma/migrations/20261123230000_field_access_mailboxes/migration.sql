-- Field access per role: a field not named is EDIT, so existing roles keep what they had.
ALTER TABLE "Role" ADD COLUMN "fieldAccess" JSONB NOT NULL DEFAULT '{}';

-- E-mails from a personal mailbox are seen only by its owner.
ALTER TABLE "TimelineEntry" ADD COLUMN "privateToId" UUID;

-- CreateTable
CREATE TABLE "Mailbox" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "ownerId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Mailbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Mailbox_workspaceId_address_key" ON "Mailbox"("workspaceId", "address");

-- CreateIndex
CREATE INDEX "Mailbox_ownerId_idx" ON "Mailbox"("ownerId");

-- AddForeignKey
ALTER TABLE "Mailbox" ADD CONSTRAINT "Mailbox_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Mailbox" ADD CONSTRAINT "Mailbox_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
