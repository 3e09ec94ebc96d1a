// The pipeline report (reports.service.ts) as the API shows it.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser } from '../../lib/ids.js';
import { ValidationError } from '../../lib/errors.js';
import { cardListArgs } from '../cards/cards.schema.js';
import { DealFilter, ID_FIELDS } from '../deals/deals.schema.js';
import { Stage } from '../pipelines/pipelines.schema.js';
import { User } from '../users/users.schema.js';
import { Team } from '../teams/teams.schema.js';
import { pipelineReport, type MoneyFigure, type PipelineReport as Report, type Sales, type StageReport as StageRow } from './reports.service.js';

const CurrencySum = builder.objectRef<{ currency: string; count: number; sum: string }>('CurrencySum').implement({
  description: 'Deals in one currency other than the workspace’s, never added to its sums.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    count: t.exposeInt('count'),
    sum: t.field({ type: 'Decimal', resolve: (c) => c.sum }),
  }),
});

const Money = builder.objectRef<MoneyFigure>('MoneyFigure').implement({
  description: 'A number of deals and their sum.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Deals, every currency.' }),
    sum: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Sum of the deals in the workspace currency; null when the role hides the amount.',
      resolve: (m) => m.sum,
    }),
    otherCurrencies: t.field({
      type: [CurrencySum],
      nullable: true,
      description: 'Deals in other currencies, per currency; null when the role hides the amount.',
      resolve: (m) => m.otherCurrencies,
    }),
  }),
});

const Conversion = builder.objectRef<StageRow['conversions'][number]>('StageConversion').implement({
  fields: (t) => ({
    stage: t.field({ type: Stage, resolve: (c) => c.stage }),
    deals: t.exposeInt('deals', { description: 'Deals that reached this stage after entering the one reported.' }),
    rate: t.exposeFloat('rate', { description: 'deals / entered, from 0 to 1.' }),
  }),
});

const StageReport = builder.objectRef<StageRow>('StageReport').implement({
  fields: (t) => ({
    stage: t.field({ type: Stage, resolve: (s) => s.stage }),
    deals: t.field({
      type: Money,
      description: 'Open stages: the deals in the stage now. Won and lost stages: those closed in the period.',
      resolve: (s) => s.deals,
    }),
    entered: t.exposeInt('entered', { description: 'Deals that entered the stage in the period.' }),
    conversions: t.field({
      type: [Conversion],
      description: 'For an open stage: of the deals that entered it in the period, how many reached each later open stage and the won stage.',
      resolve: (s) => s.conversions,
    }),
    stays: t.exposeInt('stays', { description: 'Stays in the stage that ended (the deal moved on) in the period.' }),
    averageSeconds: t.float({ nullable: true, description: 'Mean length of those stays.', resolve: (s) => s.averageSeconds }),
    medianSeconds: t.float({ nullable: true, description: 'Median length of those stays.', resolve: (s) => s.medianSeconds }),
  }),
});

const salesFields = {
  won: (s: Sales) => s.won,
  open: (s: Sales) => s.open,
};

const ResponsibleSales = builder.objectRef<Report['byResponsible'][number]>('ResponsibleSales').implement({
  fields: (t) => ({
    responsible: t.field({ type: User, resolve: (s) => s.responsible }),
    won: t.field({ type: Money, description: 'Deals won in the period.', resolve: salesFields.won }),
    lost: t.exposeInt('lost', { description: 'Deals lost in the period.' }),
    open: t.field({ type: Money, description: 'Open deals now.', resolve: salesFields.open }),
  }),
});

const TeamSales = builder.objectRef<Report['byTeam'][number]>('TeamSales').implement({
  description: "The sales of the team's members (someone in two teams counts in both).",
  fields: (t) => ({
    team: t.field({ type: Team, resolve: (s) => s.team }),
    won: t.field({ type: Money, description: 'Deals won in the period.', resolve: salesFields.won }),
    lost: t.exposeInt('lost', { description: 'Deals lost in the period.' }),
    open: t.field({ type: Money, description: 'Open deals now.', resolve: salesFields.open }),
  }),
});

const PipelineReport = builder.objectRef<Report>('PipelineReport').implement({
  fields: (t) => ({
    currency: t.exposeString('currency', { description: 'The workspace currency that sums are in.' }),
    amountHidden: t.exposeBoolean('amountHidden', { description: 'The role hides deal amounts: every sum is null.' }),
    stages: t.field({ type: [StageReport], resolve: (r) => r.stages }),
    won: t.exposeInt('won', { description: 'Deals won in the period.' }),
    lost: t.exposeInt('lost', { description: 'Deals lost in the period.' }),
    winRate: t.float({ nullable: true, description: 'won / (won + lost); null when no deal closed in the period.', resolve: (r) => r.winRate }),
    byResponsible: t.field({ type: [ResponsibleSales], resolve: (r) => r.byResponsible }),
    byTeam: t.field({ type: [TeamSales], resolve: (r) => r.byTeam }),
  }),
});

const ReportPeriod = builder.inputType('ReportPeriod', {
  description: 'From `from` (included) to `to` (excluded).',
  fields: (t) => ({ from: t.field({ type: 'DateTime', required: true }), to: t.field({ type: 'DateTime', required: true }) }),
});

builder.queryField('pipelineReport', (t) =>
  t.field({
    type: PipelineReport,
    authScopes: { member: true },
    errors: { types: [ValidationError], dataField: { name: 'report' } },
    description:
      "A pipeline's deals per stage, conversion between stages, win rate, time in stage and sales by responsible and team, over the deals now in the pipeline that the filter keeps.",
    args: {
      pipelineId: t.arg.id({ required: true }),
      period: t.arg({ type: ReportPeriod, required: true }),
      filter: t.arg({ type: DealFilter, description: 'The same filter as the deal list.' }),
    },
    resolve: (_r, a, ctx) => {
      const ids = new IdParser();
      const pipelineId = ids.one('pipelineId', 'Pipeline', a.pipelineId);
      let filter: object | null | undefined;
      try {
        filter = a.filter ? cardListArgs({ filter: a.filter as never }, ID_FIELDS).filter : undefined;
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        for (const f of e.fields) ids.issues.add(f.field, f.message);
      }
      return pipelineReport(authed(ctx), pipelineId, a.period, filter, ids.issues);
    },
  }),
);
