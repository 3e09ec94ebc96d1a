-- Imports match rows to cards by name, ignoring case (imports.service.ts: lookupMatches, findMatch,
-- and linked companies and contacts by name): `lower("name") = ANY(...)` within a workspace. Without
-- these the lookup scans every card of the workspace, per batch. Prisma's schema language cannot
-- declare an index on an expression, so these are SQL-only indexes: prisma/sql-only-indexes.json
-- lists them, and test/migrations.test.ts checks they exist as written there.
CREATE INDEX "Contact_workspaceId_lower_name_idx" ON "Contact" ("workspaceId", lower("name"));
CREATE INDEX "Company_workspaceId_lower_name_idx" ON "Company" ("workspaceId", lower("name"));
CREATE INDEX "Deal_workspaceId_lower_name_idx" ON "Deal" ("workspaceId", lower("name"));
