// Preparing custom field values for a card write: the one function every card write goes
// through to check and store values (`applyValues`), so create, update and later import and
// automations validate alike; and what the write then sets (the JSONB document, its slot
// copies, searchable phones and e-mails, when fields were last written).
import type { ServiceCtx } from '../../context.js';
import { ForbiddenError, type IssueList } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { FieldType } from '../../generated/prisma/enums.js';
import { fieldLevel } from '../access/field-access.js';
import { checkFileIds } from '../access/files.js';
import * as v from '../../lib/validate.js';
import { workspaceRegion } from '../workspace.js';
import { applies, definitions, hiddenFieldIds, recomputeFormulas, type EntityType } from './definitions.js';
import { slotColumns } from './slots.js';
import { isEmptyValue, toStored, type FieldDef, type Stored, type ValueInput } from './values.js';
import { FIELDS } from './messages.js';

export type FieldValueInput = { fieldId: string; value: ValueInput | null };

/**
 * Applies value inputs to a card's stored values: checks each against its definition (naming
 * bad ones as `customFields[i]`), fills defaults on create, enforces "required always" (when the
 * field applies), and recomputes formulas. Returns the new stored object and the fields written.
 */
export async function applyValues(
  ctx: ServiceCtx,
  entityType: EntityType,
  current: Record<string, unknown>,
  inputs: FieldValueInput[] | null | undefined,
  issues: IssueList,
  opts: { creating: boolean; region: string; currency: string },
): Promise<{ values: Record<string, Stored>; written: string[]; defs: FieldDef[] }> {
  const defs = await definitions(ctx, entityType);
  const byId = new Map(defs.map((d) => [d.id, d]));
  // A field hidden from the viewer is unknown to them; one they may only read is refused.
  const hidden = hiddenFieldIds(ctx.viewer, entityType, defs);
  const readOnly: string[] = [];
  const next: Record<string, unknown> = { ...current };
  const written = new Set<string>();
  const seen = new Set<string>();
  const files: { path: string; id: string }[] = [];
  (inputs ?? []).forEach((input, i) => {
    const path = `customFields[${i}]`;
    // An input already reported (a malformed id) is not reported again as unknown.
    if (issues.issues.some((x) => x.field === path || x.field.startsWith(`${path}.`))) return;
    const def = hidden.has(input.fieldId) ? undefined : byId.get(input.fieldId);
    if (!def) return issues.add(`${path}.fieldId`, v.noSuch('CustomField'));
    if (def.type !== 'FORMULA' && fieldLevel(ctx.viewer, entityType, def.id) !== 'EDIT') {
      readOnly.push(def.name);
      return;
    }
    if (seen.has(def.id)) return issues.add(`${path}.fieldId`, FIELDS.named({ name: def.name, problem: v.VALIDATE.givenTwice() }));
    seen.add(def.id);
    if (def.archived) return issues.add(path, FIELDS.named({ name: def.name, problem: FIELDS.archived() }));
    if (input.value === null || isEmptyValue(def, input.value)) {
      if (def.type === 'FORMULA') return issues.add(path, FIELDS.named({ name: def.name, problem: FIELDS.computed() }));
      delete next[def.key];
      written.add(def.id);
      return;
    }
    const r = toStored(def, input.value, opts);
    if ('error' in r) return issues.add(path, FIELDS.named({ name: def.name, problem: r.error }));
    if (def.type === 'FILE') files.push({ path: `${path}.value.fileId`, id: r.value as string });
    next[def.key] = r.value;
    written.add(def.id);
  });
  if (readOnly.length) throw new ForbiddenError(FIELDS.readOnly({ names: readOnly }));
  if (opts.creating) {
    for (const def of defs) {
      if (!def.archived && def.defaultValue !== null && def.defaultValue !== undefined && next[def.key] === undefined) {
        next[def.key] = def.defaultValue;
        written.add(def.id);
      }
    }
  }
  await checkFileIds(ctx, files, issues);
  recomputeFormulas(defs, next);
  for (const def of defs) {
    if (!def.required || def.archived || def.type === 'FORMULA' || !applies(def, defs, next)) continue;
    // On update only a field being emptied, or coming to apply through this write (its condition
    // now met), is refused, so a field made required later does not block unrelated edits of
    // older cards.
    if (next[def.key] === undefined && (opts.creating || written.has(def.id) || !applies(def, defs, current))) {
      issues.add('customFields', hidden.has(def.id) ? FIELDS.hiddenRequired() : FIELDS.named({ name: def.name, problem: FIELDS.required() }));
    }
  }
  return { values: next as Record<string, Stored>, written: [...written], defs };
}

/** Records when fields were last written, for the field audit. */
export async function touchFields(tx: Tx, fieldIds: string[]) {
  if (fieldIds.length) await tx.customField.updateMany({ where: { id: { in: fieldIds } }, data: { lastWrittenAt: new Date() } });
}

/** The workspace's phone region and currency, as `toStored` takes them. */
export async function envOf(ctx: ServiceCtx) {
  const ws = await workspaceRegion(ctx);
  return { region: ws.phoneRegion, currency: ws.currency };
}

/** applyValues for a card service: reads the workspace's region and currency itself. */
export async function cardValues(
  ctx: ServiceCtx,
  entityType: EntityType,
  current: unknown,
  inputs: FieldValueInput[] | null | undefined,
  issues: IssueList,
  creating: boolean,
) {
  if (!creating && !inputs) return null;
  const env = await envOf(ctx);
  return applyValues(ctx, entityType, (current ?? {}) as Record<string, unknown>, inputs, issues, { creating, ...env });
}

/**
 * The columns a card write sets for the values `applyValues` settled: the JSONB document and its
 * slot copies. Call inside the write's transaction (see slots.ts).
 */
export async function valueColumns(tx: Tx, ctx: ServiceCtx, entityType: EntityType, applied: { values: Record<string, Stored>; defs: FieldDef[] }) {
  return { customFields: applied.values as Prisma.InputJsonValue, ...(await slotColumns(tx, ctx, entityType, applied.defs, applied.values)) };
}

/**
 * Custom PHONE and EMAIL values, so card search finds them like the system phones and e-mails.
 * Call before the write's transaction: on PGlite the transaction holds the only connection.
 */
export async function searchableValues(ctx: ServiceCtx, entityType: EntityType, values: unknown) {
  const defs = await definitions(ctx, entityType);
  const held = (values ?? {}) as Record<string, unknown>;
  const of = (type: FieldType) => defs.filter((d) => d.type === type && typeof held[d.key] === 'string').map((d) => held[d.key] as string);
  return { phones: of('PHONE'), emails: of('EMAIL').map((e) => e.toLowerCase()) };
}
