// The audit log of rights: the AuditEntry node and the auditLog query (administrators only).
import { builder } from '../../builder.js';
import { authed, type Context } from '../../context.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import * as auditLog from './audit.service.js';

/** Node lookup of what only administrators may list: others find nothing. */
const adminsOnly = (id: string, ctx: Context) => seenOrNowhere(!!ctx.viewer?.isAdmin, id, ctx);

registerNode('AuditEntry');
builder.prismaNode('AuditEntry', {
  id: { field: 'id' },
  findUnique: adminsOnly,
  nullable: true,
  description: 'One change to rights (a role created, changed or deleted, a user given another role or other teams), an export, or a merge of cards.',
  fields: (t) => ({
    action: t.exposeString('action', {
      description: 'ROLE_CREATED, ROLE_UPDATED, ROLE_DELETED, FIELD_ACCESS_CHANGED, USER_ROLE_CHANGED, USER_TEAMS_CHANGED, CARDS_EXPORTED or CARDS_MERGED.',
    }),
    actorId: t.id({ nullable: true, description: 'Who made the change.', resolve: (e) => (e.actorId ? encodeGlobalId('User', e.actorId) : null) }),
    subjectId: t.id({
      description:
        'The role or user changed; the file written, for CARDS_EXPORTED; the kept card, for CARDS_MERGED (before: the cards as they were; after: the kept card, the merged ids and the choices).',
      resolve: (e) => encodeGlobalId(e.subjectType, e.subjectId),
    }),
    before: t.string({ nullable: true, description: 'JSON of what it was.', resolve: (e) => (e.before === null ? null : JSON.stringify(e.before)) }),
    after: t.string({ nullable: true, description: 'JSON of what it became.', resolve: (e) => (e.after === null ? null : JSON.stringify(e.after)) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.prismaConnection({
    type: 'AuditEntry',
    cursor: 'id',
    authScopes: { member: true },
    description: "Changes to roles and to users' roles and teams, newest first. Administrators only.",
    resolve: (query, _r, _a, ctx) => auditLog.listAuditEntries(authed(ctx), query),
  }),
);
