// Custom field definitions, for administrators: listing, creating, changing, archiving, and
// refreshing stored formula results. What card reads and writes need of definitions is in
// src/kernel/fields.
import { usage } from '../../kernel/usage.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError, ValidationError, isUniqueViolation } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import { settingsChanged } from '../../kernel/events.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { forgetRequest } from '../../lib/per-request.js';
import * as v from '../../lib/validate.js';
import { Prisma } from '../../generated/prisma/client.js';
import { cardTable } from '../../kernel/tables.js';
import { TRANSLIT } from '../../lib/translit.js';
import type { FieldType } from '../../generated/prisma/enums.js';
import { envOf } from '../../kernel/fields/card-values.js';
import { definitions, recomputeFormulas, visibleDefinitions, type EntityType } from '../../kernel/fields/definitions.js';
import { FormulaError, parseFormula, references } from '../../kernel/fields/formula.js';
import { assignSlot, lockFields, slotColumns, TABLE } from '../../kernel/fields/slots.js';
import { toStored, type FieldDef, type Stored, type ValueInput } from '../../kernel/fields/values.js';
import type { Message } from '../../lib/i18n.js';
import { FIELDS } from '../../kernel/fields/messages.js';
import { CUSTOM_FIELDS } from './custom-fields.messages.js';
import { validPattern } from '../../lib/patterns.js';

type Query = { include?: Prisma.CustomFieldInclude; select?: Prisma.CustomFieldSelect };

/**
 * After definitions changed: forgets what this request memoized, and queues `settingsChanged`
 * (in the change's transaction when given one) so live subscriptions read them again.
 */
export async function forget(ctx: ServiceCtx, tx: Tx = ctx.db) {
  forgetRequest(ctx);
  await settingsChanged(tx, ctx);
  if (tx === ctx.db) ctx.deps.outbox.kick();
}

