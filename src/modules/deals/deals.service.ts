// Deals: create, update, move between stages and pipelines, trash and restore, and the board
// list. `changeStage` is the one place a deal's stage changes, whatever path asks for it
// (moveDeal, updateDeal, and later import and automations), so stage rules hold everywhere.
import { assertEditable } from '../../kernel/access/field-access.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList, StageRequirementsError } from '../../lib/errors.js';
import { enqueue, type Tx } from '../../lib/outbox.js';
import type { DealChangeKind } from '../../lib/pubsub.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../cards/cards.service.js';
import * as rights from '../../kernel/access/rights.js';
import * as timeline from '../timeline/timeline.service.js';
import { applies, cardValues, definitions, hiddenFieldIds, visibleDefinitions, searchableValues, touchFields, valueColumns, type FieldValueInput } from '../custom-fields/custom-fields.service.js';

type Query = { include?: any; select?: any };
type Range = { from?: Date | null; to?: Date | null } | null;

// An interface, because a filter nests itself (and / or).
export interface DealFilter extends cards.CommonFilter<DealFilter> {
  pipelineIds?: string[] | null;
  stageIds?: string[] | null;
  stageKinds?: ('OPEN' | 'WON' | 'LOST')[] | null;
  companyIds?: string[] | null;
  contactIds?: string[] | null;
  amount?: { min?: string | null; max?: string | null } | null;
  closedAt?: Range;
  hasOpenTask?: boolean | null;
  hasOverdueTask?: boolean | null;
}

export type DealSortField = 'NAME' | 'AMOUNT' | 'CREATED_AT' | 'UPDATED_AT' | 'CLOSED_AT' | 'LAST_ACTIVITY_AT' | 'STAGE';

function amountBound(issues: IssueList, field: string, s: string | null | undefined) {
  if (s === null || s === undefined) return undefined;
  const r = v.amount.safeParse(s);
  if (!r.success) issues.add(field, r.error.issues[0].message);
  return r.success ? r.data : undefined;
}

/** The deal's own filter keys; the shared ones are cards.cardFilter's. */
function dealConditions(viewer: ServiceCtx['viewer'], issues: IssueList, hidden: Set<string>) {
  // Related cards and tasks count only when the viewer may see them, so a filter cannot tell
  // what an invisible company, contact or task is linked to.
  const company = { AND: [cards.viewable(viewer, 'company')] };
  const contact = { AND: [cards.viewable(viewer, 'contact')] };
  const task = rights.allowed(viewer, 'TASK', 'VIEW');
  return (f: DealFilter, path: string) => {
    const and: Prisma.DealWhereInput[] = [];
    if (f.pipelineIds?.length) and.push({ pipelineId: { in: f.pipelineIds } });
    if (f.stageIds?.length) and.push({ stageId: { in: f.stageIds } });
    if (f.stageKinds?.length) and.push({ stage: { kind: { in: f.stageKinds } } });
    if (f.companyIds?.length) and.push({ companyId: { in: f.companyIds }, company });
    if (f.contactIds?.length) and.push({ contacts: { some: { contactId: { in: f.contactIds }, contact } } });
    if (f.amount && hidden.has('amount')) issues.add(`${path}amount`, cards.HIDDEN_FIELD);
    else if (f.amount) {
      const gte = amountBound(issues, `${path}amount.min`, f.amount.min);
      const lte = amountBound(issues, `${path}amount.max`, f.amount.max);
      if (gte !== undefined || lte !== undefined) and.push({ amount: { gte, lte } });
    }
    const closed = cards.dateRange(f.closedAt);
    if (closed) and.push({ closedAt: closed });
    if (f.hasOpenTask !== null && f.hasOpenTask !== undefined) {
      and.push({ tasks: { [f.hasOpenTask ? 'some' : 'none']: { completedAt: null, AND: [task] } } });
    }
    if (f.hasOverdueTask !== null && f.hasOverdueTask !== undefined) {
      and.push({ tasks: { [f.hasOverdueTask ? 'some' : 'none']: { completedAt: null, dueAt: { lt: new Date() }, AND: [task] } } });
    }
    return and;
  };
}

