// Live subscriptions outlive the rights they started with. Every change of roles, field access,
// a user's role or teams, or field definitions goes through the outbox as `settingsChanged`;
// each instance counts those per workspace (lib/settings-epochs.ts). Before a subscription
// handles an event it compares the count with the one its viewer was read at, and on a change
// reads the viewer again (resolveViewer, one statement) and drops what the operation memoized,
// so the event is filtered and shaped by the rights as they are now. A viewer who lost access
// (deactivated, signed out, session expired, API key revoked) gets an error and the
// subscription ends. Lookups memoized while handling one event (card visibility, definitions)
// are dropped before the next: caches live per event, not per subscription.
import type { Context, ServiceCtx } from '../../context.js';
import { forgetRequest } from '../../lib/per-request.js';
import { resolveViewer } from './auth.service.js';
import { LocalizedGraphQLError } from '../../lib/errors.js';
import { AUTH } from './auth.messages.js';

const seen = new WeakMap<object, number>();

/** Call at subscribe time: remembers the epoch the viewer was read at. */
export function startLive(ctx: Context): ServiceCtx {
  const s = ctx as ServiceCtx;
  seen.set(ctx, ctx.deps.epochs.epoch(s.viewer.workspaceId));
  return s;
}

/** Call per event: the operation's context with the viewer as their rights are now. */
export async function liveViewer(ctx: Context): Promise<ServiceCtx> {
  const s = ctx as ServiceCtx;
  const now = ctx.deps.epochs.epoch(s.viewer.workspaceId);
  const expired = !!s.viewer.expiresAt && s.viewer.expiresAt.getTime() <= Date.now();
  // What the last event memoized (which cards the viewer may see: a deal's company, say) may
  // have changed since without any settings change: each event starts with empty caches.
  forgetRequest(ctx);
  if (seen.get(ctx) === now && !expired) return s;
  const fresh = ctx.token ? await resolveViewer(ctx.deps, ctx.token) : { problem: AUTH.noToken() };
  if (!('viewer' in fresh)) throw new LocalizedGraphQLError(AUTH.signedOut({ problem: fresh.problem }), { code: 'UNAUTHENTICATED' });
  Object.assign(s.viewer, fresh.viewer);
  forgetRequest(ctx);
  seen.set(ctx, now);
  return s;
}
