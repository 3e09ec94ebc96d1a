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
import { AppError, ValidationError } from '../../lib/errors.js';
import { render, requestedLocale, type Locale, type Message } from '../../lib/i18n.js';
import * as v from '../../lib/validate.js';
import { resolveViewer, viewerOfUser } from '../auth/auth.service.js';
import { fromTelegram, inboundMessage, takeChatMessage, telegramUpdate } from './chats.service.js';
import { CHATS } from './chats.messages.js';

/** Base64 makes attachments a third larger: ten files near the size limit fit. */
const bodyLimit = (deps: AppDeps) => Math.ceil(deps.config.fileMaxBytes * 1.4) + 64 * 1024;

async function readJson(req: IncomingMessage, limit: number): Promise<unknown | 'tooLarge'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) return 'tooLarge';
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const CHAT_PATH = /^\/integrations\/chats\/([A-Za-z0-9_-]{1,64})\/messages$/;

export async function handleChatRequest(deps: AppDeps, key: string, req: IncomingMessage, res: ServerResponse) {
  let locale: Locale = requestedLocale(req.headers['accept-language']) ?? 'en';
  const send = (status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const fail = (status: number, msg: Message, fields: { field: string; message: Message }[] = []) =>
    send(status, {
      error: render(msg, locale),
      ...(fields.length ? { fields: fields.map((f) => ({ field: f.field, message: render(f.message, locale) })) } : {}),
    });
  try {
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
      const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      const who = m ? await resolveViewer(deps, m[1]) : null;
      if (!who || !('viewer' in who) || who.viewer.via !== 'apiKey') return fail(401, CHATS.signIn());
      // Another workspace's key learns nothing of this channel.
      if (who.viewer.workspaceId !== channel.workspaceId) return fail(404, CHATS.notFound());
      if (!who.viewer.canWrite) return fail(403, CHATS.signIn());
      ctx = { db: deps.db, deps, viewer: who.viewer };
    }
    if (!requestedLocale(req.headers['accept-language'])) locale = ctx.viewer.locale;
    const body = await readJson(req, bodyLimit(deps));
    if (body === 'tooLarge') return fail(413, CHATS.tooLarge());
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, CHATS.badBody());
    let message;
    if (channel.kind === 'TELEGRAM') {
      const u = telegramUpdate.safeParse(body);
      if (!u.success) return fail(400, CHATS.invalid(), v.issuesOf(u.error));
      message = fromTelegram(u.data);
      if (!message) return send(200, { ok: true, ignored: true });
    } else {
      const parsed = inboundMessage.safeParse(body);
      if (!parsed.success) return fail(400, CHATS.invalid(), v.issuesOf(parsed.error));
      message = parsed.data;
    }
    try {
      return send(200, { ok: true, ...(await takeChatMessage(ctx, channel, message)) });
    } catch (err) {
      if (err instanceof ValidationError) return fail(400, CHATS.invalid(), err.fields);
      if (err instanceof AppError) return fail(err.code === 'FORBIDDEN' ? 403 : err.code === 'NOT_FOUND' ? 404 : 409, err.msg);
      throw err;
    }
  } catch (err) {
    deps.log.error({ err }, 'chat message failed');
    if (!res.headersSent) send(500, { error: 'Unexpected error' });
    else res.destroy();
  }
}
