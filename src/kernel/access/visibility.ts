// Record visibility: which cards a viewer may see, as a Prisma condition (lists, counts,
// lookups) or as a batched yes/no per card (related cards, files, live events).
import DataLoader from 'dataloader';
import type { ServiceCtx } from '../../context.js';
import { perRequestValue } from '../../lib/per-request.js';
import { descriptor, type CardKind } from '../card-kinds.js';
import { cardTable } from '../tables.js';
import * as rights from './rights.js';

/** The viewer's cards of a kind they may see: the workspace, narrowed by the role's VIEW scope. */
export function visible(ctx: ServiceCtx, kind: CardKind) {
  // Under AND, so the scope's own keys (id, OR) never replace the caller's.
  return { workspaceId: ctx.viewer.workspaceId, AND: [rights.allowed(ctx.viewer, kind, 'VIEW')] };
}

/** The VIEW condition alone (no workspace), for relation filters; {} when the role sees all. */
export function viewable(viewer: ServiceCtx['viewer'], kind: CardKind) {
  return rights.allowed(viewer, kind, 'VIEW');
}

/**
 * Whether the viewer may see a card (a deal's company, a file's card). Batched per request with
 * a DataLoader; a role that sees every card of the kind costs no query.
 */
export function canSee(ctx: ServiceCtx, kind: CardKind, id: string): Promise<boolean> {
  if (rights.scopeOf(ctx.viewer, kind, 'VIEW') === 'ALL') return Promise.resolve(true);
  const loader = perRequestValue(
    ctx,
    `visible:${descriptor(kind).table}`,
    () =>
      new DataLoader<string, boolean>(async (ids) => {
        const found = await cardTable(ctx.db, kind).findMany({ where: { id: { in: [...ids] }, ...visible(ctx, kind) }, select: { id: true } });
        const seen = new Set(found.map((f) => f.id));
        return ids.map((i) => seen.has(i));
      }),
  );
  return loader.load(id);
}

/**
 * Whether a card with this responsible would be within the viewer's VIEW scope (read afresh):
 * a live board asks it of a deal's former responsible to tell whether the deal just left it.
 */
export async function coveredResponsible(ctx: ServiceCtx, kind: CardKind, responsibleId: string): Promise<boolean> {
  const scope = rights.scopeOf(ctx.viewer, kind, 'VIEW');
  if (scope !== 'TEAM') return rights.covers(ctx.viewer, scope, responsibleId, []);
  const teams = await ctx.db.teamMember.findMany({ where: { userId: responsibleId, team: { workspaceId: ctx.viewer.workspaceId } }, select: { teamId: true } });
  return rights.covers(
    ctx.viewer,
    scope,
    responsibleId,
    teams.map((t) => t.teamId),
  );
}

/**
 * Whether the viewer may see a card now, read afresh (not through the per-request cache): a live
 * subscription asks this for each event, and a card may have been handed away meanwhile.
 */
export async function seesNow(ctx: ServiceCtx, kind: CardKind, id: string): Promise<boolean> {
  if (rights.scopeOf(ctx.viewer, kind, 'VIEW') === 'ALL') return true;
  return !!(await cardTable(ctx.db, kind).findFirst({ where: { id, ...visible(ctx, kind) }, select: { id: true } }));
}
