-- Duplicate detection finds contacts and companies with similar names (trigram similarity,
-- pg_trgm: a trusted extension since PostgreSQL 13, so a database owner may create it; PGlite
-- loads it as a contrib extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Company_name_idx" ON "Company" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Contact_name_idx" ON "Contact" USING GIN ("name" gin_trgm_ops);