/**
 * A deal is found by its own name and by its contacts' and company's names, phones, e-mails:
 * only contacts and companies the viewer may see, and their phones and e-mails only when the
 * viewer's role hides none of them.
 */
async function dealSearch(ctx: ServiceCtx) {
  const [deal, contact, company] = await Promise.all((['deal', 'contact', 'company'] as const).map((k) => cards.searchesDetails(ctx, k)));
  return (terms: string[]) => ({
    OR: [
      ...cards.searchWhere(terms, deal),
      { contacts: { some: { contact: { deletedAt: null, AND: [cards.viewable(ctx.viewer, 'contact')], OR: cards.searchWhere(terms, contact) } } } },
      { company: { deletedAt: null, AND: [cards.viewable(ctx.viewer, 'company')], OR: cards.searchWhere(terms, company) } },
    ],
  });
}


const SORT: Record<DealSortField, (d: 'asc' | 'desc') => object> = {
  ...cards.COMMON_SORT,
  AMOUNT: (d) => ({ amount: d }),
  CLOSED_AT: (d) => ({ closedAt: { sort: d, nulls: 'last' } }),
  STAGE: (d) => ({ stage: { sortOrder: d } }),
};

export type ListArgs = { filter?: DealFilter | null; orderBy?: cards.SortInput<DealSortField>[] | null; inTrash?: boolean | null };

/** The list's where and order, every bad filter or sort key reported at once. */
async function listQuery(ctx: ServiceCtx, args: ListArgs) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  // Only the fields the viewer can see may be filtered and sorted by.
  const defs = await visibleDefinitions(ctx, 'DEAL');
  const hidden = cards.hiddenSystemFields(ctx.viewer, 'deal');
  const issues = new IssueList();
  const filter = cards.cardFilter(args.filter ?? {}, { region: phoneRegion, defs, issues, own: dealConditions(ctx.viewer, issues, hidden), search: await dealSearch(ctx), hidden });
  args.orderBy?.forEach((s, i) => {
    if (s.field === 'AMOUNT' && hidden.has('amount')) issues.add(`orderBy[${i}].field`, cards.HIDDEN_FIELD);
  });
  const order = cards.orderBy(args.orderBy, SORT, { field: 'CREATED_AT', direction: 'DESC' }, defs, issues);
  issues.throwIfAny();
  return { where: { AND: [cards.cardScope(ctx, 'deal', !!args.inTrash), filter] } as Prisma.DealWhereInput, order };
}

export async function listDeals(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  const { where, order } = await listQuery(ctx, args);
  return cards.pageCards(ctx, 'deal', where, order, query);
}

export async function countDeals(ctx: ServiceCtx, args: ListArgs) {
  return ctx.db.deal.count({ where: (await listQuery(ctx, args)).where });
}

export function findDeal(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.deal.findFirst({ ...query, where: { id, ...cards.visible(ctx, 'deal') } });
}

const fields = z.object({
  name: v.name(255),
  amount: v.amount.default('0'),
  currency: v.currency,
  tags: v.tags.default([]),
});

export type DealInput = {
  customFields?: FieldValueInput[] | null;
  name?: string | null;
  amount?: string | null;
  currency?: string | null;
  pipelineId?: string | null;
  stageId?: string | null;
  lossReasonId?: string | null;
  responsibleId?: string | null;
  companyId?: string | null;
  contactIds?: string[] | null;
  tags?: string[] | null;
};

type StageRow = { id: string; pipelineId: string; kind: 'OPEN' | 'WON' | 'LOST'; pipeline: { archived: boolean } };

