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
 * An input's path, made only for an issue. A function of the module, not a closure per value:
 * the bundle keeps functions' names (esbuild's keepNames, tsx's too), and naming a closure made
 * per value cost ~3 % of an import's CPU (docs/performance.md).
 */
const valuePath = (i: number) => `customFields[${i}]`;

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
  // A field hidden from the viewer is unknown to them; one they may only read is refused.
  const { byId } = lookups(defs);
  const hidden = hiddenFieldIds(ctx.viewer, entityType, defs);
  const readOnly: string[] = [];
  const next: Record<string, unknown> = { ...current };
  // Lists, not sets: a card has tens of fields, and a thousand imported cards make as many of each.
  const written: string[] = [];
  const seen: string[] = [];
  const files: { path: string; id: string }[] = [];
  (inputs ?? []).forEach((input, i) => {
    // An input already reported (a malformed id) is not reported again as unknown.
    if (issues.issues.length && issues.issues.some((x) => x.field === valuePath(i) || x.field.startsWith(`${valuePath(i)}.`))) return;
    const def = hidden.has(input.fieldId) ? undefined : byId.get(input.fieldId);
    if (!def) return issues.add(`${valuePath(i)}.fieldId`, v.noSuch('CustomField'));
    if (def.type !== 'FORMULA' && fieldLevel(ctx.viewer, entityType, def.id) !== 'EDIT') {
      readOnly.push(def.name);
      return;
    }
    if (seen.includes(def.id)) return issues.add(`${valuePath(i)}.fieldId`, FIELDS.named({ name: def.name, problem: v.VALIDATE.givenTwice() }));
    seen.push(def.id);
    if (def.archived) return issues.add(valuePath(i), FIELDS.named({ name: def.name, problem: FIELDS.archived() }));
    if (input.value === null || isEmptyValue(def, input.value)) {
      if (def.type === 'FORMULA') return issues.add(valuePath(i), FIELDS.named({ name: def.name, problem: FIELDS.computed() }));
      delete next[def.key];
      written.push(def.id);
      return;
    }
    const r = toStored(def, input.value, opts);
    if ('error' in r) return issues.add(valuePath(i), FIELDS.named({ name: def.name, problem: r.error }));
    if (def.type === 'FILE') files.push({ path: `${valuePath(i)}.value.fileId`, id: r.value as string });
    next[def.key] = r.value;
    written.push(def.id);
  });
  if (readOnly.length) throw new ForbiddenError(FIELDS.readOnly({ names: readOnly }));
  // forEach, not for…of: this async function runs unoptimized often enough that each step of an
  // iterator was an object (a thousand imported cards a batch, twice over their definitions).
  if (opts.creating) {
    defs.forEach((def) => {
      if (!def.archived && def.defaultValue !== null && def.defaultValue !== undefined && next[def.key] === undefined) {
        next[def.key] = def.defaultValue;
        if (!written.includes(def.id)) written.push(def.id);
      }
    });
  }
  if (files.length) await checkFileIds(ctx, files, issues);
  recomputeFormulas(defs, next);
  defs.forEach((def) => {
    if (!def.required || def.archived || def.type === 'FORMULA' || !applies(def, defs, next)) return;
    // On update only a field being emptied, or coming to apply through this write (its condition
    // now met), is refused, so a field made required later does not block unrelated edits of
    // older cards.
    if (next[def.key] === undefined && (opts.creating || written.includes(def.id) || !applies(def, defs, current))) {
      issues.add('customFields', hidden.has(def.id) ? FIELDS.hiddenRequired() : FIELDS.named({ name: def.name, problem: FIELDS.required() }));
    }
  });
  return { values: next as Record<string, Stored>, written, defs };
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

/**
 * The columns a card write sets for the values `applyValues` settled: the JSONB document and its
 * slot copies. Call inside the write's transaction (see slots.ts).
 */
export async function valueColumns(tx: Tx, ctx: ServiceCtx, entityType: EntityType, applied: { values: Record<string, Stored>; defs: FieldDef[] }) {
  return { customFields: applied.values as Prisma.InputJsonValue, ...(await slotColumns(tx, ctx, entityType, applied.defs, applied.values)) };
}

/** Custom PHONE and EMAIL values (of the definitions `defs`), so card search finds them like the system phones and e-mails. */
export function searchableValues(defs: FieldDef[], values: unknown) {
  const { phoneDefs, emailDefs } = lookups(defs);
  const held = (values ?? {}) as Record<string, unknown>;
  const phones: string[] = [];
  const emails: string[] = [];
  for (const d of phoneDefs) if (typeof held[d.key] === 'string') phones.push(held[d.key] as string);
  for (const d of emailDefs) if (typeof held[d.key] === 'string') emails.push((held[d.key] as string).toLowerCase());
  return { phones, emails };
}

type Lookups = { byId: Map<string, FieldDef>; phoneDefs: FieldDef[]; emailDefs: FieldDef[] };
const lookupsOf = new WeakMap<FieldDef[], Lookups>();

/**
 * What every write of a request reads from its definitions, made once for them instead of once
 * per card (an imported batch writes a thousand cards with one list): the definitions by id and
 * the PHONE and EMAIL ones.
 */
function lookups(defs: FieldDef[]): Lookups {
  let l = lookupsOf.get(defs);
  if (!l) {
    const ofType = (type: FieldType) => defs.filter((d) => d.type === type);
    l = { byId: new Map(defs.map((d) => [d.id, d])), phoneDefs: ofType('PHONE'), emailDefs: ofType('EMAIL') };
    lookupsOf.set(defs, l);
  }
  return l;
}
