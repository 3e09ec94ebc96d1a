// Contacts (people): create, update, trash and restore, and the filtered list.
import type { ServiceCtx } from '../../context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import * as cards from '../../kernel/lists.js';
import { registerListHooks } from '../../kernel/lists.js';
import { viewable } from '../../kernel/access/visibility.js';

type Query = { include?: object; select?: object };

// An interface, because a filter nests itself (and / or).
export interface ContactFilter extends cards.CommonFilter<ContactFilter> {
  companyIds?: string[] | null;
}

export type ContactSortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'LAST_ACTIVITY_AT';

export type ListArgs = { filter?: ContactFilter | null; orderBy?: cards.SortInput<ContactSortField>[] | null; inTrash?: boolean | null };

/** A company filter matches only through companies the viewer may see. */
const companyFilter = (ctx: ServiceCtx) => (f: ContactFilter) =>
  f.companyIds?.length ? [{ companyId: { in: f.companyIds }, company: { AND: [viewable(ctx.viewer, 'COMPANY')] } }] : [];

registerListHooks<ContactFilter>('CONTACT', { own: companyFilter });

export function listContacts(ctx: ServiceCtx, args: ListArgs, query: Query & cards.Page) {
  return cards.listCards<Prisma.ContactModel, ContactFilter, ContactSortField>(ctx, 'CONTACT', args, query);
}

export function countContacts(ctx: ServiceCtx, args: ListArgs) {
  return cards.countCards(ctx, 'CONTACT', args);
}
