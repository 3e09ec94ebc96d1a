// Options of SELECT and MULTISELECT fields: adding, renaming, reordering, and removing one
// (moving the values that hold it to another option).
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { lockFields, resyncOptionSlot, TABLE } from '../../kernel/fields/slots.js';
import { findField, forget } from './definitions.service.js';
import { CUSTOM_FIELDS } from './custom-fields.messages.js';

export async function addOption(ctx: ServiceCtx, fieldId: string, label: string, position?: number | null) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const f = await findField(ctx, fieldId);
  if (f.type !== 'SELECT' && f.type !== 'MULTISELECT') throw ValidationError.field('fieldId', CUSTOM_FIELDS.optionsOnlyChoice());
  const clean = v.parseInput(z.object({ label: v.name(255) }), { label });
  if (f.options.some((o) => o.label.toLowerCase() === clean.label.toLowerCase())) throw ValidationError.field('label', CUSTOM_FIELDS.optionTaken());
  const order = f.options.map((o) => o.id);
  const pos = Math.max(0, Math.min(position ?? order.length, order.length));
  return ctx.db.$transaction(async (tx) => {
    await lockFields(tx, f.workspaceId, f.entityType, 'exclusive');
    const o = await tx.customFieldOption.create({ data: { fieldId, label: clean.label, sortOrder: pos } });
    order.splice(pos, 0, o.id);
    for (const [i, id] of order.entries()) await tx.customFieldOption.update({ where: { id }, data: { sortOrder: i } });
    await resyncOptionSlot(tx, f);
    await forget(ctx, tx);
    return tx.customFieldOption.findUniqueOrThrow({ where: { id: o.id } });
  });
}

async function findOption(ctx: ServiceCtx, id: string) {
  const o = await ctx.db.customFieldOption.findFirst({
    where: { id, field: { workspaceId: ctx.viewer.workspaceId } },
    include: { field: { include: { options: { orderBy: { sortOrder: 'asc' } } } } },
  });
  if (!o) throw new NotFoundError('CustomFieldOption', id);
  return o;
}

/** Renames or moves an option. Values refer to options by id, so no stored value changes. */
export async function updateOption(ctx: ServiceCtx, id: string, input: { label?: string | null; position?: number | null }) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const o = await findOption(ctx, id);
  const f = await findField(ctx, o.fieldId);
  let label: string | undefined;
  if (input.label !== undefined && input.label !== null) {
    label = v.parseInput(z.object({ label: v.name(255) }), { label: input.label }).label;
    if (f.options.some((x) => x.id !== id && x.label.toLowerCase() === label!.toLowerCase())) throw ValidationError.field('label', CUSTOM_FIELDS.optionTaken());
  }
  return ctx.db.$transaction(async (tx) => {
    if (label) await tx.customFieldOption.update({ where: { id }, data: { label } });
    if (input.position !== undefined && input.position !== null) {
      await lockFields(tx, f.workspaceId, f.entityType, 'exclusive');
      const order = f.options.map((x) => x.id).filter((x) => x !== id);
      order.splice(Math.max(0, Math.min(input.position, order.length)), 0, id);
      for (const [i, oid] of order.entries()) await tx.customFieldOption.update({ where: { id: oid }, data: { sortOrder: i } });
      await resyncOptionSlot(tx, f);
    }
    await forget(ctx, tx);
    return tx.customFieldOption.findUniqueOrThrow({ where: { id } });
  });
}

// A moved value is a change of the card: a client holding the old version must get a
// ConflictError, not write the removed option's value back over the moved one.
const BUMP = `"version" = "version" + 1, "updatedAt" = now()`;

/**
 * Removes an option. While cards, the field's default or another field's condition still hold
 * it, refused unless `moveToOptionId` names another option of the field: then those values move
 * to it in the same transaction.
 */