export async function listFields(ctx: ServiceCtx, entityType: EntityType, includeArchived: boolean, query: Query = {}) {
  const all = await definitions(ctx, entityType);
  const seen = new Set((await visibleDefinitions(ctx, entityType)).map((d) => d.id));
  const hidden = all.filter((d) => !seen.has(d.id)).map((d) => d.id);
  return ctx.db.customField.findMany({
    ...query,
    where: {
      workspaceId: ctx.viewer.workspaceId,
      entityType,
      ...(includeArchived ? {} : { archived: false }),
      ...(hidden.length ? { id: { notIn: hidden } } : {}),
    },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** An API code from a name: "Бюджет клиента" -> "byudzhet_klienta". */
export function codeFrom(name: string) {
  const s = [...name.toLowerCase()]
    .map((c) => TRANSLIT[c] ?? c)
    .join('')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (/^[a-z]/.test(s) ? s : `field_${s}`).slice(0, 64).replace(/_+$/, '') || 'field';
}

export type DefinitionInput = {
  entityType?: EntityType;
  name?: string | null;
  code?: string | null;
  type?: FieldType;
  groupId?: string | null;
  sortOrder?: number | null;
  description?: string | null;
  defaultValue?: ValueInput | null;
  required?: boolean | null;
  requiredStageIds?: string[] | null;
  pattern?: string | null;
  min?: string | null;
  max?: string | null;
  maxLength?: number | null;
  options?: string[] | null;
  formula?: string | null;
  condition?: { fieldId: string; values: ValueInput[] } | null;
};

const RANGED: FieldType[] = ['NUMBER', 'MONEY'];
const TEXTUAL: FieldType[] = ['TEXT', 'TEXTAREA'];

/** Checks the type-specific settings of a definition; returns the columns to write. */
async function checkDefinition(
  ctx: ServiceCtx,
  issues: IssueList,
  type: FieldType,
  entityType: EntityType,
  input: DefinitionInput,
  self: { id?: string; code: string; options: { id: string; label: string; sortOrder: number }[]; min?: string | null; max?: string | null },
) {
  const data: Prisma.CustomFieldUncheckedUpdateInput = {};
  const defs = await definitions(ctx, entityType);
  if (input.pattern !== undefined) {
    if (input.pattern !== null && !TEXTUAL.includes(type)) issues.add('pattern', CUSTOM_FIELDS.patternOnlyText());
    else if (input.pattern) {
      if (!validPattern(input.pattern)) issues.add('pattern', CUSTOM_FIELDS.badRegex());
    }
    data.pattern = input.pattern || null;
  }
  if (input.maxLength !== undefined) {
    if (input.maxLength !== null && !TEXTUAL.includes(type)) issues.add('maxLength', CUSTOM_FIELDS.maxLengthOnlyText());
    else if (input.maxLength !== null && (input.maxLength < 1 || input.maxLength > DEFAULT_MAX(type))) {
      issues.add('maxLength', CUSTOM_FIELDS.between({ max: DEFAULT_MAX(type) }));
    }
    data.maxLength = input.maxLength;
  }
  const bound = { min: self.min ?? null, max: self.max ?? null } as Record<'min' | 'max', string | null>;
  let boundsOk = true;
  for (const k of ['min', 'max'] as const) {
    const val = input[k];
    if (val === undefined) continue;
    if (val !== null && !RANGED.includes(type)) issues.add(k, CUSTOM_FIELDS.boundsOnlyNumbers());
    else if (val !== null && !/^-?\d{1,20}(\.\d{1,10})?$/.test(val.trim())) issues.add(k, FIELDS.number());
    else {
      bound[k] = val === null ? null : val.trim();
      data[k === 'min' ? 'minValue' : 'maxValue'] = bound[k];
      continue;
    }
    boundsOk = false;
  }
  if (boundsOk && bound.min !== null && bound.max !== null && new Prisma.Decimal(bound.min).gt(bound.max)) {
    if (input.max !== undefined) issues.add('max', CUSTOM_FIELDS.maxBelowMin());
    else issues.add('min', CUSTOM_FIELDS.minAboveMax());
  }
  if (input.formula !== undefined) {
    if (type !== 'FORMULA') {
      if (input.formula !== null) issues.add('formula', CUSTOM_FIELDS.formulaOnlyFormula());
    } else {
      const problem = checkFormula(input.formula ?? '', self.code, defs);
      if (problem) issues.add('formula', problem);
      data.formula = input.formula;
    }
  }
  if (input.requiredStageIds !== undefined && input.requiredStageIds !== null) {
    if (entityType !== 'DEAL' && input.requiredStageIds.length) issues.add('requiredStageIds', CUSTOM_FIELDS.stagesOnlyDeals());
    const found = await ctx.db.stage.findMany({ where: { id: { in: input.requiredStageIds }, workspaceId: ctx.viewer.workspaceId }, select: { id: true } });
    input.requiredStageIds.forEach((id, i) => !found.some((s) => s.id === id) && issues.add(`requiredStageIds[${i}]`, v.noSuch('Stage')));
    data.requiredStageIds = [...new Set(input.requiredStageIds)];
  }
  if (input.groupId !== undefined) {
    if (input.groupId) {
      const g = await ctx.db.fieldGroup.findFirst({ where: { id: input.groupId, workspaceId: ctx.viewer.workspaceId } });
      if (!g) issues.add('groupId', v.noSuch('FieldGroup'));
      else if (g.entityType !== entityType) issues.add('groupId', CUSTOM_FIELDS.groupOfOther());
    }
    data.groupId = input.groupId;
  }
  if (input.condition !== undefined) {
    if (input.condition === null) {
      data.conditionFieldId = null;
      data.conditionValues = undefined;
    } else {
      const cond = defs.find((d) => d.id === input.condition!.fieldId);
      if (!cond) issues.add('condition.fieldId', CUSTOM_FIELDS.notOfEntity());
      else if (cond.id === self.id) issues.add('condition.fieldId', CUSTOM_FIELDS.selfCondition());
      else {
        const env = await envOf(ctx);
        const stored: Stored[] = [];
        input.condition.values.forEach((val, i) => {
          const r = toStored(cond, val, env);
          if ('error' in r) issues.add(`condition.values[${i}]`, FIELDS.named({ name: cond.name, problem: r.error }));
          else stored.push(r.value);
        });
        if (!input.condition.values.length) issues.add('condition.values', CUSTOM_FIELDS.nameValue());
        data.conditionFieldId = cond.id;
        data.conditionValues = stored as Prisma.InputJsonValue;
      }
    }
  }
  return data;
}

const DEFAULT_MAX = (type: FieldType) => (type === 'TEXTAREA' ? 100_000 : 10_000);

/** A formula may name NUMBER, MONEY and FORMULA fields of the same entity type, without cycles. */
function checkFormula(src: string, ownCode: string, defs: FieldDef[]): Message | null {
  let refs: Set<string>;
  try {
    refs = references(parseFormula(src));
  } catch (err) {
    return err instanceof FormulaError ? CUSTOM_FIELDS.formulaUnreadable({ reason: err.msg }) : CUSTOM_FIELDS.formulaUnreadableAny();
  }
  for (const code of refs) {
    const d = defs.find((x) => x.code === code);
    if (!d && code !== ownCode) return CUSTOM_FIELDS.formulaUnknown({ code });
    if (d && !['NUMBER', 'MONEY', 'FORMULA'].includes(d.type)) return CUSTOM_FIELDS.formulaNotNumeric({ code });
  }
  // Cycle: following formula references from this field must never come back to it.
  const formulaOf = new Map(defs.filter((d) => d.type === 'FORMULA' && d.formula && d.code !== ownCode).map((d) => [d.code, d.formula!]));
  formulaOf.set(ownCode, src);
  const visiting = new Set<string>();
  const cyclic = (code: string): boolean => {
    const f = formulaOf.get(code);
    if (!f) return false;
    if (visiting.has(code)) return true;
    visiting.add(code);
    for (const r of references(parseFormula(f))) if (cyclic(r)) return true;
    visiting.delete(code);
    return false;
  };
  return cyclic(ownCode) ? CUSTOM_FIELDS.formulaCycle() : null;
}

const nameCheck = z.object({ name: v.name(120), description: v.optionalText(2000) });

async function uniqueNameAndCode(
  ctx: ServiceCtx,
  issues: IssueList,
  entityType: EntityType,
  name: string | undefined,
  code: string | undefined,
  selfId?: string,
) {
  const others = await ctx.db.customField.findMany({
    where: { workspaceId: ctx.viewer.workspaceId, entityType, ...(selfId ? { id: { not: selfId } } : {}) },
    select: { name: true, code: true },
  });
  if (name && others.some((o) => o.name.toLowerCase() === name.toLowerCase())) issues.add('name', CUSTOM_FIELDS.nameTaken());
  if (code && others.some((o) => o.code === code)) issues.add('code', CUSTOM_FIELDS.codeTaken());
  return others;
}

export async function createField(ctx: ServiceCtx, input: DefinitionInput & { entityType: EntityType; type: FieldType; name: string }) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const issues = new IssueList();
  const base = nameCheck.safeParse({ name: input.name, description: input.description });
  if (!base.success) v.issuesOf(base.error).forEach((i) => issues.add(i.field, i.message));
  const name = base.success ? base.data.name : input.name;
  if (input.code && !CODE.test(input.code)) issues.add('code', CUSTOM_FIELDS.badCode());
  const others = await uniqueNameAndCode(ctx, issues, input.entityType, name, input.code ?? undefined);
  // An empty code, like none, is made from the name.
  let code = input.code || codeFrom(name);
  if (!input.code) for (let n = 2; others.some((o) => o.code === code); n++) code = `${codeFrom(name).slice(0, 60)}_${n}`;
  const isChoice = input.type === 'SELECT' || input.type === 'MULTISELECT';
  const labels = (input.options ?? []).map((l) => l.trim());
  if (isChoice) {
    if (!labels.length) issues.add('options', CUSTOM_FIELDS.needsOption());
    labels.forEach((l, i) => {
      if (!l) issues.add(`options[${i}]`, v.VALIDATE.empty());
      else if (l.length > 255) issues.add(`options[${i}]`, v.VALIDATE.tooLong({ max: 255 }));
      else if (labels.findIndex((x) => x.toLowerCase() === l.toLowerCase()) !== i) issues.add(`options[${i}]`, v.VALIDATE.givenTwice());
    });
  } else if (input.options?.length) issues.add('options', CUSTOM_FIELDS.optionsOnlyChoice());
  if (input.type === 'FORMULA' && !input.formula) issues.add('formula', CUSTOM_FIELDS.needsFormula());
  const data = await checkDefinition(ctx, issues, input.type, input.entityType, input, { code, options: [] });
  if (input.defaultValue && (isChoice || input.type === 'FORMULA' || input.type === 'FILE')) {
    issues.add('defaultValue', isChoice ? CUSTOM_FIELDS.defaultAfterOptions() : CUSTOM_FIELDS.noDefault({ type: input.type }));
  }
  let defaultValue: Stored | undefined;
  if (input.defaultValue && !isChoice && input.type !== 'FORMULA' && input.type !== 'FILE') {
    const r = toStored({ ...(data as object), type: input.type, options: [] } as unknown as FieldDef, input.defaultValue, await envOf(ctx));
    if ('error' in r) issues.add('defaultValue', r.error);
    else defaultValue = r.value;
  }
  issues.throwIfAny();
  // Without a sort order a new field goes last.
  const last = await ctx.db.customField.aggregate({ where: { workspaceId: ctx.viewer.workspaceId, entityType: input.entityType }, _max: { sortOrder: true } });
  try {
    const created = await ctx.db.$transaction(async (tx) =>
      tx.customField.create({
        data: {
          // A field past its pool's size gets no slot: it is stored but cannot be filtered or sorted by.
          slot: await assignSlot(tx, ctx.viewer.workspaceId, input.entityType, input.type),
          ...(data as object),
          workspaceId: ctx.viewer.workspaceId,
          entityType: input.entityType,
          type: input.type,
          name,
          code,
          description: base.success ? (base.data.description ?? null) : null,
          sortOrder: input.sortOrder ?? (last._max.sortOrder ?? -1) + 1,
          required: !!input.required,
          defaultValue: defaultValue as Prisma.InputJsonValue | undefined,
          options: { create: labels.map((label, i) => ({ label, sortOrder: i })) },
        } as Prisma.CustomFieldUncheckedCreateInput,
      }),
    );
    await forget(ctx);
    // Existing cards get the new formula's results.
    if (created.type === 'FORMULA') await refreshFormulas(ctx, input.entityType);
    return created;
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('name', CUSTOM_FIELDS.nameOrCodeTaken());
    throw err;
  }
}

export async function findField(ctx: ServiceCtx, id: string) {
  const f = await ctx.db.customField.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, include: { options: { orderBy: { sortOrder: 'asc' } } } });
  if (!f) throw new NotFoundError('CustomField', id);
  return f as unknown as FieldDef & { description: string | null };
}

