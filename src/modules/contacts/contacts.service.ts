// Contacts (people): create, update, trash and restore, and the filtered list.
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../cards/cards.service.js';
import { cardValues, touchFields, type FieldValueInput } from '../custom-fields/custom-fields.service.js';

type Query = { include?: any; select?: any };

// An interface, because a filter nests itself (and / or).
export interface ContactFilter extends cards.CommonFilter<ContactFilter> {
  companyIds?: string[] | null;
}

export type ContactSortField = cards.CommonSortField;

export async function contactWhere(ctx: ServiceCtx, filter: ContactFilter | null | undefined, inTrash = false) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  const own = (f: ContactFilter) => (f.companyIds?.length ? [{ companyId: { in: f.companyIds } }] : []);
  return { ...cards.cardScope(ctx, inTrash), ...cards.cardFilter(filter ?? {}, phoneRegion, own) } as Prisma.ContactWhereInput;
}

export type ListArgs = { filter?: ContactFilter | null; orderBy?: cards.SortInput<ContactSortField>[] | null; inTrash?: boolean | null };

export async function listContacts(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  return ctx.db.contact.findMany({
    ...query,
    where: await contactWhere(ctx, args.filter, !!args.inTrash),
    orderBy: cards.orderBy(args.orderBy, cards.COMMON_SORT, { field: 'CREATED_AT', direction: 'DESC' }),
  });
}

export async function countContacts(ctx: ServiceCtx, args: ListArgs) {
  return ctx.db.contact.count({ where: await contactWhere(ctx, args.filter, !!args.inTrash) });
}

export function findContact(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.contact.findFirst({ ...query, where: { id, workspaceId: ctx.viewer.workspaceId } });
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
  const responsibleId = await cards.checkResponsible(ctx, issues, input.responsibleId);
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  const cf = await cardValues(ctx, 'CONTACT', {}, input.customFields, issues, true);
  const data = v.parseInput(fields(phoneRegion), cards.given({ ...input, phones: input.phones ?? undefined, emails: input.emails ?? undefined, tags: input.tags ?? undefined }), issues.issues);
  const ws = ctx.viewer.workspaceId;
  return ctx.db.$transaction(async (tx) => {
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
        customFields: cf!.values,
        searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }),
      },
    });
    await touchFields(tx, cf!.written);
    await cards.setTags(tx, 'contact', ws, c.id, data.tags);
    return c;
  });
}

export async function updateContact(ctx: ServiceCtx, id: string, version: number, input: ContactInput, issues = new IssueList()) {
  const current = cards.assertLive('contact', id, await findContact(ctx, id));
  cards.assertVersion('contact', current, version);
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  const responsibleId =
    input.responsibleId !== undefined ? await cards.checkResponsible(ctx, issues, input.responsibleId) : undefined;
  if (input.companyId) await cards.checkCards(ctx, issues, 'company', 'companyId', [input.companyId], true);
  const merged = {
    name: input.name ?? current.name,
    position: input.position !== undefined ? input.position : current.position,
    phones: input.phones ?? current.phones,
    emails: input.emails ?? current.emails,
    tags: input.tags ?? [],
  };
  const cf = await cardValues(ctx, 'CONTACT', current.customFields, input.customFields, issues, false);
  const data = v.parseInput(fields(phoneRegion), merged, issues.issues);
  return ctx.db.$transaction(async (tx) => {
    await cards.bumpVersion(tx, 'contact', current, {
      name: data.name,
      position: data.position ?? null,
      phones: data.phones,
      emails: data.emails,
      ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
      ...(responsibleId ? { responsibleId } : {}),
      ...(cf ? { customFields: cf.values } : {}),
      searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }),
      ...cards.touched(ctx),
    });
    if (cf) await touchFields(tx, cf.written);
    if (input.tags) await cards.setTags(tx, 'contact', ctx.viewer.workspaceId, id, data.tags);
    return tx.contact.findUniqueOrThrow({ where: { id } });
  });
}

export function trashContact(ctx: ServiceCtx, id: string, version?: number | null) {
  return cards.trashCard(ctx, 'contact', id, version);
}

export function restoreContact(ctx: ServiceCtx, id: string) {
  return cards.restoreCard(ctx, 'contact', id);
}
