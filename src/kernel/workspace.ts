// What the kernel reads of the workspace itself: its phone region and currency, which card
// writes need to check and store phones and amounts.
import type { ServiceCtx } from '../context.js';
import { perRequest } from '../lib/per-request.js';

/** The workspace's phone region and currency: read with the token, else once per request. */
export async function workspaceRegion(ctx: ServiceCtx) {
  const { phoneRegion, currency } = ctx.viewer;
  if (phoneRegion && currency) return { phoneRegion, currency };
  return perRequest(ctx, 'workspace:region', () =>
    ctx.db.workspace.findUniqueOrThrow({ where: { id: ctx.viewer.workspaceId }, select: { phoneRegion: true, currency: true } }),
  );
}
