// The pipeline report through the public API, on a small fixture whose figures are worked out by
// hand below: deals per stage with their sums (another currency apart), conversion between
// stages, win rate, time in stage (mean and median), sales by responsible and by team; the
// viewer's scope and hidden amount; the list filter; bad input. Also the stage history the
// report reads: kept by the kernel's events, and derived the same from the timeline by the
// migration that created it.
import { readFileSync } from 'node:fs';
import { describe, expect, it, test, type TestApp, type Workspace } from './kit/fixtures.js';
import type { Member } from './kit/workspace.js';
import { as, rawId } from './kit/results.js';
import { print } from 'graphql';
import { createDeal, updateDeal } from './kit/cards.js';
import { DeleteDeal, MoveDeal, RestoreDeal } from './kit/documents/deals.js';
import { ImportProgress, StartImport } from './kit/documents/imports.js';
import { CreateTeam, SetFieldAccess } from './kit/documents/users.js';
import { PipelineReport } from './kit/documents/reports.js';
import type { PipelineReportQuery, PipelineReportQueryVariables } from './gql/graphql.js';
import { rebuildReportData } from '../src/modules/reports/reports.aggregates.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number) => new Date(T0 + n * DAY);
const PERIOD = { from: day(0).toISOString(), to: day(30).toISOString() };

type Report = Extract<PipelineReportQuery['pipelineReport'], { __typename: 'PipelineReportSuccess' }>['report'];

async function report(c: Workspace | Member, vars: Partial<PipelineReportQueryVariables> & { pipelineId: string }): Promise<Report> {
  return as((await c.gql(PipelineReport, { period: PERIOD, ...vars })).pipelineReport, 'PipelineReportSuccess').report;
}

/**
 * A deal that went through `path` (stages by name) on the given days: created into the first,
 * moved through the API into the others, then its history (and the deal's own stage dates)
 * set to those days, as a deal made months ago would have it.
 */
async function dealWithHistory(app: TestApp, ws: Workspace, c: Workspace | Member, name: string, amount: string, currency: string, path: [string, number][]) {
  const lossReasonId = ws.pipeline.lossReasons[0]?.id;
  let d = await createDeal(c, { name, amount, currency, stageId: ws.stage(path[0][0]).id });
  for (const [stage] of path.slice(1)) {
    const s = ws.stage(stage);
    d = as(
      (await c.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: s.id, lossReasonId: s.kind === 'LOST' ? lossReasonId : undefined } })).moveDeal,
      'MoveDealSuccess',
    ).deal;
  }
  const db = app.deps.db;
  const id = rawId(d.id);
  const steps = await db.stageTransition.findMany({ where: { dealId: id }, orderBy: { at: 'asc' } });
  expect(steps.map((s) => s.toStageId)).toEqual(path.map(([st]) => rawId(ws.stage(st).id)));
  for (const [i, s] of steps.entries()) {
    await db.stageTransition.update({ where: { id: s.id }, data: { at: day(path[i][1]), sinceAt: i ? day(path[i - 1][1]) : null } });
  }
  const last = day(path[path.length - 1][1]);
  const { workspaceId } = await db.deal.update({
    where: { id },
    data: { createdAt: day(path[0][1]), stageEnteredAt: last, closedAt: ws.stage(path[path.length - 1][0]).kind === 'OPEN' ? null : last },
  });
  // History rewritten outside the write path: the report's aggregates are derived again, as the
  // migration that created them derived them.
  await rebuildReportData(db, workspaceId);
  return d;
}

const money = (count: number, sum: string | null, others: { currency: string; count: number; sum: string }[] | null = []) => ({
  count,
  sum,
  otherCurrencies: others,
});

