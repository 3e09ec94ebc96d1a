// Custom field definitions as every card read and write needs them: the workspace's fields per
// entity type (read once per request), which of them the viewer's role hides, whether a field
// applies to a card, and formula results. The admin API that changes definitions lives in
// src/modules/custom-fields.
import type { ServiceCtx } from '../../context.js';
import { canRead, fieldLevel, type FieldLevel } from '../access/field-access.js';
import { perRequest } from '../../lib/per-request.js';
import type { FieldType } from '../../generated/prisma/enums.js';
import type { CardKind } from '../card-kinds.js';
import { evaluate, parseFormula, references } from './formula.js';
import { matchesAny, numeric, toGraphql, type FieldDef, type GraphqlValue } from './values.js';

export type EntityType = CardKind;

/**
 * The workspace's field definitions for an entity type, once per request, and kept across
 * requests until a definition changes (settingsChanged; lib/settings-epochs.ts). Inside a
 * transaction they are read afresh, as that transaction may be changing them.
 */
export function definitions(ctx: ServiceCtx, entityType: EntityType): Promise<FieldDef[]> {
  return perRequest(ctx, `fields:${entityType}`, () => {
    const read = () =>
      ctx.db.customField.findMany({
        where: { workspaceId: ctx.viewer.workspaceId, entityType },
        include: { options: { orderBy: { sortOrder: 'asc' } } },
        orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
      }) as Promise<FieldDef[]>;
    const epochs = keeping(ctx);
    return epochs ? epochs.keptList(ctx.viewer.workspaceId, `fields:${entityType}`, read) : read();
  });
}

/**
 * Where the workspace's settings read for `ctx` may be kept across requests: outside a
 * transaction only (one may be changing them, and its reads must not outlive it).
 */
export function keeping(ctx: ServiceCtx) {
  return ctx.db === ctx.deps.db ? ctx.deps.epochs : undefined;
}

/**
 * The fields hidden from the viewer: those their role has HIDDEN, formulas computed from a
 * hidden field (their result would give its value away), and fields shown only under a
 * condition on a hidden field (whether they show would give it away), transitively.
 */
export function hiddenFieldIds(viewer: ServiceCtx['viewer'], entityType: EntityType, defs: FieldDef[]): ReadonlySet<string> {
  // Once per list of definitions (read once per request, or kept across requests) and field
  // access: every card a request writes or shows asks again (a thousand in an imported batch).
  // Keyed by the access object, not the viewer: a live subscription's viewer is read again in
  // place when rights change (auth/live-viewer.ts), and its new field access is a new object.
  const access: object = viewer.isAdmin ? ADMIN : (viewer.fieldAccess ?? UNRESTRICTED);
  let byAccess = hiddenOf.get(defs);
  if (!byAccess) hiddenOf.set(defs, (byAccess = new WeakMap()));
  let hidden = byAccess.get(access);
  if (!hidden) byAccess.set(access, (hidden = hiddenAmong(viewer, entityType, defs)));
  return hidden;
}
const hiddenOf = new WeakMap<FieldDef[], WeakMap<object, ReadonlySet<string>>>();
const ADMIN = {};
const UNRESTRICTED = {};

function hiddenAmong(viewer: ServiceCtx['viewer'], entityType: EntityType, defs: FieldDef[]): Set<string> {
  const hidden = new Set(defs.filter((d) => !canRead(viewer, entityType, d.id)).map((d) => d.id));
  if (!hidden.size) return hidden;
  const byCode = new Map(defs.map((d) => [d.code, d]));
  for (let grew = true; grew;) {
    grew = false;
    for (const d of defs) {
      if (hidden.has(d.id)) continue;
      if (d.conditionFieldId && hidden.has(d.conditionFieldId)) {
        hidden.add(d.id);
        grew = true;
        continue;
      }
      if (d.type !== 'FORMULA' || !d.formula) continue;
      let refs: Set<string>;
      try {
        refs = references(parseFormula(d.formula));
      } catch {
        continue;
      }
      if ([...refs].some((code) => hidden.has(byCode.get(code)?.id ?? ''))) {
        hidden.add(d.id);
        grew = true;
      }
    }
  }
  return hidden;
}

