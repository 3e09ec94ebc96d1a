// Companies and their queries and mutations.
import { builder } from '../../builder.js';
import { cardList, cardMutations, cardSystemFields } from '../cards/card-api.js';
import { DateTimeRange } from '../common/common.schema.js';
import { CustomFieldFilter, inScope, registerNode } from '../cards/cards.schema.js';
import type { CommonFilter } from '../../kernel/lists.js';

registerNode('Company');
cardSystemFields('COMPANY');

export const Company = builder.prismaNode('Company', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inScope('COMPANY'),
  nullable: true,
  fields: (t) => ({
    address: t.exposeString('address', { nullable: true }),
    website: t.exposeString('website', { nullable: true }),
  }),
});

// An interface, because a filter nests itself (and / or); a company has no keys of its own.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface Filter extends CommonFilter<Filter> {}
export const CompanyFilter = builder.inputRef<Filter>('CompanyFilter').implement({
  description: 'Every condition given must hold; `and` / `or` nest further filters.',
  fields: (t) => ({
    search: t.string({ description: 'Part of a name, e-mail or phone number (any common format).' }),
    responsibleIds: t.idList(),
    tags: t.stringList({ description: 'Cards with any of these tags.' }),
    createdAt: t.field({ type: DateTimeRange }),
    updatedAt: t.field({ type: DateTimeRange }),
    customFields: t.field({ type: [CustomFieldFilter], description: 'Conditions on custom fields; all must hold.' }),
    and: t.field({ type: [CompanyFilter] }),
    or: t.field({ type: [CompanyFilter] }),
  }),
});

export const ID_FIELDS = { responsibleIds: 'User' };

cardList('COMPANY', { filter: CompanyFilter, ids: ID_FIELDS });

cardMutations('COMPANY', {
  type: Company,
  fields: (t, create) => ({
    name: t.string({ required: create }),
    address: t.string(),
    website: t.string(),
    phones: t.stringList({ description: 'Any common format; numbers without a country code use the workspace phone region.' }),
    emails: t.stringList(),
  }),
  ids: { responsibleId: { type: 'User' } },
  updateDescription: 'Changes the fields given; leaves the rest as they are.',
});
