// Contacts (people) and their queries and mutations.
import { shown } from '../../kernel/access/field-access.js';
import { User } from '../users/users.schema.js';
import { canSee, viewable } from '../../kernel/access/visibility.js';
import { builder, type InputFields } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { DateTimeRange, WRITE_ERRORS } from '../common/common.schema.js';
import { cardListArgs, COMMON_SORT_FIELDS, CustomFieldFilter, inScope, inWorkspace, orderInput, Phone, registerNode, Tag } from '../cards/cards.schema.js';
import { Company } from '../companies/companies.schema.js';
import * as contacts from './contacts.service.js';
import { customFieldsArg, decodeFieldInputs } from '../custom-fields/custom-fields.schema.js';

registerNode('Contact');

export const Contact = builder.prismaNode('Contact', {
  id: { field: 'id' },
  findUnique: inScope('CONTACT'),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    position: t.exposeString('position', { nullable: true }),
    phones: t.field({ type: [Phone], description: "Empty when the viewer's role hides phones.", select: { phones: true }, resolve: (c, _a, ctx) => shown(ctx.viewer, 'CONTACT', 'phones', c.phones, []) }),
    emails: t.stringList({ description: "Empty when the viewer's role hides e-mails.", select: { emails: true }, resolve: (c, _a, ctx) => shown(ctx.viewer, 'CONTACT', 'emails', c.emails, []) }),
    company: t.field({
      type: Company,
      nullable: true,
      description: 'The company, unless it is in the trash.',
      select: (_a, _c, nested) => ({ company: nested(true) }),
      // Left out when the viewer's role does not let them see it.
      resolve: async (c, _a, ctx) =>
        c.company && !c.company.deletedAt && (await canSee(authed(ctx), 'COMPANY', c.company.id)) ? c.company : null,
    }),
    responsible: t.field({
      type: User,
      nullable: true,
      description: "Null when the viewer's role hides it.",
      select: (_a, _c, nested) => ({ responsible: nested(true) }),
      resolve: (c, _a, ctx) => shown(ctx.viewer, 'CONTACT', 'responsible', c.responsible, null),
    }),
    tags: t.field({
      type: [Tag],
      select: (_a, _c, nested) => ({ tags: { select: { tag: nested(true) }, orderBy: { tag: { name: 'asc' } } } }),
      resolve: (c) => c.tags.map((x) => x.tag),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.relation('updatedBy', { nullable: true }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'Set while in the trash.' }),
    version: t.exposeInt('version', { description: 'Send it back with updates; a stale one gets ConflictError.' }),
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


const ContactOrder = orderInput('Contact', COMMON_SORT_FIELDS);
const ID_FIELDS = { responsibleIds: 'User', companyIds: 'Company' };


builder.queryField('contacts', (t) =>
  t.prismaConnection({
    type: 'Contact',
    cursor: 'id',
    authScopes: { member: true },
    args: {
      filter: t.arg({ type: ContactFilter }),
      orderBy: t.arg({ type: [ContactOrder], description: 'Newest first when left out.' }),
      inTrash: t.arg.boolean({ defaultValue: false, description: 'List the trash instead.' }),
    },
    resolve: (query, _r, a, ctx) => contacts.listContacts(authed(ctx), cardListArgs(a, ID_FIELDS), query),
    totalCount: (_c, a, ctx) => contacts.countContacts(authed(ctx), cardListArgs(a, ID_FIELDS)),
  }),
);

const contactFields = (t: InputFields, create: boolean) => ({
  name: t.string({ required: create }),
  position: t.string(),
  phones: t.stringList({ description: 'Any common format; numbers without a country code use the workspace phone region.' }),
  emails: t.stringList(),
  companyId: t.id(),
  responsibleId: t.id({ description: create ? 'Defaults to the caller.' : undefined }),
  tags: t.stringList({ description: create ? 'Tag names; new ones are created.' : 'Replaces the tags when given.' }),
  customFields: customFieldsArg(t),
});

const CreateContactInput = builder.inputType('CreateContactInput', { fields: (t) => contactFields(t, true) });
const UpdateContactInput = builder.inputType('UpdateContactInput', {
  fields: (t) => ({ id: t.id({ required: true }), version: t.int({ required: true }), ...contactFields(t, false) }),
});

function decodeInput<T extends { companyId?: string | null; responsibleId?: string | null; customFields?: Parameters<typeof decodeFieldInputs>[1] }>(ids: IdParser, input: T) {
  return {
    ...input,
    customFields: decodeFieldInputs(ids, input.customFields),
    companyId: ids.one('companyId', 'Company', input.companyId),
    responsibleId: ids.one('responsibleId', 'User', input.responsibleId),
  };
}

builder.mutationField('createContact', (t) =>
  t.field({
    type: Contact,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'contact' } },
    args: { input: t.arg({ type: CreateContactInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const data = decodeInput(ids, input);
      // Malformed ids travel on to be listed with the service's own findings.
      return contacts.createContact(authed(ctx), data, ids.issues);
    },
  }),
);

builder.mutationField('updateContact', (t) =>
  t.field({
    type: Contact,
    authScopes: { writer: true },
    description: 'Changes the fields given; leaves the rest as they are.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'contact' } },
    args: { input: t.arg({ type: UpdateContactInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Contact', input.id);
      const { version, ...rest } = decodeInput(ids, input);
      if (!id) ids.done();
      return contacts.updateContact(authed(ctx), id, version, { ...rest, name: rest.name }, ids.issues);
    },
  }),
);

builder.mutationField('deleteContact', (t) =>
  t.field({
    type: Contact,
    authScopes: { writer: true },
    description: 'Moves the contact to the trash, from which restoreContact brings it back.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'contact' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int() },
    resolve: (_r, a, ctx) => contacts.trashContact(authed(ctx), parseId('Contact', a.id), a.version),
  }),
);

builder.mutationField('restoreContact', (t) =>
  t.field({
    type: Contact,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'contact' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => contacts.restoreContact(authed(ctx), parseId('Contact', a.id)),
  }),
);
