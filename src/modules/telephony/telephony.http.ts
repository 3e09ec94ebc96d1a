// `POST /integrations/telephony/events`: a phone system's call events, with an API key (WRITE
// scope) as the Bearer token. Answers JSON: 200 with what the event made (`replayed` for an event
// already taken), 400 with every bad field, 401 without a valid key, 403 for a read-only one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, ServiceCtx } from '../../context.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import { render, requestedLocale, type Locale, type Message } from '../../lib/i18n.js';
import * as v from '../../lib/validate.js';
import { resolveViewer } from '../auth/auth.service.js';
import { callEvent, takeCallEvent } from './telephony.service.js';
import { TELEPHONY } from './telephony.messages.js';

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function handleTelephonyRequest(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
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
    if (req.method !== 'POST') return fail(405, TELEPHONY.badBody());
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const who = m ? await resolveViewer(deps, m[1]) : null;
    if (!who || !('viewer' in who) || who.viewer.via !== 'apiKey') return fail(401, TELEPHONY.signIn());
    if (!requestedLocale(req.headers['accept-language'])) locale = who.viewer.locale;
    if (!who.viewer.canWrite) return fail(403, TELEPHONY.signIn());
    const body = await readJson(req);
    if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, TELEPHONY.badBody());
    const parsed = callEvent.safeParse(body);
    if (!parsed.success) return fail(400, TELEPHONY.invalid(), v.issuesOf(parsed.error));
    const ctx: ServiceCtx = { db: deps.db, deps, viewer: who.viewer };
    try {
      return send(200, { ok: true, ...(await takeCallEvent(ctx, parsed.data)) });
    } catch (err) {
      if (err instanceof ValidationError) return fail(400, TELEPHONY.invalid(), err.fields);
      if (err instanceof AppError) return fail(err.code === 'FORBIDDEN' ? 403 : err.code === 'NOT_FOUND' ? 404 : 409, err.msg);
      throw err;
    }
  } catch (err) {
    deps.log.error({ err }, 'telephony event failed');
    if (!res.headersSent) send(500, { error: 'Unexpected error' });
    else res.destroy();
  }
}
