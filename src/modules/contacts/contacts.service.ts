// Contacts: their own filter key (companies), on top of what every card list has.
import type { ServiceCtx } from '../../context.js';
import * as cards from '../../kernel/lists.js';
import { registerListHooks } from '../../kernel/lists.js';
import { viewable } from '../../kernel/access/visibility.js';

// An interface, because a filter nests itself (and / or).
export interface ContactFilter extends cards.CommonFilter<ContactFilter> {
  companyIds?: string[] | null;
}

/** A company filter matches only through companies the viewer may see. */
const companyFilter = (ctx: ServiceCtx) => (f: ContactFilter) =>
  f.companyIds?.length ? [{ companyId: { in: f.companyIds }, company: { AND: [viewable(ctx.viewer, 'COMPANY')] } }] : [];

registerListHooks<ContactFilter>('CONTACT', { own: companyFilter });
