// Teams of a workspace. Managing them is an administrator's right.
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceCtx } from '../../context.js';
import { IssueList, NotFoundError } from '../../lib/errors.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import { settingsChanged } from '../../kernel/events.js';
import { checkIds, uniqueAs } from '../users/users.service.js';
import { TEAMS } from './teams.messages.js';

type Query = { include?: Prisma.TeamInclude; select?: Prisma.TeamSelect };

export function listTeams(ctx: ServiceCtx, query: Query = {}) {
  return ctx.db.team.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { name: 'asc' } });
}

const teamInput = z.object({ name: v.name(120), memberIds: z.array(z.string()).max(500).default([]) });

export async function createTeam(ctx: ServiceCtx, input: z.input<typeof teamInput>) {
  assertAdmin(ctx.viewer, TEAMS.manage());
  const data = v.parseInput(teamInput, input);
  const issues = new IssueList();
  await checkIds(ctx, issues, 'user', 'memberIds', data.memberIds);
  if (await ctx.db.team.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, name: v.sameText(data.name) } })) {
    issues.add('name', TEAMS.nameTaken());
  }
  issues.throwIfAny();
  return ctx.db
    .$transaction(async (tx) => {
      await settingsChanged(tx, ctx);
      return tx.team.create({
        data: {
          workspaceId: ctx.viewer.workspaceId,
          name: data.name,
          members: { create: [...new Set(data.memberIds)].map((userId) => ({ userId })) },
        },
      });
    })
    .catch(uniqueAs('name', TEAMS.nameTaken()))
    .finally(() => ctx.deps.outbox.kick());
}

export async function updateTeam(ctx: ServiceCtx, id: string, input: { name?: string | null; memberIds?: string[] | null }) {
  assertAdmin(ctx.viewer, TEAMS.manage());
  const team = await ctx.db.team.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!team) throw new NotFoundError('Team', id);
  const data = v.parseInput(z.object({ name: v.name(120).optional(), memberIds: z.array(z.string()).max(500).optional() }), {
    name: input.name ?? undefined,
    memberIds: input.memberIds ?? undefined,
  });
  const issues = new IssueList();
  if (data.memberIds) await checkIds(ctx, issues, 'user', 'memberIds', data.memberIds);
  if (
    data.name &&
    data.name !== team.name &&
    (await ctx.db.team.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, name: v.sameText(data.name), id: { not: id } } }))
  ) {
    issues.add('name', TEAMS.nameTaken());
  }
  issues.throwIfAny();
  return ctx.db
    .$transaction(async (tx) => {
      if (data.memberIds) {
        await tx.teamMember.deleteMany({ where: { teamId: id } });
        await tx.teamMember.createMany({ data: [...new Set(data.memberIds)].map((userId) => ({ teamId: id, userId })) });
        await settingsChanged(tx, ctx);
      }
      return tx.team.update({ where: { id }, data: { name: data.name } });
    })
    .catch(uniqueAs('name', TEAMS.nameTaken()))
    .finally(() => ctx.deps.outbox.kick());
}

export async function deleteTeam(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, TEAMS.manage());
  const { count } = await ctx.db.$transaction(async (tx) => {
    const r = await tx.team.deleteMany({ where: { id, workspaceId: ctx.viewer.workspaceId } });
    if (r.count) await settingsChanged(tx, ctx);
    return r;
  });
  if (!count) throw new NotFoundError('Team', id);
  ctx.deps.outbox.kick();
  return id;
}
