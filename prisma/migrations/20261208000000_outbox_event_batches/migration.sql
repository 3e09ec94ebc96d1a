-- An outbox row may carry several events of one topic: a batch's `record.created` events (an
-- imported batch emits a thousand, each with its card's snapshot) go as rows of up to 800 whose
-- payload is the JSON array of them, `events` saying how many (1 for a row of one event, its
-- payload the event itself). The dispatcher hands them on one by one, in order. A thousand rows
-- of ~1.2 KB cost PostgreSQL ~45–57 ms of CPU to insert, claim and mark; one row of the same
-- events ~20 ms, ~10 with lz4 (docs/performance.md, "Import: a batch's events in one outbox row").
ALTER TABLE "OutboxEvent" ADD COLUMN "events" INTEGER NOT NULL DEFAULT 1;
