// Automations: what administrators define (a trigger, conditions, actions in order), checked
// whole before anything is stored, and the run log they read. Running them is the runner's
// (automations.runner.ts); noticing what triggers them is the consumers' (automations.consumers.ts).
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError, ValidationError } from '../../lib/errors.js';
import { IdParser } from '../../lib/ids.js';
import { lockReferencing } from '../../lib/bulk-insert.js';
import * as v from '../../lib/validate.js';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AutomationTrigger } from '../../generated/prisma/enums.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { MEMBER, type ValueInput } from '../../kernel/fields/values.js';
import { listQuery } from '../../kernel/lists.js';
import { cardTable } from '../../kernel/tables.js';
import { decodeCardFilter } from '../cards/cards.schema.js';
import { decodeValue } from '../custom-fields/custom-fields.schema.js';
import { ID_FIELDS as DEAL_IDS } from '../deals/deals.schema.js';
import { ID_FIELDS as CONTACT_IDS } from '../contacts/contacts.schema.js';
import { changeSettings } from '../../kernel/events.js';
import { ID_FIELDS as COMPANY_IDS } from '../companies/companies.schema.js';
import { AUTOMATIONS } from './automations.messages.js';

export type AutomationCardKind = CardKind | 'LEAD';
export type TaskType = 'CALL' | 'MEETING' | 'FOLLOW_UP' | 'CUSTOM';

/** The trigger's own settings, stored with ids decoded. */
export type TriggerConfig = { stageId?: string; field?: string; customFieldId?: string; toValue?: string; hours?: number };

export type Responsible = { mode: 'CARD' | 'USER' | 'TEAM'; userId?: string; teamId?: string };

/** One action as stored (ids decoded). */
export type Action =
  | { type: 'CREATE_TASK'; taskType: TaskType; text: string; dueInMinutes: number; responsible: Responsible }
  | { type: 'SET_FIELD'; field?: string; customFieldId?: string; value: ValueInput | null }
  | { type: 'MOVE_TO_STAGE'; stageId: string; lossReasonId?: string }
  | { type: 'SET_RESPONSIBLE'; userId: string }
  | { type: 'ADD_TAG'; tag: string }
  | { type: 'NOTIFY'; userId?: string; text: string }
  | { type: 'DELAY'; minutes: number }
  | { type: 'CALL_WEBHOOK'; webhookId: string }
  | { type: 'SEND_EMAIL'; to?: string; subject: string; text: string };

type RawValue = Parameters<typeof decodeValue>[2];
type Raw<T> = { [K in keyof T]?: T[K] | null };

/** An action as the API takes it: exactly one member, ids as global ids. */
export type ActionInput = {
  createTask?: { type: TaskType; text: string; dueInMinutes?: number | null; responsible?: Raw<Responsible> | null } | null;
  setField?: { field?: string | null; customFieldId?: string | null; value?: RawValue | null } | null;
  moveToStage?: { stageId: string; lossReasonId?: string | null } | null;
  setResponsible?: { userId: string } | null;
  addTag?: { tag: string } | null;
  notify?: { userId?: string | null; text: string } | null;
  delay?: { minutes?: number | null; hours?: number | null; days?: number | null } | null;
  sendEmail?: { to?: string | null; subject: string; text: string } | null;
  callWebhook?: { webhookId: string } | null;
};

export type TriggerInput = {
  type: AutomationTrigger;
  cardKind?: AutomationCardKind | null;
  stageId?: string | null;
  field?: string | null;
  customFieldId?: string | null;
  toValue?: string | null;
  hours?: number | null;
};

/** The conditions: a list filter of the trigger's card kind, exactly as the list takes it. */
export type ConditionsInput = { deal?: object | null; contact?: object | null; company?: object | null };

export type AutomationInput = {
  name: string;
  enabled?: boolean | null;
  trigger: TriggerInput;
  conditions?: ConditionsInput | null;
  actions: ActionInput[];
};

const CONDITION_KEY = { DEAL: 'deal', CONTACT: 'contact', COMPANY: 'company' } as const;
export const FILTER_IDS: Record<CardKind, Record<string, string>> = { DEAL: DEAL_IDS, CONTACT: CONTACT_IDS, COMPANY: COMPANY_IDS };

/** Placeholders every card fills in a task or notification text; custom fields add their names. */
const CARD_PLACEHOLDERS = ['name', 'responsible', 'id'];
const DEAL_PLACEHOLDERS = ['amount', 'currency', 'stage', 'pipeline'];
export const PLACEHOLDER = /\[([^\]\n]{1,60})\]/g;

