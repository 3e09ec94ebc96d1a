// Uploaded files: stored behind the FileStorage interface, recorded as Attachments, attached to a
// card (with an ATTACHMENT timeline entry) and/or named by FILE custom field values, and served
// at GET /files/<id> to those who may see them (canSeeAttachment, src/kernel/access/files.ts).
import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { perRequestValue } from '../../lib/per-request.js';
import type { Attachment, Prisma } from '../../generated/prisma/client.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authed, type AppDeps, type Context, type ServiceCtx } from '../../context.js';
import { ERRORS, IssueList } from '../../lib/errors.js';
import { tryDecodeId } from '../../lib/ids.js';
import { assertCanAdd, type CardRef } from '../../kernel/records.js';
import { events } from '../../kernel/events.js';
import { canSeeAttachment } from '../../kernel/access/files.js';
import { render } from '../../lib/i18n.js';
import { fileStream } from '../../lib/uploads.js';
import { FILES } from './files.messages.js';

/** Whether a MIME type is allowed by a list of types and `type/*` / `prefix.*` patterns. */
export function typeAllowed(type: string, allowed: string[]) {
  const t = type.toLowerCase().split(';')[0].trim();
  return allowed.some((a) => (a.endsWith('*') ? t.startsWith(a.slice(0, -1)) : t === a));
}

const MB = 1024 * 1024;

/** A file refused for its size, in megabytes (an attachment over FILE_MAX_MB, an import's file over its own limit). */
export const fileTooBig = (size: number, max: number) => FILES.tooBig({ size: (size / MB).toFixed(1), max: (max / MB).toFixed(0) });

export async function uploadFile(ctx: ServiceCtx, file: File, card?: CardRef | null) {
  const { fileMaxBytes, fileTypes } = ctx.deps.config;
  const issues = new IssueList();
  const name = (file.name || 'file').replace(/[\\/\r\n\t]/g, '_').slice(0, 255);
  const type = file.type || 'application/octet-stream';
  if (file.size > fileMaxBytes) issues.add('file', fileTooBig(file.size, fileMaxBytes));
  else if (file.size === 0) issues.add('file', FILES.empty());
  if (!typeAllowed(type, fileTypes)) issues.add('file', FILES.typeRefused({ type }));
  issues.throwIfAny();
  if (card) await assertCanAdd(ctx, card);
  const id = randomUUID();
  const storageKey = `${ctx.viewer.workspaceId}/${id}`;
  // The bytes first: a row never points at a file that is not there. If the row then fails,
  // the stored bytes are removed again.
  await ctx.deps.storage.putStream(storageKey, fileStream(file));
  try {
    const row = await ctx.db.$transaction(async (tx) => {
      const a = await tx.attachment.create({
        data: {
          id,
          workspaceId: ctx.viewer.workspaceId,
          entityType: card?.entityType ?? null,
          cardId: card?.id ?? null,
          name,
          contentType: type,
          size: file.size,
          storageKey,
          uploadedById: ctx.viewer.userId,
        },
      });
      if (card) {
        await events.emit(tx, ctx, 'file.attached', [
          {
            workspaceId: a.workspaceId,
            actorId: ctx.viewer.userId,
            occurredAt: new Date().toISOString(),
            card: { kind: card.entityType, id: card.id },
            file: { id: a.id, name, size: a.size, contentType: type },
          },
        ]);
      }
      return a;
    });
    ctx.deps.outbox.kick();
    return row;
  } catch (err) {
    await ctx.deps.storage.remove(storageKey).catch(() => {});
    throw err;
  }
}

/**
 * A file of the viewer's workspace by id, batched per request: what a FILE value shows (the
 * value is visible, so its file is; see canSeeAttachment).
 */
export function attachmentById(ctx: ServiceCtx, id: string, query: { include?: Prisma.AttachmentInclude; select?: Prisma.AttachmentSelect } = {}) {
  // One loader per selection: the values of one field of a page share it.
  const loader = perRequestValue(
    ctx,
    `attachments:${JSON.stringify(query)}`,
    () =>
      new DataLoader<string, Attachment | null>(async (ids) => {
        const rows = await ctx.db.attachment.findMany({ ...query, where: { id: { in: [...ids] }, workspaceId: ctx.viewer.workspaceId } });
        return ids.map((i) => rows.find((r) => r.id === i) ?? null);
      }),
  );
  return loader.load(id);
}

/** The file if it exists in the viewer's workspace and they may see it (canSeeAttachment). */
export async function visibleAttachment(ctx: ServiceCtx, id: string) {
  const a = await ctx.db.attachment.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  return a && (await canSeeAttachment(ctx, a)) ? a : null;
}

/** A path segment's text, or null when its percent-encoding is malformed (then no file has that id). */
function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * GET /files/<attachment id>, with the caller's token in Authorization; `context` builds the
 * request's context with the factory GraphQL requests use. Answers 401 without a valid token and
 * 404 for a file that is not the caller's workspace's (never telling which).
 */
export async function serveFile(deps: AppDeps, req: IncomingMessage, res: ServerResponse, context: () => Promise<Context>) {
  const send = (status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: message }));
  };
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'use GET');
    const ctx = await context();
    if (!ctx.viewer) return send(401, render(ERRORS.signInFirst(), ctx.locale));
    const raw = safeDecode((req.url ?? '').slice('/files/'.length).split('?')[0]);
    const id = raw === null ? null : tryDecodeId('Attachment', raw);
    const a = id ? await visibleAttachment(authed(ctx), id) : null;
    if (!a) return send(404, render(FILES.notFound(), ctx.locale));
    res.writeHead(200, {
      'content-type': a.contentType,
      'content-length': String(a.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
    if (req.method === 'HEAD') return res.end();
    const stream = deps.storage.open(a.storageKey);
    stream.on('error', (err) => {
      deps.log.error({ err, attachment: a.id }, 'file read failed');
      res.destroy(err);
    });
    stream.pipe(res);
  } catch (err) {
    deps.log.error({ err }, 'file download failed');
    if (!res.headersSent) send(500, 'Unexpected error');
    else res.destroy();
  }
}