/** Resolves the target stage (and loss reason), adding an issue per problem. */
async function resolveStage(
  ctx: ServiceCtx,
  issues: IssueList,
  input: { pipelineId?: string | null; stageId?: string | null; lossReasonId?: string | null },
): Promise<{ stage: StageRow | null; lossReasonId: string | null }> {
  const ws = ctx.viewer.workspaceId;
  // An empty id is one that did not decode; its issue is already listed and no stage can follow.
  if (input.stageId === '' || input.pipelineId === '') return { stage: null, lossReasonId: null };
  let stage: StageRow | null = null;
  if (input.stageId) {
    stage = await ctx.db.stage.findFirst({ where: { id: input.stageId, workspaceId: ws }, include: { pipeline: true } });
    if (!stage) issues.add('stageId', 'no such stage');
    else if (input.pipelineId && stage.pipelineId !== input.pipelineId) {
      issues.add('stageId', 'this stage belongs to another pipeline');
    }
  } else {
    if (input.pipelineId && !(await ctx.db.pipeline.findFirst({ where: { id: input.pipelineId, workspaceId: ws } }))) {
      issues.add('pipelineId', 'no such pipeline');
      return { stage: null, lossReasonId: null };
    }
    stage = await ctx.db.stage.findFirst({
      where: { workspaceId: ws, kind: 'OPEN', pipeline: input.pipelineId ? { id: input.pipelineId } : { archived: false } },
      include: { pipeline: true },
      orderBy: [{ pipeline: { sortOrder: 'asc' } }, { pipeline: { createdAt: 'asc' } }, { sortOrder: 'asc' }],
    });
    if (!stage) issues.add('pipelineId', 'the pipeline has no open stage');
  }
  if (stage?.pipeline.archived) issues.add(input.stageId ? 'stageId' : 'pipelineId', 'the pipeline is archived');
  let lossReasonId: string | null = null;
  if (input.lossReasonId) {
    if (stage && stage.kind !== 'LOST') issues.add('lossReasonId', 'a loss reason goes only with a LOST stage');
    const r = await ctx.db.lossReason.findFirst({ where: { id: input.lossReasonId, workspaceId: ws } });
    if (!r) issues.add('lossReasonId', 'no such loss reason');
    else if (stage && r.pipelineId !== stage.pipelineId) issues.add('lossReasonId', "this loss reason belongs to another pipeline");
    lossReasonId = input.lossReasonId;
  }
  return { stage, lossReasonId };
}

/**
 * A deal may enter a stage only with the fields that stage requires filled (those that apply,
 * conditions included) and, for a LOST stage of a pipeline that has loss reasons, a reason.
 * Checked by every path that puts a deal in a stage: create, update, move (and later import
 * and automations, which call these services).
 */
async function checkStageRequirements(ctx: ServiceCtx, stage: StageRow, values: unknown, lossReasonId: string | null) {
  const defs = await definitions(ctx, 'DEAL');
  const held = (values ?? {}) as Record<string, unknown>;
  const missing = defs.filter(
    (d) => !d.archived && d.requiredStageIds.includes(stage.id) && applies(d, defs, held) && (held[d.key] === undefined || held[d.key] === null),
  );
  const lossReasonRequired =
    stage.kind === 'LOST' && !lossReasonId && (await ctx.db.lossReason.count({ where: { pipelineId: stage.pipelineId } })) > 0;
  if (missing.length || lossReasonRequired) {
    // Fields hidden from the viewer still hold the deal back, but are not named to them.
    const hidden = hiddenFieldIds(ctx.viewer, 'DEAL', defs);
    const shown = missing.filter((d) => !hidden.has(d.id));
    throw new StageRequirementsError(stage.id, shown.map((d) => d.id), shown.map((d) => d.name), lossReasonRequired, missing.length - shown.length);
  }
}

/** The columns a stage change sets: the stage, when it was entered, and the closing fields. */
function stageColumns(stage: StageRow, lossReasonId: string | null, now: Date) {
  return {
    pipelineId: stage.pipelineId,
    stageId: stage.id,
    stageEnteredAt: now,
    closedAt: stage.kind === 'OPEN' ? null : now,
    lossReasonId: stage.kind === 'LOST' ? lossReasonId : null,
  };
}

function event(ctx: ServiceCtx, kind: DealChangeKind, dealId: string, pipelineId: string) {
  return {
    topic: 'dealChanged' as const,
    workspaceId: ctx.viewer.workspaceId,
    payload: { workspaceId: ctx.viewer.workspaceId, pipelineId, dealId, kind, occurredAt: new Date().toISOString() },
  };
}

async function setContacts(tx: Tx, dealId: string, contactIds: string[]) {
  await tx.dealContact.deleteMany({ where: { dealId } });
  await tx.dealContact.createMany({ data: contactIds.map((contactId, position) => ({ dealId, contactId, position })) });
}