/** System fields a field-changed trigger or a set-field action may name. */
function systemFields(kind: CardKind): string[] {
  return [...descriptor(kind).fields.map((f) => f.name), 'responsibleId', ...(kind === 'DEAL' ? ['stageId'] : [])];
}

/**
 * Which of these cards are in the list the filter gives, for the automation's owner: the list's
 * own query restricted to the cards, so an automation and the list agree by construction. One
 * statement for a runner's whole batch of cards.
 */
export async function cardsMatching(ctx: ServiceCtx, kind: CardKind, raw: object | null, cardIds: string[]): Promise<Set<string>> {
  const ids = new IdParser();
  const filter = raw ? decodeCardFilter(ids, raw as never, FILTER_IDS[kind]) : undefined;
  ids.done();
  const { where } = await listQuery(ctx, kind, { filter });
  const rows = await cardTable(ctx.db, kind).findMany({ where: { AND: [where, { id: { in: cardIds } }] }, select: { id: true } });
  return new Set(rows.map((r) => r.id));
}

async function checkUser(ctx: ServiceCtx, issues: IssueList, path: string, id: string | null) {
  if (!id) return;
  const u = await ctx.db.user.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, select: { active: true } });
  if (!u || !u.active) issues.add(path, v.noSuch('User'));
}

async function checkTrigger(ctx: ServiceCtx, ids: IdParser, issues: IssueList, t: TriggerInput) {
  const config: TriggerConfig = {};
  let kind = t.cardKind ?? null;
  if (t.type === 'IN_STAGE_FOR') {
    if (kind && kind !== 'DEAL') issues.add('trigger.cardKind', AUTOMATIONS.dealsOnly());
    kind = 'DEAL';
    if (!Number.isInteger(t.hours) || t.hours! < 1 || t.hours! > 366 * 24) issues.add('trigger.hours', AUTOMATIONS.hoursRange());
    else config.hours = t.hours!;
    if (t.stageId) {
      const stageId = ids.one('trigger.stageId', 'Stage', t.stageId);
      if (stageId && !(await ctx.db.stage.findFirst({ where: { id: stageId, workspaceId: ctx.viewer.workspaceId }, select: { id: true } })))
        issues.add('trigger.stageId', v.noSuch('Stage'));
      config.stageId = stageId ?? undefined;
    }
  }
  if (t.type === 'STAGE_ENTERED') {
    if (kind && kind !== 'DEAL') issues.add('trigger.cardKind', AUTOMATIONS.dealsOnly());
    kind = 'DEAL';
    const stageId = ids.one('trigger.stageId', 'Stage', t.stageId ?? '');
    if (stageId) {
      const s = await ctx.db.stage.findFirst({ where: { id: stageId, workspaceId: ctx.viewer.workspaceId }, select: { id: true } });
      if (!s) issues.add('trigger.stageId', v.noSuch('Stage'));
    } else if (!t.stageId) issues.add('trigger.stageId', v.VALIDATE.empty());
    config.stageId = stageId ?? undefined;
  }
  if (!kind) {
    issues.add('trigger.cardKind', AUTOMATIONS.noCardKind());
    return { kind: 'DEAL' as AutomationCardKind, config };
  }
  if (t.type === 'FIELD_CHANGED') {
    if (kind === 'LEAD' || !!t.field === !!t.customFieldId) issues.add('trigger.field', AUTOMATIONS.fieldOrCustom());
    else if (t.field) {
      if (!systemFields(kind).includes(t.field)) issues.add('trigger.field', AUTOMATIONS.unknownField({ field: t.field }));
      config.field = t.field;
    } else {
      const id = ids.one('trigger.customFieldId', 'CustomField', t.customFieldId);
      const def = id ? (await definitions(ctx, kind)).find((d) => d.id === id) : undefined;
      if (id && (!def || def.archived)) issues.add('trigger.customFieldId', v.noSuch('CustomField'));
      config.customFieldId = id ?? undefined;
    }
    if (t.toValue !== null && t.toValue !== undefined) config.toValue = t.toValue;
  }
  if ((t.type === 'TASK_COMPLETED' || t.type === 'TASK_OVERDUE') && kind === 'LEAD') issues.add('trigger.cardKind', AUTOMATIONS.noCardKind());
  return { kind, config };
}

