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
import { apiKeyViewer, guarded, jsonReplies, readBody } from '../common/integration-http.js';
import { MailRefusal, receiveMessage } from './mail.service.js';
import { MAIL } from './mail.messages.js';

const PATH = /^\/integrations\/mail\/([^/]+)\/messages$/;

export const isMailPath = (url: string | undefined) => PATH.test((url ?? '').split('?')[0]);

export function handleMailRequest(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
  const { send, fail, useLocale, failWith } = jsonReplies(req, res);
  return guarded(deps, res, 'inbound e-mail failed', async () => {
    if (req.method !== 'POST') return fail(405, MAIL.badType(), [], { allow: 'POST' });
    const viewer = await apiKeyViewer(deps, req);
    if (!viewer) return fail(401, MAIL.signIn());
    useLocale(viewer.locale);
    if (!viewer.canWrite) return fail(403, MAIL.signIn());
    let key: string | null;
    try {
      key = decodeURIComponent(PATH.exec((req.url ?? '').split('?')[0])![1]);
    } catch {
      key = null;
    }
    const box = key ? await deps.db.mailbox.findUnique({ where: { key } }) : null;
    // Another workspace's mailbox is not found, like one that does not exist.
    if (!box || box.workspaceId !== viewer.workspaceId) return fail(404, MAIL.noMailbox());
    // API keys are administrators' to make: an administrator's key may post to a personal
    // mailbox too (its e-mails stay the owner's alone), another user's key may not.
    if (box.ownerId && box.ownerId !== viewer.userId && !viewer.isAdmin) return fail(403, MAIL.notOwner());
    const type = (req.headers['content-type'] ?? '').toLowerCase().split(';')[0].trim();
    if (type !== 'message/rfc822') return fail(415, MAIL.badType());
    const max = deps.config.mailMaxBytes;
    const tooLarge = () => fail(413, MAIL.tooLarge({ max: (max / (1024 * 1024)).toFixed(0) }));
    if (Number(req.headers['content-length'] ?? 0) > max) return tooLarge();
    const raw = await readBody(req, max);
    if (!raw) return tooLarge();
    const ctx: ServiceCtx = { db: deps.db, deps, viewer };
    try {
      return send(200, { ok: true, ...(await receiveMessage(ctx, box, raw)) });
    } catch (err) {
      if (err instanceof MailRefusal) return fail(err.status, err.msg, err.fields);
      if (!failWith(err, MAIL.invalid())) throw err;
    }
  });
}
