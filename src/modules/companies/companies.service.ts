// Companies: create, update, trash and restore, and the filtered list.
import type { ServiceCtx } from '../../context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';

type Query = { include?: object; select?: object };

// An interface, because a filter nests itself (and / or); a company has no keys of its own.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CompanyFilter extends cards.CommonFilter<CompanyFilter> {}

export type CompanySortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'LAST_ACTIVITY_AT';

export type ListArgs = { filter?: CompanyFilter | null; orderBy?: cards.SortInput<CompanySortField>[] | null; inTrash?: boolean | null };

export function listCompanies(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  return cards.listCards<Prisma.CompanyModel, CompanyFilter, CompanySortField>(ctx, 'COMPANY', args, query);
}

export function countCompanies(ctx: ServiceCtx, args: ListArgs) {
  return cards.countCards(ctx, 'COMPANY', args);
}