async function checkConditions(ctx: ServiceCtx, issues: IssueList, kind: AutomationCardKind, c: ConditionsInput | null | undefined) {
  if (!c) return null;
  const given = (Object.keys(CONDITION_KEY) as CardKind[]).filter((k) => c[CONDITION_KEY[k]]);
  if (!given.length) return null;
  if (kind === 'LEAD') {
    issues.add('conditions', AUTOMATIONS.leadConditions());
    return null;
  }
  if (given.length > 1 || given[0] !== kind) {
    issues.add('conditions', AUTOMATIONS.conditionsKind());
    return null;
  }
  const key = CONDITION_KEY[kind];
  const raw = c[key]!;
  const ids = new IdParser();
  const filter = decodeCardFilter(ids, raw as never, FILTER_IDS[kind], `conditions.${key}`);
  for (const i of ids.issues.issues) issues.add(i.field, i.message);
  if (ids.issues.issues.length) return raw;
  try {
    // The list's own checks: unknown or archived fields, operators the type does not take.
    await listQuery(ctx, kind, { filter });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const f of err.fields) issues.add(f.field.replace(/^filter\.?/, `conditions.${key}.`), f.message);
  }
  return raw;
}

async function checkText(ctx: ServiceCtx, issues: IssueList, path: string, kind: AutomationCardKind, text: string) {
  if (!text.trim()) issues.add(path, v.VALIDATE.empty());
  if (text.length > 5000) issues.add(path, v.VALIDATE.tooLong({ max: 5000 }));
  if (kind === 'LEAD') return;
  const known = new Set([...CARD_PLACEHOLDERS, ...(kind === 'DEAL' ? DEAL_PLACEHOLDERS : []), ...(await definitions(ctx, kind)).map((d) => d.name)]);
  for (const m of text.matchAll(PLACEHOLDER)) if (!known.has(m[1])) issues.add(path, AUTOMATIONS.unknownPlaceholder({ name: m[1] }));
}