export async function deleteOption(ctx: ServiceCtx, id: string, moveToOptionId?: string | null) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const o = await findOption(ctx, id);
  const f = o.field;
  const key = String(f.key);
  const table = TABLE[f.entityType];
  if (moveToOptionId) {
    const target = await ctx.db.customFieldOption.findFirst({ where: { id: moveToOptionId, fieldId: f.id } });
    if (!target || target.id === id) throw ValidationError.field('moveToOptionId', CUSTOM_FIELDS.otherOption());
  }
  // Counted and moved under the exclusive lock card writes take shared (slots.ts): a card written
  // meanwhile is either counted and moved here, or refused for naming a removed option.
  return ctx.db.$transaction(async (tx) => {
    await lockFields(tx, f.workspaceId, f.entityType, 'exclusive');
    const inUse = await tx.$queryRawUnsafe<{ n: number }[]>(
      `select count(*)::int as n from "${table}" where "workspaceId" = $1::uuid and ("customFields" -> $2 = to_jsonb($3::text) or ("customFields" -> $2) @> jsonb_build_array($3::text))`,
      f.workspaceId,
      key,
      id,
    );
    const n = inUse[0].n;
    // A default or a condition naming a removed option would dangle: new cards would get an
    // option that no longer exists, and the conditional field would never apply again.
    const holds = (x: unknown) => x === id || (Array.isArray(x) && x.includes(id));
    const inDefault = holds(f.defaultValue);
    const conditioned = (await tx.customField.findMany({ where: { conditionFieldId: f.id }, select: { id: true, name: true, conditionValues: true } })).filter(
      (d) => ((d.conditionValues as unknown[]) ?? []).some(holds),
    );
    if ((n || inDefault || conditioned.length) && !moveToOptionId) {
      const conditions = conditioned.map((d) => d.name);
      throw ValidationError.field('id', CUSTOM_FIELDS.optionInUse({ cards: n, inDefault, conditions }));
    }
    if (n && moveToOptionId) {
      if (f.type === 'SELECT') {
        await tx.$executeRawUnsafe(
          `update "${table}" set "customFields" = jsonb_set("customFields", array[$2], to_jsonb($4::text)), ${BUMP} where "workspaceId" = $1::uuid and "customFields" -> $2 = to_jsonb($3::text)`,
          f.workspaceId,
          key,
          id,
          moveToOptionId,
        );
      } else {
        // MULTISELECT: replace the id, dropping a duplicate, keeping option order.
        await tx.$executeRawUnsafe(
          `update "${table}" t set "customFields" = jsonb_set(t."customFields", array[$2], (
             select coalesce(jsonb_agg(o.id order by o."sortOrder"), '[]'::jsonb) from "CustomFieldOption" o
             where o."fieldId" = $5::uuid and (o.id::text = $4 or (t."customFields" -> $2) @> jsonb_build_array(o.id::text)) and o.id::text <> $3)), ${BUMP}
           where t."workspaceId" = $1::uuid and (t."customFields" -> $2) @> jsonb_build_array($3::text)`,
          f.workspaceId,
          key,
          id,
          moveToOptionId,
          f.id,
        );
      }
    }
    if (moveToOptionId) {
      // SELECT values are an option id; MULTISELECT ones a list of them, kept in option order.
      const order = new Map(f.options.map((x) => [x.id, x.sortOrder]));
      const move = (x: unknown) =>
        Array.isArray(x)
          ? [...new Set(x.map((y) => (y === id ? moveToOptionId : y)))].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
          : x === id
            ? moveToOptionId
            : x;
      if (inDefault) await tx.customField.update({ where: { id: f.id }, data: { defaultValue: move(f.defaultValue) as Prisma.InputJsonValue } });
      for (const d of conditioned) {
        await tx.customField.update({ where: { id: d.id }, data: { conditionValues: (d.conditionValues as unknown[]).map(move) as Prisma.InputJsonValue } });
      }
    }
    await tx.customFieldOption.delete({ where: { id } });
    // The slot copies follow the moved values.
    await resyncOptionSlot(tx, f, [id]);
    await forget(ctx, tx);
    return o;
  });
}
