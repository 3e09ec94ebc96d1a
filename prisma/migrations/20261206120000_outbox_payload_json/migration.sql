-- The outbox's payload is kept as the text it was written in (json), not parsed into jsonb. Nothing
-- queries inside it: it is written once, in the transaction of its change, and read once, by the
-- dispatcher, which hands it on parsed. As jsonb, PostgreSQL parsed every event into its binary
-- form on the way in and printed it back to text on the way out; as json it only checks the
-- syntax. 1,000 `record.created` events (a card's snapshot each, ~1 KB): 34 → 17 ms of the
-- backend's CPU to insert, 10 → ~0 ms to read back (docs/performance.md, "Import: the outbox's
-- payload as json, the bench in rounds").
ALTER TABLE "OutboxEvent" ALTER COLUMN "payload" SET DATA TYPE JSON USING "payload"::json;