async function checkActions(ctx: ServiceCtx, ids: IdParser, issues: IssueList, kind: AutomationCardKind, list: ActionInput[]): Promise<Action[]> {
  if (!list.length) issues.add('actions', AUTOMATIONS.noActions());
  if (list.length > 20) issues.add('actions', AUTOMATIONS.tooManyActions());
  const ws = ctx.viewer.workspaceId;
  const out: Action[] = [];
  for (const [i, a] of list.entries()) {
    const at = `actions[${i}]`;
    const members = Object.entries(a).filter(([, x]) => x !== null && x !== undefined);
    if (members.length !== 1) {
      issues.add(at, AUTOMATIONS.oneAction());
      continue;
    }
    if (kind === 'LEAD' && !['notify', 'sendEmail', 'delay'].includes(members[0][0])) issues.add(at, AUTOMATIONS.notForLeads());
    if (a.createTask) {
      const t = a.createTask;
      await checkText(ctx, issues, `${at}.createTask.text`, kind, t.text);
      const r = t.responsible ?? { mode: 'CARD' };
      const responsible: Responsible = { mode: r.mode ?? 'CARD' };
      if (responsible.mode === 'USER') {
        responsible.userId = ids.one(`${at}.createTask.responsible.userId`, 'User', r.userId ?? '');
        if (!r.userId) issues.add(`${at}.createTask.responsible`, AUTOMATIONS.responsibleMode());
        await checkUser(ctx, issues, `${at}.createTask.responsible.userId`, responsible.userId);
      } else if (responsible.mode === 'TEAM') {
        responsible.teamId = ids.one(`${at}.createTask.responsible.teamId`, 'Team', r.teamId ?? '');
        if (!r.teamId) issues.add(`${at}.createTask.responsible`, AUTOMATIONS.responsibleMode());
        else if (responsible.teamId) {
          const team = await ctx.db.team.findFirst({ where: { id: responsible.teamId, workspaceId: ws }, select: { id: true } });
          if (!team) issues.add(`${at}.createTask.responsible.teamId`, v.noSuch('Team'));
        }
      }
      const due = t.dueInMinutes ?? 60;
      if (!Number.isInteger(due) || due < 0 || due > 366 * 24 * 60) issues.add(`${at}.createTask.dueInMinutes`, v.VALIDATE.tooLong({ max: 366 * 24 * 60 }));
      out.push({ type: 'CREATE_TASK', taskType: t.type, text: t.text.trim(), dueInMinutes: due, responsible });
    } else if (a.setField) {
      const s = a.setField;
      const path = `${at}.setField`;
      const value = s.value ? decodeValue(ids, `${path}.value`, s.value) : null;
      if (kind === 'LEAD' || !!s.field === !!s.customFieldId) issues.add(path, AUTOMATIONS.fieldOrCustom());
      else if (s.field) {
        if (!descriptor(kind).fields.some((f) => f.name === s.field)) issues.add(`${path}.field`, AUTOMATIONS.unknownField({ field: s.field }));
        const given = value
          ? Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined && (value as Record<string, unknown>)[k] !== null)
          : [];
        if (value && given.some((k) => k !== 'text' && k !== 'number')) issues.add(`${path}.value`, AUTOMATIONS.systemValue());
        out.push({ type: 'SET_FIELD', field: s.field, value });
      } else {
        const id = ids.one(`${path}.customFieldId`, 'CustomField', s.customFieldId);
        const def = id ? (await definitions(ctx, kind)).find((d) => d.id === id) : undefined;
        if (id && (!def || def.archived)) issues.add(`${path}.customFieldId`, v.noSuch('CustomField'));
        const member = def && MEMBER[def.type];
        if (def && value && member && (value as Record<string, unknown>)[member] === undefined)
          issues.add(`${path}.value`, AUTOMATIONS.valueMember({ member }));
        out.push({ type: 'SET_FIELD', customFieldId: id ?? undefined, value });
      }
    } else if (a.moveToStage) {
      const path = `${at}.moveToStage`;
      if (kind !== 'DEAL') issues.add(path, AUTOMATIONS.notDeal());
      const stageId = ids.one(`${path}.stageId`, 'Stage', a.moveToStage.stageId);
      if (stageId && !(await ctx.db.stage.findFirst({ where: { id: stageId, workspaceId: ws }, select: { id: true } })))
        issues.add(`${path}.stageId`, v.noSuch('Stage'));
      const lossReasonId = ids.one(`${path}.lossReasonId`, 'LossReason', a.moveToStage.lossReasonId) ?? undefined;
      out.push({ type: 'MOVE_TO_STAGE', stageId, ...(lossReasonId ? { lossReasonId } : {}) });
    } else if (a.setResponsible) {
      const userId = ids.one(`${at}.setResponsible.userId`, 'User', a.setResponsible.userId);
      await checkUser(ctx, issues, `${at}.setResponsible.userId`, userId);
      out.push({ type: 'SET_RESPONSIBLE', userId });
    } else if (a.addTag) {
      const tag = a.addTag.tag.trim();
      if (!tag) issues.add(`${at}.addTag.tag`, v.VALIDATE.empty());
      if (tag.length > 50) issues.add(`${at}.addTag.tag`, v.VALIDATE.tooLong({ max: 50 }));
      out.push({ type: 'ADD_TAG', tag });
    } else if (a.notify) {
      const userId = ids.one(`${at}.notify.userId`, 'User', a.notify.userId) ?? undefined;
      await checkUser(ctx, issues, `${at}.notify.userId`, userId ?? null);
      await checkText(ctx, issues, `${at}.notify.text`, kind, a.notify.text);
      out.push({ type: 'NOTIFY', ...(userId ? { userId } : {}), text: a.notify.text.trim() });
    } else if (a.delay) {
      const d = a.delay;
      const minutes = (d.minutes ?? 0) + (d.hours ?? 0) * 60 + (d.days ?? 0) * 24 * 60;
      const parts = [d.minutes, d.hours, d.days].filter((x) => x !== null && x !== undefined);
      if (!parts.length || parts.some((x) => !Number.isInteger(x) || x! < 0) || minutes < 1 || minutes > 366 * 24 * 60)
        issues.add(`${at}.delay`, AUTOMATIONS.delayRange());
      out.push({ type: 'DELAY', minutes });
    } else if (a.sendEmail) {
      const m = a.sendEmail;
      const to = m.to?.trim() || undefined;
      if (to && !z.email().safeParse(to).success) issues.add(`${at}.sendEmail.to`, AUTOMATIONS.badEmail());
      await checkText(ctx, issues, `${at}.sendEmail.subject`, kind, m.subject);
      await checkText(ctx, issues, `${at}.sendEmail.text`, kind, m.text);
      if (m.subject.length > 300) issues.add(`${at}.sendEmail.subject`, v.VALIDATE.tooLong({ max: 300 }));
      out.push({ type: 'SEND_EMAIL', ...(to ? { to } : {}), subject: m.subject.trim(), text: m.text.trim() });
    } else if (a.callWebhook) {
      const webhookId = ids.one(`${at}.callWebhook.webhookId`, 'Webhook', a.callWebhook.webhookId);
      if (webhookId && !(await ctx.db.webhook.findFirst({ where: { id: webhookId, workspaceId: ws }, select: { id: true } })))
        issues.add(`${at}.callWebhook.webhookId`, v.noSuch('Webhook'));
      out.push({ type: 'CALL_WEBHOOK', webhookId });
    }
  }
  return out;
}