describe('pipelineReport on a hand-worked fixture', () => {
  let ws: Workspace;
  let app: TestApp;
  let anna: Member;
  let boris: Member;
  let A: string, B: string, C: string;
  test.beforeAll(async ({ signUp, app: a }) => {
    app = a;
    ws = await signUp();
    [A, B, C] = ws.open.map((s) => s.name);
    const seller = [
      { entityType: 'DEAL' as const, action: 'VIEW' as const, scope: 'OWN' as const },
      { entityType: 'DEAL' as const, action: 'CREATE' as const, scope: 'OWN' as const },
      { entityType: 'DEAL' as const, action: 'EDIT' as const, scope: 'OWN' as const },
    ];
    anna = await ws.member('Anna', { rights: seller });
    boris = await ws.member('Boris', { rights: seller });
    as((await ws.gql(CreateTeam, { input: { name: 'North', memberIds: [anna.user.id] } })).createTeam, 'CreateTeamSuccess');
    as((await ws.gql(CreateTeam, { input: { name: 'South', memberIds: [boris.user.id] } })).createTeam, 'CreateTeamSuccess');
    const { won, lost } = ws;
    // Days from 1 March 2026; the period is March (days 0 to 30).
    await dealWithHistory(app, ws, anna, 'd1', '1000', 'RUB', [
      [A, -5],
      [B, 2],
      [C, 6],
      [won.name, 10],
    ]);
    await dealWithHistory(app, ws, anna, 'd2', '500', 'RUB', [
      [A, 1],
      [B, 3],
      [lost.name, 7],
    ]);
    await dealWithHistory(app, ws, boris, 'd3', '2000', 'RUB', [
      [A, 2],
      [B, 6],
    ]);
    await dealWithHistory(app, ws, boris, 'd4', '300', 'USD', [[A, 4]]);
    await dealWithHistory(app, ws, boris, 'd5', '700', 'RUB', [
      [A, -40],
      [won.name, -20],
    ]);
    await dealWithHistory(app, ws, anna, 'd6', '250', 'RUB', [
      [A, 3],
      [C, 5],
      [won.name, 8],
    ]);
  });

  it('counts and sums each stage: open stages as they stand, closed ones over the period, other currencies apart', async () => {
    const r = await report(ws, { pipelineId: ws.pipeline.id });
    expect(r.currency).toBe('RUB');
    expect(r.amountHidden).toBe(false);
    const by = (name: string) => r.stages.find((s) => s.stage.name === name)!;
    // d4 (USD) waits in A; d3 in B; C is empty; d1 and d6 won in March (d5 won in February); d2 lost.
    expect(by(A).deals).toEqual(money(1, '0.00', [{ currency: 'USD', count: 1, sum: '300.00' }]));
    expect(by(B).deals).toEqual(money(1, '2000.00'));
    expect(by(C).deals).toEqual(money(0, '0.00'));
    expect(by(ws.won.name).deals).toEqual(money(2, '1250.00'));
    expect(by(ws.lost.name).deals).toEqual(money(1, '500.00'));
    expect(r.stages.map((s) => s.stage.name)).toEqual(ws.pipeline.stages.map((s) => s.name));
    // Two won and one lost in March.
    expect([r.won, r.lost, r.winRate]).toEqual([2, 1, 2 / 3]);
  });

  it('converts: of the deals that entered a stage in the period, the share that reached each later stage', async () => {
    const r = await report(ws, { pipelineId: ws.pipeline.id });
    const by = (name: string) => r.stages.find((s) => s.stage.name === name)!;
    const conv = (name: string) =>
      Object.fromEntries(
        by(name)
          .conversions.filter((c) => c.deals)
          .map((c) => [c.stage.name, c.rate]),
      );
    // A entered in March by d2, d3, d4, d6: d2 and d3 reached B, d6 went to C and was won.
    expect(by(A).entered).toBe(4);
    expect(conv(A)).toEqual({ [B]: 0.5, [C]: 0.25, [ws.won.name]: 0.25 });
    // B by d1, d2, d3: d1 reached C and was won.
    expect(by(B).entered).toBe(3);
    expect(conv(B)).toEqual({ [C]: 1 / 3, [ws.won.name]: 1 / 3 });
    // C by d1 and d6, both won.
    expect(by(C).entered).toBe(2);
    expect(conv(C)).toEqual({ [ws.won.name]: 1 });
    // Every later open stage and the won stage are listed, lost never.
    expect(by(A).conversions.map((c) => c.stage.name)).toEqual([...ws.open.slice(1).map((s) => s.name), ws.won.name]);
    expect(by(ws.won.name)).toMatchObject({ entered: 2, conversions: [] });
  });

  it('measures the time spent in each stage over the stays that ended in the period', async () => {
    const r = await report(ws, { pipelineId: ws.pipeline.id });
    const by = (name: string) => r.stages.find((s) => s.stage.name === name)!;
    const days = (s: { stays: number; averageSeconds?: number | null; medianSeconds?: number | null }) => [
      s.stays,
      s.averageSeconds == null ? null : s.averageSeconds / 86_400,
      s.medianSeconds == null ? null : s.medianSeconds / 86_400,
    ];
    // A: d1 7 days, d2 2, d3 4, d6 2 (d5 left in February) → mean 3.75, median 3.
    expect(days(by(A))).toEqual([4, 3.75, 3]);
    // B: d1 4 days, d2 4.
    expect(days(by(B))).toEqual([2, 4, 4]);
    // C: d1 4 days, d6 3.
    expect(days(by(C))).toEqual([2, 3.5, 3.5]);
    expect(days(by(ws.won.name))).toEqual([0, null, null]);
  });

  it('shows sales by responsible and by team', async () => {
    const r = await report(ws, { pipelineId: ws.pipeline.id });
    const anna$ = { won: money(2, '1250.00'), lost: 1, open: money(0, '0.00') };
    const boris$ = { won: money(0, '0.00'), lost: 0, open: money(2, '2000.00', [{ currency: 'USD', count: 1, sum: '300.00' }]) };
    expect(r.byResponsible).toEqual([
      { responsible: { id: anna.user.id, name: 'Anna' }, ...anna$ },
      { responsible: { id: boris.user.id, name: 'Boris' }, ...boris$ },
    ]);
    expect(r.byTeam.map(({ team, ...rest }) => ({ team: team.name, ...rest }))).toEqual([
      { team: 'North', ...anna$ },
      { team: 'South', ...boris$ },
    ]);
  });

  it("counts only the deals the viewer may see: Anna's own", async () => {
    const r = await report(anna, { pipelineId: ws.pipeline.id });
    const by = (name: string) => r.stages.find((s) => s.stage.name === name)!;
    expect(by(A).deals).toEqual(money(0, '0.00'));
    expect(by(B).deals).toEqual(money(0, '0.00'));
    expect(by(ws.won.name).deals).toEqual(money(2, '1250.00'));
    expect([r.won, r.lost, r.winRate]).toEqual([2, 1, 2 / 3]);
    // A entered by d2 and d6 only.
    expect(by(A).entered).toBe(2);
    expect(r.byResponsible.map((x) => x.responsible.name)).toEqual(['Anna']);
    expect(r.byTeam.map((x) => x.team.name)).toEqual(['North']);
  });

  it('gives the list filter the same meaning as the deal list', async () => {
    const r = await report(ws, { pipelineId: ws.pipeline.id, filter: { responsibleIds: [boris.user.id] } });
    const by = (name: string) => r.stages.find((s) => s.stage.name === name)!;
    expect(by(A).deals).toEqual(money(1, '0.00', [{ currency: 'USD', count: 1, sum: '300.00' }]));
    expect(by(B).deals).toEqual(money(1, '2000.00'));
    expect([r.won, r.lost, r.winRate]).toEqual([0, 0, null]);
    const usd = await report(ws, { pipelineId: ws.pipeline.id, filter: { amount: { min: '1000' } } });
    expect(usd.stages.reduce((n, s) => n + s.deals.count, 0)).toBe(2);
  });
});

