// File uploads (GraphQL multipart requests, read by yoga), attachments and their download URLs.
import { withId } from '../../lib/prisma-query.js';
import { GraphQLError } from 'graphql';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import { cardRef } from '../timeline/timeline.schema.js';
import { findCard } from '../timeline/timeline.service.js';
import { canSee } from '../../kernel/access/visibility.js';
import * as files from './files.service.js';

registerNode('Attachment');

builder.scalarType('Upload', {
  description: 'A file sent as a part of a GraphQL multipart request (the GraphQL multipart request spec).',
  serialize: () => {
    throw new GraphQLError('Upload is an input-only type');
  },
  parseValue: (v) => {
    // Multipart requests' files are Node's own (lib/uploads.ts).
    if (v instanceof File) return v;
    throw new GraphQLError('Upload must be a file part of a multipart request');
  },
});

const TYPENAME = { DEAL: 'Deal', CONTACT: 'Contact', COMPANY: 'Company' } as const;

builder.prismaNode('Attachment', {
  id: { field: 'id' },
  // A file the viewer may not see (files.canSeeAttachment) is not found.
  findUnique: async (id, ctx) => seenOrNowhere(!ctx.viewer || !!(await files.visibleAttachment(authed(ctx), id)), id, ctx),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    contentType: t.exposeString('contentType'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    url: t.string({
      description: 'Where to GET the file, with the same Authorization header as GraphQL requests.',
      resolve: (a) => `/files/${encodeURIComponent(encodeGlobalId('Attachment', a.id))}`,
    }),
    cardId: t.id({
      nullable: true,
      description: 'The card it is attached to; null when none, or when the viewer may not see that card.',
      resolve: async (a, _args, ctx) =>
        a.cardId && a.entityType && (await canSee(authed(ctx), a.entityType, a.cardId)) ? encodeGlobalId(TYPENAME[a.entityType], a.cardId) : null,
    }),
    uploadedBy: t.relation('uploadedBy', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('uploadFile', (t) =>
  t.prismaField({
    type: 'Attachment',
    authScopes: { writer: true },
    description: 'Stores a file; with cardId it is attached to that card and shown in its timeline. FILE custom fields take its id.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'attachment' } },
    args: { file: t.arg({ type: 'Upload', required: true }), cardId: t.arg.id() },
    resolve: async (query, _r, a, ctx) => {
      const card = a.cardId ? cardRef(a.cardId) : null;
      const row = await files.uploadFile(authed(ctx), a.file, card);
      return ctx.db.attachment.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.queryField('attachments', (t) =>
  t.prismaField({
    type: ['Attachment'],
    authScopes: { member: true },
    description: "A card's attachments, newest first.",
    args: { cardId: t.arg.id({ required: true }) },
    resolve: async (query, _r, a, ctx) => {
      const sctx = authed(ctx);
      const card = cardRef(a.cardId);
      await findCard(sctx, card, false);
      return ctx.db.attachment.findMany({
        ...query,
        where: { workspaceId: sctx.viewer.workspaceId, cardId: card.id },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
);
