// Typed slot columns: the storage chosen by `npm run bench:custom-fields` for filtering and
// sorting custom fields (README, "Custom field storage"). Each card table has a fixed pool of
// generic typed columns per value kind (cfText1..12, cfNumber1..10, ...), each with one partial
// index `(workspaceId, slot, id) WHERE slot IS NOT NULL` shared by every workspace. A field of a
// filterable type takes the lowest free slot of its pool when it is created and keeps it (also
// while archived); the card's `customFields` JSONB stays the value of record, and every card
// write sets the slot copies from it in the same statement.
//
// Slot forms: text-like values lower-cased and cut to 255 characters (so comparisons and sorting
// ignore case); NUMBER, FORMULA and MONEY's amount as decimals; DATE, DATETIME, BOOLEAN as
// such; SELECT as the option's position (so sorting follows the admin's option order; kept in
// step when options move); MULTISELECT as the array of option ids.
//
// Card writes and option changes meet on an advisory lock per workspace and entity type: a card
// write holds it shared while it reads option positions, an option change holds it exclusively,
// so a write never stores a stale position or an option deleted meanwhile.
import type { ServiceCtx } from '../../context.js';
import { ValidationError } from '../../lib/errors.js';
import type { Tx } from '../../lib/outbox.js';
import type { FieldType } from '../../generated/prisma/enums.js';
import type { FieldDef } from './values.js';
import { CARD_KINDS, DESCRIPTORS } from '../card-kinds.js';
import { hiddenFieldIds } from './definitions.js';
import { FIELDS } from './messages.js';

export type EntityType = 'CONTACT' | 'COMPANY' | 'DEAL';
export type Pool = 'Text' | 'Option' | 'Options' | 'Number' | 'Date' | 'DateTime' | 'Bool';

/** Slots per card table; schema.prisma declares exactly these columns. */
export const POOL_SIZE: Record<Pool, number> = { Text: 12, Option: 8, Options: 4, Number: 10, Date: 6, DateTime: 4, Bool: 4 };

/** The pool of each filterable-by-slot type. TEXTAREA and FILE stay in JSONB only. */
export const POOL_OF: Partial<Record<FieldType, Pool>> = {
  TEXT: 'Text',
  URL: 'Text',
  EMAIL: 'Text',
  PHONE: 'Text',
  SELECT: 'Option',
  MULTISELECT: 'Options',
  NUMBER: 'Number',
  MONEY: 'Number',
  FORMULA: 'Number',
  DATE: 'Date',
  DATETIME: 'DateTime',
  BOOLEAN: 'Bool',
};

/** The card table of each kind, as SQL names it. */
export const TABLE = Object.fromEntries(CARD_KINDS.map((k) => [k, DESCRIPTORS[k].typeName])) as Record<EntityType, string>;

/** How many characters of a text value the slot keeps (a btree entry has a size limit). */
export const TEXT_SLOT_LENGTH = 255;

export const textKey = (s: string) => s.toLowerCase().slice(0, TEXT_SLOT_LENGTH);

/**
 * Number slots are numeric(65, 10): 55 digits before the point. A formula result beyond that
 * keeps its exact value in JSONB but no slot copy, so it is left out of range filters.
 */
const numberSlot = (s: string) => {
  const point = s.indexOf('.');
  return (point < 0 ? s.length : point) - (s.startsWith('-') ? 1 : 0) <= 55 ? s : null;
};

/** Serializes card writes (shared) against option and slot changes (exclusive) of one entity type. */
export async function lockFields(tx: Tx, workspaceId: string, entityType: EntityType, mode: 'shared' | 'exclusive') {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.$queryRawUnsafe(`select 1 as ok from ${fn}(hashtextextended($1, 0))`, `custom-fields:${workspaceId}:${entityType}`);
}

/** Takes the lowest free slot of the type's pool, or null when it has none (or none is needed). */
export async function assignSlot(tx: Tx, workspaceId: string, entityType: EntityType, type: FieldType): Promise<string | null> {
  const pool = POOL_OF[type];
  if (!pool) return null;
  await lockFields(tx, workspaceId, entityType, 'exclusive');
  const used = await tx.customField.findMany({
    where: { workspaceId, entityType, slot: { startsWith: `cf${pool}` } },
    select: { slot: true },
  });
  const taken = new Set(used.map((u) => u.slot));
  for (let i = 1; i <= POOL_SIZE[pool]; i++) if (!taken.has(`cf${pool}${i}`)) return `cf${pool}${i}`;
  return null;
}

/**
 * The slot columns of a card for its stored values, to write with them. Call inside the write's
 * transaction: it takes the shared lock and reads the positions of the options the card holds,
 * refusing (naming the field) an option deleted since the values were checked.
 */
