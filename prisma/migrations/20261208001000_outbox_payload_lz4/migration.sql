-- A batch's outbox row (a thousand events, ~1.2 MB of JSON) is compressed and stored out of line.
-- lz4 does that for less than half of pglz's CPU: 1,000 imported cards' events as one row, 6.5–7.3
-- against 16.3–17.8 ms of the backend's CPU to insert (docs/performance.md, "Import: a batch's
-- events in one outbox row"). A row of one event (~1.2 KB) is stored as it is either way.
-- PostgreSQL built without lz4 (PGlite is) keeps pglz: the statement fails there with
-- feature_not_supported, which is all this block lets pass.
DO $$
BEGIN
  ALTER TABLE "OutboxEvent" ALTER COLUMN "payload" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
