-- Imports (issue 12): a dry run's row reports the existing cards it likely duplicates
-- ([{ id, name, reasons, score }], best first), null for other issues.
ALTER TABLE "ImportIssue" ADD COLUMN "duplicates" JSONB;
