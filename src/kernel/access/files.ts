// File access: who may see an uploaded file (its details and its bytes), and the check that
// FILE custom field values name only such files. The files module uploads and serves files; the
// rule lives here so card writes (src/kernel/fields) apply it without depending on that module.
import type { ServiceCtx } from '../../context.js';
import type { IssueList } from '../../lib/errors.js';
import type { EntityType } from '../../generated/prisma/enums.js';
import { CARD_KINDS, descriptor } from '../card-kinds.js';
import { visibleDefinitions } from '../fields/definitions.js';
import { canSee } from './visibility.js';
import { ACCESS } from './messages.js';

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

/** Checks that FILE values name files the viewer may see; one "no such file" issue for each other. */
export async function checkFileIds(ctx: ServiceCtx, refs: { path: string; id: string }[], issues: IssueList) {
  if (!refs.length) return;
  const found = await ctx.db.attachment.findMany({ where: { id: { in: refs.map((r) => r.id) }, workspaceId: ctx.viewer.workspaceId } });
  const seen = await Promise.all(refs.map((r) => found.find((f) => f.id === r.id)).map((a) => (a ? canSeeAttachment(ctx, a) : false)));
  refs.forEach((r, i) => {
    if (!seen[i]) issues.add(r.path, ACCESS.noFile());
  });
}
