// The pipeline report: how a pipeline's deals stand, convert, close and who sells them. Read from
// the aggregates kept by reports.consumers.ts (reports.aggregates.ts) for whole days and hours,
// and from the deals and their stage history for the minutes at the period's ends and for a
// filter beyond the responsible; over the deals the viewer may see (the VIEW scope as a set of
// responsibles) and, with a filter, those the deal list's filter keeps.
import type { ServiceCtx } from '../../context.js';
import { IssueList, ValidationError } from '../../lib/errors.js';
import { scopeOf } from '../../kernel/access/rights.js';
import { canRead } from '../../kernel/access/field-access.js';
import { listQuery, type CommonFilter } from '../../kernel/lists.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import type { StageModel, UserModel, TeamModel } from '../../generated/prisma/models.js';
import { REPORTS } from './reports.messages.js';
import { bucketSql } from './reports.aggregates.js';

export type Period = { from: Date; to: Date };

/** A count of deals and their sum: in the workspace's currency, and apart per other currency. */
export type MoneyFigure = {
  count: number;
  /** Deals in the workspace's currency; null when the role hides the amount. */
  sum: string | null;
  /** One entry per other currency, never added to `sum`; null when the role hides the amount. */
  otherCurrencies: { currency: string; count: number; sum: string }[] | null;
};

export type StageReport = {
  stage: StageModel;
  /** Open stages: the deals in the stage now; closed stages: those closed in the period. */
  deals: MoneyFigure;
  /** Deals that entered the stage in the period. */
  entered: number;
  /** Of those, how many reached each later stage (open or won) afterwards. */
  conversions: { stage: StageModel; deals: number; rate: number }[];
  /** Stays in the stage that ended in the period: how many, their mean and median length. */
  stays: number;
  averageSeconds: number | null;
  medianSeconds: number | null;
};

export type Sales = { won: MoneyFigure; lost: number; open: MoneyFigure };

export type PipelineReport = {
  currency: string;
  amountHidden: boolean;
  stages: StageReport[];
  won: number;
  lost: number;
  /** won / (won + lost) over the deals closed in the period; null when none closed. */
  winRate: number | null;
  byResponsible: (Sales & { responsible: UserModel })[];
  byTeam: (Sales & { team: TeamModel })[];
};

