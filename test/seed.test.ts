// The demo workspace a newcomer finds on the first embedded start (prisma/seed.ts), seen through
// the API as they would try it: custom fields of every type on each kind of card, filled at
// realistic rates; a stage that refuses a deal without its required fields; a pipeline report
// with months of conversions and stays; timelines with notes, calls, e-mails and tasks (some
// overdue); a manager who sees only their own deals and not the margin; saved views, an
// automation, a disabled webhook and a web form. Seeded once on an app of its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Client, type TestApp } from './kit/app.js';
import { as } from './kit/results.js';
import { Login } from './kit/documents/auth.js';
import { CustomFields, FieldUsage } from './kit/documents/custom-fields.js';
import { DealNode, Deals, MoveDeal } from './kit/documents/deals.js';
import { Pipelines } from './kit/documents/pipelines.js';
import { PipelineReport } from './kit/documents/reports.js';
import { Timeline } from './kit/documents/timeline.js';
import { Tasks } from './kit/documents/tasks.js';
import { DealsInView, SavedViews } from './kit/documents/saved-views.js';
import { Automations } from './kit/documents/automations.js';
import { Webhooks } from './kit/documents/webhooks.js';
import { WebForms } from './kit/documents/web-forms.js';

const TYPES = ['TEXT', 'TEXTAREA', 'NUMBER', 'MONEY', 'DATE', 'DATETIME', 'BOOLEAN', 'SELECT', 'MULTISELECT', 'URL', 'EMAIL', 'PHONE', 'FILE', 'FORMULA'];
const KINDS = ['DEAL', 'CONTACT', 'COMPANY'] as const;
const DAY = 86_400_000;

let app: TestApp;
let admin: Client;
let manager: Client;
let managerId: string;
let seedMs: number;
const dataDir = mkdtempSync(join(tmpdir(), 'crm-seed-test-'));

beforeAll(async () => {
  const started = performance.now();
  // A fresh database of its own: the demo is seeded into an empty one only.
  app = await createTestApp({ SEED_DEMO: 'true', DATA_DIR: dataDir }, { own: true });
  seedMs = performance.now() - started;
  const login = async (l: { email: string; password: string } | null) => {
    const r = await app.as().gql(Login, { input: { email: l!.email, password: l!.password } });
    return { client: app.as(r.login.token), id: r.login.user.id };
  };
  admin = (await login(app.demoLogin)).client;
  const m = await login(app.demoManagerLogin);
  manager = m.client;
  managerId = m.id;
}, 120_000);

