// Users of a workspace. Managing them is an administrator's right (a user may rename themself).
import { usage } from '../../kernel/usage.js';
import { audit } from '../audit/audit.service.js';
import { withId } from '../../lib/prisma-query.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import { ForbiddenError, IssueList, NotFoundError, ValidationError, isUniqueViolation, rateLimited } from '../../lib/errors.js';
import { hit, type Limit } from '../../lib/rate-limit.js';
import { hashPassword } from '../../lib/tokens.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../lib/outbox.js';
import { settingsChanged } from '../../kernel/events.js';
import type { Message } from '../../lib/i18n.js';
import { ACCESS } from '../../kernel/access/messages.js';
import { USERS } from './users.messages.js';
import { cursorSeen } from '../../lib/cursors.js';

const TYPENAME = { role: 'Role', team: 'Team', user: 'User' } as const;

type Query = { include?: Prisma.UserInclude; select?: Prisma.UserSelect };

export function me(ctx: ServiceCtx, query: Query = {}) {
  return ctx.db.user.findUniqueOrThrow({ ...withId(query), where: { id: ctx.viewer.userId } });
}

export type UserFilter = { search?: string | null; active?: boolean | null; teamIds?: string[] | null };

export function userWhere(ctx: ServiceCtx, f: UserFilter = {}): Prisma.UserWhereInput {
  const where: Prisma.UserWhereInput = { workspaceId: ctx.viewer.workspaceId };
  if (f.active !== null && f.active !== undefined) where.active = f.active;
  if (f.teamIds?.length) where.teams = { some: { teamId: { in: f.teamIds } } };
  v.assertSearchable(f.search);
  const q = f.search?.trim();
  if (q) {
    const lit = v.likeLiteral(q);
    where.OR = [{ name: { contains: lit, mode: 'insensitive' } }, { email: { contains: lit.toLowerCase() } }];
  }
  return where;
}

export function countUsers(ctx: ServiceCtx, filter: UserFilter) {
  return ctx.db.user.count({ where: userWhere(ctx, filter) });
}

export async function listUsers(ctx: ServiceCtx, filter: UserFilter, query: Query & { take?: number; skip?: number; cursor?: Prisma.UserWhereUniqueInput }) {
  const seen = await cursorSeen(query.cursor, (id) => ctx.db.user.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, select: { id: true } }));
  if (!seen) return [];
  return ctx.db.user.findMany({ ...query, where: userWhere(ctx, filter), orderBy: [{ name: 'asc' }, { id: 'asc' }] });
}

/** Checks that ids name roles/teams/users of the viewer's workspace; adds an issue per stranger. */
export async function checkIds(ctx: ServiceCtx, issues: IssueList, kind: 'role' | 'team' | 'user', field: string, ids: string[]) {
  if (!ids.length) return;
  const where = { id: { in: ids }, workspaceId: ctx.viewer.workspaceId };
  const found =
    kind === 'role'
      ? await ctx.db.role.findMany({ where, select: { id: true } })
      : kind === 'team'
        ? await ctx.db.team.findMany({ where, select: { id: true } })
        : await ctx.db.user.findMany({ where, select: { id: true } });
  const known = new Set(found.map((r) => r.id));
  ids.forEach((id, i) => {
    if (!known.has(id)) issues.add(ids.length > 1 || field.endsWith('s') ? `${field}[${i}]` : field, v.noSuch(TYPENAME[kind]));
  });
}

const createUserInput = z.object({
  email: v.email,
  name: v.name(120),
  password: v.password,
  roleId: z.string().nullish(),
  teamIds: z.array(z.string()).max(50).nullish(),
});

/** Refusals of createUser because another workspace holds the e-mail, per workspace. */
export const FOREIGN_EMAIL_LIMIT: Limit = { max: 10, windowMs: 3600_000 };

