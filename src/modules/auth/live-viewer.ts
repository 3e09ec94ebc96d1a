// Live subscriptions outlive the rights they started with. Every change of roles, field access,
// a user's role or teams, or field definitions goes through the outbox as `settingsChanged`;
// each instance counts those per workspace (lib/settings-epochs.ts). Before a subscription
// handles an event it compares the count with the one its viewer was read at, and on a change
// reads the viewer again (resolveViewer, one statement) and drops what the operation memoized,
// so the event is filtered and shaped by the rights as they are now. A viewer who lost access
// (deactivated, signed out, session expired, API key revoked) gets an error and the
// subscription ends. Lookups memoized while handling one event (card visibility, definitions)
// are dropped before the next: caches live per event, not per subscription.
import { getNamedType, GraphQLError, isLeafType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Context, ServiceCtx } from '../../context.js';
import { forgetRequest } from '../../lib/per-request.js';
import { resolveViewer } from './auth.service.js';
import { AppError, LocalizedGraphQLError } from '../../lib/errors.js';
import { AUTH } from './auth.messages.js';

const seen = new WeakMap<object, number>();
/** Contexts of shared live groups (see `sharedLive`): they never read their rights again themselves. */
const shared = new WeakSet<object>();

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
  if (shared.has(ctx) || (seen.get(ctx) === now && !expired)) return s;
  await readAgain(ctx);
  forgetRequest(ctx);
  seen.set(ctx, now);
  return s;
}

/** Reads the viewer of the context's token again, into the context; throws when it is signed out. */
async function readAgain(ctx: Context) {
  const fresh = ctx.token ? await resolveViewer(ctx.deps, ctx.token) : { problem: AUTH.noToken() };
  if (!('viewer' in fresh)) throw new LocalizedGraphQLError(AUTH.signedOut({ problem: fresh.problem }), { code: 'UNAUTHENTICATED' });
  Object.assign(ctx.viewer!, fresh.viewer);
}

// Multiplexed live queries (lib/live-mux.ts): subscribers with the same document, variables and
// rights fingerprint share one execution. The fingerprint is conservative: everything of the
// viewer that rights or shaping read (workspace, role, admin, write access, record rights, field
// access, languages, currency and phone region), and the user and their teams unless the
// operation is known to give every user of those rights the same results.

/**
 * Operations whose results depend on the viewer's rights but not on who they are: a board's
 * `dealChanged` selecting the event and the deal's own scalar fields (no nested objects: tasks,
 * files, timeline entries, … have per-user rules such as private entries or an uploader's files).
 */
function sameForEveryone(schema: GraphQLSchema, document: DocumentNode): boolean {
  const info = new TypeInfo(schema);
  let ok = true;
  visit(
    document,
    visitWithTypeInfo(info, {
      Field(node) {
        if (node.name.value === '__typename') return;
        const parent = info.getParentType()?.name;
        const leaf = isLeafType(getNamedType(info.getType()));
        if (parent === 'Subscription' ? node.name.value !== 'dealChanged' : !(parent === 'DealChangedEvent' || (parent === 'Deal' && leaf))) ok = false;
      },
    }),
  );
  return ok;
}

/** Whether a role's rights anywhere cover cards by their responsible (OWN, TEAM): then results depend on the user. */
function userScoped(ctx: ServiceCtx) {
  const { viewer } = ctx;
  if (viewer.isAdmin) return false;
  return Object.values(viewer.rights ?? {}).some((actions) => Object.values(actions ?? {}).some((scope) => scope === 'OWN' || scope === 'TEAM'));
}

/** The rights part of a live group's key, for this viewer and operation. */
export function liveRightsKey(ctx: Context, schema: GraphQLSchema, document: DocumentNode): string {
  const s = ctx as ServiceCtx;
  const v = s.viewer;
  const who = userScoped(s) || !sameForEveryone(schema, document) ? [v.userId, [...v.teamIds].sort()] : null;
  return JSON.stringify([
    v.workspaceId,
    v.roleId,
    v.isAdmin,
    v.canWrite,
    v.via,
    v.rights ?? null,
    v.fieldAccess ?? null,
    v.locale,
    ctx.locale,
    v.currency ?? null,
    v.phoneRegion ?? null,
    who,
  ]);
}

/** Tries after which a live member whose rights cannot be read ends (50, 100, … 3,200 ms apart: ~6 s in all). */
export const LIVE_RIGHTS_TRIES = 8;

/**
 * A live group member's rights could not be read again: an answer (signed out, deactivated, a
 * GraphQL or application error) ends it at once; any other failure (the database unreachable or
 * restarting) is read again after 50 ms, doubling, its results held meanwhile, and ends it only
 * once LIVE_RIGHTS_TRIES reads in a row failed.
 */
export function liveRetryAfter(error: unknown, attempt: number): number | undefined {
  if (error instanceof GraphQLError || error instanceof AppError || attempt + 1 >= LIVE_RIGHTS_TRIES) return undefined;
  return 50 * 2 ** attempt;
}

/** Reads a live group member's viewer again (throws when it is signed out) and answers its rights key now. */
export async function liveRightsKeyAgain(ctx: Context, schema: GraphQLSchema, document: DocumentNode): Promise<string> {
  await readAgain(ctx);
  return liveRightsKey(ctx, schema, document);
}

/** Whether a live group member's session ran out (it is then read again before it gets more). */
export function liveExpired(ctx: Context) {
  const at = ctx.viewer?.expiresAt;
  return !!at && at.getTime() <= Date.now();
}

/**
 * The context a live group runs under: a copy of its first member's, with a viewer of its own
 * that is never read again (its members are: their rights are the group's key) and a pubsub that
 * tells the group which channels it listens on and may hand it a recording to read instead.
 */
export function sharedLive(ctx: Context, listen: (channel: string) => AsyncIterable<unknown> | undefined): Context {
  const pubsub = ctx.deps.pubsub;
  const spy: typeof pubsub = {
    publish: (...a) => pubsub.publish(...a),
    // A recording stands in for the pubsub's own iterable: the subscriptions only iterate it.
    subscribe: ((topic: string, id?: string) =>
      listen(id === undefined ? topic : `${topic}:${id}`) ??
      (pubsub.subscribe as unknown as (t: string, i?: string) => AsyncIterable<unknown>)(topic, id)) as unknown as typeof pubsub.subscribe,
  };
  const viewer = ctx.viewer ? { ...structuredClone(ctx.viewer), expiresAt: undefined } : null;
  const copy: Context = { ...ctx, viewer, deps: { ...ctx.deps, pubsub: spy } };
  shared.add(copy);
  return copy;
}
