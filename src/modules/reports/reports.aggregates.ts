// The pipeline report's aggregates, kept in the transaction of every change to a deal so that
// the report over a million deals reads a few thousand rows instead of the deals and their
// history (docs/reports.md, "Aggregates"). Three tables, keyed by pipeline, span (`hours`: 24 for
// a UTC day, 1 for an hour; every figure is kept at both), its start (`at`), stage and
// responsible (the responsible is what a viewer's OWN or TEAM scope and a responsible filter
// keep). A report reads whole days, then whole hours at the period's ends, then the deals
// themselves for the minutes left:
//
//   ReportDeals        deals and their sum per stage and currency: closed deals in the span they
//                      closed, open deals once with hours = 0 (they count whatever the period);
//   ReportConversions  per stage S, the span in which a deal first entered S, and each stage T it entered
//                      at or after that moment (T = S included: the deals that entered S);
//   ReportStays        stays that ended in the span, per stage and rounded length (whole seconds
//                      under an hour, minutes under ten days, hours beyond: the median's
//                      histogram), with their exact total length in ms (the mean).
//
// A deal contributes rows computed from its row and its stage history (StageTransition). A
// change subtracts the deal's contribution as it stood before and adds it as it stands after,
// in one statement per table (so every transaction locks rows in the same order). The migration
// that created the tables, and `rebuildReportData`, run the same statements over every deal.
import type { Tx } from '../../lib/outbox.js';

/** The start of the span (`h` hours: 24 or 1) holding a timestamp, in UTC. */
const span = (x: string, h: string) => `(date_trunc(CASE WHEN ${h} = 24 THEN 'day' ELSE 'hour' END, (${x}) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;

/** Both spans, joined to every row that is counted at both. */
const SPANS = `(VALUES (24), (1)) g("hours")`;

/** A stay's length in ms, rounded to the histogram's step, in seconds. */
export const bucketSql = (ms: string) =>
  `(case when ${ms} < 3600000 then round(${ms} / 1000.0) when ${ms} < 864000000 then round(${ms} / 60000.0) * 60 else round(${ms} / 3600000.0) * 3600 end)::bigint`;

/**
 * The statements that add `source`'s contribution to the aggregates. `source` is a query with
 * the columns (sign, id, "pipelineId", "stageId", "responsibleId", currency, amount, "closedAt",
 * skip): one row per deal state, sign -1 to subtract it and +1 to add it; `skip` names a stage
 * transition the state does not include yet (the one the change itself wrote).
 */
export function contributionSql(source: string): string[] {
  return [
    `INSERT INTO "ReportDeals" ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency", "deals", "amount")
SELECT d."pipelineId", g."hours", COALESCE(${span('d."closedAt"', 'g."hours"')}, TIMESTAMPTZ '1970-01-01 00:00:00Z'), d."stageId", d."responsibleId", d."currency",
       SUM(d."sign")::int, SUM(d."sign" * d."amount")
FROM (${source}) d JOIN (VALUES (0), (24), (1)) g("hours") ON (d."closedAt" IS NULL) = (g."hours" = 0)
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(d."sign") <> 0 OR SUM(d."sign" * d."amount") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency")
DO UPDATE SET "deals" = "ReportDeals"."deals" + excluded."deals", "amount" = "ReportDeals"."amount" + excluded."amount"`,
    `WITH d AS (${source}),
