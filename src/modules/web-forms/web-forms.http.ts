// The public endpoint of web forms, `POST /forms/<key>`: no token, so it guards itself. CORS for
// the form's allowed origins (a preflight answered for them alone), rate limits per address and
// per form (429 with Retry-After), a honeypot field bots fill and people do not see, and an
// idempotency key (the `Idempotency-Key` header or the `_idempotency_key` field) under which a
// resubmission answers what the first submission made. Bodies: urlencoded, multipart (files
// become attachments) or a JSON object. Answers JSON: 201 with the cards made, 400 with every bad
// field, 404 for an unknown key.
import { clientAddress } from '../../lib/client-address.js';
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../context.js';
import { ValidationError } from '../../lib/errors.js';
import { render, requestedLocale, type Locale, type Message } from '../../lib/i18n.js';
import { hit, type Limit } from '../../lib/rate-limit.js';
import { PENDING, takeOnce } from '../../lib/take-once.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { FormRefusal, IDEMPOTENCY_FIELD, refusalOf, submitForm, type Submission } from './web-forms.service.js';
import { FORMS } from './web-forms.messages.js';

/** A visitor's submissions of one form. */
export const FORM_LIMIT_PER_ADDRESS: Limit = { max: 5, windowMs: 60_000 };
/** All submissions of one form. */
export const FORM_LIMIT_PER_FORM: Limit = { max: 300, windowMs: 60_000 };

type Json = Record<string, unknown>;

function clientIp(deps: AppDeps, req: IncomingMessage) {
  const fwd = req.headers['x-forwarded-for'];
  return clientAddress(deps.config.trustProxy, typeof fwd === 'string' ? fwd : undefined, req.socket.remoteAddress);
}

/** The submission's fields and files, or null for a body that is none of the accepted kinds. */
async function readBody(req: IncomingMessage, url: string): Promise<Submission | null> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const headers = new Headers();
  for (const [k, x] of Object.entries(req.headers)) if (typeof x === 'string') headers.set(k, x);
  const request = new Request(url, { method: 'POST', headers, body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } as RequestInit);
  const sub: Submission = { values: {}, files: {} };
  const add = (k: string, x: unknown) => {
    if (x === null || x === undefined) return;
    if (typeof x === 'object' && 'arrayBuffer' in (x as object)) (sub.files[k] ??= []).push(x as File);
    else (sub.values[k] ??= []).push(String(x));
  };
  try {
    if (type.startsWith('application/json')) {
      const body = (await request.json()) as unknown;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
      for (const [k, x] of Object.entries(body as Json)) {
        if (Array.isArray(x)) x.forEach((y) => (typeof y === 'object' && y !== null ? null : add(k, y)));
        else if (typeof x !== 'object' || x === null) add(k, x);
        else return null;
      }
      return sub;
    }
    if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
      const form = await request.formData();
      for (const [k, x] of form.entries()) add(k, x);
      return sub;
    }
  } catch {
    return null;
  }
  return null;
}

