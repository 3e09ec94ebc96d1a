// `POST /integrations/chats/<channelKey>/messages`: a channel's inbound messages. A GENERIC
// channel takes the message JSON with an API key (WRITE scope) of the channel's workspace as the
// Bearer token and acts as the key's user; a TELEGRAM channel takes Telegram Bot API `Update`
// objects as Telegram sends them, checked by the X-Telegram-Bot-Api-Secret-Token header given to
// setWebhook, and acts as the user who connected the channel. Answers JSON: 200 with what the
// message made (`replayed` for one already taken; `ignored` for a Telegram update that is not a new
// message), 400 with every bad field, 401 without valid credentials, 404 for an unknown channel.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, ServiceCtx } from '../../context.js';
import * as v from '../../lib/validate.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { apiKeyViewer, guarded, jsonReplies, readJsonObject } from '../common/integration-http.js';
import { fromTelegram, inboundMessage, takeChatMessage, telegramUpdate } from './chats.service.js';
import { CHATS } from './chats.messages.js';

/** Base64 makes attachments a third larger: ten files near the size limit fit. */
const bodyLimit = (deps: AppDeps) => Math.ceil(deps.config.fileMaxBytes * 1.4) + 64 * 1024;

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const CHAT_PATH = /^\/integrations\/chats\/([A-Za-z0-9_-]{1,64})\/messages$/;

export function handleChatRequest(deps: AppDeps, key: string, req: IncomingMessage, res: ServerResponse) {
  const { send, fail, useLocale, failWith } = jsonReplies(req, res);
  return guarded(deps, res, 'chat message failed', async () => {
    if (req.method !== 'POST') return fail(405, CHATS.badBody());
    const channel = await deps.db.chatChannel.findUnique({ where: { key } });
    if (!channel) return fail(404, CHATS.notFound());
    let ctx: ServiceCtx;
    if (channel.kind === 'TELEGRAM') {
      const token = req.headers['x-telegram-bot-api-secret-token'];
      if (typeof token !== 'string' || !channel.secretToken || !same(token, channel.secretToken)) return fail(401, CHATS.telegramToken());
      const viewer = await viewerOfUser(deps.db, channel.createdById, 'session');
      if (!viewer) return fail(404, CHATS.notFound());
      ctx = { db: deps.db, deps, viewer };
    } else {
      const viewer = await apiKeyViewer(deps, req);
      if (!viewer) return fail(401, CHATS.signIn());
      // Another workspace's key learns nothing of this channel.
      if (viewer.workspaceId !== channel.workspaceId) return fail(404, CHATS.notFound());
      if (!viewer.canWrite) return fail(403, CHATS.signIn());
      ctx = { db: deps.db, deps, viewer };
    }
    useLocale(ctx.viewer.locale);
    const read = await readJsonObject(req, bodyLimit(deps));
    if ('refused' in read) return read.refused === 'tooLarge' ? fail(413, CHATS.tooLarge()) : fail(400, CHATS.badBody());
    let message;
    if (channel.kind === 'TELEGRAM') {
      const u = telegramUpdate.safeParse(read.body);
      if (!u.success) return fail(400, CHATS.invalid(), v.issuesOf(u.error));
      message = fromTelegram(u.data);
      if (!message) return send(200, { ok: true, ignored: true });
    } else {
      const parsed = inboundMessage.safeParse(read.body);
      if (!parsed.success) return fail(400, CHATS.invalid(), v.issuesOf(parsed.error));
      message = parsed.data;
    }
    try {
      const taken = await takeChatMessage(ctx, channel, message);
      if ('pending' in taken) return fail(409, CHATS.inProgress());
      return send(200, { ok: true, ...taken.result, ...(taken.replayed ? { replayed: true } : {}) });
    } catch (err) {
      if (!failWith(err, CHATS.invalid())) throw err;
    }
  });
}
