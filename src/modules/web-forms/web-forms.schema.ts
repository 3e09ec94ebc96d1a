// Web forms: `createWebForm` and `webForms` for administrators; the public endpoint that takes
// submissions is web-forms.http.ts.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, IdParser } from '../../lib/ids.js';
import { withId } from '../../lib/prisma-query.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import * as forms from './web-forms.service.js';

registerNode('WebForm');

const WebFormTarget = builder.enumType('WebFormTarget', {
  values: { LEAD: { description: 'An incoming lead in the inbox.' }, DEAL: { description: 'A contact and a deal in the form’s pipeline and stage.' } },
});
const WebFormFieldTarget = builder.enumType('WebFormFieldTarget', {
  values: {
    NAME: { description: "The contact's name." },
    PHONE: { description: "A phone number, read in the workspace's region." },
    EMAIL: { description: 'An e-mail address.' },
    COMPANY: { description: 'The company name.' },
    MESSAGE: { description: 'The message: a note on the deal, the message of a lead.' },
    CUSTOM: { description: 'A custom field (of deals or contacts for a DEAL form), its value read as the field type demands.' },
    FILE: { description: 'Uploaded files (multipart), attached to the card.' },
  },
});

const WebFormField = builder.objectRef<forms.MappingEntry>('WebFormField').implement({
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The form field name the site sends.' }),
    target: t.field({ type: WebFormFieldTarget, resolve: (f) => f.target }),
    customFieldId: t.id({ nullable: true, resolve: (f) => (f.customFieldId ? encodeGlobalId('CustomField', f.customFieldId) : null) }),
    required: t.boolean({ resolve: (f) => !!f.required }),
  }),
});

builder.prismaNode('WebForm', {
  id: { field: 'id' },
  findUnique: (id, ctx) => (ctx.viewer?.isAdmin ? inWorkspace(id, ctx) : inWorkspace('00000000-0000-0000-0000-000000000000', ctx)),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    key: t.exposeString('key', { description: 'Public: the site posts to /forms/<key>.' }),
    path: t.string({ resolve: (f) => `/forms/${f.key}` }),
    target: t.expose('target', { type: WebFormTarget }),
    fields: t.field({ type: [WebFormField], resolve: (f) => f.mapping as unknown as forms.MappingEntry[] }),
    pipelineId: t.id({ nullable: true, resolve: (f) => (f.pipelineId ? encodeGlobalId('Pipeline', f.pipelineId) : null) }),
    stageId: t.id({ nullable: true, resolve: (f) => (f.stageId ? encodeGlobalId('Stage', f.stageId) : null) }),
    responsibleId: t.id({ nullable: true, resolve: (f) => (f.responsibleId ? encodeGlobalId('User', f.responsibleId) : null) }),
    teamId: t.id({ nullable: true, resolve: (f) => (f.teamId ? encodeGlobalId('Team', f.teamId) : null) }),
    allowedOrigins: t.exposeStringList('allowedOrigins'),
    honeypot: t.exposeString('honeypot', { description: 'A field to hide from people; a submission that fills it is dropped.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const WebFormFieldInput = builder.inputType('WebFormFieldInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    target: t.field({ type: WebFormFieldTarget, required: true }),
    customFieldId: t.id(),
    required: t.boolean({ defaultValue: false }),
  }),
});

const CreateWebFormInput = builder.inputType('CreateWebFormInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    fields: t.field({ type: [WebFormFieldInput], required: true }),
    target: t.field({ type: WebFormTarget, defaultValue: 'LEAD' }),
    pipelineId: t.id({ description: 'DEAL forms: defaults to the first pipeline.' }),
    stageId: t.id({ description: "DEAL forms: defaults to the pipeline's first open stage." }),
    responsibleId: t.id({ description: 'Who gets every submission.' }),
    teamId: t.id({ description: "Or: the team's active members in turn." }),
    allowedOrigins: t.stringList({ description: 'Sites whose pages may post the form (https://example.com); browsers elsewhere are refused.' }),
    honeypot: t.string({ description: 'Defaults to "website".' }),
  }),
});

builder.queryField('webForms', (t) =>
  t.prismaField({
    type: ['WebForm'],
    authScopes: { member: true },
    resolve: (query, _r, _a, ctx) => forms.listWebForms(authed(ctx), query),
  }),
);

builder.mutationField('createWebForm', (t) =>
  t.prismaField({
    type: 'WebForm',
    authScopes: { writer: true },
    description: 'Sets up a web form and gives it a public key.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'form' } },
    args: { input: t.arg({ type: CreateWebFormInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const fields = input.fields.map((f, i) => ({ ...f, customFieldId: ids.one(`fields[${i}].customFieldId`, 'CustomField', f.customFieldId) }));
      const decoded = {
        ...input,
        target: input.target ?? 'LEAD',
        fields,
        pipelineId: ids.one('pipelineId', 'Pipeline', input.pipelineId),
        stageId: ids.one('stageId', 'Stage', input.stageId),
        responsibleId: ids.one('responsibleId', 'User', input.responsibleId),
        teamId: ids.one('teamId', 'Team', input.teamId),
      };
      const form = await forms.createWebForm(authed(ctx), decoded, ids.issues);
      return ctx.db.webForm.findUniqueOrThrow({ ...withId(query), where: { id: form.id } });
    },
  }),
);
