// Mailboxes: personal (e-mails seen by the owner alone) and shared (seen by card rights).
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { parseId } from '../../lib/ids.js';
import { withId } from '../../lib/prisma-query.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { NOWHERE, registerNode } from '../cards/cards.schema.js';
import * as boxes from './mailboxes.service.js';

registerNode('Mailbox');

const Mailbox = builder.prismaNode('Mailbox', {
  id: { field: 'id' },
  nullable: true,
  // Another user's personal mailbox is not found.
  findUnique: (id, ctx) => ({
    id,
    workspaceId: ctx.viewer?.workspaceId ?? NOWHERE,
    ...(ctx.viewer?.isAdmin ? {} : { OR: [{ ownerId: null }, { ownerId: ctx.viewer?.userId ?? NOWHERE }] }),
  }),
  description: "An address e-mails are logged from (logEmail's mailbox). A personal mailbox's e-mails are seen by its owner alone.",
  fields: (t) => ({
    address: t.exposeString('address'),
    personal: t.boolean({ resolve: (m) => m.ownerId !== null }),
    owner: t.relation('owner', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('mailboxes', (t) =>
  t.prismaField({
    type: ['Mailbox'],
    authScopes: { member: true },
    description: 'Shared mailboxes and your personal ones (administrators: all).',
    resolve: (query, _r, _a, ctx) => boxes.listMailboxes(authed(ctx), query),
  }),
);

const CreateMailboxInput = builder.inputType('CreateMailboxInput', {
  fields: (t) => ({
    address: t.string({ required: true }),
    personal: t.boolean({ required: true, description: 'Yours alone; false registers a shared mailbox (administrators only).' }),
  }),
});

builder.mutationField('createMailbox', (t) =>
  t.prismaField({
    type: 'Mailbox',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'mailbox' } },
    args: { input: t.arg({ type: CreateMailboxInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const row = await boxes.createMailbox(authed(ctx), input);
      return ctx.db.mailbox.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

builder.mutationField('deleteMailbox', (t) =>
  t.field({
    type: Mailbox,
    authScopes: { writer: true },
    description: 'E-mails already logged keep their privacy.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'mailbox' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, a, ctx) => boxes.deleteMailbox(authed(ctx), parseId('Mailbox', a.id)),
  }),
);
