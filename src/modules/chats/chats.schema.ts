// Chat channels: `createChatChannel`, `chatChannels` and `deleteChatChannel` for administrators,
// and `sendChatMessage` to answer a person from their card. The inbound endpoint is chats.http.ts.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, IdParser, parseId } from '../../lib/ids.js';
import { withId } from '../../lib/prisma-query.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import { logMutation } from '../timeline/timeline.schema.js';
import * as chats from './chats.service.js';

registerNode('ChatChannel');

const ChatChannelKind = builder.enumType('ChatChannelKind', {
  values: {
    GENERIC: { description: 'Any site chat or messenger bridge: posts messages as JSON with an API key.' },
    TELEGRAM: { description: 'A Telegram bot: Telegram posts its Update objects (setWebhook with this channel’s url and secretToken).' },
  },
});
const ChatChannelTarget = builder.enumType('ChatChannelTarget', {
  values: { LEAD: { description: 'An incoming lead in the inbox.' }, DEAL: { description: 'A contact and a deal in the channel’s pipeline and stage.' } },
});

builder.prismaNode('ChatChannel', {
  id: { field: 'id' },
  findUnique: (id, ctx) => (ctx.viewer?.isAdmin ? inWorkspace(id, ctx) : inWorkspace('00000000-0000-0000-0000-000000000000', ctx)),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.expose('kind', { type: ChatChannelKind }),
    key: t.exposeString('key'),
    path: t.string({ description: 'Where the channel posts its messages.', resolve: (c) => `/integrations/chats/${c.key}/messages` }),
    secretToken: t.exposeString('secretToken', {
      nullable: true,
      description: 'TELEGRAM: give it to setWebhook as secret_token; Telegram sends it back with every update.',
    }),
    target: t.expose('target', { type: ChatChannelTarget }),
    pipelineId: t.id({ nullable: true, resolve: (c) => (c.pipelineId ? encodeGlobalId('Pipeline', c.pipelineId) : null) }),
    stageId: t.id({ nullable: true, resolve: (c) => (c.stageId ? encodeGlobalId('Stage', c.stageId) : null) }),
    responsibleId: t.id({ nullable: true, resolve: (c) => (c.responsibleId ? encodeGlobalId('User', c.responsibleId) : null) }),
    webhookId: t.id({
      nullable: true,
      description: 'The webhook replies are handed to (CHAT_MESSAGE_SENT deliveries).',
      resolve: (c) => (c.webhookId ? encodeGlobalId('Webhook', c.webhookId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateChatChannelInput = builder.inputType('CreateChatChannelInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Shown on the timeline entries and leads of the channel.' }),
    kind: t.field({ type: ChatChannelKind, defaultValue: 'GENERIC' }),
    target: t.field({ type: ChatChannelTarget, defaultValue: 'LEAD', description: "What a new person's first message makes." }),
    pipelineId: t.id({ description: 'DEAL: defaults to the first pipeline.' }),
    stageId: t.id({ description: "DEAL: defaults to the pipeline's first open stage." }),
    responsibleId: t.id({ description: 'Who gets new conversations; defaults to the API key’s user (GENERIC) or you (TELEGRAM).' }),
    webhookId: t.id({ description: 'The webhook replies are handed to; without one, sendChatMessage is refused.' }),
  }),
});

builder.queryField('chatChannels', (t) =>
  t.prismaField({
    type: ['ChatChannel'],
    authScopes: { member: true },
    resolve: (query, _r, _a, ctx) => chats.listChatChannels(authed(ctx), query),
  }),
);

builder.mutationField('createChatChannel', (t) =>
  t.prismaField({
    type: 'ChatChannel',
    authScopes: { writer: true },
    description: 'Connects a chat channel and gives it a public key (and, for Telegram, a secret token).',
    errors: { types: WRITE_ERRORS, dataField: { name: 'channel' } },
    args: { input: t.arg({ type: CreateChatChannelInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const decoded = {
        ...input,
        kind: input.kind ?? 'GENERIC',
        target: input.target ?? 'LEAD',
        pipelineId: ids.one('pipelineId', 'Pipeline', input.pipelineId),
        stageId: ids.one('stageId', 'Stage', input.stageId),
        responsibleId: ids.one('responsibleId', 'User', input.responsibleId),
        webhookId: ids.one('webhookId', 'Webhook', input.webhookId),
      };
      const channel = await chats.createChatChannel(authed(ctx), decoded, ids.issues);
      return ctx.db.chatChannel.findUniqueOrThrow({ ...withId(query), where: { id: channel.id } });
    },
  }),
);

builder.mutationField('deleteChatChannel', (t) =>
  t.prismaField({
    type: 'ChatChannel',
    authScopes: { writer: true },
    description: 'Disconnects a channel: its endpoint answers 404 from now on; what it brought stays on the cards.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'channel' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _r, a, ctx) => chats.deleteChatChannel(authed(ctx), parseId('ChatChannel', a.id), query),
  }),
);

const SendChatMessageInput = builder.inputType('SendChatMessageInput', {
  fields: (t) => ({
    cardId: t.id({ required: true, description: 'A deal or contact someone wrote to through a chat channel.' }),
    text: t.string({ required: true }),
    channelId: t.id({ description: 'Which conversation, when people wrote to the card through several channels; defaults to the latest.' }),
  }),
});

logMutation('sendChatMessage', SendChatMessageInput, (ctx, card, input) => {
  const ids = new IdParser();
  const channelId = ids.one('channelId', 'ChatChannel', input.channelId);
  ids.issues.throwIfAny();
  return chats.sendChatMessage(ctx, card, { text: input.text, channelId });
});