afterAll(async () => {
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function board() {
  const [pipeline] = (await admin.gql(Pipelines, {})).pipelines;
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!;
  return { pipeline, stage };
}

describe('the demo workspace', () => {
  it('is seeded once, in well under the hook time-out, and a second start leaves it as it is', async () => {
    console.log(`demo seed: ${Math.round(seedMs)} ms (app build included)`);
    expect(seedMs).toBeLessThan(120_000);
    const again = await app.variant({ SEED_DEMO: 'true' });
    try {
      expect(again.demoLogin).toEqual(app.demoLogin);
      expect((await admin.gql(Deals, { first: 1 })).deals.totalCount).toBe(120);
    } finally {
      await again.stop();
    }
  });

  it('has custom fields of every type, in groups, on deals, contacts and companies, filled at some realistic rate', async () => {
    for (const entityType of KINDS) {
      const fields = (await admin.gql(CustomFields, { entityType })).customFields;
      expect(new Set(fields.map((f) => f.type)), entityType).toEqual(new Set(TYPES));
      expect(
        fields.every((f) => f.group),
        entityType,
      ).toBe(true);
      expect(new Set(fields.map((f) => f.group!.name)).size, entityType).toBeGreaterThan(1);
      const usage = (await admin.gql(FieldUsage, { entityType })).fieldUsage;
      const rate = (type: string) => usage.filter((u) => fields.find((f) => f.id === u.field.id)!.type === type).map((u) => u.fillRate);
      // Typed-in values: some cards hold them, not all (a FILE value is rare; a FORMULA is computed).
      for (const type of TYPES.filter((t) => t !== 'FILE' && t !== 'FORMULA')) {
        expect(Math.max(...rate(type)), `${entityType} ${type}`).toBeGreaterThan(0.05);
        expect(Math.min(...rate(type)), `${entityType} ${type}`).toBeLessThan(1);
      }
      expect(Math.max(...rate('FILE')), `${entityType} FILE`).toBeGreaterThan(0);
      expect(Math.max(...rate('FORMULA')), `${entityType} FORMULA`).toBeGreaterThan(0);
    }
  });

  it('has a stage that requires fields: a seeded deal without them is refused there, and one with them goes', async () => {
    const { pipeline, stage } = await board();
    const contract = stage('Договор');
    const fields = (await admin.gql(CustomFields, { entityType: 'DEAL' })).customFields;
    const required = fields.filter((f) => f.requiredStageIds.includes(contract.id));
    expect(required.map((f) => f.name).sort()).toEqual(['Дата подписания договора', 'Номер договора']);
    const early = await admin.gql(Deals, { filter: { pipelineIds: [pipeline.id], stageIds: [stage('Заявка').id] }, first: 50 });
    let refused = 0;
    for (const { node } of early.deals.edges) {
      const deal = (await admin.gql(DealNode, { id: node.id })).node;
      if (deal?.__typename !== 'Deal') continue;
      const holds = (code: string) => deal.customFields.some((v) => v.field.code === code);
      if (holds('contract_number') || holds('contract_date')) continue;
      const r = as((await admin.gql(MoveDeal, { input: { id: deal.id, version: deal.version, stageId: contract.id } })).moveDeal, 'StageRequirementsError');
      expect(r.missingFields.map((f) => f.code).sort()).toEqual(['contract_date', 'contract_number']);
      refused++;
      break;
    }
    expect(refused).toBe(1);
    // Deals already past the contract stage hold both fields.
    const later = await admin.gql(Deals, { filter: { stageIds: [stage('Предоплата').id] }, first: 5 });
    expect(later.deals.totalCount).toBeGreaterThan(0);
    for (const { node } of later.deals.edges) {
      const deal = (await admin.gql(DealNode, { id: node.id })).node;
      if (deal?.__typename !== 'Deal') throw new Error('no deal');
      expect(deal.customFields.map((v) => v.field.code)).toEqual(expect.arrayContaining(['contract_number', 'contract_date']));
    }
  });

  it('has months of stage history: the pipeline report over the past half-year shows conversions and stays', async () => {
    const { pipeline } = await board();
    const now = Date.now();
    const report = as(
      (await admin.gql(PipelineReport, { pipelineId: pipeline.id, period: { from: new Date(now - 240 * DAY).toISOString(), to: new Date(now).toISOString() } }))
        .pipelineReport,
      'PipelineReportSuccess',
    ).report;
    expect(report.won).toBeGreaterThan(20);
    expect(report.lost).toBeGreaterThan(10);
    const first = report.stages[0];
    expect(first.entered).toBeGreaterThan(100);
    expect(first.conversions.some((c) => c.rate > 0 && c.rate < 1)).toBe(true);
    expect(report.stages.filter((s) => s.stays > 0).length).toBeGreaterThan(5);
    // Stays last days, not the milliseconds a seed took.
    expect(first.averageSeconds!).toBeGreaterThan(86_400 / 2);
    // The history is spread over months: the last month alone holds only part of it.
    const lastMonth = as(
      (await admin.gql(PipelineReport, { pipelineId: pipeline.id, period: { from: new Date(now - 30 * DAY).toISOString(), to: new Date(now).toISOString() } }))
        .pipelineReport,
      'PipelineReportSuccess',
    ).report;
    expect(lastMonth.stages[0].entered).toBeGreaterThan(0);
    expect(lastMonth.stages[0].entered).toBeLessThan(first.entered / 2);
  });

  it('gives deals timelines with notes, calls, e-mails and tasks, some of them overdue', async () => {
    const open = await admin.gql(Deals, { filter: { stageKinds: ['OPEN'] }, first: 15 });
    const won = await admin.gql(Deals, { filter: { stageKinds: ['WON'] }, first: 15 });
    const kinds = new Set<string>();
    for (const { node } of [...open.deals.edges, ...won.deals.edges]) {
      const t = await admin.gql(Timeline, { cardId: node.id, first: 50 });
      expect(t.timeline.edges.length).toBeGreaterThan(0);
      for (const e of t.timeline.edges) kinds.add(e.node.kind);
    }
    for (const k of ['CARD_CREATED', 'STAGE_CHANGED', 'NOTE', 'CALL', 'EMAIL', 'TASK_CREATED', 'TASK_COMPLETED']) expect(kinds, k).toContain(k);
    const overdue = await admin.gql(Tasks, { filter: { overdue: true }, first: 5 });
    expect(overdue.tasks.totalCount).toBeGreaterThan(5);
    expect(overdue.tasks.edges.every((e) => e.node.overdue && new Date(e.node.dueAt).getTime() < Date.now())).toBe(true);
    const upcoming = await admin.gql(Tasks, { filter: { completed: false, overdue: false }, first: 1 });
    expect(upcoming.tasks.totalCount).toBeGreaterThan(0);
  });

  it('has a manager who sees only their own deals, and not the margin', async () => {
    const all = (await admin.gql(Deals, { first: 1 })).deals.totalCount;
    const mine = await manager.gql(Deals, { first: 200 });
    expect(mine.deals.totalCount).toBeGreaterThan(0);
    expect(mine.deals.totalCount).toBeLessThan(all);
    const theirs = (await admin.gql(Deals, { filter: { responsibleIds: [managerId] }, first: 1 })).deals.totalCount;
    expect(mine.deals.totalCount).toBe(theirs);
    const adminFields = (await admin.gql(CustomFields, { entityType: 'DEAL' })).customFields.map((f) => f.code);
    const managerFields = (await manager.gql(CustomFields, { entityType: 'DEAL' })).customFields.map((f) => f.code);
    expect(adminFields).toContain('margin');
    expect(managerFields).not.toContain('margin');
    expect(managerFields.length).toBe(adminFields.length - 1);
    const deal = (await manager.gql(DealNode, { id: mine.deals.edges[0].node.id })).node;
    if (deal?.__typename !== 'Deal') throw new Error('no deal');
    expect(deal.customFields.map((v) => v.field.code)).not.toContain('margin');
  });

  it('has saved views to open, an automation, a disabled webhook and a web form', async () => {
    const views = (await admin.gql(SavedViews, { entityType: 'DEAL' })).savedViews.filter((v) => !v.builtIn);
    expect(views.map((v) => v.name)).toEqual(expect.arrayContaining(['Крупные сделки в работе', 'Тендеры']));
    const big = await admin.gql(DealsInView, { viewId: views.find((v) => v.name === 'Крупные сделки в работе')!.id });
    expect(big.deals.totalCount).toBeGreaterThan(0);
    for (const entityType of ['CONTACT', 'COMPANY'] as const)
      expect((await admin.gql(SavedViews, { entityType })).savedViews.filter((v) => !v.builtIn).length, entityType).toBeGreaterThan(0);
    const [automation] = (await admin.gql(Automations, {})).automations;
    expect(automation).toMatchObject({ enabled: true, trigger: { type: 'STAGE_ENTERED' } });
    const [webhook] = (await admin.gql(Webhooks, {})).webhooks;
    expect(webhook.enabled).toBe(false);
    const [form] = (await admin.gql(WebForms, {})).webForms;
    expect(form).toMatchObject({ name: 'Заявка с сайта', target: 'DEAL' });
  });
});

describe("the README's quick start", () => {
  it('runs each query it shows against the demo, with data in every answer', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
    const block = /```graphql\n([\s\S]*?)```/.exec(quickStart)?.[1];
    expect(block).toBeDefined();
    const names = [...block!.matchAll(/^query (\w+)/gm)].map((m) => m[1]);
    expect(names).toEqual(['Board', 'Report', 'Views', 'InView']);
    const token = (await app.as().gql(Login, { input: { email: app.demoLogin!.email, password: app.demoLogin!.password } })).login.token;
    const run = async (operationName: string, variables: Record<string, unknown> = {}) => {
      const r = await app.post({ query: block, operationName, variables }, { authorization: `Bearer ${token}` });
      const body = r.body as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors, `${operationName}: ${JSON.stringify(body.errors)}`).toBeUndefined();
      return body.data as unknown;
    };
    const b = (await run('Board')) as { pipelines: { id: string }[]; deals: { totalCount: number; edges: { node: { customFields: unknown[] } }[] } };
    expect(b.deals.totalCount).toBeGreaterThan(50);
    expect(b.deals.edges.some((e) => e.node.customFields.length > 0)).toBe(true);
    const r = (await run('Report', { pipelineId: b.pipelines[0].id })) as { pipelineReport: { report?: { won: unknown; stages: { entered: unknown }[] } } };
    expect(r.pipelineReport.report?.stages.length).toBeGreaterThan(3);
    const v = (await run('Views')) as { savedViews: { id: string; builtIn: boolean }[] };
    const own = v.savedViews.find((x) => !x.builtIn)!;
    const inView = (await run('InView', { viewId: own.id })) as { deals: { totalCount: number } };
    expect(inView.deals.totalCount).toBeGreaterThan(0);
  });
});