describe('pipelineReport: hidden amounts and bad input', () => {
  it('leaves every sum out, not zero, when the role hides the amount', async ({ workspace: ws }) => {
    const m = await ws.member('Quiet', { rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    as(
      (await ws.gql(SetFieldAccess, { input: { roleId: m.roleId!, entityType: 'DEAL', systemField: 'AMOUNT', access: 'HIDDEN' } })).setFieldAccess,
      'SetFieldAccessSuccess',
    );
    await createDeal(ws, { name: 'Big', amount: '5000', stageId: ws.open[0].id });
    await createDeal(ws, { name: 'Small', amount: '10', currency: 'EUR', stageId: ws.open[0].id });
    const r = await report(m, { pipelineId: ws.pipeline.id });
    expect(r.amountHidden).toBe(true);
    expect(r.stages[0].deals).toEqual(money(2, null, null));
    expect(r.byResponsible[0].open).toEqual(money(2, null, null));
    // The admin sees them.
    expect((await report(ws, { pipelineId: ws.pipeline.id })).stages[0].deals).toEqual(money(2, '5000.00', [{ currency: 'EUR', count: 1, sum: '10.00' }]));
    // Filtering by the amount would reveal it: refused.
    const refused = (await m.gql(PipelineReport, { pipelineId: ws.pipeline.id, period: PERIOD, filter: { amount: { min: '100' } } })).pipelineReport;
    expect(as(refused, 'ValidationError').fields.map((f) => f.field)).toEqual(['filter.amount']);
  });

  it('refuses a period ending before it starts, an unknown pipeline and a bad filter, naming each', async ({ workspace: ws, signUp }) => {
    const other = await signUp();
    const r = (
      await ws.gql(PipelineReport, {
        pipelineId: other.pipeline.id,
        period: { from: day(10).toISOString(), to: day(1).toISOString() },
        filter: { customFields: [{ fieldId: other.pipeline.id, isEmpty: true }] },
      })
    ).pipelineReport;
    expect(
      as(r, 'ValidationError')
        .fields.map((f) => f.field)
        .sort(),
    ).toEqual(['filter.customFields[0].fieldId', 'period.to', 'pipelineId']);
  });
});

describe('stage history', () => {
  it('keeps every stage a deal entered, creation included, with who moved it and how long it stayed', async ({ workspace: ws, app }) => {
    let d = await createDeal(ws, { name: 'Moving', stageId: ws.open[0].id });
    for (const s of [ws.open[1], ws.won])
      d = as((await ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: s.id } })).moveDeal, 'MoveDealSuccess').deal;
    const rows = await app.deps.db.stageTransition.findMany({ where: { dealId: rawId(d.id) }, orderBy: { at: 'asc' } });
    expect(rows.map((r) => [r.fromStageId, r.toStageId, r.byId])).toEqual([
      [null, rawId(ws.open[0].id), rawId(ws.admin.id)],
      [rawId(ws.open[0].id), rawId(ws.open[1].id), rawId(ws.admin.id)],
      [rawId(ws.open[1].id), rawId(ws.won.id), rawId(ws.admin.id)],
    ]);
    expect(rows[2].at.toISOString()).toBe(d.stageEnteredAt);
    expect(rows[2].sinceAt).toEqual(rows[1].at);
    // A refused move writes nothing.
    const refused = (await ws.gql(MoveDeal, { input: { id: d.id, version: d.version - 1, stageId: ws.open[0].id } })).moveDeal;
    expect(refused.__typename).toBe('ConflictError');
    expect(await app.deps.db.stageTransition.count({ where: { dealId: rawId(d.id) } })).toBe(3);
  });

  it("is what the migration derives from a deal's timeline", async ({ workspace: ws, app }) => {
    let d = await createDeal(ws, { name: 'Old', stageId: ws.open[1].id });
    for (const s of [ws.open[2], ws.open[0], ws.lost]) {
      const input = { id: d.id, version: d.version, stageId: s.id, lossReasonId: s.kind === 'LOST' ? ws.pipeline.lossReasons[0]?.id : undefined };
      d = as((await ws.gql(MoveDeal, { input })).moveDeal, 'MoveDealSuccess').deal;
    }
    // The migration's backfill, read rather than written, for this deal.
    const sql = readFileSync(new URL('../prisma/migrations/20261202123000_stage_transitions/migration.sql', import.meta.url), 'utf8');
    const backfill = sql
      .slice(sql.indexOf('WITH moves'))
      .replace(/INSERT INTO "StageTransition" \([^)]*\)\s*SELECT gen_random_uuid\(\),/, 'SELECT')
      .replace(/;\s*$/, '');
    const derived = await app.deps.db.$queryRawUnsafe<{ dealId: string; fromStageId: string | null; toStageId: string; sinceAt: Date | null }[]>(
      `select * from (${backfill}) b where b."dealId" = $1::uuid order by b."at"`,
      rawId(d.id),
    );
    const kept = await app.deps.db.stageTransition.findMany({ where: { dealId: rawId(d.id) }, orderBy: { at: 'asc' } });
    const shape = (r: { fromStageId: string | null; toStageId: string; sinceAt: Date | null }) => [r.fromStageId, r.toStageId, r.sinceAt === null];
    expect(derived.map(shape)).toEqual(kept.map(shape));
    expect(derived.map((r) => r.toStageId)).toEqual([ws.open[1], ws.open[2], ws.open[0], ws.lost].map((s) => rawId(s.id)));
  });
});

