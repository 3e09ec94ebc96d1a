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
  description:
    "An address e-mails are received by (POST /integrations/mail/<key>/messages), sent through (sendEmail) and logged from (logEmail's mailbox). A personal mailbox's e-mails are seen by its owner alone.",
  fields: (t) => ({
    address: t.exposeString('address'),
    personal: t.boolean({ resolve: (m) => m.ownerId !== null }),
    owner: t.relation('owner', { nullable: true }),
    key: t.string({
      nullable: true,
      description:
        'The inbound endpoint is POST /integrations/mail/<key>/messages. Shown to the owner of a personal mailbox and to administrators for a shared one.',
      resolve: (m, _a, ctx) => (boxes.managesMailbox(authed(ctx), m) ? m.key : null),
    }),
    smtpConfigured: t.boolean({ description: 'Whether sendEmail can send through it.', resolve: (m) => !!m.smtpUrl }),
    smtpServer: t.string({
      nullable: true,
      description: 'host:port of its SMTP server (never the credentials); to whoever may see its key.',
      resolve: (m, _a, ctx) => {
        if (!m.smtpUrl || !boxes.managesMailbox(authed(ctx), m)) return null;
        const u = new URL(m.smtpUrl);
        return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? '465' : '587')}`;
      },
    }),
    fromName: t.exposeString('fromName', { nullable: true, description: 'The display name of the sender on e-mails sent through it.' }),
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
    smtpUrl: t.string({ description: 'smtp://user:password@host:587 or smtps://user:password@host:465, for sendEmail.' }),
    fromName: t.string({ description: 'The display name of the sender on e-mails sent through it.' }),
  }),
});

const UpdateMailboxInput = builder.inputType('UpdateMailboxInput', {
  fields: (t) => ({
    smtpUrl: t.string({ description: 'A new SMTP server URL; null removes it; left out, it stays.' }),
    fromName: t.string({ description: 'null removes it; left out, it stays.' }),
    newKey: t.boolean({ description: 'Replace the inbound key (the old one stops working at once).' }),
  }),
});

builder.mutationField('updateMailbox', (t) =>
  t.prismaField({
    type: 'Mailbox',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'mailbox' } },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateMailboxInput, required: true }) },
    resolve: async (query, _r, { id, input }, ctx) => {
      const row = await boxes.updateMailbox(authed(ctx), parseId('Mailbox', id), input);
      return ctx.db.mailbox.findUniqueOrThrow({ ...withId(query), where: { id: row.id } });
    },
  }),
);

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
