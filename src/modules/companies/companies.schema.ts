// Companies and their queries and mutations.
import { shown } from '../../kernel/access/field-access.js';
import { User } from '../users/users.schema.js';
import { builder, type InputFields } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { DateTimeRange, WRITE_ERRORS } from '../common/common.schema.js';
import { cardListArgs, COMMON_SORT_FIELDS, CustomFieldFilter, inScope, inWorkspace, orderInput, Phone, registerNode, Tag } from '../cards/cards.schema.js';
import * as companies from './companies.service.js';
import { customFieldsArg, decodeFieldInputs } from '../custom-fields/custom-fields.schema.js';

registerNode('Company');

export const Company = builder.prismaNode('Company', {
  id: { field: 'id' },
  findUnique: inScope('COMPANY'),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    address: t.exposeString('address', { nullable: true }),
    website: t.exposeString('website', { nullable: true }),
    phones: t.field({ type: [Phone], description: "Empty when the viewer's role hides phones.", select: { phones: true }, resolve: (c, _a, ctx) => shown(ctx.viewer, 'COMPANY', 'phones', c.phones, []) }),
    emails: t.stringList({ description: "Empty when the viewer's role hides e-mails.", select: { emails: true }, resolve: (c, _a, ctx) => shown(ctx.viewer, 'COMPANY', 'emails', c.emails, []) }),
    responsible: t.field({
      type: User,
      nullable: true,
      description: "Null when the viewer's role hides it.",
      select: (_a, _c, nested) => ({ responsible: nested(true) }),
      resolve: (c, _a, ctx) => shown(ctx.viewer, 'COMPANY', 'responsible', c.responsible, null),
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

const companyFields = (t: InputFields, create: boolean) => ({
  name: t.string({ required: create }),
  address: t.string(),
  website: t.string(),
  phones: t.stringList({ description: 'Any common format; numbers without a country code use the workspace phone region.' }),
  emails: t.stringList(),
  responsibleId: t.id({ description: create ? 'Defaults to the caller.' : undefined }),
  tags: t.stringList({ description: create ? 'Tag names; new ones are created.' : 'Replaces the tags when given.' }),
  customFields: customFieldsArg(t),
});

const CreateCompanyInput = builder.inputType('CreateCompanyInput', { fields: (t) => companyFields(t, true) });
const UpdateCompanyInput = builder.inputType('UpdateCompanyInput', {
  fields: (t) => ({ id: t.id({ required: true }), version: t.int({ required: true }), ...companyFields(t, false) }),
});

builder.mutationField('createCompany', (t) =>
  t.field({
    type: Company,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'company' } },
    args: { input: t.arg({ type: CreateCompanyInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      // Malformed ids travel on to be listed with the service's own findings.
      return companies.createCompany(authed(ctx), { ...input, responsibleId, customFields: decodeFieldInputs(ids, input.customFields) }, ids.issues);
    },
  }),
);

builder.mutationField('updateCompany', (t) =>
  t.field({
    type: Company,
    authScopes: { writer: true },
    description: 'Changes the fields given; leaves the rest as they are.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'company' } },
    args: { input: t.arg({ type: UpdateCompanyInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Company', input.id);
      const responsibleId = ids.one('responsibleId', 'User', input.responsibleId);
      if (!id) ids.done();
      const { version, ...rest } = input;
      return companies.updateCompany(authed(ctx), id, version, { ...rest, responsibleId, customFields: decodeFieldInputs(ids, rest.customFields) }, ids.issues);
    },
  }),
);

builder.mutationField('deleteCompany', (t) =>
  t.field({
    type: Company,
    authScopes: { writer: true },
    description: 'Moves the company to the trash, from which restoreCompany brings it back.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'company' } },
    args: { id: t.arg.id({ required: true }), version: t.arg.int() },
    resolve: (_r, a, ctx) => companies.trashCompany(authed(ctx), parseId('Company', a.id), a.version),
  }),
);

builder.mutationField('restoreCompany', (t) =>
  t.field({
    type: Company,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'company' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => companies.restoreCompany(authed(ctx), parseId('Company', a.id)),
  }),
);
