// Deals: what is truly a deal's own on top of the record kernel. Its hook (run by every write of
// a deal, whoever asks: create, update, move, and later import and automations) resolves the
// stage it enters, checks that stage's required fields and the loss reason, and keeps its
// contacts; its list adds the board's filter keys and a search through contacts and company.
import type { ServiceCtx } from '../../context.js';
import { IssueList, StageRequirementsError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';
import { registerListHooks } from '../../kernel/lists.js';
import { viewable } from '../../kernel/access/visibility.js';
import * as rights from '../../kernel/access/rights.js';
import { checkCards, linkableCards, registerKindHooks, unseen, updateRecord } from '../../kernel/records.js';
import { rowsById } from '../../kernel/batch-reads.js';
import type { CardRow } from '../../kernel/tables.js';
import { applies, definitions, hiddenFieldIds } from '../../kernel/fields/definitions.js';
import type { FieldValueInput } from '../../kernel/fields/card-values.js';
import { DEALS } from './deals.messages.js';

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

function amountBound(issues: IssueList, field: string, s: string | null | undefined) {
  if (s === null || s === undefined) return undefined;
  const r = v.amount.safeParse(s);
  if (!r.success) issues.add(field, v.issueMessage(r.error.issues[0]));
  return r.success ? r.data : undefined;
}

/** The deal's own filter keys; the shared ones are cards.cardFilter's. */
function dealConditions({ viewer }: ServiceCtx, issues: IssueList, hidden: Set<string>) {
  // Related cards and tasks count only when the viewer may see them, so a filter cannot tell
  // what an invisible company, contact or task is linked to.
  const company = { AND: [viewable(viewer, 'COMPANY')] };
  const contact = { AND: [viewable(viewer, 'CONTACT')] };
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
  const [deal, contact, company] = await Promise.all((['DEAL', 'CONTACT', 'COMPANY'] as const).map((k) => cards.searchesDetails(ctx, k)));
  return (terms: string[]) => ({
    OR: [
      ...cards.searchWhere(terms, deal),
      { contacts: { some: { contact: { deletedAt: null, AND: [viewable(ctx.viewer, 'CONTACT')], OR: cards.searchWhere(terms, contact) } } } },
      { company: { deletedAt: null, AND: [viewable(ctx.viewer, 'COMPANY')], OR: cards.searchWhere(terms, company) } },
    ],
  });
}

registerListHooks<DealFilter>('DEAL', { own: dealConditions, search: dealSearch });

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

/** Stages by id, with their pipeline (read once per batch of writes, see kernel/batch-reads.ts). */
function stages(ctx: ServiceCtx, ids: string[]) {
  return rowsById(ctx, 'stage', ids, (wanted) =>
    ctx.db.stage.findMany({ where: { id: { in: wanted }, workspaceId: ctx.viewer.workspaceId }, include: { pipeline: true } }),
  );
}

function lossReasons(ctx: ServiceCtx, ids: string[]) {
  return rowsById(ctx, 'lossReason', ids, (wanted) => ctx.db.lossReason.findMany({ where: { id: { in: wanted }, workspaceId: ctx.viewer.workspaceId } }));
}

/** Resolves the target stage (and loss reason), adding an issue per problem. */
async function resolveStage(
  ctx: ServiceCtx,
  issues: IssueList,
  input: { pipelineId?: string | null; stageId?: string | null; lossReasonId?: string | null },
): Promise<{ stage: StageRow | null; lossReasonId: string | null }> {
  const ws = ctx.viewer.workspaceId;
  // An empty id is one that did not decode; its issue is already listed and no stage can follow.
  if (input.stageId === '' || input.pipelineId === '') return { stage: null, lossReasonId: null };
  let stage: StageRow | null;
  if (input.stageId) {
    stage = (await stages(ctx, [input.stageId])).get(input.stageId) ?? null;
    if (!stage) issues.add('stageId', v.noSuch('Stage'));
    else if (input.pipelineId && stage.pipelineId !== input.pipelineId) {
      issues.add('stageId', DEALS.stageOfOther());
    }
  } else {
    if (input.pipelineId && !(await ctx.db.pipeline.findFirst({ where: { id: input.pipelineId, workspaceId: ws } }))) {
      issues.add('pipelineId', v.noSuch('Pipeline'));
      return { stage: null, lossReasonId: null };
    }
    stage = await ctx.db.stage.findFirst({
      where: { workspaceId: ws, kind: 'OPEN', pipeline: input.pipelineId ? { id: input.pipelineId } : { archived: false } },
      include: { pipeline: true },
      orderBy: [{ pipeline: { sortOrder: 'asc' } }, { pipeline: { createdAt: 'asc' } }, { sortOrder: 'asc' }],
    });
    if (!stage) issues.add('pipelineId', DEALS.noOpenStage());
  }
  if (stage?.pipeline.archived) issues.add(input.stageId ? 'stageId' : 'pipelineId', DEALS.pipelineArchived());
  let lossReasonId: string | null = null;
  if (input.lossReasonId) {
    if (stage && stage.kind !== 'LOST') issues.add('lossReasonId', DEALS.lossReasonOnlyLost());
    const r = (await lossReasons(ctx, [input.lossReasonId])).get(input.lossReasonId);
    if (!r) issues.add('lossReasonId', v.noSuch('LossReason'));
    else if (stage && r.pipelineId !== stage.pipelineId) issues.add('lossReasonId', DEALS.lossReasonOfOther());
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
  const lossReasonRequired = stage.kind === 'LOST' && !lossReasonId && (await ctx.db.lossReason.count({ where: { pipelineId: stage.pipelineId } })) > 0;
  if (missing.length || lossReasonRequired) {
    // Fields hidden from the viewer still hold the deal back, but are not named to them.
    const hidden = hiddenFieldIds(ctx.viewer, 'DEAL', defs);
    const shown = missing.filter((d) => !hidden.has(d.id));
    const names = shown.map((d) => d.name);
    const hiddenMissing = missing.length - shown.length;
    const message = DEALS.stageRequirements({ names, hidden: hiddenMissing, lossReason: lossReasonRequired });
    throw new StageRequirementsError(
      message,
      stage.id,
      shown.map((d) => d.id),
      names,
      lossReasonRequired,
      hiddenMissing,
    );
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

async function setContacts(tx: Tx, dealId: string, contactIds: string[], created: boolean) {
  // A deal just created has no links to replace.
  if (!created) await tx.dealContact.deleteMany({ where: { dealId } });
  await tx.dealContact.createMany({ data: contactIds.map((contactId, position) => ({ dealId, contactId, position })) });
}

type DealOwn = { stage?: StageRow | null; lossReasonId?: string | null; lossReasonOnly?: string | null; contactIds?: string[] };
type DealExtra = Pick<DealInput, 'pipelineId' | 'stageId' | 'lossReasonId' | 'contactIds'>;

// A deal's own rules, run by every write of a deal through the kernel (records.ts): the stage it
// enters (and that stage's requirements), its loss reason, and its contacts.
registerKindHooks('DEAL', {
  async preload(ctx, writes) {
    const extras = writes.map((w) => (w.extra ?? {}) as DealExtra);
    const ids = (f: (x: DealExtra) => string | null | undefined) => extras.flatMap((x) => f(x) ?? []);
    await stages(
      ctx,
      ids((x) => x.stageId),
    );
    await lossReasons(
      ctx,
      ids((x) => x.lossReasonId),
    );
    await linkableCards(
      ctx,
      'CONTACT',
      extras.flatMap((x) => x.contactIds ?? []),
    );
  },
  async prepare(w) {
    const x = (w.input.extra ?? {}) as DealExtra;
    const own = w.own as DealOwn;
    const current = w.current as (Prisma.DealModel & CardRow) | null;
    if (!current) {
      const r = await resolveStage(w.ctx, w.issues, x);
      own.stage = r.stage;
      own.lossReasonId = r.lossReasonId;
      return;
    }
    // A new stage, or a new pipeline (which lands the deal in its first open stage). A stage
    // named together with another pipeline is checked against it, even the deal's own stage.
    const newPipeline = !!x.pipelineId && x.pipelineId !== current.pipelineId;
    const moving = (!!x.stageId && x.stageId !== current.stageId) || newPipeline;
    if (moving) {
      const r = await resolveStage(w.ctx, w.issues, { stageId: x.stageId, pipelineId: x.pipelineId, lossReasonId: x.lossReasonId });
      own.stage = r.stage;
      own.lossReasonId = r.lossReasonId;
    } else if (x.lossReasonId !== undefined) {
      // A loss reason alone may be set (or cleared) on a deal that is already LOST.
      own.lossReasonOnly =
        x.lossReasonId === null ? null : (await resolveStage(w.ctx, w.issues, { stageId: current.stageId, lossReasonId: x.lossReasonId })).lossReasonId;
    }
  },
  async links(w) {
    const x = (w.input.extra ?? {}) as DealExtra;
    const own = w.own as DealOwn;
    if (!w.current) {
      // Checked as sent, so an issue's index points at the client's own list; then de-duplicated.
      await checkCards(w.ctx, w.issues, 'CONTACT', 'contactIds', x.contactIds ?? []);
      own.contactIds = [...new Set(x.contactIds ?? [])];
      return;
    }
    if (!x.contactIds) return;
    await checkCards(w.ctx, w.issues, 'CONTACT', 'contactIds', x.contactIds);
    // The viewer rewrites the links they see: contacts hidden from them stay.
    const ids = [...new Set(x.contactIds)];
    const linked = await w.ctx.db.dealContact.findMany({ where: { dealId: w.current.id }, orderBy: { position: 'asc' }, select: { contactId: true } });
    const kept = await unseen(
      w.ctx,
      'CONTACT',
      linked.map((l) => l.contactId),
    );
    own.contactIds = [...ids, ...kept.filter((k) => !ids.includes(k))];
  },
  async check(w) {
    const own = w.own as DealOwn;
    if (own.stage) await checkStageRequirements(w.ctx, own.stage, w.values, own.lossReasonId ?? null);
  },
  columns(w, now) {
    const own = w.own as DealOwn;
    return {
      ...(own.stage ? stageColumns(own.stage, own.lossReasonId ?? null, now) : {}),
      ...(own.lossReasonOnly !== undefined ? { lossReasonId: own.lossReasonOnly } : {}),
    };
  },
  async written(tx, w, id) {
    const own = w.own as DealOwn;
    if (own.contactIds) await setContacts(tx, id, own.contactIds, !w.current);
  },
});

/** Moves a deal to a stage of the same or another pipeline: an update of its stage alone. */
export async function moveDeal(ctx: ServiceCtx, id: string, version: number, stageId: string, lossReasonId?: string | null, issues?: IssueList) {
  return updateRecord(ctx, 'DEAL', id, version, { extra: { stageId, lossReasonId } }, issues);
}