export async function slotColumns(
  tx: Tx,
  ctx: ServiceCtx,
  entityType: EntityType,
  defs: FieldDef[],
  values: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const slotted = defs.filter((d) => d.slot);
  if (!slotted.length) return {};
  return slotColumnsWith(ctx, entityType, defs, values, await lockedPositions(tx, ctx, entityType, defs, [values]));
}

/** The option ids the cards' slotted values hold, each once (one pass over a batch's cards). */
function optionIdsOf(defs: FieldDef[], cards: Record<string, unknown>[]) {
  const ids = new Set<string>();
  const choices = defs.filter((d) => d.slot && (d.type === 'SELECT' || d.type === 'MULTISELECT'));
  if (!choices.length) return ids;
  for (const values of cards) {
    for (const d of choices) {
      const v = values[d.key];
      if (v === undefined || v === null) continue;
      if (d.type === 'SELECT') ids.add(v as string);
      else for (const id of v as string[]) ids.add(id);
    }
  }
  return ids;
}

/**
 * Takes the shared lock and reads the positions of the options these cards hold, once for a
 * batch of card writes (slotColumnsWith then computes each card's columns from them).
 */
export async function lockedPositions(tx: Tx, ctx: ServiceCtx, entityType: EntityType, defs: FieldDef[], cards: Record<string, unknown>[]) {
  if (!defs.some((d) => d.slot)) return new Map<string, number>();
  await lockFields(tx, ctx.viewer.workspaceId, entityType, 'shared');
  const optionIds = [...optionIdsOf(defs, cards)];
  return new Map(
    optionIds.length
      ? (await tx.customFieldOption.findMany({ where: { id: { in: optionIds } }, select: { id: true, sortOrder: true } })).map((o) => [o.id, o.sortOrder])
      : [],
  );
}

/** The slot columns of a card, given the option positions `lockedPositions` read under the lock. */
export function slotColumnsWith(ctx: ServiceCtx, entityType: EntityType, defs: FieldDef[], values: Record<string, unknown>, positions: Map<string, number>) {
  const out: Record<string, unknown> = {};
  for (const d of defs) {
    if (!d.slot) continue;
    const v = values[d.key];
    if (v === undefined || v === null) {
      out[d.slot!] = d.type === 'MULTISELECT' ? [] : null;
      continue;
    }
    switch (d.type) {
      case 'SELECT':
      case 'MULTISELECT': {
        const ids = d.type === 'SELECT' ? [v as string] : (v as string[]);
        if (ids.some((id) => !positions.has(id))) {
          // A field hidden from the viewer is not named, even here.
          const which = hiddenFieldIds(ctx.viewer, entityType, defs).has(d.id) ? FIELDS.hiddenOne() : FIELDS.fieldName({ name: d.name });
          throw ValidationError.field('customFields', FIELDS.optionRemoved({ which }));
        }
        out[d.slot!] = d.type === 'SELECT' ? positions.get(v as string) : ids;
        break;
      }
      case 'MONEY':
        out[d.slot!] = numberSlot((v as { a: string }).a);
        break;
      case 'DATE':
        out[d.slot!] = new Date(`${v as string}T00:00:00Z`);
        break;
      case 'DATETIME':
        out[d.slot!] = new Date(v as string);
        break;
      case 'NUMBER':
      case 'FORMULA':
        out[d.slot!] = numberSlot(v as string);
        break;
      case 'BOOLEAN':
        out[d.slot!] = v;
        break;
      default:
        out[d.slot!] = textKey(v as string);
    }
  }
  return out;
}

/**
 * Brings a choice field's slot in step with its values after its options changed: SELECT slots
 * take the options' new positions, MULTISELECT slots holding `touched` options are rebuilt.
 * Runs inside the option change's transaction, under the exclusive lock.
 */
export async function resyncOptionSlot(
  tx: Tx,
  field: { workspaceId: string; entityType: EntityType; key: number; type: FieldType; slot: string | null },
  touched: string[] = [],
) {
  if (!field.slot) return;
  const table = TABLE[field.entityType];
  const col = `"${field.slot}"`;
  if (field.type === 'SELECT') {
    await tx.$executeRawUnsafe(
      `update "${table}" t set ${col} = o."sortOrder" from "CustomFieldOption" o
       where t."workspaceId" = $1::uuid and t.${col} is not null and o.id::text = t."customFields" ->> $2 and t.${col} is distinct from o."sortOrder"`,
      field.workspaceId,
      String(field.key),
    );
  } else if (field.type === 'MULTISELECT' && touched.length) {
    await tx.$executeRawUnsafe(
      `update "${table}" t set ${col} = array(select jsonb_array_elements_text(t."customFields" -> $2)::uuid)
       where t."workspaceId" = $1::uuid and t.${col} && $3::uuid[]`,
      field.workspaceId,
      String(field.key),
      touched,
    );
  }
}