/** `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createDeal(ctx: ServiceCtx, input: DealInput, issues = new IssueList()) {
  assertEditable(ctx.viewer, 'DEAL', { amount: input.amount ?? input.currency ?? undefined, responsible: input.responsibleId ?? undefined });
  const ws = await cards.workspaceRegion(ctx);
  const responsibleId = await cards.checkResponsible(ctx, issues, input.responsibleId);
  await cards.assertCreate(ctx, 'deal', responsibleId);
  const { stage, lossReasonId } = await resolveStage(ctx, issues, input);
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  // Checked as sent, so an issue's index points at the client's own list; then de-duplicated.
  await cards.checkCards(ctx, issues, 'contact', 'contactIds', input.contactIds ?? []);
  const contactIds = [...new Set(input.contactIds ?? [])];
  const cf = await cardValues(ctx, 'DEAL', {}, input.customFields, issues, true);
  const data = v.parseInput(
    fields,
    { name: input.name ?? undefined, amount: input.amount ?? undefined, currency: input.currency ?? ws.currency, tags: input.tags ?? undefined },
    issues.issues,
  );
  await checkStageRequirements(ctx, stage!, cf!.values, lossReasonId);
  const now = new Date();
  const custom = await searchableValues(ctx, 'DEAL', cf!.values);
  const deal = await ctx.db.$transaction(async (tx) => {
    const d = await tx.deal.create({
      data: {
        workspaceId: ctx.viewer.workspaceId,
        name: data.name,
        amount: data.amount,
        currency: data.currency,
        ...stageColumns(stage!, lossReasonId, now),
        responsibleId,
        companyId: input.companyId ?? null,
        createdById: ctx.viewer.userId,
        updatedById: ctx.viewer.userId,
        ...(await valueColumns(tx, ctx, 'DEAL', cf!)),
        searchText: cards.searchText({ names: [data.name] }, custom),
      },
    });
    await setContacts(tx, d.id, contactIds);
    await touchFields(tx, cf!.written);
    await cards.setTags(tx, 'deal', ctx.viewer.workspaceId, d.id, data.tags);
    await enqueue(tx, [event(ctx, 'CREATED', d.id, d.pipelineId)]);
    await timeline.record(tx, ctx, { entityType: 'DEAL', id: d.id }, [timeline.created()]);
    return d;
  });
  ctx.deps.outbox.kick();
  return deal;
}

/**
 * Changes a deal's fields and, when `stageId` is given, its stage. One transaction; a stale
 * `version` fails with ConflictError and changes nothing.
 */
