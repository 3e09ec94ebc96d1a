// Pipelines, their ordered stages (OPEN / WON / LOST) and loss reasons. Changing them is an
// administrator's right; every member reads them.
import { usage } from '../../kernel/usage.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import { withColumns } from '../../lib/prisma-query.js';
import { noun } from '../../lib/i18n.js';
import { PIPELINES } from './pipelines.messages.js';

/** The selection plugin-prisma hands a resolver, spread into the Prisma call. */
type Query = { include?: Prisma.PipelineInclude; select?: Prisma.PipelineSelect };
type Kind = 'OPEN' | 'WON' | 'LOST';

const DEFAULT_STAGES: Record<'ru' | 'en', [string, Kind][]> = {
  ru: [
    ['Первичный контакт', 'OPEN'],
    ['Переговоры', 'OPEN'],
    ['Принимают решение', 'OPEN'],
    ['Согласование договора', 'OPEN'],
    ['Успешно реализовано', 'WON'],
    ['Закрыто и не реализовано', 'LOST'],
  ],
  en: [
    ['Initial contact', 'OPEN'],
    ['Negotiation', 'OPEN'],
    ['Decision making', 'OPEN'],
    ['Contract', 'OPEN'],
    ['Won', 'WON'],
    ['Lost', 'LOST'],
  ],
};

export type PipelineSpec = { name: string; stages: [string, Kind][]; lossReasons?: string[] };

export async function createDefaultPipeline(tx: Tx, workspaceId: string, locale: 'ru' | 'en', spec?: PipelineSpec) {
  const p = spec ?? { name: locale === 'ru' ? 'Воронка продаж' : 'Sales pipeline', stages: DEFAULT_STAGES[locale] };
  return tx.pipeline.create({
    data: {
      workspaceId,
      name: p.name,
      stages: { create: p.stages.map(([name, kind], i) => ({ workspaceId, name, kind, sortOrder: i })) },
      lossReasons: { create: (p.lossReasons ?? []).map((name, i) => ({ workspaceId, name, sortOrder: i })) },
    },
  });
}

/**
 * Where an integration puts the deals it creates (a web form, a chat channel, unknown callers):
 * a pipeline and a stage of the workspace, the stage within the pipeline when both are given.
 * Problems go to `issues` under `pipelineId` and `stageId`.
 */
export async function checkDealPlace(ctx: ServiceCtx, issues: IssueList, place: { pipelineId?: string | null; stageId?: string | null }) {
  const ws = ctx.viewer.workspaceId;
  if (place.stageId) {
    const stage = await ctx.db.stage.findFirst({ where: { id: place.stageId, workspaceId: ws } });
    if (!stage) issues.add('stageId', v.noSuch('Stage'));
    else if (place.pipelineId && stage.pipelineId !== place.pipelineId) issues.add('stageId', PIPELINES.notAStage());
  }
  if (place.pipelineId && !(await ctx.db.pipeline.findFirst({ where: { id: place.pipelineId, workspaceId: ws } })))
    issues.add('pipelineId', v.noSuch('Pipeline'));
}

export function listPipelines(ctx: ServiceCtx, includeArchived: boolean, query: Query = {}) {
  return ctx.db.pipeline.findMany({
    ...query,
    where: { workspaceId: ctx.viewer.workspaceId, ...(includeArchived ? {} : { archived: false }) },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
}

export async function findPipeline(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.pipeline.findFirst({ ...query, where: { id, workspaceId: ctx.viewer.workspaceId } });
}

export async function getStage(ctx: ServiceCtx, id: string) {
  return ctx.db.stage.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
}

const stageInput = z.object({
  name: v.name(120),
  kind: z.enum(['OPEN', 'WON', 'LOST']).default('OPEN'),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, v.zmsg(PIPELINES.colour()))
    .nullish(),
});

const pipelineInput = z
  .object({
    name: v.name(120),
    stages: z.array(stageInput).min(1, v.zmsg(PIPELINES.needsStage())).max(50),
    lossReasons: z.array(v.name(120)).max(100).default([]),
  })
  .superRefine((p, c) => {
    if (!p.stages.some((s) => s.kind === 'OPEN')) {
      c.addIssue({ code: 'custom', path: ['stages'], message: v.zmsg(PIPELINES.needsKind({ kind: 'OPEN' })) });
    }
    const seen = new Set<string>();
    p.stages.forEach((s, i) => {
      const k = s.name.toLowerCase();
      if (seen.has(k)) c.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: v.zmsg(PIPELINES.stageNameUsed()) });
      seen.add(k);
    });
  });

