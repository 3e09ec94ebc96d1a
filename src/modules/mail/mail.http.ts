// `POST /integrations/mail/<mailboxKey>/messages`: a raw e-mail (`Content-Type: message/rfc822`)
// a mail server or a mailbox poller hands over, with an API key (WRITE scope) as the Bearer token,
// as the telephony endpoint takes its events. The key acts as its user, who must be the owner of
// a personal mailbox or an administrator. Answers JSON: 200 with what the message made (`replayed` for a Message-ID
// the mailbox already took), 400 naming what is missing, 401 without a valid key, 403 for a
// read-only key or another user's personal mailbox, 404 for an unknown mailbox key, 413 for a
// message over MAIL_MAX_MB or an attachment over FILE_MAX_MB, 415 for another body type or an
// attachment of a type files may not have.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, ServiceCtx } from '../../context.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import { render, requestedLocale, type Locale, type Message } from '../../lib/i18n.js';
import { resolveViewer } from '../auth/auth.service.js';
import { MailRefusal, receiveMessage } from './mail.service.js';
import { MAIL } from './mail.messages.js';

const PATH = /^\/integrations\/mail\/([^/]+)\/messages$/;

export const isMailPath = (url: string | undefined) => PATH.test((url ?? '').split('?')[0]);

/** The body, or null once it passes `max` bytes (the rest is not read). */
async function readRaw(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function handleMailRequest(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
  let locale: Locale = requestedLocale(req.headers['accept-language']) ?? 'en';
  const send = (status: number, body: Record<string, unknown>, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
    res.end(JSON.stringify(body));
  };
  const fail = (status: number, msg: Message, fields: { field: string; message: Message }[] = [], extra: Record<string, string> = {}) =>
    send(
      status,
      { error: render(msg, locale), ...(fields.length ? { fields: fields.map((f) => ({ field: f.field, message: render(f.message, locale) })) } : {}) },
      extra,
    );
  try {
    if (req.method !== 'POST') return fail(405, MAIL.badType(), [], { allow: 'POST' });
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const who = m ? await resolveViewer(deps, m[1]) : null;
    if (!who || !('viewer' in who) || who.viewer.via !== 'apiKey') return fail(401, MAIL.signIn());
    if (!requestedLocale(req.headers['accept-language'])) locale = who.viewer.locale;
    if (!who.viewer.canWrite) return fail(403, MAIL.signIn());
    let key: string | null = null;
    try {
      key = decodeURIComponent(PATH.exec((req.url ?? '').split('?')[0])![1]);
    } catch {
      key = null;
    }
    const box = key ? await deps.db.mailbox.findUnique({ where: { key } }) : null;
    // Another workspace's mailbox is not found, like one that does not exist.
    if (!box || box.workspaceId !== who.viewer.workspaceId) return fail(404, MAIL.noMailbox());
    // API keys are administrators' to make: an administrator's key may post to a personal
    // mailbox too (its e-mails stay the owner's alone), another user's key may not.
    if (box.ownerId && box.ownerId !== who.viewer.userId && !who.viewer.isAdmin) return fail(403, MAIL.notOwner());
    const type = (req.headers['content-type'] ?? '').toLowerCase().split(';')[0].trim();
    if (type !== 'message/rfc822') return fail(415, MAIL.badType());
    const max = deps.config.mailMaxBytes;
    const tooLarge = () => fail(413, MAIL.tooLarge({ max: (max / (1024 * 1024)).toFixed(0) }));
    if (Number(req.headers['content-length'] ?? 0) > max) return tooLarge();
    const raw = await readRaw(req, max);
    if (!raw) return tooLarge();
    const ctx: ServiceCtx = { db: deps.db, deps, viewer: who.viewer };
    try {
      return send(200, { ok: true, ...(await receiveMessage(ctx, box, raw)) });
    } catch (err) {
      if (err instanceof MailRefusal) return fail(err.status, err.msg, err.fields);
      if (err instanceof ValidationError) return fail(400, MAIL.invalid(), err.fields);
      if (err instanceof AppError) return fail(err.code === 'FORBIDDEN' ? 403 : err.code === 'NOT_FOUND' ? 404 : 409, err.msg);
      throw err;
    }
  } catch (err) {
    deps.log.error({ err }, 'inbound e-mail failed');
    if (!res.headersSent) send(500, { error: 'Unexpected error' });
    else res.destroy();
  }
}
