-- CreateTable
CREATE TABLE "StageTransition" (
    "id" UUID NOT NULL,
    "workspaceId" UUID NOT NULL,
    "dealId" UUID NOT NULL,
    "pipelineId" UUID NOT NULL,
    "fromStageId" UUID,
    "toStageId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "sinceAt" TIMESTAMPTZ(3),
    "byId" UUID,

    CONSTRAINT "StageTransition_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StageTransition_dealId_at_idx" ON "StageTransition"("dealId", "at");

-- CreateIndex
CREATE INDEX "StageTransition_pipelineId_at_idx" ON "StageTransition"("pipelineId", "at");

-- CreateIndex
CREATE INDEX "StageTransition_workspaceId_idx" ON "StageTransition"("workspaceId");

-- AddForeignKey
ALTER TABLE "StageTransition" ADD CONSTRAINT "StageTransition_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StageTransition" ADD CONSTRAINT "StageTransition_dealId_fkey" FOREIGN KEY ("dealId") REFERENCES "Deal"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: every existing deal's history from its timeline. Its creation into the stage it
-- started in (the first stage change's "from" stage, or its stage now if it never moved), then
-- each STAGE_CHANGED entry in order; `sinceAt` is the moment of the step before.
WITH moves AS (
    SELECT e."cardId" AS "dealId", e."createdAt" AS "at", e."authorId" AS "byId", e."id" AS "entryId",
           (e."data"->>'fromStageId')::uuid AS "fromStageId", (e."data"->>'toStageId')::uuid AS "toStageId"
    FROM "TimelineEntry" e
    WHERE e."entityType" = 'DEAL' AND e."kind" = 'STAGE_CHANGED' AND e."data"->>'toStageId' IS NOT NULL
),
first_moves AS (
    SELECT DISTINCT ON ("dealId") "dealId", "fromStageId" FROM moves ORDER BY "dealId", "at", "entryId"
),
steps AS (
    SELECT d."id" AS "dealId", d."workspaceId", d."createdAt" AS "at", d."createdById" AS "byId", NULL::uuid AS "fromStageId",
           COALESCE(f."fromStageId", d."stageId") AS "toStageId", 0 AS "seq", NULL::uuid AS "entryId"
    FROM "Deal" d LEFT JOIN first_moves f ON f."dealId" = d."id"
    UNION ALL
    SELECT m."dealId", d."workspaceId", m."at", m."byId", m."fromStageId", m."toStageId", 1, m."entryId"
    FROM moves m JOIN "Deal" d ON d."id" = m."dealId"
),
ordered AS (
    SELECT s.*, LAG(s."at") OVER (PARTITION BY s."dealId" ORDER BY s."seq", s."at", s."entryId") AS "sinceAt"
    FROM steps s
)
INSERT INTO "StageTransition" ("id", "workspaceId", "dealId", "pipelineId", "fromStageId", "toStageId", "at", "sinceAt", "byId")
SELECT gen_random_uuid(), o."workspaceId", o."dealId", st."pipelineId", o."fromStageId", o."toStageId", o."at", o."sinceAt",
       o."byId"
FROM ordered o JOIN "Stage" st ON st."id" = o."toStageId";