export async function createUser(ctx: ServiceCtx, input: z.input<typeof createUserInput>) {
  assertAdmin(ctx.viewer, USERS.create());
  const data = v.parseInput(createUserInput, input);
  const issues = new IssueList();
  if (data.roleId) await checkIds(ctx, issues, 'role', 'roleId', [data.roleId]);
  await checkIds(ctx, issues, 'team', 'teamIds', data.teamIds ?? []);
  const holder = await ctx.db.user.findUnique({ where: { email: data.email }, select: { workspaceId: true } });
  if (holder && holder.workspaceId !== ctx.viewer.workspaceId) {
    // The answer tells that the address is registered in some other workspace: an administrator
    // gets only so many such answers an hour.
    const wait = await hit(ctx.db, `users:foreign-email:${ctx.viewer.workspaceId}`, FOREIGN_EMAIL_LIMIT);
    if (wait) throw rateLimited(wait);
  }
  if (holder) issues.add('email', USERS.emailTaken());
  issues.throwIfAny();
  const roleId =
    data.roleId ??
    (
      await ctx.db.role.findFirstOrThrow({
        where: { workspaceId: ctx.viewer.workspaceId, isAdmin: false },
        orderBy: { createdAt: 'asc' },
      })
    ).id;
  try {
    return await ctx.db.user.create({
      data: {
        workspaceId: ctx.viewer.workspaceId,
        email: data.email,
        name: data.name,
        passwordHash: await hashPassword(data.password),
        roleId,
        teams: { create: [...new Set(data.teamIds ?? [])].map((teamId) => ({ teamId })) },
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw ValidationError.field('email', USERS.emailTaken());
    throw err;
  }
}

const updateUserInput = z.object({
  name: v.name(120).optional(),
  email: v.email.optional(),
  roleId: z.string().optional(),
  teamIds: z.array(z.string()).max(50).optional(),
});

export async function updateUser(ctx: ServiceCtx, id: string, input: z.input<typeof updateUserInput>) {
  const self = id === ctx.viewer.userId;
  const user = await ctx.db.user.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, include: { role: true } });
  if (!user) throw new NotFoundError('User', id);
  const clean = Object.fromEntries(Object.entries(input).filter(([, x]) => x !== null && x !== undefined));
  const data = v.parseInput(updateUserInput, clean);
  // A user may rename themself; everything else is an administrator's.
  if (!ctx.viewer.isAdmin && !(self && Object.keys(data).every((k) => k === 'name'))) {
    throw new ForbiddenError(ACCESS.onlyAdmin({ what: USERS.changeOthers() }));
  }
  const issues = new IssueList();
  if (data.roleId) await checkIds(ctx, issues, 'role', 'roleId', [data.roleId]);
  if (data.teamIds) await checkIds(ctx, issues, 'team', 'teamIds', data.teamIds);
  if (data.email && data.email !== user.email) {
    const other = await ctx.db.user.findUnique({ where: { email: data.email }, select: { id: true } });
    if (other) issues.add('email', USERS.emailTaken());
  }
  issues.throwIfAny();
  return ctx.db
    .$transaction(async (tx) => {
      if (data.roleId && data.roleId !== user.roleId && user.role.isAdmin) {
        await assertAnotherActiveAdmin(tx, ctx, id, 'roleId');
      }
      if (data.teamIds) {
        const before = (await tx.teamMember.findMany({ where: { userId: id }, select: { teamId: true } })).map((t) => t.teamId).sort();
        const after = [...new Set(data.teamIds)].sort();
        await tx.teamMember.deleteMany({ where: { userId: id } });
        await tx.teamMember.createMany({ data: after.map((teamId) => ({ teamId, userId: id })) });
        if (JSON.stringify(before) !== JSON.stringify(after))
          await audit(tx, ctx.viewer, 'USER_TEAMS_CHANGED', { type: 'User', id }, { teamIds: before }, { teamIds: after });
      }
      if (data.roleId && data.roleId !== user.roleId) {
        await audit(tx, ctx.viewer, 'USER_ROLE_CHANGED', { type: 'User', id }, { roleId: user.roleId }, { roleId: data.roleId });
      }
      if (data.roleId || data.teamIds) await settingsChanged(tx, ctx);
      return tx.user.update({
        where: { id },
        data: { name: data.name, email: data.email, roleId: data.roleId },
      });
    })
    .catch(uniqueAs('email', USERS.emailTaken()))
    .finally(() => ctx.deps.outbox.kick());
}

/** A unique index that refused a row the check before it let through (two writers at once). */
export function uniqueAs(field: string, message: Message) {
  return (err: unknown): never => {
    if (isUniqueViolation(err)) throw ValidationError.field(field, message);
    throw err;
  };
}

/**
 * Refuses a change that would leave the workspace without an active administrator. Runs in the
 * change's transaction with the workspace row locked, so two administrators removing each other
 * at once are counted one after the other and the second is refused.
 */
async function assertAnotherActiveAdmin(tx: Tx, ctx: ServiceCtx, exceptUserId: string, field: string) {
  await tx.$queryRaw`select 1 from "Workspace" where "id" = ${ctx.viewer.workspaceId}::uuid for update`;
  const others = await tx.user.count({
    where: { workspaceId: ctx.viewer.workspaceId, active: true, id: { not: exceptUserId }, role: { isAdmin: true } },
  });
  if (!others) throw ValidationError.field(field, USERS.lastAdmin());
}

export async function setUserActive(ctx: ServiceCtx, id: string, active: boolean) {
  assertAdmin(ctx.viewer, active ? USERS.reactivate() : USERS.deactivate());
  const user = await ctx.db.user.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId }, include: { role: true } });
  if (!user) throw new NotFoundError('User', id);
  if (!active) await usage.assertUnused(ctx.db, ctx.viewer.workspaceId, { kind: 'USER', id });
  return ctx.db
    .$transaction(async (tx) => {
      if (!active && user.role.isAdmin) await assertAnotherActiveAdmin(tx, ctx, id, 'id');
      if (!active) {
        // A deactivated user's sessions and keys stop working at once; their cards keep them
        // as responsible until reassigned.
        await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: new Date() } });
        await tx.apiKey.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: new Date() } });
      }
      await settingsChanged(tx, ctx);
      return tx.user.update({ where: { id }, data: { active, deactivatedAt: active ? null : new Date() } });
    })
    .finally(() => ctx.deps.outbox.kick());
}
