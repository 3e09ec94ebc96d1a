// Companies: create, update, trash and restore, and the filtered list.
import { createRecord, restoreRecord, trashRecord, updateRecord, type CardWrite } from '../../kernel/records.js';
import type { ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';
import { registerListHooks } from '../../kernel/lists.js';
import { viewable, visible } from '../../kernel/access/visibility.js';
import { workspaceRegion } from '../../kernel/records.js';
import { visibleDefinitions, type FieldValueInput } from '../custom-fields/custom-fields.service.js';

type Query = { include?: object; select?: object };

// An interface, because a filter nests itself (and / or).
export interface CompanyFilter extends cards.CommonFilter<CompanyFilter> {}

export type CompanySortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'LAST_ACTIVITY_AT';

export type ListArgs = { filter?: CompanyFilter | null; orderBy?: cards.SortInput<CompanySortField>[] | null; inTrash?: boolean | null };

export function listCompanies(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  return cards.listCards<Prisma.CompanyModel, CompanyFilter, CompanySortField>(ctx, 'COMPANY', args, query);
}

export function countCompanies(ctx: ServiceCtx, args: ListArgs) {
  return cards.countCards(ctx, 'COMPANY', args);
}

export function findCompany(ctx: ServiceCtx, id: string, query: Query = {}) {
  return ctx.db.company.findFirst({ ...query, where: { id, ...visible(ctx, 'COMPANY') } });
}

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

function toWrite(input: CompanyInput): CardWrite {
  const { customFields, name, address, website, phones, emails, responsibleId, tags } = input;
  return { fields: { name, address, website, phones, emails }, responsibleId, tags, customFields };
}

/** `issues` may arrive holding the input's malformed ids, so one error names every bad field. */
export async function createCompany(ctx: ServiceCtx, input: CompanyInput, issues = new IssueList()) {
  return (await createRecord(ctx, 'COMPANY', toWrite(input), issues)) as unknown as Prisma.CompanyModel;
}

export async function updateCompany(ctx: ServiceCtx, id: string, version: number, input: CompanyInput, issues = new IssueList()) {
  return (await updateRecord(ctx, 'COMPANY', id, version, toWrite(input), issues)) as unknown as Prisma.CompanyModel;
}

export async function trashCompany(ctx: ServiceCtx, id: string, version?: number | null) {
  return (await trashRecord(ctx, 'COMPANY', id, version)) as unknown as Prisma.CompanyModel;
}

export async function restoreCompany(ctx: ServiceCtx, id: string) {
  return (await restoreRecord(ctx, 'COMPANY', id)) as unknown as Prisma.CompanyModel;
}