export async function handleFormRequest(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
  let locale: Locale = requestedLocale(req.headers['accept-language']) ?? 'en';
  const cors: Record<string, string> = {};
  const send = (status: number, body: Json, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...cors, ...extra });
    res.end(JSON.stringify(body));
  };
  const fail = (status: number, msg: Message, fields: { field: string; message: Message }[] = [], extra: Record<string, string> = {}) =>
    send(
      status,
      { error: render(msg, locale), ...(fields.length ? { fields: fields.map((f) => ({ field: f.field, message: render(f.message, locale) })) } : {}) },
      extra,
    );
  try {
    const path = (req.url ?? '').split('?')[0];
    const key = decodeURIComponent(path.slice('/forms/'.length));
    const form = key && !key.includes('/') ? await deps.db.webForm.findUnique({ where: { key } }) : null;
    if (!form) return fail(404, FORMS.notFound());
    if (!requestedLocale(req.headers['accept-language'])) {
      const ws = await deps.db.workspace.findUnique({ where: { id: form.workspaceId }, select: { locale: true } });
      locale = ws?.locale ?? 'en';
    }
    const origin = req.headers.origin;
    if (origin) {
      if (!form.allowedOrigins.includes(origin)) return fail(403, FORMS.originRefused());
      Object.assign(cors, { 'access-control-allow-origin': origin, vary: 'Origin' });
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, idempotency-key, accept-language',
        'access-control-max-age': '600',
      });
      return res.end();
    }
    if (req.method !== 'POST') return fail(405, FORMS.badBody(), [], { allow: 'POST, OPTIONS' });
    const max = deps.config.fileMaxBytes * 5 + 1_000_000;
    if (Number(req.headers['content-length'] ?? 0) > max) return fail(413, FORMS.tooLarge());
    const sub = await readBody(req, `http://localhost${req.url}`);
    if (!sub) return fail(400, FORMS.badBody());
    // A bot filled the field people never see: thanked, and nothing is made.
    if (sub.values[form.honeypot]?.some((x) => x.trim())) return send(200, { ok: true, message: render(FORMS.accepted(), locale) });
    const idem = (typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : sub.values[IDEMPOTENCY_FIELD]?.[0])
      ?.trim()
      .slice(0, 200);
    // A resubmission is answered from what the first made, before it counts against the limits.
    const replay = (result: Json) => send(200, { ok: true, replayed: true, message: render(FORMS.accepted(), locale), ...result });
    const earlier = idem && (await deps.db.webFormSubmission.findUnique({ where: { formId_idempotencyKey: { formId: form.id, idempotencyKey: idem } } }));
    if (earlier && !(earlier.result as Json).pending) return replay(earlier.result as Json);
    const ip = clientIp(deps, req);
    for (const [bucket, limit] of [
      [`form:${form.id}:${ip}`, FORM_LIMIT_PER_ADDRESS],
      [`form:${form.id}`, FORM_LIMIT_PER_FORM],
    ] as const) {
      const wait = await hit(deps.db, bucket, limit);
      if (wait) return fail(429, FORMS.tooMany({ seconds: wait }), [], { 'retry-after': String(wait) });
    }
    const run = async () => {
      try {
        return await submitForm(deps, form, sub);
      } catch (err) {
        throw err instanceof ValidationError ? refusalOf(err) : err;
      }
    };
    try {
      if (!idem) return send(201, { ok: true, message: render(FORMS.accepted(), locale), ...(await run()) });
      // Taken once per idempotency key (lib/take-once.ts); a refused one may be sent again, corrected, under the same key.
      const key = { formId_idempotencyKey: { formId: form.id, idempotencyKey: idem } };
      const taken = await takeOnce({
        insert: () => deps.db.webFormSubmission.create({ data: { formId: form.id, idempotencyKey: idem, result: PENDING } }),
        read: () => deps.db.webFormSubmission.findUnique({ where: key }),
        takeOver: async (before) =>
          (
            await deps.db.webFormSubmission.updateMany({
              where: { formId: form.id, idempotencyKey: idem, result: { equals: PENDING }, createdAt: { lt: before } },
              data: { createdAt: new Date() },
            })
          ).count,
        run,
        save: (result) => deps.db.webFormSubmission.update({ where: key, data: { result: result as Prisma.InputJsonValue } }),
        release: () => deps.db.webFormSubmission.deleteMany({ where: { formId: form.id, idempotencyKey: idem } }),
      });
      if ('pending' in taken) return fail(409, FORMS.inProgress());
      if (taken.replayed) return replay(taken.result as Json);
      return send(201, { ok: true, message: render(FORMS.accepted(), locale), ...taken.result });
    } catch (err) {
      if (err instanceof FormRefusal) return fail(err.status, err.msg, err.fields);
      throw err;
    }
  } catch (err) {
    deps.log.error({ err }, 'web form submission failed');
    if (!res.headersSent) send(500, { error: 'Unexpected error' });
    else res.destroy();
  }
}
