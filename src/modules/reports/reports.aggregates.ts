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

/** The rows of the history a deal state in `d` includes: all its pipeline's but those it names in `skip`. */
const HISTORY = `"StageTransition" tr ON tr."dealId" = d."id" AND tr."pipelineId" = d."pipelineId" AND (d."skip" IS NULL OR tr."id" <> ALL(d."skip"))`;

/** Per table, the statement that adds the contribution of the deal states in `d` (and the named queries it needs besides `d`). */
const PARTS = {
  deals: {
    with: [] as string[],
    insert: `INSERT INTO "ReportDeals" ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency", "deals", "amount")
SELECT d."pipelineId", g."hours", COALESCE(${span('d."closedAt"', 'g."hours"')}, TIMESTAMPTZ '1970-01-01 00:00:00Z'), d."stageId", d."responsibleId", d."currency",
       SUM(d."sign")::int, SUM(d."sign" * d."amount")
FROM d JOIN (VALUES (0), (24), (1)) g("hours") ON (d."closedAt" IS NULL) = (g."hours" = 0)
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(d."sign") <> 0 OR SUM(d."sign" * d."amount") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "currency")
DO UPDATE SET "deals" = "ReportDeals"."deals" + excluded."deals", "amount" = "ReportDeals"."amount" + excluded."amount"`,
  },
  conversions: {
    with: [
      `fs AS (
    SELECT d."sign", d."id", d."pipelineId", d."responsibleId", tr."toStageId" AS "stageId", MIN(tr."at") AS "first", MAX(tr."at") AS "last"
    FROM d JOIN ${HISTORY}
    GROUP BY 1, 2, 3, 4, 5
)`,
    ],
    insert: `INSERT INTO "ReportConversions" ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId", "deals")
SELECT e."pipelineId", g."hours", ${span('e."first"', 'g."hours"')}, e."stageId", r."stageId", e."responsibleId", SUM(e."sign")::int
FROM fs e JOIN fs r ON r."id" = e."id" AND r."sign" = e."sign" AND r."last" >= e."first" CROSS JOIN ${SPANS}
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(e."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "fromStageId", "toStageId", "responsibleId")
DO UPDATE SET "deals" = "ReportConversions"."deals" + excluded."deals"`,
  },
  stays: {
    with: [] as string[],
    insert: `INSERT INTO "ReportStays" ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds", "stays", "ms")
SELECT x."pipelineId", g."hours", ${span('x."at"', 'g."hours"')}, x."fromStageId", x."responsibleId", ${bucketSql('x."ms"')}, SUM(x."sign")::int, SUM(x."sign" * x."ms")::bigint
FROM (
    SELECT d."sign", d."pipelineId", d."responsibleId", tr."at", tr."fromStageId", ROUND(EXTRACT(EPOCH FROM tr."at" - tr."sinceAt") * 1000)::bigint AS "ms"
    FROM d JOIN ${HISTORY}
    WHERE tr."fromStageId" IS NOT NULL AND tr."sinceAt" IS NOT NULL
) x CROSS JOIN ${SPANS}
GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(x."sign") <> 0 ORDER BY 1, 2, 3, 4, 5, 6
ON CONFLICT ("pipelineId", "hours", "at", "stageId", "responsibleId", "seconds")
DO UPDATE SET "stays" = "ReportStays"."stays" + excluded."stays", "ms" = "ReportStays"."ms" + excluded."ms"`,
  },
};

/**
 * The statements that add `source`'s contribution to the aggregates, one per table (for a
 * backfill over every deal). `source` is a query with the columns (sign, id, "pipelineId",
 * "stageId", "responsibleId", currency, amount, "closedAt", skip): one row per deal state, sign -1
 * to subtract it and +1 to add it; `skip` (uuid[] or null) names the stage transitions the state
 * does not include yet (those its change, and later changes in the same batch, wrote).
 */
export function contributionSql(source: string): string[] {
  return Object.values(PARTS).map((t) => `WITH ${[`d AS (${source})`, ...t.with].join(',\n')}\n${t.insert}`);
}

/**
 * The same as one statement: the three inserts as data-modifying parts of one WITH, so a change
 * (or a batch of them) costs one round trip. Every transaction runs the same shape, so the
 * tables' rows are still taken in one order.
 */
export function contributionStatement(source: string): string {
  const { deals, conversions, stays } = PARTS;
  return `WITH ${[`d AS MATERIALIZED (${source})`, ...conversions.with, `rd AS (${deals.insert})`, `rc AS (${conversions.insert})`].join(',\n')}\n${stays.insert}`;
}

/** Every deal outside the trash, as the source of a backfill (the migration's, and `rebuildReportData`'s). */
export const ALL_DEALS = `SELECT 1 AS "sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", NULL::uuid[] AS "skip"
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

/** A deal state to subtract (-1) or add (+1), and the stage transitions it does not include yet. */
export type Contribution = { sign: 1 | -1; state: DealState; skip: string[] };

/** States per statement: 9 parameters each, well under PostgreSQL's 65,535. */
const CHUNK = 2000;

/**
 * Moves the aggregates by the contributions given (a change: its deal's state before with -1 and
 * after with +1; a batch: every change's), in one statement per 2,000 states.
 */
export async function shiftContributions(tx: Tx, list: Contribution[]) {
  for (let i = 0; i < list.length; i += CHUNK) {
    const params: unknown[] = [];
    const values = list.slice(i, i + CHUNK).map(({ sign, state: s, skip }) => {
      const n = params.length;
      params.push(sign, s.id, s.pipelineId, s.stageId, s.responsibleId, s.currency, s.amount, s.closedAt, skip.length ? skip : null);
      return `($${n + 1}::int, $${n + 2}::uuid, $${n + 3}::uuid, $${n + 4}::uuid, $${n + 5}::uuid, $${n + 6}::text, $${n + 7}::numeric, $${n + 8}::timestamptz, $${n + 9}::uuid[])`;
    });
    const source = `SELECT * FROM (VALUES ${values.join(', ')}) v("sign", "id", "pipelineId", "stageId", "responsibleId", "currency", "amount", "closedAt", "skip")`;
    await tx.$executeRawUnsafe(contributionStatement(source), ...params);
  }
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
