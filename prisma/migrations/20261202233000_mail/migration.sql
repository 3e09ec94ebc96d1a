-- E-mail (issue 12): a mailbox's inbound key and SMTP settings, and the messages mailboxes
-- received or sent (idempotency per Message-ID, threading).
ALTER TABLE "Mailbox" ADD COLUMN "key" TEXT;
UPDATE "Mailbox" SET "key" = replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '');
ALTER TABLE "Mailbox" ALTER COLUMN "key" SET NOT NULL;
ALTER TABLE "Mailbox" ADD COLUMN "smtpUrl" TEXT;
ALTER TABLE "Mailbox" ADD COLUMN "fromName" TEXT;
CREATE UNIQUE INDEX "Mailbox_key_key" ON "Mailbox"("key");

CREATE TABLE "MailMessage" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "mailboxId" UUID NOT NULL,
    "messageId" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "entityType" "EntityType",
    "cardId" UUID,
    "leadId" UUID,
    "timelineEntryId" UUID,
    "result" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MailMessage_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "MailMessage_mailboxId_messageId_key" ON "MailMessage"("mailboxId", "messageId");
CREATE INDEX "MailMessage_workspaceId_messageId_idx" ON "MailMessage"("workspaceId", "messageId");
ALTER TABLE "MailMessage" ADD CONSTRAINT "MailMessage_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
