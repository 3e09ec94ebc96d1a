// Uploaded files: stored behind the FileStorage interface, recorded as Attachments, attached to a
// card (with an ATTACHMENT timeline entry) and/or named by FILE custom field values, and served
// at GET /files/<id> to those who may see them (canSeeAttachment).
import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import { perRequestValue } from '../../lib/per-request.js';
import type { Attachment, Prisma } from '../../generated/prisma/client.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authed, type AppDeps, type Context, type ServiceCtx } from '../../context.js';
import { IssueList } from '../../lib/errors.js';
import { tryDecodeId } from '../../lib/ids.js';
import { assertCanAdd, type CardRef } from '../../kernel/records.js';
import { events } from '../../kernel/events.js';
import { canSee } from '../../kernel/access/visibility.js';
import { CARD_KINDS, descriptor } from '../../kernel/card-kinds.js';
import { visibleDefinitions } from '../../kernel/fields/definitions.js';
import type { EntityType } from '../../generated/prisma/enums.js';

/** Whether a MIME type is allowed by a list of types and `type/*` / `prefix.*` patterns. */
export function typeAllowed(type: string, allowed: string[]) {
  const t = type.toLowerCase().split(';')[0].trim();
  return allowed.some((a) => (a.endsWith('*') ? t.startsWith(a.slice(0, -1)) : t === a));
}

const MB = 1024 * 1024;

export async function uploadFile(ctx: ServiceCtx, file: File, card?: CardRef | null) {
  const { fileMaxBytes, fileTypes } = ctx.deps.config;
  const issues = new IssueList();
  const name = (file.name || 'file').replace(/[\\/\r\n\t]/g, '_').slice(0, 255);
  const type = file.type || 'application/octet-stream';
  if (file.size > fileMaxBytes) issues.add('file', `is ${(file.size / MB).toFixed(1)} MB; files may be at most ${(fileMaxBytes / MB).toFixed(0)} MB`);
  else if (file.size === 0) issues.add('file', 'is empty');
  if (!typeAllowed(type, fileTypes)) issues.add('file', `files of type ${type} are not accepted`);
  issues.throwIfAny();
  if (card) await assertCanAdd(ctx, card);
  const id = randomUUID();
  const storageKey = `${ctx.viewer.workspaceId}/${id}`;
  // The bytes first: a row never points at a file that is not there. If the row then fails,
  // the stored bytes are removed again.
  await ctx.deps.storage.put(storageKey, new Uint8Array(await file.arrayBuffer()));
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

type AttachmentRow = { id: string; entityType: EntityType | null; cardId: string | null; uploadedById: string | null };


/**
 * Whether the viewer may see a file (its details, and its bytes at /files/<id>): an
 * administrator or its uploader always; anyone else when they may see the card it is attached
 * to, or a card holding it in a FILE field their role does not hide.
 */
export async function canSeeAttachment(ctx: ServiceCtx, a: AttachmentRow): Promise<boolean> {
  if (ctx.viewer.isAdmin || a.uploadedById === ctx.viewer.userId) return true;
  if (a.cardId && a.entityType && (await canSee(ctx, a.entityType, a.cardId))) return true;
  for (const kind of CARD_KINDS) {
    const entityType = kind;
    const table = `"${descriptor(kind).typeName}"`;
    const keys = (await visibleDefinitions(ctx, entityType)).filter((d) => d.type === 'FILE' && !d.archived).map((d) => d.key);
    if (!keys.length) continue;
    // The GIN index on customFields answers the containment test; rights are checked after.
    const holders = await ctx.db.$queryRawUnsafe<{ id: string }[]>(
      `select "id"::text from ${table} where "workspaceId" = $1::uuid and (${keys.map((_, i) => `"customFields" @> $${i + 2}::jsonb`).join(' or ')}) limit 200`,
      ctx.viewer.workspaceId,
      ...keys.map((k) => JSON.stringify({ [k]: a.id })),
    );
    if ((await Promise.all(holders.map((h) => canSee(ctx, kind, h.id)))).some(Boolean)) return true;
  }
  return false;
}

/**
 * A file of the viewer's workspace by id, batched per request: what a FILE value shows (the
 * value is visible, so its file is; see canSeeAttachment).
 */
export function attachmentById(ctx: ServiceCtx, id: string, query: { include?: Prisma.AttachmentInclude; select?: Prisma.AttachmentSelect } = {}) {
  // One loader per selection: the values of one field of a page share it.
  const loader = perRequestValue(ctx, `attachments:${JSON.stringify(query)}`, () =>
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

/** Checks that FILE values name files the viewer may see; one "no such file" issue for each other. */
export async function checkFileIds(ctx: ServiceCtx, refs: { path: string; id: string }[], issues: IssueList) {
  if (!refs.length) return;
  const found = await ctx.db.attachment.findMany({ where: { id: { in: refs.map((r) => r.id) }, workspaceId: ctx.viewer.workspaceId } });
  const seen = await Promise.all(refs.map((r) => found.find((f) => f.id === r.id)).map((a) => (a ? canSeeAttachment(ctx, a) : false)));
  refs.forEach((r, i) => {
    if (!seen[i]) issues.add(r.path, 'no such file; upload it with uploadFile first');
  });
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
    if (!ctx.viewer) return send(401, 'Sign in first: send a valid token');
    const raw = decodeURIComponent((req.url ?? '').slice('/files/'.length).split('?')[0]);
    const id = tryDecodeId('Attachment', raw);
    const a = id ? await visibleAttachment(authed(ctx), id) : null;
    if (!a) return send(404, 'File not found');
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

