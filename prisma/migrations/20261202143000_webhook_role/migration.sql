-- A webhook's payloads show cards as its role sees them (null: as an administrator).
ALTER TABLE "Webhook" ADD COLUMN "roleId" UUID;
ALTER TABLE "Webhook" ADD CONSTRAINT "Webhook_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "Role"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