/** The whole definition checked at once: every bad input named by its path, nothing stored. */
async function checkInput(ctx: ServiceCtx, input: AutomationInput) {
  const ids = new IdParser();
  const issues = ids.issues;
  const name = input.name.trim();
  if (!name) issues.add('name', v.VALIDATE.empty());
  if (name.length > 200) issues.add('name', v.VALIDATE.tooLong({ max: 200 }));
  const { kind, config } = await checkTrigger(ctx, ids, issues, input.trigger);
  const conditions = await checkConditions(ctx, issues, kind, input.conditions);
  const actions = await checkActions(ctx, ids, issues, kind, input.actions);
  issues.throwIfAny();
  return {
    name,
    trigger: input.trigger.type,
    cardKind: kind,
    triggerConfig: config as Prisma.InputJsonValue,
    conditions: (conditions ?? undefined) as Prisma.InputJsonValue | undefined,
    actions: actions as unknown as Prisma.InputJsonValue,
  };
}

type Query = { include?: Prisma.AutomationInclude; select?: Prisma.AutomationSelect };

export async function createAutomation(ctx: ServiceCtx, input: AutomationInput, query: Query = {}) {
  assertAdmin(ctx.viewer, AUTOMATIONS.manage());
  const data = await checkInput(ctx, input);
  return changeSettings(ctx, (tx) =>
    tx.automation.create({
      ...query,
      data: { ...data, enabled: input.enabled ?? true, workspaceId: ctx.viewer.workspaceId, ownerId: ctx.viewer.userId },
    }),
  );
}

async function own(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, AUTOMATIONS.manage());
  const a = await ctx.db.automation.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!a) throw new NotFoundError('Automation', id);
  return a;
}

/** Replaces the definition; the updater becomes the owner the automation acts for. */
export async function updateAutomation(ctx: ServiceCtx, id: string, input: AutomationInput, query: Query = {}) {
  await own(ctx, id);
  const data = await checkInput(ctx, input);
  return changeSettings(ctx, (tx) =>
    tx.automation.update({
      ...query,
      where: { id },
      data: {
        ...data,
        conditions: data.conditions ?? (null as unknown as Prisma.InputJsonValue),
        ownerId: ctx.viewer.userId,
        ...(input.enabled === null || input.enabled === undefined ? {} : { enabled: input.enabled }),
      },
    }),
  );
}

/** Enabling also lifts a pause and its failure streak. */
export async function setAutomationEnabled(ctx: ServiceCtx, id: string, enabled: boolean, query: Query = {}) {
  await own(ctx, id);
  return changeSettings(ctx, (tx) =>
    tx.automation.update({ ...query, where: { id }, data: enabled ? { enabled, pausedAt: null, failureStreak: 0 } : { enabled } }),
  );
}

export async function deleteAutomation(ctx: ServiceCtx, id: string) {
  await own(ctx, id);
  await changeSettings(ctx, async (tx) => {
    // A run ending beside the delete closed its job and then logs the run: its jobs first.
    await lockReferencing(tx, 'AutomationJob', 'automationId', id);
    return tx.automation.delete({ where: { id } });
  });
  return id;
}

export function listAutomations(ctx: ServiceCtx, query: Query = {}) {
  assertAdmin(ctx.viewer, AUTOMATIONS.manage());
  return ctx.db.automation.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'asc' } });
}

export async function findAutomation(ctx: ServiceCtx, id: string, query: Query = {}) {
  assertAdmin(ctx.viewer, AUTOMATIONS.manage());
  return ctx.db.automation.findFirst({ ...query, where: { id, workspaceId: ctx.viewer.workspaceId } });
}

/** The run log, newest first. */
export async function automationRuns(ctx: ServiceCtx, automationId: string, take: number) {
  await own(ctx, automationId);
  return ctx.db.automationRun.findMany({ where: { automationId }, orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }], take: Math.min(Math.max(take, 1), 200) });
}
