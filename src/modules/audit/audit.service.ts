// The audit log of rights: who changed a role or a user's role or teams, when, before → after;
// and who exported which cards (CARDS_EXPORTED, the file as its subject); which cards were merged
// into which (CARDS_MERGED, the kept card as its subject).
// Written in the transaction of the change, so a change that fails leaves no entry; read by
// administrators only.
import type { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../lib/outbox.js';
import type { ServiceCtx } from '../../context.js';
import { assertAdmin, type Viewer } from '../../kernel/access/viewer.js';
import { AUDIT } from './audit.messages.js';
import { cursorSeen } from '../../lib/cursors.js';

export type AuditAction =
  'ROLE_CREATED' | 'ROLE_UPDATED' | 'ROLE_DELETED' | 'FIELD_ACCESS_CHANGED' | 'USER_ROLE_CHANGED' | 'USER_TEAMS_CHANGED' | 'CARDS_EXPORTED' | 'CARDS_MERGED';

export async function audit(
  tx: Tx,
  viewer: Viewer,
  action: AuditAction,
  subject: { type: 'Role' | 'User' | 'Attachment' | 'Contact' | 'Company'; id: string },
  before: unknown,
  after: unknown,
) {
  await tx.auditEntry.create({
    data: {
      workspaceId: viewer.workspaceId,
      actorId: viewer.userId,
      action,
      subjectType: subject.type,
      subjectId: subject.id,
      before: (before ?? undefined) as Prisma.InputJsonValue | undefined,
      after: (after ?? undefined) as Prisma.InputJsonValue | undefined,
    },
  });
}

/** The workspace's audit entries, newest first (administrators only). */
export async function listAuditEntries(
  ctx: ServiceCtx,
  query: { include?: Prisma.AuditEntryInclude; select?: Prisma.AuditEntrySelect; take?: number; skip?: number; cursor?: Prisma.AuditEntryWhereUniqueInput },
) {
  assertAdmin(ctx.viewer, AUDIT.read());
  const seen = await cursorSeen(query.cursor, (id) =>
    ctx.db.auditEntry.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, select: { id: true } }),
  );
  if (!seen) return [];
  return ctx.db.auditEntry.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}
