// The pipeline report: how a pipeline's deals stand, convert, close and who sells them. Written
// in SQL over the deals the viewer may see (the same VIEW scope as the lists, rendered by
// rights.scopeSql, and the same filter as the deal list) and over their stage history
// (StageTransition, kept by reports.consumers.ts).
import type { ServiceCtx } from '../../context.js';
import { IssueList, ValidationError } from '../../lib/errors.js';
import { scopeOf, scopeSql } from '../../kernel/access/rights.js';
import { canRead } from '../../kernel/access/field-access.js';
import { listQuery, type CommonFilter } from '../../kernel/lists.js';
import { workspaceRegion } from '../../kernel/workspace.js';
import type { StageModel, UserModel, TeamModel } from '../../generated/prisma/models.js';
import { REPORTS } from './reports.messages.js';

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
type Stay = { s: string; n: number; avg: number; med: number };

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
  // An empty id is a malformed one, already named in `issues`.
  const pipeline = pipelineId
    ? await ctx.db.pipeline.findFirst({
        where: { id: pipelineId, workspaceId: ctx.viewer.workspaceId },
        include: { stages: { orderBy: { sortOrder: 'asc' } } },
      })
    : null;
  if (pipelineId && !pipeline) issues.add('pipelineId', REPORTS.unknownPipeline());
  // The list's own filter, with its rules (hidden fields refused, every bad key named at once).
  const where =
    filter && Object.keys(filter).length ? await listQuery(ctx, 'DEAL', { filter: filter as CommonFilter<never> }).catch(collect(issues)) : undefined;
  issues.throwIfAny();
  const { currency } = await workspaceRegion(ctx);
  const stages = pipeline!.stages;
  const amountHidden = !canRead(ctx.viewer, 'DEAL', 'amount');

  const scope = scopeOf(ctx.viewer, 'DEAL', 'VIEW');
  const ids = where
    ? (await ctx.db.deal.findMany({ where: { AND: [where.where, { pipelineId: pipeline!.id }] }, select: { id: true } })).map((d) => d.id)
    : null;
  const { sql: scoped, params } = scopeSql(ctx.viewer, scope, 6);
  const args = [ctx.viewer.workspaceId, pipeline!.id, period.from, period.to, ids, ...params];
  const v = `v as (select t.id, t."stageId", t."responsibleId", t.currency, t.amount, t."closedAt" from "Deal" t
    where t."workspaceId" = $1::uuid and t."pipelineId" = $2::uuid and t."deletedAt" is null
      and ($5::uuid[] is null or t.id = any($5::uuid[]))${scoped})`;
  const db = ctx.db;
  // Open deals as they stand, and the deals closed in the period.
  const rows = await db.$queryRawUnsafe<Row[]>(
    `with ${v} select v."stageId", v."responsibleId", v.currency, count(*)::int as n, sum(v.amount)::text as s from v
     where v."closedAt" is null or (v."closedAt" >= $3 and v."closedAt" < $4) group by 1, 2, 3`,
    ...args,
  );
  // Each deal's first entry into a stage in the period, and its last entry into every stage
  // since the period began (one scan of the history): a pair (S, T) with T entered at or after
  // S counts a conversion, and (S, S) the deals that entered S.
  const conv = await db.$queryRawUnsafe<Conv[]>(
    `with ${v},
     g as materialized (select tr."dealId", tr."toStageId" as s, min(tr.at) filter (where tr.at < $4) as first, max(tr.at) as last
           from "StageTransition" tr join v on v.id = tr."dealId"
           where tr."pipelineId" = $2::uuid and tr.at >= $3 group by 1, 2)
     select e.s as "from", r.s as "to", count(*)::int as n from g e join g r on r."dealId" = e."dealId" and r.last >= e.first
     where e.first is not null group by 1, 2`,
    ...args,
  );
  const stays = await db.$queryRawUnsafe<Stay[]>(
    `with ${v}, d as (select tr."fromStageId" as s, extract(epoch from tr.at - tr."sinceAt")::float8 as secs
       from "StageTransition" tr join v on v.id = tr."dealId"
       where tr."pipelineId" = $2::uuid and tr.at >= $3 and tr.at < $4 and tr."fromStageId" is not null and tr."sinceAt" is not null)
     select s, count(*)::int as n, avg(secs)::float8 as avg, percentile_cont(0.5) within group (order by secs)::float8 as med from d group by 1`,
    ...args,
  );

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

  const people = await db.user.findMany({ where: { workspaceId: ctx.viewer.workspaceId, id: { in: [...sales.keys()] } }, orderBy: { name: 'asc' } });
  const memberships = await db.teamMember.findMany({ where: { userId: { in: people.map((p) => p.id) } }, include: { team: true } });
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