/** Imports deals (name, amount) into the second open stage from a file, and waits until they are all created. */
async function importDeals(app: TestApp, ws: Workspace, deals: [string, number][]) {
  const text = ['Название сделки;Стадия сделки;Сумма;Валюта', ...deals.map(([name, amount]) => `${name};${ws.open[1].name};${amount};RUB`)].join('\r\n');
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(StartImport), variables: { file: null, entityType: 'DEAL', options: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new File([text], 'deals.csv', { type: 'text/csv' }));
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${ws.token}` }, body: form });
  const started = ((await res.json()) as { data: { startImport: { import: { id: string } } } }).data.startImport.import;
  await expect
    .poll(async () => (await ws.gql(ImportProgress, { id: started.id })).importProgress?.created, { timeout: 20_000, interval: 50 })
    .toBe(deals.length);
}

describe("the report's aggregates", () => {
  /** Every non-zero aggregate row of a pipeline, comparable. */
  const aggregates = (db: TestApp['deps']['db'], pipelineId: string) =>
    db.$queryRawUnsafe<{ row: string }[]>(
      `select concat_ws(' ', 'deals', hours, at, "stageId", "responsibleId", currency, deals, amount) as row from "ReportDeals" where "pipelineId" = $1::uuid and (deals <> 0 or amount <> 0)
       union all select concat_ws(' ', 'conv', hours, at, "fromStageId", "toStageId", "responsibleId", deals) from "ReportConversions" where "pipelineId" = $1::uuid and deals <> 0
       union all select concat_ws(' ', 'stays', hours, at, "stageId", "responsibleId", seconds, stays, ms) from "ReportStays" where "pipelineId" = $1::uuid and stays <> 0
       order by 1`,
      pipelineId,
    );

  it('stay right through creations, moves, handovers, amount changes, trash, restore and an import, and match the migration', async ({
    app,
    workspace: ws,
  }) => {
    const boris = await ws.member('Boris');
    const move = async (d: { id: string; version: number }, s: { id: string; kind: string }) =>
      as(
        (
          await ws.gql(MoveDeal, {
            input: { id: d.id, version: d.version, stageId: s.id, lossReasonId: s.kind === 'LOST' ? ws.pipeline.lossReasons[0]?.id : undefined },
          })
        ).moveDeal,
        'MoveDealSuccess',
      ).deal;
    const d1 = await createDeal(ws, { name: 'd1', amount: '100', stageId: ws.open[0].id });
    await move(await move(d1, ws.open[1]), ws.won);
    let d2 = await createDeal(ws, { name: 'd2', amount: '200', currency: 'USD', stageId: ws.open[0].id });
    d2 = await move(d2, ws.open[2]);
    await updateDeal(ws, { id: d2.id, version: d2.version, responsibleId: boris.user.id, amount: '250' });
    const d3 = await createDeal(ws, { name: 'd3', amount: '300', stageId: ws.open[1].id });
    as((await ws.gql(DeleteDeal, { id: d3.id })).deleteDeal, 'DeleteDealSuccess');
    const d4 = await createDeal(ws, { name: 'd4', amount: '400', stageId: ws.open[0].id });
    as((await ws.gql(DeleteDeal, { id: d4.id })).deleteDeal, 'DeleteDealSuccess');
    await move(as((await ws.gql(RestoreDeal, { id: d4.id })).restoreDeal, 'RestoreDealSuccess').deal, ws.lost);
    // Two deals imported from a file, as a bulk path writes them.
    await importDeals(app, ws, [
      ['i1', 10],
      ['i2', 20],
    ]);

    const midnight = Math.floor(Date.now() / DAY) * DAY;
    const today = { from: new Date(midnight).toISOString(), to: new Date(midnight + DAY).toISOString() };
    const r = await report(ws, { pipelineId: ws.pipeline.id, period: today });
    const by = (s: { id: string }) => r.stages.find((x) => x.stage.id === s.id)!;
    expect([r.won, r.lost]).toEqual([1, 1]);
    expect(by(ws.open[1]).deals).toEqual(money(2, '30.00'));
    expect(by(ws.open[2]).deals).toEqual(money(1, '0.00', [{ currency: 'USD', count: 1, sum: '250.00' }]));
    expect(by(ws.won).deals).toEqual(money(1, '100.00'));
    // d1, d2, d4 entered the first stage (d3, in the trash, does not count); d1 reached the second and won.
    expect(by(ws.open[0]).entered).toBe(3);
    expect(
      by(ws.open[0])
        .conversions.filter((c) => c.deals)
        .map((c) => [c.stage.id, c.deals]),
    ).toEqual([
      [ws.open[1].id, 1],
      [ws.open[2].id, 1],
      [ws.won.id, 1],
    ]);
    expect(r.byResponsible.find((x) => x.responsible.id === boris.user.id)!.open).toEqual(money(1, '0.00', [{ currency: 'USD', count: 1, sum: '250.00' }]));

    // The same figures as the deals themselves give (a filter that keeps every deal is answered
    // from them): over whole days; whole days and hours; days, hours and minutes; within a day.
    const keepAll = { amount: { min: '0' } };
    for (const period of [
      today,
      { from: new Date(midnight - DAY / 2).toISOString(), to: new Date(midnight + (3 * DAY) / 2).toISOString() },
      { from: new Date(midnight - DAY - 420_000).toISOString(), to: new Date(Date.now() + 3_600_000 * 3 + 660_000).toISOString() },
      { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() },
    ]) {
      const fromAggregates = await report(ws, { pipelineId: ws.pipeline.id, period });
      expect(fromAggregates).toEqual(await report(ws, { pipelineId: ws.pipeline.id, period, filter: keepAll }));
    }

    // And the same rows as the migration that created them derives from the deals and their history.
    const db = app.deps.db;
    const pipelineId = rawId(ws.pipeline.id);
    const kept = await aggregates(db, pipelineId);
    expect(kept.length).toBeGreaterThan(10);
    const sql = readFileSync(new URL('../prisma/migrations/20261202141000_report_aggregates/migration.sql', import.meta.url), 'utf8');
    // Its statements read every deal; here, this pipeline's alone, so that they move no row of the
    // aggregates another test file's writes are moving at the same time on this database (a
    // concurrent write deadlocked with them).
    const every = 'FROM "Deal" WHERE "deletedAt" IS NULL';
    const backfill = sql
      .slice(sql.indexOf('-- Backfill'))
      .split(/;\s*\n/)
      .map((s) => s.replace(/^(--.*\n)+/, '').trim())
      .filter(Boolean);
    expect(backfill).toHaveLength(3);
    expect(backfill.map((s) => s.split(every).length - 1)).toEqual([1, 1, 1]);
    class Rollback extends Error {
      constructor(readonly rows: { row: string }[]) {
        super('rollback');
      }
    }
    const derived = await db
      .$transaction(async (tx) => {
        for (const t of ['ReportDeals', 'ReportConversions', 'ReportStays'])
          await tx.$executeRawUnsafe(`delete from "${t}" where "pipelineId" = $1::uuid`, pipelineId);
        for (const s of backfill) await tx.$executeRawUnsafe(s.replace(every, `${every} AND "pipelineId" = $1::uuid`), pipelineId);
        throw new Rollback(await aggregates(tx as typeof db, pipelineId));
      })
      .catch((e: unknown) => {
        if (e instanceof Rollback) return e.rows;
        throw e;
      });
    expect(derived).toEqual(kept);
  });
  it('cost a change two statements, and a batch of imported deals as many as one deal', async ({ app, workspace: ws }) => {
    // The statements that write the stage history or the aggregates (nothing else writes them).
    const writes = () => app.queries.filter((q) => /^\s*(INSERT INTO|WITH)\b/i.test(q) && /"(StageTransition|ReportDeals)"/.test(q)).length;
    const d = await createDeal(ws, { name: 'one', amount: '10', stageId: ws.open[0].id });
    app.queries.length = 0;
    await ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: ws.open[1].id } });
    // The stage entered, then every table's contribution moved at once.
    expect(writes()).toBe(2);
    app.queries.length = 0;
    await updateDeal(ws, { id: d.id, version: d.version + 1, amount: '20' });
    expect(writes()).toBe(1);
    app.queries.length = 0;
    await importDeals(app, ws, [['a', 1]]);
    const single = writes();
    app.queries.length = 0;
    await importDeals(
      app,
      ws,
      Array.from({ length: 25 }, (_, i) => [`b${i}`, i] as [string, number]),
    );
    expect(writes()).toBe(single);
    expect(single).toBe(2);
    const midnight = Math.floor(Date.now() / DAY) * DAY;
    const r = await report(ws, { pipelineId: ws.pipeline.id, period: { from: new Date(midnight).toISOString(), to: new Date(midnight + DAY).toISOString() } });
    expect(r.stages.find((x) => x.stage.id === ws.open[1].id)!.deals).toEqual(money(27, String(20 + 1 + 300) + '.00'));
  });
});
