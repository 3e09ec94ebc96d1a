-- Duplicates and merge (issue 12): a card a merge put in the trash names the card it was merged
-- into, and the kept card's timeline says what was merged into it.
ALTER TABLE "Contact" ADD COLUMN "mergedIntoId" UUID;
ALTER TABLE "Company" ADD COLUMN "mergedIntoId" UUID;
ALTER TYPE "TimelineKind" ADD VALUE 'MERGED';
