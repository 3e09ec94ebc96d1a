// Contacts (people) and their queries and mutations.
import { canSee, viewable } from '../../kernel/access/visibility.js';
import { builder } from '../../builder.js';
import { cardList, cardMutations, cardSystemFields } from '../cards/card-api.js';
import { authed } from '../../context.js';
import { DateTimeRange } from '../common/common.schema.js';
import { CustomFieldFilter, inScope, registerNode } from '../cards/cards.schema.js';
import { Company } from '../companies/companies.schema.js';
import * as contacts from './contacts.service.js';

registerNode('Contact');
cardSystemFields('CONTACT');

export const Contact = builder.prismaNode('Contact', {
  id: { field: 'id' },
  // Select mode: only the columns the asked fields need are read.
  select: { id: true },
  findUnique: inScope('CONTACT'),
  nullable: true,
  fields: (t) => ({
    position: t.exposeString('position', { nullable: true }),
    company: t.field({
      type: Company,
      nullable: true,
      description: 'The company, unless it is in the trash.',
      select: (_a, _c, nested) => ({ company: nested({ select: { id: true, deletedAt: true } }) }),
      // Left out when the viewer's role does not let them see it.
      resolve: async (c, _a, ctx) => (c.company && !c.company.deletedAt && (await canSee(authed(ctx), 'COMPANY', c.company.id)) ? c.company : null),
    }),
  }),
});

builder.prismaObjectField('Company', 'contacts', (t) =>
  t.relation('contacts', {
    query: (_a, ctx) => ({ where: { deletedAt: null, AND: [viewable(authed(ctx).viewer, 'CONTACT')] }, orderBy: { name: 'asc' } }),
  }),
);

type Filter = contacts.ContactFilter;
export const ContactFilter = builder.inputRef<Filter>('ContactFilter').implement({
  description: 'Every condition given must hold; `and` / `or` nest further filters.',
  fields: (t) => ({
    search: t.string({ description: 'Part of a name, e-mail or phone number (any common format).' }),
    responsibleIds: t.idList(),
    companyIds: t.idList(),
    tags: t.stringList({ description: 'Cards with any of these tags.' }),
    createdAt: t.field({ type: DateTimeRange }),
    updatedAt: t.field({ type: DateTimeRange }),
    customFields: t.field({ type: [CustomFieldFilter], description: 'Conditions on custom fields; all must hold.' }),
    and: t.field({ type: [ContactFilter] }),
    or: t.field({ type: [ContactFilter] }),
  }),
});

export const ID_FIELDS = { responsibleIds: 'User', companyIds: 'Company' };

cardList('CONTACT', { filter: ContactFilter, ids: ID_FIELDS });

cardMutations('CONTACT', {
  type: Contact,
  fields: (t, create) => ({
    name: t.string({ required: create }),
    position: t.string(),
    phones: t.stringList({ description: 'Any common format; numbers without a country code use the workspace phone region.' }),
    emails: t.stringList(),
    companyId: t.id(),
  }),
  ids: { companyId: { type: 'Company' }, responsibleId: { type: 'User' } },
  updateDescription: 'Changes the fields given; leaves the rest as they are.',
});
