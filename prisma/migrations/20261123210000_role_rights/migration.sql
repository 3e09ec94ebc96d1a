-- AlterTable
ALTER TABLE "Role" ADD COLUMN "rights" JSONB NOT NULL DEFAULT '{}';

-- Roles that exist keep what they could do: every right on every card type.
UPDATE "Role" SET "rights" = (
  SELECT jsonb_object_agg(e, (SELECT jsonb_object_agg(a, 'ALL') FROM unnest(ARRAY['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT']) AS a))
  FROM unnest(ARRAY['CONTACT', 'COMPANY', 'DEAL', 'TASK']) AS e
) WHERE NOT "isAdmin";