fs AS (
    SELECT d."sign", d."id", d."pipelineId", d."responsibleId", tr."toStageId" AS "stageId", MIN(tr."at") AS "first", MAX(tr."at") AS "last"
    FROM d JOIN "StageTransition" tr ON tr."dealId" = d."id" AND tr."pipelineId" = d."pipelineId" AND tr."id" IS DISTINCT FROM d."skip"
    GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO "ReportConversions" ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId", "deals")
SELECT e."pipelineId", g."hours", ${span('e."first"', 'g."hours"')}, e."stageId", r."stageId", e."responsibleId", SUM(e."sign")::int
FROM fs e JOIN fs r ON r."id" = e."id" AND r."sign" = e."sign" AND r."last" >= e."first" CROSS JOIN ${SPANS}
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(e."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId")
DO UPDATE SET "deals" = "ReportConversions"."deals" + excluded."deals"`,
    `INSERT INTO "ReportStays" ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds", "stays", "ms")
SELECT x."pipelineId", g."hours", ${span('x."at"', 'g."hours"')}, x."fromStageId", x."responsibleId", ${bucketSql('x."ms"')}, SUM(x."sign")::int, SUM(x."sign" * x."ms")::bigint
FROM (
    SELECT d."sign", d."pipelineId", d."responsibleId", tr."at", tr."fromStageId", ROUND(EXTRACT(EPOCH FROM tr."at" - tr."sinceAt") * 1000)::bigint AS "ms"
    FROM (${source}) d JOIN "StageTransition" tr ON tr."dealId" = d."id" AND tr."pipelineId" = d."pipelineId" AND tr."id" IS DISTINCT FROM d."skip"
    WHERE tr."fromStageId" IS NOT NULL AND tr."sinceAt" IS NOT NULL
) x CROSS JOIN ${SPANS}
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(x."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds")
DO UPDATE SET "stays" = "ReportStays"."stays" + excluded."stays", "ms" = "ReportStays"."ms" + excluded."ms"`,
  ];
}

/** Every deal outside the trash, as the source of a backfill (the migration's, and `rebuildReportData`'s). */
export const ALL_DEALS = `SELECT 1 AS "sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", NULL::uuid AS "skip"
    FROM "Deal" WHERE "deletedAt" IS NULL`;

/** A deal's state as a record event's snapshot holds it. */
export type DealState = {
  id: string;
  pipelineId: string;
  stageId: string;
  responsibleId: string;
  currency: string;
  amount: string;
  closedAt: string | null;
};

/**
 * Moves the aggregates from a deal's state `before` to its state `after` (either null: the deal
 * appears or disappears). `newTransitionId`: the history row this change wrote, which `before`
 * did not have.
 */
export async function shiftContribution(tx: Tx, before: DealState | null, after: DealState | null, newTransitionId: string | null) {
  const states = [...(before ? [{ sign: -1, state: before, skip: newTransitionId }] : []), ...(after ? [{ sign: 1, state: after, skip: null }] : [])];
  if (!states.length) return;
  const params: unknown[] = [];
  const values = states.map(({ sign, state: s, skip }) => {
    const n = params.length;
    params.push(sign, s.id, s.pipelineId, s.stageId, s.responsibleId, s.currency, s.amount, s.closedAt, skip);
    return `($${n + 1}::int, $${n + 2}::uuid, $${n + 3}::uuid, $${n + 4}::uuid, $${n + 5}::uuid, $${n + 6}::text, $${n + 7}::numeric, $${n + 8}::timestamptz, $${n + 9}::uuid)`;
  });
  const source = `SELECT * FROM (VALUES ${values.join(', ')}) v("sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", "skip")`;
  for (const sql of contributionSql(source)) await tx.$executeRawUnsafe(sql, ...params);
}

/**
 * Recomputes one workspace's aggregates from its deals and their history, as the migration that
 * created them did: for history rewritten outside the write path (a test that backdates a
 * deal's stage history, an administrator's repair).
 */
export async function rebuildReportData(tx: Tx, workspaceId: string) {
  const pipelines = `SELECT "id" FROM "Pipeline" WHERE "workspaceId" = $1::uuid`;
  for (const t of ['ReportDeals', 'ReportConversions', 'ReportStays'])
    await tx.$executeRawUnsafe(`DELETE FROM "${t}" WHERE "pipelineId" IN (${pipelines})`, workspaceId);
  for (const sql of contributionSql(`${ALL_DEALS} AND "workspaceId" = $1::uuid`)) await tx.$executeRawUnsafe(sql, workspaceId);
}