export async function updateField(ctx: ServiceCtx, id: string, input: DefinitionInput) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const f = await findField(ctx, id);
  const issues = new IssueList();
  let name: string | undefined;
  if (input.name !== undefined && input.name !== null) {
    const r = v.name(120).safeParse(input.name);
    if (!r.success) issues.add('name', v.issueMessage(r.error.issues[0]));
    else name = r.data;
  }
  if (input.code !== undefined && input.code !== null && !CODE.test(input.code)) {
    issues.add('code', CUSTOM_FIELDS.badCode());
  }
  await uniqueNameAndCode(ctx, issues, f.entityType, name, input.code ?? undefined, id);
  if (input.options !== undefined && input.options !== null) issues.add('options', CUSTOM_FIELDS.changeOptions());
  if (input.code && input.code !== f.code && (await definitions(ctx, f.entityType)).some((d) => d.formula && references(parseFormula(d.formula)).has(f.code))) {
    issues.add('code', CUSTOM_FIELDS.codeInFormula());
  }
  const data = await checkDefinition(ctx, issues, f.type, f.entityType, input, {
    id,
    code: input.code ?? f.code,
    options: f.options,
    min: f.minValue?.toString() ?? null,
    max: f.maxValue?.toString() ?? null,
  });
  if (input.defaultValue !== undefined) {
    if (input.defaultValue === null) data.defaultValue = undefined;
    else if (f.type === 'FORMULA' || f.type === 'FILE') issues.add('defaultValue', CUSTOM_FIELDS.noDefault({ type: f.type }));
    else {
      const r = toStored({ ...f, ...(data as object) } as FieldDef, input.defaultValue, await envOf(ctx));
      if ('error' in r) issues.add('defaultValue', r.error);
      else data.defaultValue = r.value as Prisma.InputJsonValue;
    }
  }
  issues.throwIfAny();
  const updated = await ctx.db.customField.update({
    where: { id },
    data: {
      ...data,
      // SQL NULL: a Json column would store `{ set: null }` literally as the value.
      ...(input.defaultValue === null ? { defaultValue: Prisma.DbNull } : {}),
      ...(input.condition === null ? { conditionValues: Prisma.DbNull } : {}),
      name,
      code: input.code ?? undefined,
      description: input.description !== undefined ? input.description?.trim() || null : undefined,
      sortOrder: input.sortOrder ?? undefined,
      required: input.required ?? undefined,
    },
  });
  await forget(ctx);
  if (input.formula !== undefined && f.type === 'FORMULA' && input.formula !== f.formula) await refreshFormulas(ctx, f.entityType);
  return updated;
}

