// Workspaces (accounts): creation with their default roles and pipeline, and settings.
import { settingsChanged } from '../../kernel/events.js';
import { ALL_RIGHTS } from '../../kernel/access/rights.js';
import { z } from 'zod';
import type { ServiceCtx } from '../../context.js';
import type { Tx } from '../../lib/outbox.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import { createDefaultPipeline, type PipelineSpec } from '../pipelines/pipelines.service.js';

export const ADMIN_ROLE = { ru: 'Администратор', en: 'Administrator' };
export const MANAGER_ROLE = { ru: 'Менеджер', en: 'Manager' };

export async function bootstrapWorkspace(
  tx: Tx,
  input: {
    workspace: { name: string; locale: 'ru' | 'en'; timeZone?: string; currency?: string; phoneRegion?: string };
    admin: { name: string; email: string; passwordHash: string };
    pipeline?: PipelineSpec;
  },
) {
  const { locale } = input.workspace;
  const workspace = await tx.workspace.create({ data: input.workspace });
  const adminRole = await tx.role.create({
    data: { workspaceId: workspace.id, name: ADMIN_ROLE[locale], isAdmin: true },
  });
  // Managers start with every record right; administrators narrow them per role.
  await tx.role.create({ data: { workspaceId: workspace.id, name: MANAGER_ROLE[locale], rights: ALL_RIGHTS as object } });
  const user = await tx.user.create({
    data: { ...input.admin, workspaceId: workspace.id, roleId: adminRole.id },
  });
  const pipeline = await createDefaultPipeline(tx, workspace.id, locale, input.pipeline);
  return { workspace, user, pipeline };
}

export function getWorkspace(ctx: ServiceCtx) {
  return ctx.db.workspace.findUniqueOrThrow({ where: { id: ctx.viewer.workspaceId } });
}

const settingsInput = z.object({
  name: v.name(120).optional(),
  timeZone: v.timeZone.optional(),
  currency: v.currency.optional(),
  phoneRegion: v.phoneRegion.optional(),
  locale: z.enum(['ru', 'en']).optional(),
});

type Nullable<T> = { [K in keyof T]?: T[K] | null };

export async function updateWorkspace(ctx: ServiceCtx, input: Nullable<z.input<typeof settingsInput>>) {
  assertAdmin(ctx.viewer);
  const clean = Object.fromEntries(Object.entries(input).filter(([, x]) => x !== null && x !== undefined));
  const data = v.parseInput(settingsInput, clean);
  // Locale, currency and phone region are part of every viewer: sessions read them again.
  const updated = await ctx.db.$transaction(async (tx) => {
    await settingsChanged(tx, ctx);
    return tx.workspace.update({ where: { id: ctx.viewer.workspaceId }, data });
  });
  ctx.deps.outbox.kick();
  return updated;
}
