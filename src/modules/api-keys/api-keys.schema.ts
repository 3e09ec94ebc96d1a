// API keys: created by an administrator, acting with their rights within the key's scopes;
// listed and found by administrators only.
import { builder } from '../../builder.js';
import { authed, type Context } from '../../context.js';
import { parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import * as apiKeys from './api-keys.service.js';

registerNode('ApiKey');

/** Node lookup of what only administrators may list: others find nothing. */
const adminsOnly = (id: string, ctx: Context) => seenOrNowhere(!!ctx.viewer?.isAdmin, id, ctx);

const ApiKeyScope = builder.enumType('ApiKeyScope', { values: ['READ', 'WRITE'] as const });

export const ApiKey = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  findUnique: adminsOnly,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    scopes: t.expose('scopes', { type: [ApiKeyScope] }),
    user: t.relation('user', { description: 'The key acts with this user’s rights.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.prismaField({
    type: ['ApiKey'],
    authScopes: { member: true },
    description: 'API keys of the workspace (administrators only).',
    resolve: (q, _r, _a, ctx) => apiKeys.listApiKeys(authed(ctx), q),
  }),
);

type NewKey = { apiKey: { id: string }; key: string };
const CreatedApiKey = builder.objectRef<NewKey>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret, shown only this once.' }),
    apiKey: t.field({ type: ApiKey, resolve: (k) => k.apiKey as never }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    authScopes: { writer: true },
    description: 'Creates an API key acting as the calling administrator, limited to its scopes.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'created' } },
    args: {
      name: t.arg.string({ required: true }),
      scopes: t.arg({ type: [ApiKeyScope], required: true }),
    },
    resolve: (_r, a, ctx) => apiKeys.createApiKey(authed(ctx), a),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKey,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'apiKey' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => apiKeys.revokeApiKey(authed(ctx), parseId('ApiKey', a.id)),
  }),
);
