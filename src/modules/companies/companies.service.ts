// Companies: create, update, trash and restore, and the filtered list.
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
export interface CompanyFilter extends cards.CommonFilter<CompanyFilter> {}

export type CompanySortField = cards.CommonSortField;

export type ListArgs = { filter?: CompanyFilter | null; orderBy?: cards.SortInput<CompanySortField>[] | null; inTrash?: boolean | null };

/** The list's where and order, every bad filter or sort key reported at once. */
async function listQuery(ctx: ServiceCtx, args: ListArgs) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  // Only the fields the viewer can see may be filtered and sorted by.
  const defs = await visibleDefinitions(ctx, 'COMPANY');
  const details = await cards.searchesDetails(ctx, 'company');
  const hidden = cards.hiddenSystemFields(ctx.viewer, 'company');
  const issues = new IssueList();
  const where = { AND: [cards.cardScope(ctx, 'company', !!args.inTrash), cards.cardFilter(args.filter ?? {}, { region: phoneRegion, defs, issues, details, hidden })] };
  const order = cards.orderBy(args.orderBy, cards.COMMON_SORT, { field: 'CREATED_AT', direction: 'DESC' }, defs, issues);
  issues.throwIfAny();
  return { where: where as Prisma.CompanyWhereInput, order };
}

export async function listCompanies(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  const { where, order } = await listQuery(ctx, args);
  return cards.pageCards(ctx, 'company', where, order, query);
}

export async function countCompanies(ctx: ServiceCtx, args: ListArgs) {
  return ctx.db.company.count({ where: (await listQuery(ctx, args)).where });
}

export function findCompany(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.company.findFirst({ ...query, where: { id, ...cards.visible(ctx, 'company') } });
}

const fields = (region: string) =>
  z.object({
    name: v.name(255),
    address: v.optionalText(1000),
    website: v.url.nullish(),
    phones: v.phones(region).default([]),
    emails: v.emails.default([]),
    tags: v.tags.default([]),
  });

export type CompanyInput = {
  customFields?: FieldValueInput[] | null;
  name?: string | null;
  address?: string | null;
  website?: string | null;
  phones?: string[] | null;
  emails?: string[] | null;
  tags?: string[] | null;
  responsibleId?: string | null;
};

/** `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createCompany(ctx: ServiceCtx, input: CompanyInput, issues = new IssueList()) {
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  assertEditable(ctx.viewer, 'COMPANY', { responsible: input.responsibleId ?? undefined, phones: input.phones ?? undefined, emails: input.emails ?? undefined });
  const responsibleId = await cards.checkResponsible(ctx, issues, input.responsibleId);
  await cards.assertCreate(ctx, 'company', responsibleId);
  const cf = await cardValues(ctx, 'COMPANY', {}, input.customFields, issues, true);
  const data = v.parseInput(
    fields(phoneRegion),
    cards.given({ ...input, phones: input.phones ?? undefined, emails: input.emails ?? undefined, tags: input.tags ?? undefined }),
    issues.issues,
  );
  const ws = ctx.viewer.workspaceId;
  const custom = await searchableValues(ctx, 'COMPANY', cf!.values);
  const saved = await ctx.db.$transaction(async (tx) => {
    const c = await tx.company.create({
      data: {
        workspaceId: ws,
        name: data.name,
        address: data.address ?? null,
        website: data.website ?? null,
        phones: data.phones,
        emails: data.emails,
        responsibleId,
        createdById: ctx.viewer.userId,
        updatedById: ctx.viewer.userId,
        ...(await valueColumns(tx, ctx, 'COMPANY', cf!)),
        searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }, custom),
      },
    });
    await touchFields(tx, cf!.written);
    await cards.setTags(tx, 'company', ws, c.id, data.tags);
    await timeline.record(tx, ctx, { entityType: 'COMPANY', id: c.id }, [timeline.created()]);
    return c;
  });
  // Subscribers of the card's timeline learn of its entries now, not at the next outbox poll.
  ctx.deps.outbox.kick();
  return saved;
}

export async function updateCompany(ctx: ServiceCtx, id: string, version: number, input: CompanyInput, issues = new IssueList()) {
  const current = cards.assertLive('company', id, await findCompany(ctx, id));
  cards.assertVersion('company', current, version);
  await cards.assertRight(ctx, 'company', 'EDIT', current.responsibleId);
  assertEditable(ctx.viewer, 'COMPANY', { responsible: input.responsibleId, phones: input.phones, emails: input.emails });
  const { phoneRegion } = await cards.workspaceRegion(ctx);
  const responsibleId =
    input.responsibleId !== undefined ? await cards.checkResponsible(ctx, issues, input.responsibleId) : undefined;
  await cards.assertHandover(ctx, 'COMPANY', current.responsibleId, responsibleId, issues);
  const merged = {
    name: input.name ?? current.name,
    address: input.address !== undefined ? input.address : current.address,
    website: input.website !== undefined ? input.website : current.website,
    phones: input.phones ?? current.phones,
    emails: input.emails ?? current.emails,
    tags: input.tags ?? [],
  };
  const cf = await cardValues(ctx, 'COMPANY', current.customFields, input.customFields, issues, false);
  const data = v.parseInput(fields(phoneRegion), merged, issues.issues);
  const custom = await searchableValues(ctx, 'COMPANY', cf ? cf.values : current.customFields);
  const defs = await definitions(ctx, 'COMPANY');
  const saved = await ctx.db.$transaction(async (tx) => {
    await cards.bumpVersion(tx, 'company', current, {
      name: data.name,
      address: data.address ?? null,
      website: data.website ?? null,
      phones: data.phones,
      emails: data.emails,
      ...(responsibleId ? { responsibleId } : {}),
      ...(cf ? await valueColumns(tx, ctx, 'COMPANY', cf) : {}),
      searchText: cards.searchText({ names: [data.name], phones: data.phones, emails: data.emails }, custom),
      ...cards.touched(ctx),
    });
    if (cf) await touchFields(tx, cf.written);
    if (input.tags) await cards.setTags(tx, 'company', ctx.viewer.workspaceId, id, data.tags);
    const row = await tx.company.findUniqueOrThrow({ where: { id } });
    await timeline.record(tx, ctx, { entityType: 'COMPANY', id }, timeline.changeEntries('COMPANY', current, row, defs));
    return row;
  });
  // Subscribers of the card's timeline learn of its entries now, not at the next outbox poll.
  ctx.deps.outbox.kick();
  return saved;
}

export function trashCompany(ctx: ServiceCtx, id: string, version?: number | null) {
  return cards.trashCard(ctx, 'company', id, version);
}

export function restoreCompany(ctx: ServiceCtx, id: string) {
  return cards.restoreCard(ctx, 'company', id);
}