/**
 * Recomputes the stored results (and their slots) of every formula on the entity type's cards
 * after a formula was defined or changed, so filters and sorts see what cards show. Cards are
 * read and rewritten in batches, each batch locked while it is rewritten, so a card written
 * meanwhile is not overwritten with older values; versions are left as they are (the results
 * are derived, nothing the user wrote changes).
 */
export async function refreshFormulas(ctx: ServiceCtx, entityType: EntityType) {
  const defs = await definitions(ctx, entityType);
  const formulas = defs.filter((d) => d.type === 'FORMULA');
  if (!formulas.length) return 0;
  const table = TABLE[entityType];
  let after = '00000000-0000-0000-0000-000000000000';
  let changed = 0;
  for (;;) {
    const n = await ctx.db.$transaction(async (tx) => {
      // The fields lock before any row lock, as card writes take them, so the two never deadlock.
      await lockFields(tx, ctx.viewer.workspaceId, entityType, 'shared');
      const rows = await tx.$queryRawUnsafe<{ id: string; customFields: Record<string, unknown> }[]>(
        `select id::text, "customFields" from "${table}" where "workspaceId" = $1::uuid and id > $2::uuid order by id limit 500 for update`,
        ctx.viewer.workspaceId,
        after,
      );
      for (const r of rows) {
        const next = { ...r.customFields };
        recomputeFormulas(defs, next);
        if (formulas.every((f) => JSON.stringify(next[f.key] ?? null) === JSON.stringify(r.customFields[f.key] ?? null))) continue;
        const data = { customFields: next as Prisma.InputJsonValue, ...(await slotColumns(tx, ctx, entityType, defs, next)) };
        await cardTable(tx, entityType).updateMany({ where: { id: r.id }, data });
        changed++;
      }
      if (rows.length) after = rows[rows.length - 1].id;
      return rows.length;
    });
    if (n < 500) return changed;
  }
}

export async function setArchived(ctx: ServiceCtx, id: string, archived: boolean) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  await findField(ctx, id);
  if (archived) await usage.assertUnused(ctx.db, ctx.viewer.workspaceId, { kind: 'CUSTOM_FIELD', id });
  // Archiving hides the field; its values stay in the cards and come back on unarchiving.
  const updated = await ctx.db.customField.update({ where: { id }, data: { archived } });
  await forget(ctx);
  return updated;
}
