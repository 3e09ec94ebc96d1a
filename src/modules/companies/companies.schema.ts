// Companies and their queries and mutations.
import { builder } from '../../builder.js';
import { cardMutations, cardSystemFields } from '../cards/card-api.js';
import { authed } from '../../context.js';
import { DateTimeRange } from '../common/common.schema.js';
import { cardListArgs, COMMON_SORT_FIELDS, CustomFieldFilter, inScope, orderInput, registerNode } from '../cards/cards.schema.js';
import * as companies from './companies.service.js';

registerNode('Company');
cardSystemFields('COMPANY');

export const Company = builder.prismaNode('Company', {
  id: { field: 'id' },
  findUnique: inScope('COMPANY'),
  nullable: true,
  fields: (t) => ({
    address: t.exposeString('address', { nullable: true }),
    website: t.exposeString('website', { nullable: true }),
  }),
});

type Filter = companies.CompanyFilter;
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


const CompanyOrder = orderInput('Company', COMMON_SORT_FIELDS);
const ID_FIELDS = { responsibleIds: 'User' };


builder.queryField('companies', (t) =>
  t.prismaConnection({
    type: 'Company',
    cursor: 'id',
    authScopes: { member: true },
    args: {
      filter: t.arg({ type: CompanyFilter }),
      orderBy: t.arg({ type: [CompanyOrder], description: 'Newest first when left out.' }),
      inTrash: t.arg.boolean({ defaultValue: false, description: 'List the trash instead.' }),
    },
    resolve: (query, _r, a, ctx) => companies.listCompanies(authed(ctx), cardListArgs(a, ID_FIELDS), query),
    totalCount: (_c, a, ctx) => companies.countCompanies(authed(ctx), cardListArgs(a, ID_FIELDS)),
  }),
);

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
