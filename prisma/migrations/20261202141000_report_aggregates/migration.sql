-- The pipeline report's aggregates (src/modules/reports/reports.aggregates.ts).
CREATE TABLE "ReportDeals" (
    "pipelineId" UUID NOT NULL,
    "hours" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "stageId" UUID NOT NULL,
    "responsibleId" UUID NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "deals" INTEGER NOT NULL,
    "amount" DECIMAL(30,2) NOT NULL,

    CONSTRAINT "ReportDeals_pkey" PRIMARY KEY ("pipelineId","hours","at","stageId","responsibleId","currency")
);

CREATE TABLE "ReportConversions" (
    "pipelineId" UUID NOT NULL,
    "hours" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "fromStageId" UUID NOT NULL,
    "toStageId" UUID NOT NULL,
    "responsibleId" UUID NOT NULL,
    "deals" INTEGER NOT NULL,

    CONSTRAINT "ReportConversions_pkey" PRIMARY KEY ("pipelineId","hours","at","fromStageId","toStageId","responsibleId")
);

CREATE TABLE "ReportStays" (
    "pipelineId" UUID NOT NULL,
    "hours" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "stageId" UUID NOT NULL,
    "responsibleId" UUID NOT NULL,
    "seconds" BIGINT NOT NULL,
    "stays" INTEGER NOT NULL,
    "ms" BIGINT NOT NULL,

    CONSTRAINT "ReportStays_pkey" PRIMARY KEY ("pipelineId","hours","at","stageId","responsibleId","seconds")
);

-- CreateIndex
CREATE INDEX "Deal_pipelineId_closedAt_idx" ON "Deal"("pipelineId", "closedAt");
CREATE INDEX "Deal_report_visible_idx" ON "Deal"("id", "pipelineId", "responsibleId", "deletedAt");

-- The stage history's indexes cover the report's reads at a period's ends.
DROP INDEX "StageTransition_dealId_at_idx";
DROP INDEX "StageTransition_pipelineId_at_idx";
CREATE INDEX "StageTransition_report_deal_idx" ON "StageTransition"("dealId", "pipelineId", "at", "toStageId");
CREATE INDEX "StageTransition_report_period_idx" ON "StageTransition"("pipelineId", "at", "dealId", "toStageId", "fromStageId", "sinceAt");

ALTER TABLE "ReportDeals" ADD CONSTRAINT "ReportDeals_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ReportConversions" ADD CONSTRAINT "ReportConversions_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ReportStays" ADD CONSTRAINT "ReportStays_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: every deal outside the trash, from its row and its stage history, by the same
-- statements the in-transaction consumer runs for one deal (reports.aggregates.ts).
INSERT INTO "ReportDeals" ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency", "deals", "amount")
SELECT d."pipelineId", g."hours", COALESCE((date_trunc(CASE WHEN g."hours" = 24 THEN 'day' ELSE 'hour' END, (d."closedAt") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), TIMESTAMPTZ '1970-01-01 00:00:00Z'), d."stageId", d."responsibleId", d."currency",
       SUM(d."sign")::int, SUM(d."sign" * d."amount")
FROM (SELECT 1 AS "sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", NULL::uuid AS "skip"
    FROM "Deal" WHERE "deletedAt" IS NULL) d JOIN (VALUES (0), (24), (1)) g("hours") ON (d."closedAt" IS NULL) = (g."hours" = 0)
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(d."sign") <> 0 OR SUM(d."sign" * d."amount") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency")
DO UPDATE SET "deals" = "ReportDeals"."deals" + excluded."deals", "amount" = "ReportDeals"."amount" + excluded."amount";

WITH d AS (SELECT 1 AS "sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", NULL::uuid AS "skip"
    FROM "Deal" WHERE "deletedAt" IS NULL),
fs AS (
    SELECT d."sign", d."id", d."pipelineId", d."responsibleId", tr."toStageId" AS "stageId", MIN(tr."at") AS "first", MAX(tr."at") AS "last"
    FROM d JOIN "StageTransition" tr ON tr."dealId" = d."id" AND tr."pipelineId" = d."pipelineId" AND tr."id" IS DISTINCT FROM d."skip"
    GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO "ReportConversions" ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId", "deals")
SELECT e."pipelineId", g."hours", (date_trunc(CASE WHEN g."hours" = 24 THEN 'day' ELSE 'hour' END, (e."first") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), e."stageId", r."stageId", e."responsibleId", SUM(e."sign")::int
FROM fs e JOIN fs r ON r."id" = e."id" AND r."sign" = e."sign" AND r."last" >= e."first" CROSS JOIN (VALUES (24), (1)) g("hours")
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(e."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId")
DO UPDATE SET "deals" = "ReportConversions"."deals" + excluded."deals";

INSERT INTO "ReportStays" ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds", "stays", "ms")
SELECT x."pipelineId", g."hours", (date_trunc(CASE WHEN g."hours" = 24 THEN 'day' ELSE 'hour' END, (x."at") AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), x."fromStageId", x."responsibleId", (case when x."ms" < 3600000 then round(x."ms" / 1000.0) when x."ms" < 864000000 then round(x."ms" / 60000.0) * 60 else round(x."ms" / 3600000.0) * 3600 end)::bigint, SUM(x."sign")::int, SUM(x."sign" * x."ms")::bigint
FROM (
    SELECT d."sign", d."pipelineId", d."responsibleId", tr."at", tr."fromStageId", ROUND(EXTRACT(EPOCH FROM tr."at" - tr."sinceAt") * 1000)::bigint AS "ms"
    FROM (SELECT 1 AS "sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", NULL::uuid AS "skip"
    FROM "Deal" WHERE "deletedAt" IS NULL) d JOIN "StageTransition" tr ON tr."dealId" = d."id" AND tr."pipelineId" = d."pipelineId" AND tr."id" IS DISTINCT FROM d."skip"
    WHERE tr."fromStageId" IS NOT NULL AND tr."sinceAt" IS NOT NULL
) x CROSS JOIN (VALUES (24), (1)) g("hours")
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(x."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds")
DO UPDATE SET "stays" = "ReportStays"."stays" + excluded."stays", "ms" = "ReportStays"."ms" + excluded."ms";