export async function createPipeline(ctx: ServiceCtx, input: z.input<typeof pipelineInput>) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const data = v.parseInput(pipelineInput, input);
  const ws = ctx.viewer.workspaceId;
  if (await ctx.db.pipeline.findFirst({ where: { workspaceId: ws, name: v.sameText(data.name) } })) {
    throw ValidationError.field('name', PIPELINES.nameTaken());
  }
  // Every pipeline can close a deal: add the closing stages when the admin left them out.
  const stages = [...data.stages];
  const locale = ctx.viewer.locale;
  // An open stage may already carry the default name; the added stage then gets a number.
  const taken = (name: string) => stages.some((s) => s.name.toLowerCase() === name.toLowerCase());
  for (const kind of ['WON', 'LOST'] as const) {
    if (!stages.some((s) => s.kind === kind)) {
      const base = DEFAULT_STAGES[locale].find(([, k]) => k === kind)![0];
      let name = base;
      for (let n = 2; taken(name); n++) name = `${base} ${n}`;
      stages.push({ name, kind, color: null });
    }
  }
  const count = await ctx.db.pipeline.count({ where: { workspaceId: ws } });
  return ctx.db.pipeline.create({
    data: {
      workspaceId: ws,
      name: data.name,
      sortOrder: count,
      stages: { create: stages.map((s, i) => ({ workspaceId: ws, name: s.name, kind: s.kind, color: s.color, sortOrder: i })) },
      lossReasons: {
        create: [...new Set(data.lossReasons)].map((name, i) => ({ workspaceId: ws, name, sortOrder: i })),
      },
    },
  });
}

export async function updatePipeline(ctx: ServiceCtx, id: string, input: { name?: string | null; archived?: boolean | null; sortOrder?: number | null }) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const p = await findPipeline(ctx, id);
  if (!p) throw new NotFoundError('Pipeline', id);
  const data = v.parseInput(
    z.object({ name: v.name(120).optional(), archived: z.boolean().optional(), sortOrder: z.number().int().min(0).max(10_000).optional() }),
    { name: input.name ?? undefined, archived: input.archived ?? undefined, sortOrder: input.sortOrder ?? undefined },
  );
  if (
    data.name &&
    data.name !== p.name &&
    (await ctx.db.pipeline.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, name: v.sameText(data.name), id: { not: id } } }))
  ) {
    throw ValidationError.field('name', PIPELINES.nameTaken());
  }
  return ctx.db.pipeline.update({ where: { id }, data });
}

export async function deletePipeline(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const p = await findPipeline(ctx, id);
  if (!p) throw new NotFoundError('Pipeline', id);
  const deals = await ctx.db.deal.count({ where: { pipelineId: id } });
  if (deals) {
    throw ValidationError.field('id', PIPELINES.stillHolds({ what: noun('Pipeline'), deals }));
  }
  // The pipeline goes with its stages: none may be in use.
  await usage.assertUnused(ctx.db, ctx.viewer.workspaceId, { kind: 'PIPELINE', id });
  for (const stage of await ctx.db.stage.findMany({ where: { pipelineId: id }, select: { id: true } })) {
    await usage.assertUnused(ctx.db, ctx.viewer.workspaceId, { kind: 'STAGE', id: stage.id });
  }
  await ctx.db.pipeline.delete({ where: { id } });
  return id;
}

export async function createStage(
  ctx: ServiceCtx,
  input: { pipelineId: string; name: string; kind?: Kind | null; color?: string | null; position?: number | null },
) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const p = await findPipeline(ctx, input.pipelineId, { include: { stages: { orderBy: { sortOrder: 'asc' } } } });
  if (!p) throw ValidationError.field('pipelineId', v.noSuch('Pipeline'));
  const s = v.parseInput(stageInput, { name: input.name, kind: input.kind ?? undefined, color: input.color });
  const stages = (p as typeof p & { stages: { id: string; name: string }[] }).stages;
  if (stages.some((x) => x.name.toLowerCase() === s.name.toLowerCase())) {
    throw ValidationError.field('name', PIPELINES.stageNameUsedHere());
  }
  const pos = Math.max(0, Math.min(input.position ?? stages.length, stages.length));
  return ctx.db.$transaction(async (tx) => {
    const created = await tx.stage.create({
      data: { workspaceId: ctx.viewer.workspaceId, pipelineId: p.id, name: s.name, kind: s.kind, color: s.color, sortOrder: pos },
    });
    const order = stages.map((x) => x.id);
    order.splice(pos, 0, created.id);
    await writeOrder(tx, order);
    return created;
  });
}

