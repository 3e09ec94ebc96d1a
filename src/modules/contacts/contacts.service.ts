// Contacts (people): create, update, trash and restore, and the filtered list.
import { assertEditable } from '../../kernel/access/field-access.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../cards/cards.service.js';
import * as timeline from '../timeline/timeline.service.js';
import { cardValues, definitions, visibleDefinitions, searchableValues, touchFields, valueColumns, type FieldValueInput } from '../custom-fields/custom-fields.service.js';

type Query = { include?: any; select?: any };

// An interface, because a filter nests itself (and / or).
export interface ContactFilter extends cards.CommonFilter<ContactFilter> {
  companyIds?: string[] | null;
}

export type ContactSortField = cards.CommonSortField;

export type ListArgs = { filter?: ContactFilter | null; orderBy?: cards.SortInput<ContactSortField>[] | null; inTrash?: boolean | null };

/** A company filter matches only through companies the viewer may see. */
const companyFilter = (ctx: ServiceCtx) => (f: ContactFilter) =>
  f.companyIds?.length ? [{ companyId: { in: f.companyIds }, company: { AND: [cards.viewable(ctx.viewer, 'company')] } }] : [];

/** The list's where and order, every bad filter or sort key reported at once. */
async function listQuery(ctx: ServiceCtx, args: ListArgs) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  // Only the fields the viewer can see may be filtered and sorted by.
  const defs = await visibleDefinitions(ctx, 'CONTACT');
  const details = await cards.searchesDetails(ctx, 'contact');
  const hidden = cards.hiddenSystemFields(ctx.viewer, 'contact');
  const issues = new IssueList();
  const where = { AND: [cards.cardScope(ctx, 'contact', !!args.inTrash), cards.cardFilter(args.filter ?? {}, { region: phoneRegion, defs, issues, own: companyFilter(ctx), details, hidden })] };
  const order = cards.orderBy(args.orderBy, cards.COMMON_SORT, { field: 'CREATED_AT', direction: 'DESC' }, defs, issues);
  issues.throwIfAny();
  return { where: where as Prisma.ContactWhereInput, order };
}

export async function listContacts(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  const { where, order } = await listQuery(ctx, args);
  return cards.pageCards(ctx, 'contact', where, order, query);
}

export async function countContacts(ctx: ServiceCtx, args: ListArgs) {
  return ctx.db.contact.count({ where: (await listQuery(ctx, args)).where });
}

export function findContact(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.contact.findFirst({ ...query, where: { id, ...cards.visible(ctx, 'contact') } });
}

const fields = (region: string) =>
  z.object({
    name: v.name(255),
    position: v.optionalText(255),
    phones: v.phones(region).default([]),
    emails: v.emails.default([]),
    tags: v.tags.default([]),
  });

export type ContactInput = {
  customFields?: FieldValueInput[] | null;
  name?: string | null;
  position?: string | null;
  phones?: string[] | null;
  emails?: string[] | null;
  tags?: string[] | null;
  companyId?: string | null;
  responsibleId?: string | null;
};

/** `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createContact(ctx: ServiceCtx, input: ContactInput, issues = new IssueList()) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  assertEditable(ctx.viewer, 'CONTACT', { responsible: input.responsibleId ?? undefined, phones: input.phones ?? undefined, emails: input.emails ?? undefined });
  const responsibleId = await cards.checkResponsible(ctx, issues, input.responsibleId);
  await cards.assertCreate(ctx, 'contact', responsibleId);
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  const cf = await cardValues(ctx, 'CONTACT', {}, input.customFields, issues, true);
  const data = v.parseInput(fields(phoneRegion), cards.given({ ...input, phones: input.phones ?? undefined, emails: input.emails ?? undefined, tags: input.tags ?? undefined }), issues.issues);
  const ws = ctx.viewer.workspaceId;
  const custom = await searchableValues(ctx, 'CONTACT', cf!.values);
  const saved = await ctx.db.$transaction(async (tx) => {
    const c = await tx.contact.create({
      data: {
        workspaceId: ws,
        name: data.name,
        position: data.position ?? null,
        phones: data.phones,
        emails: data.emails,
        companyId: input.companyId ?? null,
        responsibleId,
        createdById: ctx.viewer.userId,
        updatedById: ctx.viewer.userId,
        ...(await valueColumns(tx, ctx, 'CONTACT', cf!)),
        searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }, custom),
      },
    });
    await touchFields(tx, cf!.written);
    await cards.setTags(tx, 'contact', ws, c.id, data.tags);
    await timeline.record(tx, ctx, { entityType: 'CONTACT', id: c.id }, [timeline.created()]);
    return c;
  });
  // Subscribers of the card's timeline learn of its entries now, not at the next outbox poll.
  ctx.deps.outbox.kick();
  return saved;
}

export async function updateContact(ctx: ServiceCtx, id: string, version: number, input: ContactInput, issues = new IssueList()) {
  const current = cards.assertLive('contact', id, await findContact(ctx, id));
  cards.assertVersion('contact', current, version);
  await cards.assertRight(ctx, 'contact', 'EDIT', current.responsibleId);
  assertEditable(ctx.viewer, 'CONTACT', { responsible: input.responsibleId, phones: input.phones, emails: input.emails });
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  const responsibleId =
    input.responsibleId !== undefined ? await cards.checkResponsible(ctx, issues, input.responsibleId) : undefined;
  await cards.assertHandover(ctx, 'CONTACT', current.responsibleId, responsibleId, issues);
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  const companyId = await cards.keptCompany(ctx, input.companyId, current.companyId);
  const merged = {
    name: input.name ?? current.name,
    position: input.position !== undefined ? input.position : current.position,
    phones: input.phones ?? current.phones,
    emails: input.emails ?? current.emails,
    tags: input.tags ?? [],
  };
  const cf = await cardValues(ctx, 'CONTACT', current.customFields, input.customFields, issues, false);
  const data = v.parseInput(fields(phoneRegion), merged, issues.issues);
  const custom = await searchableValues(ctx, 'CONTACT', cf ? cf.values : current.customFields);
  const defs = await definitions(ctx, 'CONTACT');
  const saved = await ctx.db.$transaction(async (tx) => {
    await cards.bumpVersion(tx, 'contact', current, {
      name: data.name,
      position: data.position ?? null,
      phones: data.phones,
      emails: data.emails,
      ...(companyId !== undefined ? { companyId } : {}),
      ...(responsibleId ? { responsibleId } : {}),
      ...(cf ? await valueColumns(tx, ctx, 'CONTACT', cf) : {}),
      searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }, custom),
      ...cards.touched(ctx),
    });
    if (cf) await touchFields(tx, cf.written);
    if (input.tags) await cards.setTags(tx, 'contact', ctx.viewer.workspaceId, id, data.tags);
    const row = await tx.contact.findUniqueOrThrow({ where: { id } });
    await timeline.record(tx, ctx, { entityType: 'CONTACT', id }, timeline.changeEntries('CONTACT', current, row, defs));
    return row;
  });
  // Subscribers of the card's timeline learn of its entries now, not at the next outbox poll.
  ctx.deps.outbox.kick();
  return saved;
}

export function trashContact(ctx: ServiceCtx, id: string, version?: number | null) {
  return cards.trashCard(ctx, 'contact', id, version);
}

export function restoreContact(ctx: ServiceCtx, id: string) {
  return cards.restoreCard(ctx, 'contact', id);
}
