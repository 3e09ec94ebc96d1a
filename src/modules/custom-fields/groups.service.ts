// Field groups: the sections (tabs) a card's custom fields are shown in, per entity type.
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceCtx } from '../../context.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import type { EntityType } from '../../kernel/fields/definitions.js';
import { forget } from './definitions.service.js';
import { CUSTOM_FIELDS } from './custom-fields.messages.js';

type Query = { include?: Prisma.FieldGroupInclude; select?: Prisma.FieldGroupSelect };

export function listGroups(ctx: ServiceCtx, entityType: EntityType, query: Query = {}) {
  return ctx.db.fieldGroup.findMany({
    ...query,
    where: { workspaceId: ctx.viewer.workspaceId, entityType },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
}

export async function createGroup(ctx: ServiceCtx, entityType: EntityType, name: string) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const clean = v.parseInput(z.object({ name: v.name(120) }), { name });
  if (await ctx.db.fieldGroup.findFirst({ where: { workspaceId: ctx.viewer.workspaceId, entityType, name: v.sameText(clean.name) } })) {
    throw ValidationError.field('name', CUSTOM_FIELDS.groupTaken());
  }
  // A new group goes last.
  const last = await ctx.db.fieldGroup.aggregate({ where: { workspaceId: ctx.viewer.workspaceId, entityType }, _max: { sortOrder: true } });
  return ctx.db.fieldGroup.create({ data: { workspaceId: ctx.viewer.workspaceId, entityType, name: clean.name, sortOrder: (last._max.sortOrder ?? -1) + 1 } });
}

export async function updateGroup(ctx: ServiceCtx, id: string, input: { name?: string | null; sortOrder?: number | null }) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const g = await ctx.db.fieldGroup.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!g) throw new NotFoundError('FieldGroup', id);
  const data = v.parseInput(z.object({ name: v.name(120).optional(), sortOrder: z.number().int().min(0).max(10_000).optional() }), {
    name: input.name ?? undefined,
    sortOrder: input.sortOrder ?? undefined,
  });
  if (
    data.name &&
    (await ctx.db.fieldGroup.findFirst({
      where: { workspaceId: g.workspaceId, entityType: g.entityType, id: { not: id }, name: v.sameText(data.name) },
    }))
  ) {
    throw ValidationError.field('name', CUSTOM_FIELDS.groupTaken());
  }
  return ctx.db.fieldGroup.update({ where: { id }, data });
}

export async function deleteGroup(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, CUSTOM_FIELDS.manage());
  const g = await ctx.db.fieldGroup.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!g) throw new NotFoundError('FieldGroup', id);
  // Its fields stay, without a group.
  await ctx.db.fieldGroup.delete({ where: { id } });
  await forget(ctx);
  return g;
}