type Row = { stageId: string; responsibleId: string; currency: string; n: number; s: string };
type Conv = { from: string; to: string; n: number };
/** Stays in stage `s` of one rounded length `secs`: how many, their exact total in ms. */
type StayBucket = { s: string; secs: number; n: number; ms: number };
type Stay = { s: string; n: number; avg: number; med: number };
/** A part of the report: from the aggregates, or from the deals themselves. */
type Part = { rows: Row[]; conv: Conv[]; stays: StayBucket[] };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Cents of a decimal string such as "-1500.5", exactly. */
const cents = (x: string) => {
  const neg = x.startsWith('-');
  const [int, frac = ''] = (neg ? x.slice(1) : x).split('.');
  const c = BigInt(int || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  return neg ? -c : c;
};

/** Adds decimal strings exactly. */
const addMoney = (a: string, b: string) => {
  const c = cents(a) + cents(b);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};

class Money {
  count = 0;
  sum = '0.00';
  others = new Map<string, { count: number; sum: string }>();
  constructor(private readonly currency: string) {}
  add(r: Row) {
    if (r.currency === this.currency) {
      this.count += r.n;
      this.sum = addMoney(this.sum, r.s);
    } else {
      const o = this.others.get(r.currency) ?? { count: 0, sum: '0.00' };
      this.others.set(r.currency, { count: o.count + r.n, sum: addMoney(o.sum, r.s) });
    }
  }
  figure(hidden: boolean): MoneyFigure {
    const others = [...this.others].sort(([a], [b]) => a.localeCompare(b)).map(([currency, o]) => ({ currency, ...o }));
    const count = this.count + others.reduce((n, o) => n + o.count, 0);
    return hidden ? { count, sum: null, otherCurrencies: null } : { count, sum: this.sum, otherCurrencies: others };
  }
}

type SalesAcc = { won: Money; lost: number; open: Money };

/**
 * The report of a pipeline over a period [from, to): per stage the deals and their sum, the
 * conversion to later stages, the time spent; the win rate; sales by responsible and by team.
 * Only deals the viewer may see (and, with a filter, those it keeps) count; sums are null when
 * the viewer's role hides deal amounts. `issues` may arrive holding the input's malformed ids, so
 * one error names every bad field.
 */
export async function pipelineReport(
  ctx: ServiceCtx,
  pipelineId: string,
  period: Period,
  filter: object | null | undefined,
  issues = new IssueList(),
): Promise<PipelineReport> {
  if (period.to.getTime() < period.from.getTime()) issues.add('period.to', REPORTS.periodOrder());
  // The statements that do not depend on each other run at once, each on a connection of its own.
  const [pipeline, listed, region, resp0] = await Promise.all([
    // An empty id is a malformed one, already named in `issues`.
    pipelineId
      ? ctx.db.pipeline.findFirst({
          where: { id: pipelineId, workspaceId: ctx.viewer.workspaceId },
          include: { stages: { orderBy: { sortOrder: 'asc' } } },
        })
      : null,
    // The list's own filter, with its rules (hidden fields refused, every bad key named at once).
    filter && Object.keys(filter).length
      ? listQuery(ctx, 'DEAL', { filter: filter as CommonFilter<never> }).then(
          (where) => ({ where, refused: null }),
          (refused: unknown) => ({ where: undefined, refused }),
        )
      : { where: undefined, refused: null },
    workspaceRegion(ctx),
    responsiblesOf(ctx, scopeOf(ctx.viewer, 'DEAL', 'VIEW')),
  ]);
  if (pipelineId && !pipeline) issues.add('pipelineId', REPORTS.unknownPipeline());
  const where = listed.refused ? collect(issues)(listed.refused) : listed.where;
  issues.throwIfAny();
  const { currency } = region;
  const stages = pipeline!.stages;
  const amountHidden = !canRead(ctx.viewer, 'DEAL', 'amount');

  const db = ctx.db;
  // Whose deals count: the viewer's scope as a set of responsibles (null: everyone's), narrowed
  // by a filter on the responsible alone; any other filter is answered from the deals themselves.
  let resp = resp0;
  const only = filter as CommonFilter<never> | undefined;
  const byResponsibleOnly = !!where && Object.entries(only!).every(([k, x]) => k === 'responsibleIds' || x == null || (Array.isArray(x) && !x.length));
  if (byResponsibleOnly && only!.responsibleIds?.length) {
    const given = only!.responsibleIds;
    resp = resp ? resp.filter((r) => given.includes(r)) : [...given];
  }
  const ids =
    where && !byResponsibleOnly
      ? (await db.deal.findMany({ where: { AND: [where.where, { pipelineId: pipeline!.id }] }, select: { id: true } })).map((d) => d.id)
      : null;
  const part = { pipelineId: pipeline!.id, ids, resp };
  let parts: Part[];
  if (ids) parts = [await fromDeals(db, { ...part, from: period.from, to: period.to, open: true })];
  else {
    // Whole UTC days from the aggregates, then whole hours at the ends, then the deals and their
    // history for the minutes left (an hour's rows at most, read through covering indexes).
    const { spans, rest } = split(period.from, period.to);
    parts = await Promise.all([...rest.map(([from, to]) => fromDeals(db, { ...part, from, to, open: false })), fromAggregates(db, { ...part, spans })]);
  }
  const rows = parts.flatMap((p) => p.rows);
  const conv: Conv[] = [];
  for (const c of parts.flatMap((p) => p.conv)) {
    const x = conv.find((y) => y.from === c.from && y.to === c.to);
    if (x) x.n += c.n;
    else conv.push({ ...c });
  }
  const stays = stayFigures(parts.flatMap((p) => p.stays));

  const kind = new Map(stages.map((s) => [s.id, s]));
  const perStage = new Map(stages.map((s) => [s.id, new Money(currency)]));
  const sales = new Map<string, SalesAcc>();
  const acc = (id: string) => {
    let a = sales.get(id);
    if (!a) sales.set(id, (a = { won: new Money(currency), lost: 0, open: new Money(currency) }));
    return a;
  };
  let won = 0;
  let lost = 0;
  for (const r of rows) {
    const stage = kind.get(r.stageId);
    if (!stage) continue;
    perStage.get(r.stageId)!.add(r);
    const a = acc(r.responsibleId);
    if (stage.kind === 'WON') {
      a.won.add(r);
      won += r.n;
    } else if (stage.kind === 'LOST') {
      a.lost += r.n;
      lost += r.n;
    } else a.open.add(r);
  }
  const entered = new Map(conv.filter((c) => c.from === c.to).map((c) => [c.from, c.n]));
  const stayOf = new Map(stays.map((s) => [s.s, s]));
  const report: StageReport[] = stages.map((s) => {
    const n = entered.get(s.id) ?? 0;
    const later = stages.filter((t) => t.kind !== 'LOST' && (t.kind === 'WON' ? s.kind === 'OPEN' : s.kind === 'OPEN' && t.sortOrder > s.sortOrder));
    const st = stayOf.get(s.id);
    return {
      stage: s,
      deals: perStage.get(s.id)!.figure(amountHidden),
      entered: n,
      conversions: n
        ? later.map((t) => {
            const reached = conv.find((c) => c.from === s.id && c.to === t.id)?.n ?? 0;
            return { stage: t, deals: reached, rate: reached / n };
          })
        : [],
      stays: st?.n ?? 0,
      averageSeconds: st ? st.avg : null,
      medianSeconds: st ? st.med : null,
    };
  });

  const [people, memberships] = await Promise.all([
    db.user.findMany({ where: { workspaceId: ctx.viewer.workspaceId, id: { in: [...sales.keys()] } }, orderBy: { name: 'asc' } }),
    db.teamMember.findMany({ where: { userId: { in: [...sales.keys()] }, team: { workspaceId: ctx.viewer.workspaceId } }, include: { team: true } }),
  ]);
  const figures = (a: SalesAcc): Sales => ({ won: a.won.figure(amountHidden), lost: a.lost, open: a.open.figure(amountHidden) });
  const teams = new Map<string, { team: TeamModel; acc: SalesAcc }>();
  for (const m of memberships) {
    const t = teams.get(m.teamId) ?? { team: m.team, acc: { won: new Money(currency), lost: 0, open: new Money(currency) } };
    const a = sales.get(m.userId)!;
    merge(t.acc, a);
    teams.set(m.teamId, t);
  }
  return {
    currency,
    amountHidden,
    stages: report,
    won,
    lost,
    winRate: won + lost ? won / (won + lost) : null,
    byResponsible: people.map((p) => ({ responsible: p, ...figures(sales.get(p.id)!) })),
    byTeam: [...teams.values()].sort((a, b) => a.team.name.localeCompare(b.team.name)).map((t) => ({ team: t.team, ...figures(t.acc) })),
  };
}

function merge(into: SalesAcc, from: SalesAcc) {
  into.lost += from.lost;
  for (const k of ['won', 'open'] as const) {
    into[k].count += from[k].count;
    into[k].sum = addMoney(into[k].sum, from[k].sum);
    for (const [c, o] of from[k].others) {
      const x = into[k].others.get(c) ?? { count: 0, sum: '0.00' };
      into[k].others.set(c, { count: x.count + o.count, sum: addMoney(x.sum, o.sum) });
    }
  }
}

/** Moves a refused filter's issues into the report's own list, so one error names them all. */
function collect(issues: IssueList) {
  return (e: unknown): undefined => {
    if (!(e instanceof ValidationError)) throw e;
    for (const f of e.fields) issues.add(f.field, f.message);
    return undefined;
  };
}

/** The responsibles whose deals the scope shows: null for everyone's. */
async function responsiblesOf(ctx: ServiceCtx, scope: ReturnType<typeof scopeOf>): Promise<string[] | null> {
  if (scope === 'ALL') return null;
  if (scope === 'OWN') return [ctx.viewer.userId];
  if (scope !== 'TEAM') return [];
  const members = await ctx.db.teamMember.findMany({ where: { teamId: { in: ctx.viewer.teamIds } }, select: { userId: true } });
  return [...new Set([ctx.viewer.userId, ...members.map((m) => m.userId)])];
}

type Db = ServiceCtx['db'];
type Slice = { pipelineId: string; ids: string[] | null; resp: string[] | null; from: Date; to: Date; open: boolean };

/**
 * A part of the report over [from, to) read from the deals and their history: those closed in
 * it (and, with `open`, the open ones), the first entries into a stage that fall in it with
 * the later stages those deals reached, the stays that ended in it.
 */
async function fromDeals(db: Db, p: Slice): Promise<Part> {
  const args = [p.pipelineId, p.ids, p.resp, p.from, p.to];
  const v = `v as (select t.id, t."stageId", t."responsibleId", t.currency, t.amount, t."closedAt" from "Deal" t
    where t."pipelineId" = $1::uuid and t."deletedAt" is null
      and ($2::uuid[] is null or t.id = any($2::uuid[])) and ($3::uuid[] is null or t."responsibleId" = any($3::uuid[])))`;
  const closed = `v."closedAt" >= $4 and v."closedAt" < $5`;
  const [rows, conv, stays] = await Promise.all([
    db.$queryRawUnsafe<Row[]>(
      `with ${v} select v."stageId", v."responsibleId", v.currency, count(*)::int as n, sum(v.amount)::text as s from v
     where ${p.open ? `v."closedAt" is null or (${closed})` : closed} group by 1, 2, 3`,
      ...args,
    ),
    // A deal counts once per stage, on its first entry into it: entries in the slice with none
    // before; each later stage it entered at or after that moment is a conversion.
    db.$queryRawUnsafe<Conv[]>(
      `with ${v},
     c as (select tr."dealId", tr."toStageId" as s, min(tr.at) as first from "StageTransition" tr join v on v.id = tr."dealId"
           where tr."pipelineId" = $1::uuid and tr.at >= $4 and tr.at < $5 group by 1, 2),
     f as (select c.* from c where not exists (select 1 from "StageTransition" e
           where e."dealId" = c."dealId" and e."pipelineId" = $1::uuid and e."toStageId" = c.s and e.at < $4))
     select f.s as "from", r."toStageId" as "to", count(distinct f."dealId")::int as n
     from f join "StageTransition" r on r."dealId" = f."dealId" and r."pipelineId" = $1::uuid and r.at >= f.first group by 1, 2`,
      ...args,
    ),
    db.$queryRawUnsafe<StayBucket[]>(
      `with ${v} select x.s, ${bucketSql('x.ms')}::float8 as secs, count(*)::int as n, sum(x.ms)::float8 as ms from (
       select tr."fromStageId" as s, round(extract(epoch from tr.at - tr."sinceAt") * 1000)::bigint as ms
       from "StageTransition" tr join v on v.id = tr."dealId"
       where tr."pipelineId" = $1::uuid and tr.at >= $4 and tr.at < $5 and tr."fromStageId" is not null and tr."sinceAt" is not null) x
     group by 1, 2`,
      ...args,
    ),
  ]);
  return { rows, conv, stays };
}

type Span = { hours: 24 | 1; from: Date; to: Date };

/** [from, to) as whole UTC days, whole hours around them, and the ranges shorter than an hour left at its ends. */
function split(from: Date, to: Date): { spans: Span[]; rest: [Date, Date][] } {
  const up = (t: Date, unit: number) => new Date(Math.ceil(t.getTime() / unit) * unit);
  const down = (t: Date, unit: number) => new Date(Math.floor(t.getTime() / unit) * unit);
  const [h1, h2] = [up(from, HOUR), down(to, HOUR)];
  if (h1 >= h2) return { spans: [], rest: [[from, to]] };
  const rest: [Date, Date][] = [];
  if (from < h1) rest.push([from, h1]);
  if (h2 < to) rest.push([h2, to]);
  const [d1, d2] = [up(from, DAY), down(to, DAY)];
  if (d1 >= d2) return { spans: [{ hours: 1, from: h1, to: h2 }], rest };
  const spans: Span[] = [{ hours: 24, from: d1, to: d2 }];
  if (h1 < d1) spans.push({ hours: 1, from: h1, to: d1 });
  if (d2 < h2) spans.push({ hours: 1, from: d2, to: h2 });
  return { spans, rest };
}

/** A part of the report from the aggregates: the open deals now, and the spans given. */
async function fromAggregates(db: Db, p: { pipelineId: string; resp: string[] | null; spans: Span[] }): Promise<Part> {
  const args: unknown[] = [p.pipelineId, p.resp];
  const inSpans = p.spans.length
    ? p.spans
        .map((s) => {
          args.push(s.from, s.to);
          return `(hours = ${s.hours} and at >= $${args.length - 1} and at < $${args.length})`;
        })
        .join(' or ')
    : 'false';
  const where = `"pipelineId" = $1::uuid and ($2::uuid[] is null or "responsibleId" = any($2::uuid[]))`;
  const rows = db.$queryRawUnsafe<Row[]>(
    `select "stageId", "responsibleId", currency, sum(deals)::int as n, sum(amount)::text as s from "ReportDeals"
     where ${where} and (hours = 0 or ${inSpans}) group by 1, 2, 3 having sum(deals) <> 0`,
    ...args,
  );
  if (!p.spans.length) return { rows: await rows, conv: [], stays: [] };
  const [r, conv, stays] = await Promise.all([
    rows,
    db.$queryRawUnsafe<Conv[]>(
      `select "fromStageId" as "from", "toStageId" as "to", sum(deals)::int as n from "ReportConversions"
     where ${where} and (${inSpans}) group by 1, 2 having sum(deals) <> 0`,
      ...args,
    ),
    db.$queryRawUnsafe<StayBucket[]>(
      `select "stageId" as s, seconds::float8 as secs, sum(stays)::int as n, sum(ms)::float8 as ms from "ReportStays"
     where ${where} and (${inSpans}) group by 1, 2 having sum(stays) <> 0`,
      ...args,
    ),
  ]);
  return { rows: r, conv, stays };
}

/** Per stage: the stays, their mean (exact) and median (over the rounded lengths, the middle two averaged). */
function stayFigures(buckets: StayBucket[]): Stay[] {
  const per = new Map<string, Map<number, { n: number; ms: number }>>();
  for (const b of buckets) {
    const m = per.get(b.s) ?? new Map<number, { n: number; ms: number }>();
    const x = m.get(b.secs) ?? { n: 0, ms: 0 };
    m.set(b.secs, { n: x.n + b.n, ms: x.ms + b.ms });
    per.set(b.s, m);
  }
  const out: Stay[] = [];
  for (const [s, m] of per) {
    const sorted = [...m].filter(([, x]) => x.n > 0).sort(([a], [b]) => a - b);
    const n = sorted.reduce((k, [, x]) => k + x.n, 0);
    if (!n) continue;
    const at = (i: number) => {
      let seen = 0;
      for (const [secs, x] of sorted) if ((seen += x.n) > i) return secs;
      return sorted[sorted.length - 1][0];
    };
    const med = n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
    out.push({ s, n, avg: sorted.reduce((t, [, x]) => t + x.ms, 0) / n / 1000, med });
  }
  return out;
}