export async function updateDeal(ctx: ServiceCtx, id: string, version: number, input: DealInput, issues = new IssueList()) {
  const current = cards.assertLive('deal', id, await findDeal(ctx, id));
  cards.assertVersion('deal', current, version);
  await cards.assertRight(ctx, 'deal', 'EDIT', current.responsibleId);
  assertEditable(ctx.viewer, 'DEAL', { amount: input.amount !== undefined ? input.amount : input.currency, responsible: input.responsibleId });
  const responsibleId =
    input.responsibleId !== undefined ? await cards.checkResponsible(ctx, issues, input.responsibleId) : undefined;
  await cards.assertHandover(ctx, 'DEAL', current.responsibleId, responsibleId, issues);
  // A new stage, or a new pipeline (which lands the deal in its first open stage). A stage
  // named together with another pipeline is checked against it, even the deal's own stage.
  const newPipeline = !!input.pipelineId && input.pipelineId !== current.pipelineId;
  const moving = (!!input.stageId && input.stageId !== current.stageId) || newPipeline;
  const target = moving
    ? await resolveStage(ctx, issues, { stageId: input.stageId, pipelineId: input.pipelineId, lossReasonId: input.lossReasonId })
    : null;
  // A loss reason alone may be set (or cleared) on a deal that is already LOST.
  let lossReasonId: string | null | undefined;
  if (!moving && input.lossReasonId !== undefined) {
    lossReasonId = input.lossReasonId === null
      ? null
      : (await resolveStage(ctx, issues, { stageId: current.stageId, lossReasonId: input.lossReasonId })).lossReasonId;
  }
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  if (input.contactIds) await cards.checkCards(ctx, issues, 'contact', 'contactIds', input.contactIds);
  // The viewer rewrites the links they see: contacts (and a company) hidden from them stay.
  let contactIds = input.contactIds ? [...new Set(input.contactIds)] : undefined;
  if (contactIds) {
    const linked = await ctx.db.dealContact.findMany({ where: { dealId: id }, orderBy: { position: 'asc' }, select: { contactId: true } });
    const kept = await cards.unseen(ctx, 'contact', linked.map((l) => l.contactId));
    contactIds = [...contactIds, ...kept.filter((k) => !contactIds!.includes(k))];
  }
  const companyId = await cards.keptCompany(ctx, input.companyId, current.companyId);
  const cf = await cardValues(ctx, 'DEAL', current.customFields, input.customFields, issues, false);
  const data = v.parseInput(
    fields,
    {
      name: input.name ?? current.name,
      amount: input.amount ?? current.amount.toFixed(2),
      currency: input.currency ?? current.currency,
      tags: input.tags ?? [],
    },
    issues.issues,
  );
  if (target?.stage) await checkStageRequirements(ctx, target.stage, cf ? cf.values : current.customFields, target.lossReasonId);
  const now = new Date();
  const custom = await searchableValues(ctx, 'DEAL', cf ? cf.values : current.customFields);
  const defs = await definitions(ctx, 'DEAL');
  const deal = await ctx.db.$transaction(async (tx) => {
    const stageChanged = !!target?.stage;
    await cards.bumpVersion(tx, 'deal', current, {
      name: data.name,
      amount: data.amount,
      currency: data.currency,
      ...(stageChanged ? stageColumns(target!.stage!, target!.lossReasonId, now) : {}),
      ...(lossReasonId !== undefined ? { lossReasonId } : {}),
      ...(companyId !== undefined ? { companyId } : {}),
      ...(responsibleId ? { responsibleId } : {}),
      ...(cf ? await valueColumns(tx, ctx, 'DEAL', cf) : {}),
      searchText: cards.searchText({ names: [data.name] }, custom),
      ...cards.touched(ctx),
    });
    if (contactIds) await setContacts(tx, id, contactIds);
    if (cf) await touchFields(tx, cf.written);
    if (input.tags) await cards.setTags(tx, 'deal', ctx.viewer.workspaceId, id, data.tags);
    const d = await tx.deal.findUniqueOrThrow({ where: { id } });
    await timeline.record(tx, ctx, { entityType: 'DEAL', id }, timeline.changeEntries('DEAL', current, d, defs));
    const events = [event(ctx, stageChanged ? 'MOVED' : 'UPDATED', id, d.pipelineId)];
    // A board watching the old pipeline learns that the deal left it.
    if (d.pipelineId !== current.pipelineId) events.push(event(ctx, 'MOVED', id, current.pipelineId));
    await enqueue(tx, events);
    return d;
  });
  ctx.deps.outbox.kick();
  return deal;
}

/** Moves a deal to a stage of the same or another pipeline. */
export function moveDeal(
  ctx: ServiceCtx,
  id: string,
  version: number,
  stageId: string,
  lossReasonId?: string | null,
  issues?: IssueList,
) {
  return updateDeal(ctx, id, version, { stageId, lossReasonId }, issues);
}

async function afterTrashOrRestore(ctx: ServiceCtx, kind: 'DELETED' | 'RESTORED') {
  return async (tx: Tx, row: { id: string }) => {
    const d = await tx.deal.findUniqueOrThrow({ where: { id: row.id }, select: { pipelineId: true } });
    await enqueue(tx, [event(ctx, kind, row.id, d.pipelineId)]);
  };
}

export async function trashDeal(ctx: ServiceCtx, id: string, version?: number | null) {
  const row = await cards.trashCard(ctx, 'deal', id, version, await afterTrashOrRestore(ctx, 'DELETED'));
  ctx.deps.outbox.kick();
  return row;
}

export async function restoreDeal(ctx: ServiceCtx, id: string) {
  const row = await cards.restoreCard(ctx, 'deal', id, await afterTrashOrRestore(ctx, 'RESTORED'));
  ctx.deps.outbox.kick();
  return row;
}
