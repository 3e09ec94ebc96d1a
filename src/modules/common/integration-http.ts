// What the integration endpoints (telephony events, chat messages, inbound e-mail) share: JSON
// answers in the caller's language, bad fields listed one by one; the body read up to a limit;
// the Bearer API key that acts as its user; the HTTP status of each typed service error; and
// the last-resort 500 that logs and never leaks a message.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../../context.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import { render, requestedLocale, type Locale, type Message } from '../../lib/i18n.js';
import type { Viewer } from '../../kernel/access/viewer.js';
import { resolveViewer } from '../auth/auth.service.js';

export type FieldProblem = { field: string; message: Message };

/** JSON answers to one request, in the language it asks for (else `useLocale`'s, e.g. the key's workspace's). */
export function jsonReplies(req: IncomingMessage, res: ServerResponse) {
  const asked = requestedLocale(req.headers['accept-language']);
  let locale: Locale = asked ?? 'en';
  const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (status: number, msg: Message, fields: FieldProblem[] = [], headers: Record<string, string> = {}) =>
    send(
      status,
      { error: render(msg, locale), ...(fields.length ? { fields: fields.map((f) => ({ field: f.field, message: render(f.message, locale) })) } : {}) },
      headers,
    );
  return {
    send,
    fail,
    /** The caller's own language when the request did not ask for one. */
    useLocale(l: Locale) {
      if (!asked) locale = l;
    },
    /**
     * Answers a typed service error (400 with the fields, 403, 404, 409) and says so; anything
     * else is the caller's to rethrow.
     */
    failWith(err: unknown, invalid: Message): boolean {
      if (err instanceof ValidationError) fail(400, invalid, err.fields);
      else if (err instanceof AppError) fail(err.code === 'FORBIDDEN' ? 403 : err.code === 'NOT_FOUND' ? 404 : 409, err.msg);
      else return false;
      return true;
    },
  };
}

/** Runs an endpoint's handler; an unexpected failure is logged and answered 500 without its message. */
export async function guarded(deps: AppDeps, res: ServerResponse, what: string, handler: () => Promise<unknown>) {
  try {
    await handler();
  } catch (err) {
    deps.log.error({ err }, what);
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: 'Unexpected error' }));
    } else res.destroy();
  }
}

/** The body, or null once it passes `max` bytes (the rest is not read). */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON object body, or why not: past `max` bytes, or not a JSON object. */
export async function readJsonObject(req: IncomingMessage, max: number): Promise<{ body: Record<string, unknown> } | { refused: 'tooLarge' | 'notAnObject' }> {
  const raw = await readBody(req, max);
  if (!raw) return { refused: 'tooLarge' };
  try {
    const body: unknown = JSON.parse(raw.toString('utf8'));
    return body && typeof body === 'object' && !Array.isArray(body) ? { body: body as Record<string, unknown> } : { refused: 'notAnObject' };
  } catch {
    return { refused: 'notAnObject' };
  }
}

/** The user an API key in `Authorization: Bearer …` acts as; null without one (a session token is not one). */
export async function apiKeyViewer(deps: AppDeps, req: IncomingMessage): Promise<Viewer | null> {
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const who = m ? await resolveViewer(deps, m[1]) : null;
  return who && 'viewer' in who && who.viewer.via === 'apiKey' ? who.viewer : null;
}