async function writeOrder(tx: Tx, ids: string[]) {
  for (const [i, id] of ids.entries()) await tx.stage.update({ where: { id }, data: { sortOrder: i } });
}

export async function updateStage(ctx: ServiceCtx, id: string, input: { name?: string | null; color?: string | null }) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const stage = await getStage(ctx, id);
  if (!stage) throw new NotFoundError('Stage', id);
  const data = v.parseInput(stageInput.pick({ name: true, color: true }).partial(), {
    name: input.name ?? undefined,
    color: input.color,
  });
  if (
    data.name &&
    data.name !== stage.name &&
    (await ctx.db.stage.findFirst({
      where: { pipelineId: stage.pipelineId, id: { not: id }, name: v.sameText(data.name) },
    }))
  ) {
    throw ValidationError.field('name', PIPELINES.stageNameUsedHere());
  }
  return ctx.db.stage.update({ where: { id }, data });
}

export async function reorderStages(ctx: ServiceCtx, pipelineId: string, stageIds: string[]) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const p = await findPipeline(ctx, pipelineId, { include: { stages: true } });
  if (!p) throw ValidationError.field('pipelineId', v.noSuch('Pipeline'));
  const have = new Set((p as typeof p & { stages: { id: string }[] }).stages.map((s) => s.id));
  const issues = new IssueList();
  stageIds.forEach((id, i) => !have.has(id) && issues.add(`stageIds[${i}]`, PIPELINES.notAStage()));
  if (new Set(stageIds).size !== stageIds.length || stageIds.length !== have.size) {
    issues.add('stageIds', PIPELINES.listEveryStage());
  }
  issues.throwIfAny();
  await ctx.db.$transaction((tx) => writeOrder(tx, stageIds));
  return p;
}

export async function deleteStage(ctx: ServiceCtx, id: string, query: { include?: Prisma.StageInclude; select?: Prisma.StageSelect } = {}) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  // The answer's selection and the columns the checks below read.
  const read = withColumns(query, { pipelineId: true, kind: true });
  const stage = await ctx.db.stage.findFirst({ ...read, where: { id, workspaceId: ctx.viewer.workspaceId } } as { where: Prisma.StageWhereInput });
  if (!stage) throw new NotFoundError('Stage', id);
  const deals = await ctx.db.deal.count({ where: { stageId: id } });
  if (deals) throw ValidationError.field('id', PIPELINES.stillHolds({ what: noun('Stage'), deals }));
  // Every pipeline keeps a way forward and both ways to close a deal.
  const sameKind = await ctx.db.stage.count({ where: { pipelineId: stage.pipelineId, kind: stage.kind, id: { not: id } } });
  if (!sameKind) throw ValidationError.field('id', PIPELINES.needsKind({ kind: stage.kind }));
  await usage.assertUnused(ctx.db, ctx.viewer.workspaceId, { kind: 'STAGE', id });
  await ctx.db.stage.delete({ where: { id } });
  return stage;
}

export async function createLossReason(ctx: ServiceCtx, pipelineId: string, name: string) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const p = await findPipeline(ctx, pipelineId);
  if (!p) throw ValidationError.field('pipelineId', v.noSuch('Pipeline'));
  const data = v.parseInput(z.object({ name: v.name(120) }), { name });
  if (await ctx.db.lossReason.findFirst({ where: { pipelineId, name: v.sameText(data.name) } })) {
    throw ValidationError.field('name', PIPELINES.lossReasonTaken());
  }
  const count = await ctx.db.lossReason.count({ where: { pipelineId } });
  return ctx.db.lossReason.create({
    data: { workspaceId: ctx.viewer.workspaceId, pipelineId, name: data.name, sortOrder: count },
  });
}

export async function deleteLossReason(ctx: ServiceCtx, id: string, query: { include?: Prisma.LossReasonInclude } = {}) {
  assertAdmin(ctx.viewer, PIPELINES.manage());
  const r = await ctx.db.lossReason.findFirst({ ...query, where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!r) throw new NotFoundError('LossReason', id);
  // Deals that gave this reason keep their LOST stage; the reason is cleared (SET NULL).
  await ctx.db.lossReason.delete({ where: { id } });
  return r;
}