/** The definitions the viewer may see (see hiddenFieldIds); all of them for most roles. */
export async function visibleDefinitions(ctx: ServiceCtx, entityType: EntityType): Promise<FieldDef[]> {
  return visibleAmong(ctx.viewer, entityType, await definitions(ctx, entityType));
}

/** Those of `defs` (the entity type's definitions, however read) the viewer may see: visibleDefinitions' rule. */
export function visibleAmong(viewer: ServiceCtx['viewer'], entityType: EntityType, defs: FieldDef[]): FieldDef[] {
  if (viewer.isAdmin || !viewer.fieldAccess?.[entityType]) return defs;
  const hidden = hiddenFieldIds(viewer, entityType, defs);
  return hidden.size ? defs.filter((d) => !hidden.has(d.id)) : defs;
}

/**
 * A card's custom values as the API shows them: formulas computed afresh (one defined or changed
 * after the card was last written shows its current result), then the filled values of the
 * `visible` fields that are not archived and apply, in field order.
 */
export function shownValues(defs: FieldDef[], visible: FieldDef[], stored: unknown): GraphqlValue[] {
  const values = { ...((stored ?? {}) as Record<string, unknown>) };
  recomputeFormulas(defs, values);
  const shown: GraphqlValue[] = [];
  for (const d of visible) if (!d.archived && values[d.key] !== undefined && applies(d, defs, values)) shown.push(toGraphql(d, values[d.key]));
  return shown;
}

/** Every custom field hidden from the viewer, of any entity type their role restricts. */
export async function hiddenFromViewer(ctx: { viewer: ServiceCtx['viewer'] | null }): Promise<Set<string>> {
  const v = ctx.viewer;
  if (!v || v.isAdmin || !v.fieldAccess) return new Set();
  const hidden = new Set<string>();
  for (const entityType of Object.keys(v.fieldAccess) as EntityType[]) {
    for (const id of hiddenFieldIds(v, entityType, await definitions(ctx as ServiceCtx, entityType))) hidden.add(id);
  }
  return hidden;
}

/** What the viewer may do with a field: a formula is never written, so at most READ. */
export async function accessTo(ctx: ServiceCtx, field: { id: string; entityType: EntityType; type: FieldType }): Promise<FieldLevel> {
  if (!(await visibleDefinitions(ctx, field.entityType)).some((d) => d.id === field.id)) return 'HIDDEN';
  const level = fieldLevel(ctx.viewer, field.entityType, field.id);
  return field.type === 'FORMULA' && level === 'EDIT' ? 'READ' : level;
}

/** A field applies unless its condition names another field's values and those are not held. */
export function applies(def: FieldDef, defs: FieldDef[], values: Record<string, unknown>) {
  if (!def.conditionFieldId) return true;
  const cond = defs.find((d) => d.id === def.conditionFieldId);
  if (!cond) return true;
  return matchesAny(values[cond.key], (def.conditionValues as unknown[]) ?? []);
}

/** Sets every formula's result in `values` from its inputs there (in place). */
export function recomputeFormulas(defs: FieldDef[], values: Record<string, unknown>) {
  const formulas = defs.filter((d) => d.type === 'FORMULA' && d.formula);
  if (!formulas.length) return;
  const byCode = new Map(defs.map((d) => [d.code, d]));
  // Formulas may use other formulas (cycles are refused on definition): settle in a few passes.
  for (let pass = 0; pass < formulas.length; pass++) {
    for (const f of formulas) {
      const expr = parseFormula(f.formula!);
      // Amounts in different currencies do not add up: such a card gets no result.
      const currencies = new Set(
        [...references(expr)].flatMap((code) => {
          const d = byCode.get(code);
          const m = d?.type === 'MONEY' ? (values[d.key] as { c?: string } | undefined) : undefined;
          return m?.c ? [m.c] : [];
        }),
      );
      if (currencies.size > 1) {
        delete values[f.key];
        continue;
      }
      const result = evaluate(expr, (code) => {
        const d = byCode.get(code);
        return d ? numeric(d, values[d.key]) : null;
      });
      if (result) values[f.key] = result.toDecimalPlaces(10).toFixed();
      else delete values[f.key];
    }
  }
}
