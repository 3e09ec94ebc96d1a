// Merging duplicates (SPEC §3): contacts or companies into one kept card. `mergePreview` answers,
// per field the viewer may see, each card's value and the one the kept card will take, so a
// client renders the choices; `merge` does it in one transaction through the kernel's write path:
// the kept card takes the chosen values (an ordinary updateRecord, so FIELD_CHANGED entries and
// `record.updated`), every timeline entry, task, file, deal, contact, lead, chat and e-mail thread
// of the others moves to it, the others go to the trash pointing at it (`mergedIntoId`), an audit
// entry is written and `record.merged` puts a MERGED entry on the kept card's timeline.
//
// Values with no choice: the kept card's, or when it is empty the first non-empty one of the
// merged cards in the order given. Phones, e-mails, tags and multiple-choice custom fields are
// joined (no choice). Fields the viewer may not edit (READ, HIDDEN, formulas, archived) keep the
// kept card's values; the merged cards keep theirs in the trash.
import { lockRows } from '../../lib/bulk-insert.js';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import * as v from '../../lib/validate.js';
import { assertLive, assertVersion, inOneTransaction, relinkRecords, snapshot, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import { assertCan } from '../../kernel/access/actions.js';
import { canRead, fieldLevel } from '../../kernel/access/field-access.js';
import { visible } from '../../kernel/access/visibility.js';
import { definitions, hiddenFieldIds } from '../../kernel/fields/definitions.js';
import { toInput, type FieldDef, type Stored } from '../../kernel/fields/values.js';
import type { FieldValueInput } from '../../kernel/fields/card-values.js';
import { descriptor } from '../../kernel/card-kinds.js';
import { cardTable, type CardRow } from '../../kernel/tables.js';
import { events } from '../../kernel/events.js';
import { displayValue } from '../timeline/timeline.service.js';
import { audit } from '../audit/audit.service.js';
import { LEADS } from './leads.messages.js';

export type MergeKind = 'CONTACT' | 'COMPANY';
/** The most cards merged into one at once. */
export const MAX_MERGED = 20;

/** The system fields a merge deals with, as the public `MergeField` enum names them. */
export type SystemField = 'NAME' | 'POSITION' | 'COMPANY' | 'ADDRESS' | 'WEBSITE' | 'RESPONSIBLE' | 'PHONES' | 'EMAILS';
type Spec = { field: SystemField; column: string; access?: string; joined?: boolean };
const SYSTEM: Record<MergeKind, Spec[]> = {
  CONTACT: [
    { field: 'NAME', column: 'name' },
    { field: 'POSITION', column: 'position' },
    { field: 'COMPANY', column: 'companyId' },
    { field: 'RESPONSIBLE', column: 'responsibleId', access: 'responsible' },
    { field: 'PHONES', column: 'phones', access: 'phones', joined: true },
    { field: 'EMAILS', column: 'emails', access: 'emails', joined: true },
  ],
  COMPANY: [
    { field: 'NAME', column: 'name' },
    { field: 'ADDRESS', column: 'address' },
    { field: 'WEBSITE', column: 'website' },
    { field: 'RESPONSIBLE', column: 'responsibleId', access: 'responsible' },
    { field: 'PHONES', column: 'phones', access: 'phones', joined: true },
    { field: 'EMAILS', column: 'emails', access: 'emails', joined: true },
  ],
};

/** Which card's value of a field the kept card takes: a system field or a custom field (ids decoded). */
export type MergeChoice = { field?: SystemField | null; customFieldId?: string | null; cardId: string };

export type Candidate = { cardId: string; value: string | null; stored?: Stored };
export type PreviewField = {
  field: SystemField | null;
  def: FieldDef | null;
  /** The values of every card are joined; no choice. */
  joined: boolean;
  /** The viewer may choose (EDIT); otherwise the kept card's value stays. */
  editable: boolean;
  candidates: Candidate[];
  /** The card whose value the kept card takes (null for joined fields). */
  chosenCardId: string | null;
  /** The value the kept card will hold, as shown. */
  result: string | null;
  stored?: Stored;
};
export type Preview = { kind: MergeKind; keepId: string; cardIds: string[]; fields: PreviewField[] };

type Row = CardRow & Record<string, unknown>;
type Cards = { keep: Row; merged: Row[] };

/** The kept and merged cards, live and visible; bad lists are a ValidationError, unknown cards NotFoundError. */
async function load(ctx: ServiceCtx, kind: MergeKind, keepId: string, mergeIds: string[]): Promise<Cards> {
  const issues = new IssueList();
  if (!mergeIds.length) issues.add('mergeIds', LEADS.mergeNone());
  if (mergeIds.length > MAX_MERGED) issues.add('mergeIds', LEADS.mergeTooMany({ max: MAX_MERGED }));
  mergeIds.forEach((id, i) => {
    if (id === keepId) issues.add(`mergeIds[${i}]`, LEADS.mergeSelf());
    else if (mergeIds.indexOf(id) < i) issues.add(`mergeIds[${i}]`, LEADS.mergeRepeated());
  });
  issues.throwIfAny();
  const rows = (await cardTable(ctx.db, kind).findMany({ where: { id: { in: [keepId, ...mergeIds] }, ...visible(ctx, kind) } })) as Row[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const keep = assertLive(kind, keepId, byId.get(keepId) ?? null);
  return { keep, merged: mergeIds.map((id) => assertLive(kind, id, byId.get(id) ?? null)) };
}

const emptyText = (x: unknown) => x === null || x === undefined || (typeof x === 'string' && x.trim() === '');
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const union = (lists: string[][]) => [...new Set(lists.flat())];

/**
 * What the merge will do: per field, each card's value and the one kept, and the write of the
 * kept card. Choices are checked here (issues named `choices[i]…`).
 */
async function plan(ctx: ServiceCtx, kind: MergeKind, { keep, merged }: Cards, choices: MergeChoice[], issues: IssueList) {
  const viewer = ctx.viewer;
  const cards = [keep, ...merged];
  const ids = new Set(cards.map((c) => c.id));
  const defs = await definitions(ctx, kind);
  const hidden = hiddenFieldIds(viewer, kind, defs);
  const chosen = new Map<string, string>();
  choices.forEach((c, i) => {
    const path = `choices[${i}]`;
    if ((c.field ? 1 : 0) + (c.customFieldId ? 1 : 0) !== 1) return issues.add(path, LEADS.mergeChoiceOne());
    if (!ids.has(c.cardId)) return issues.add(`${path}.cardId`, LEADS.mergeChoiceCard());
    let key: string;
    if (c.field) {
      const spec = SYSTEM[kind].find((s) => s.field === c.field);
      const at = `${path}.field`;
      if (!spec) return issues.add(at, LEADS.mergeNotChosen({ field: c.field }));
      if (spec.access && !canRead(viewer, kind, spec.access)) return issues.add(at, LEADS.mergeHidden({ field: c.field }));
      if (spec.joined) return issues.add(at, LEADS.mergeJoined({ field: c.field }));
      if (spec.access && fieldLevel(viewer, kind, spec.access) !== 'EDIT') return issues.add(at, LEADS.mergeReadOnly({ field: c.field }));
      key = c.field;
    } else {
      const at = `${path}.customFieldId`;
      // A field hidden from the viewer is unknown to them, as on every write.
      const def = hidden.has(c.customFieldId!) ? undefined : defs.find((d) => d.id === c.customFieldId);
      if (!def) return issues.add(at, v.noSuch('CustomField'));
      if (def.archived || def.type === 'FORMULA') return issues.add(at, LEADS.mergeNotWritten({ field: def.name }));
      if (def.type === 'MULTISELECT') return issues.add(at, LEADS.mergeJoined({ field: def.name }));
      if (fieldLevel(viewer, kind, def.id) !== 'EDIT') return issues.add(at, LEADS.mergeReadOnly({ field: def.name }));
      key = def.id;
    }
    if (chosen.has(key)) return issues.add(path, LEADS.mergeChosenTwice());
    chosen.set(key, c.cardId);
  });

  /** The card whose value is kept: the one chosen, else the kept card's unless empty, else the first merged one holding a value. */
  const pick = (key: string, empty: (c: Row) => boolean) => chosen.get(key) ?? (empty(keep) ? merged.find((m) => !empty(m))?.id : undefined) ?? keep.id;
  const byId = new Map(cards.map((c) => [c.id, c]));
  const fields: PreviewField[] = [];
  const write: CardWrite = { fields: {} };

  // Names of the users and companies the cards name, for the preview.
  const users = new Map(
    (
      await ctx.db.user.findMany({
        where: { id: { in: cards.map((c) => c.responsibleId) }, workspaceId: viewer.workspaceId },
        select: { id: true, name: true },
      })
    ).map((u) => [u.id, u.name]),
  );
  const companyIds = cards.map((c) => c.companyId as string | null | undefined).filter((x): x is string => !!x);
  // A company in the trash is no company to keep, nor one outside the viewer's VIEW scope to take
  // from a merged card; the kept card's own stays even when the viewer may not see it.
  const linked = companyIds.length
    ? await ctx.db.company.findMany({ where: { id: { in: companyIds }, workspaceId: viewer.workspaceId, deletedAt: null }, select: { id: true } })
    : [];
  const live = new Set(linked.map((c) => c.id));
  const seen = live.size
    ? await ctx.db.company.findMany({ where: { id: { in: [...live] }, ...visible(ctx, 'COMPANY') }, select: { id: true, name: true } })
    : [];
  const companies = new Map(seen.map((c) => [c.id, c.name]));

  for (const spec of SYSTEM[kind]) {
    if (spec.access && !canRead(viewer, kind, spec.access)) continue;
    const editable = !spec.access || fieldLevel(viewer, kind, spec.access) === 'EDIT';
    const raw = (c: Row) => c[spec.column];
    const show = (c: Row): string | null => {
      const x = raw(c);
      if (spec.field === 'RESPONSIBLE') return users.get(x as string) ?? null;
      if (spec.field === 'COMPANY') return x ? (companies.get(x as string) ?? null) : null;
      if (Array.isArray(x)) return x.length ? x.join(', ') : null;
      return emptyText(x) ? null : String(x);
    };
    const candidates = cards.map((c) => ({ cardId: c.id, value: show(c) }));
    if (spec.joined) {
      const all = union(cards.map((c) => raw(c) as string[]));
      const result = editable ? all : (raw(keep) as string[]);
      if (editable && all.length > (raw(keep) as string[]).length) write.fields![spec.column] = all;
      fields.push({ field: spec.field, def: null, joined: true, editable, candidates, chosenCardId: null, result: result.length ? result.join(', ') : null });
      continue;
    }
    const empty = (c: Row) => (spec.field === 'COMPANY' ? !(c === keep ? live : companies).has(c.companyId as string) : show(c) === null);
    const from = editable ? pick(spec.field, empty) : keep.id;
    const card = byId.get(from)!;
    fields.push({ field: spec.field, def: null, joined: false, editable, candidates, chosenCardId: from, result: show(card) });
    if (from === keep.id) continue;
    if (spec.field === 'RESPONSIBLE') {
      if (card.responsibleId !== keep.responsibleId) write.responsibleId = card.responsibleId;
    } else if (spec.field === 'COMPANY') {
      const to = card.companyId && companies.has(card.companyId as string) ? (card.companyId as string) : null;
      if (to !== keep.companyId) write.companyId = to;
    } else if (!same(raw(card), raw(keep))) {
      write.fields![spec.column] = emptyText(raw(card)) ? null : raw(card);
    }
  }

  // Tags are joined.
  const tagRows =
    kind === 'CONTACT'
      ? (await ctx.db.contactTag.findMany({ where: { contactId: { in: [...ids] } }, select: { contactId: true, tag: { select: { name: true } } } })).map(
          (t) => ({
            id: t.contactId,
            name: t.tag.name,
          }),
        )
      : (await ctx.db.companyTag.findMany({ where: { companyId: { in: [...ids] } }, select: { companyId: true, tag: { select: { name: true } } } })).map(
          (t) => ({
            id: t.companyId,
            name: t.tag.name,
          }),
        );
  const keptTags = tagRows.filter((t) => t.id === keep.id).map((t) => t.name);
  const allTags = union([keptTags, tagRows.map((t) => t.name)]);
  if (allTags.length > keptTags.length) write.tags = allTags;

  const inputs: FieldValueInput[] = [];
  for (const def of defs) {
    if (hidden.has(def.id) || def.archived) continue;
    const value = (c: Row) => ((c.customFields ?? {}) as Record<string, Stored | undefined>)[def.key];
    if (cards.every((c) => value(c) === undefined)) continue;
    const candidates = cards.map((c) => ({ cardId: c.id, value: displayValue(def, value(c)), stored: value(c) }));
    const editable = def.type !== 'FORMULA' && fieldLevel(viewer, kind, def.id) === 'EDIT';
    if (def.type === 'MULTISELECT' && editable) {
      const held = new Set(cards.flatMap((c) => (value(c) as string[] | undefined) ?? []));
      const all = def.options.filter((o) => held.has(o.id)).map((o) => o.id);
      if (!same(all, value(keep))) inputs.push({ fieldId: def.id, value: { optionIds: all } });
      fields.push({ field: null, def, joined: true, editable, candidates, chosenCardId: null, result: displayValue(def, all), stored: all });
      continue;
    }
    // A formula is computed afresh from the values kept.
    const from = editable ? pick(def.id, (c) => value(c) === undefined) : keep.id;
    const held = value(byId.get(from)!);
    fields.push({
      field: null,
      def,
      joined: false,
      editable,
      candidates,
      chosenCardId: def.type === 'FORMULA' ? null : from,
      result: displayValue(def, held),
      stored: held,
    });
    if (from !== keep.id && !same(held, value(keep))) inputs.push({ fieldId: def.id, value: held === undefined ? null : toInput(def, held) });
  }
  if (inputs.length) write.customFields = inputs;
  return { fields, write };
}

/** Per field, each card's value and the one the kept card will take; fields hidden from the viewer are left out. */
export async function mergePreview(ctx: ServiceCtx, kind: MergeKind, keepId: string, mergeIds: string[], choices: MergeChoice[] = []): Promise<Preview> {
  const cards = await load(ctx, kind, keepId, mergeIds);
  const issues = new IssueList();
  const { fields } = await plan(ctx, kind, cards, choices, issues);
  issues.throwIfAny();
  return { kind, keepId, cardIds: [keepId, ...mergeIds], fields };
}

/**
 * Merges `mergeIds` into `keepId` (at `version`): needs EDIT on the kept card and DELETE on each
 * merged one. Everything happens in one transaction or not at all. Answers the kept card.
 */
export async function merge(ctx: ServiceCtx, kind: MergeKind, keepId: string, version: number, mergeIds: string[], choices: MergeChoice[] = []) {
  const cards = await load(ctx, kind, keepId, mergeIds);
  const { keep, merged } = cards;
  assertVersion(kind, keep, version);
  const d = descriptor(kind);
  await assertCan(ctx, `${d.table}:edit`, keep);
  for (const m of merged) await assertCan(ctx, `${d.table}:delete`, m);
  const issues = new IssueList();
  const { write } = await plan(ctx, kind, cards, choices, issues);
  issues.throwIfAny();
  const ws = ctx.viewer.workspaceId;
  const gone = merged.map((m) => m.id);
  return inOneTransaction(ctx, async (t, tx) => {
    // Every card of the merge locked first, in one order: two merges over the same cards (A into
    // B while B into A) then wait for each other instead of deadlocking, and the second finds
    // the first's outcome (ConflictError, or a card in the trash).
    await lockRows(tx, d.typeName, [keepId, ...gone]);
    // Always written, even with nothing to take: the version moves and live views hear of it.
    const kept = await updateRecord(t, kind, keepId, version, write, issues);
    const card = { entityType: kind, cardId: { in: gone }, workspaceId: ws };
    await tx.timelineEntry.updateMany({ where: card, data: { cardId: keepId } });
    await tx.attachment.updateMany({ where: card, data: { cardId: keepId } });
    await tx.mailMessage.updateMany({ where: card, data: { cardId: keepId } });
    if (kind === 'CONTACT') {
      // Deals: the others' links become the kept one's, one link per deal.
      const links = await tx.dealContact.findMany({
        where: { contactId: { in: [keepId, ...gone] } },
        select: { dealId: true, contactId: true, position: true },
      });
      const linked = new Set(links.filter((l) => l.contactId === keepId).map((l) => l.dealId));
      const moved = [...new Map(links.filter((l) => l.contactId !== keepId && !linked.has(l.dealId)).map((l) => [l.dealId, l.position])).entries()];
      await tx.dealContact.deleteMany({ where: { contactId: { in: gone } } });
      if (moved.length) await tx.dealContact.createMany({ data: moved.map(([dealId, position]) => ({ dealId, contactId: keepId, position })) });
      await relinkRecords(tx, t, 'DEAL', [...new Set(links.filter((l) => l.contactId !== keepId).map((l) => l.dealId))]);
      await tx.task.updateMany({ where: { workspaceId: ws, contactId: { in: gone } }, data: { contactId: keepId } });
      await tx.incomingLead.updateMany({ where: { workspaceId: ws, contactId: { in: gone } }, data: { contactId: keepId } });
      await tx.chatPerson.updateMany({ where: { contactId: { in: gone } }, data: { contactId: keepId } });
    } else {
      const where = { workspaceId: ws, companyId: { in: gone } };
      await relinkRecords(
        tx,
        t,
        'DEAL',
        (await tx.deal.findMany({ where, select: { id: true } })).map((x) => x.id),
        { companyId: keepId },
      );
      await relinkRecords(
        tx,
        t,
        'CONTACT',
        (await tx.contact.findMany({ where, select: { id: true } })).map((x) => x.id),
        { companyId: keepId },
      );
      await tx.task.updateMany({ where, data: { companyId: keepId } });
      await tx.incomingLead.updateMany({ where, data: { companyId: keepId } });
    }
    const trashed = [];
    for (const m of merged) trashed.push(await trashRecord(t, kind, m.id, m.version, { mergedIntoId: keepId }));
    const names = merged.map((m) => ({ id: m.id, name: m.name as string }));
    await events.emit(tx, t, 'record.merged', [
      { kind, workspaceId: ws, actorId: ctx.viewer.userId, occurredAt: new Date().toISOString(), recordId: keepId, merged: names },
    ]);
    await audit(
      tx,
      ctx.viewer,
      'CARDS_MERGED',
      { type: d.typeName as 'Contact' | 'Company', id: keepId },
      { kept: snapshot(keep), merged: merged.map(snapshot) },
      {
        kept: snapshot(kept),
        mergedIds: gone,
        choices: choices.map((c) => ({ field: c.field ?? null, customFieldId: c.customFieldId ?? null, cardId: c.cardId })),
      },
    );
    return kept;
  });
}
