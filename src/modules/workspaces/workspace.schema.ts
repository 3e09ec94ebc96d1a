// The workspace (account) and its settings.
import { withId } from '../../lib/prisma-query.js';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import * as workspaces from './workspace.service.js';

export const Locale = builder.enumType('Locale', { values: ['ru', 'en'] as const });

export const Workspace = builder.prismaObject('Workspace', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone, e.g. Europe/Moscow.' }),
    currency: t.exposeString('currency', { description: 'Default ISO 4217 currency of new deals.' }),
    phoneRegion: t.exposeString('phoneRegion', {
      description: 'Country whose numbering is assumed for phones typed without a country code.',
    }),
    locale: t.expose('locale', { type: Locale }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('workspace', (t) =>
  t.prismaField({
    type: 'Workspace',
    authScopes: { member: true },
    resolve: (query, _r, _a, ctx) => authed(ctx).db.workspace.findUniqueOrThrow({ ...withId(query), where: { id: ctx.viewer!.workspaceId } }),
  }),
);

const UpdateWorkspaceInput = builder.inputType('UpdateWorkspaceInput', {
  fields: (t) => ({
    name: t.string(),
    timeZone: t.string(),
    currency: t.string(),
    phoneRegion: t.string(),
    locale: t.field({ type: Locale }),
  }),
});

builder.mutationField('updateWorkspace', (t) =>
  t.field({
    type: Workspace,
    authScopes: { writer: true },
    description: 'Changes workspace settings (administrators only).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'workspace' } },
    args: { input: t.arg({ type: UpdateWorkspaceInput, required: true }) },
    resolve: (_r, { input }, ctx) => workspaces.updateWorkspace(authed(ctx), input),
  }),
);
