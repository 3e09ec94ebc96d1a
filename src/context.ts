// One context factory for HTTP, WebSocket and file downloads (GET /files/<id>): reads the token
// from the Authorization header or from graphql-ws connection params, and builds the viewer every
// service checks. Turning a token into a viewer is the auth module's; app.ts hands it in, so this
// file depends on no module.
import { clientAddress } from './lib/client-address.js';
import type { IncomingMessage } from 'node:http';
import type { FileStorage } from './lib/storage.js';
import type { Db } from './db.js';
import type { Config } from './config.js';
import type { Logger } from './lib/logger.js';
import type { AppPubSub } from './lib/pubsub.js';
import type { OutboxDispatcher } from './lib/outbox.js';
import type { Worker } from './lib/worker.js';
import type { Viewer } from './kernel/access/viewer.js';
import type { SettingsEpochs } from './lib/settings-epochs.js';
import { unauthenticated } from './lib/errors.js';
import { requestedLocale, type Locale, type Message } from './lib/i18n.js';

export type AppDeps = {
  db: Db;
  /** Which database `db` is: PGlite has one connection, so work that would overlap transactions runs in turn there. */
  dbKind: 'pglite' | 'postgres';
  config: Config;
  log: Logger;
  pubsub: AppPubSub;
  outbox: OutboxDispatcher;
  /** Runs durable jobs (automations, webhook deliveries) on instances that dispatch. */
  worker: Worker;
  storage: FileStorage;
  /** Counts settings changes per workspace, so live subscriptions re-read their rights. */
  epochs: SettingsEpochs;
};

export type Context = {
  db: Db;
  deps: AppDeps;
  viewer: Viewer | null;
  /** Why the token was refused, when one was sent and refused. */
  authProblem?: Message;
  ip: string;
  /** Language of messages: Accept-Language, else the workspace's locale, else English. */
  locale: Locale;
  log: Logger;
  /** The bearer token, kept so a live subscription can read its viewer again. */
  token?: string;
};

/** A token's viewer, or why the token was refused. */
export type ViewerResult = { viewer: Viewer } | { problem: Message };

/** Turns a bearer token (session or API key) into its viewer: modules/auth resolveViewer. */
export type ResolveViewer = (deps: AppDeps, token: string) => Promise<ViewerResult>;

/** What a service needs: the database, the deps, and a signed-in viewer. */
export type ServiceCtx = { db: Db; deps: AppDeps; viewer: Viewer; automation?: AutomationActor; importing?: ImportSource };

/** An import writing cards: the timeline says so on each card it creates or updates, naming the import and its file. */
export type ImportSource = { id: string; fileName: string };

/** An automation acting (with its owner's viewer): timeline entries name it, and the changes it makes trigger automations one level deeper. */
export type AutomationActor = { id: string; name: string; depth: number };

export function authed(ctx: Context): ServiceCtx {
  if (!ctx.viewer) throw unauthenticated(ctx.authProblem);
  return ctx as ServiceCtx;
}

type InitialContext = {
  request?: Pick<Request, 'headers'>;
  connectionParams?: Record<string, unknown>;
  req?: { socket?: { remoteAddress?: string }; headers?: Record<string, string | string[] | undefined> };
  extra?: { request?: { socket?: { remoteAddress?: string }; headers?: Record<string, unknown> } };
};

function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : value.trim() || undefined;
}

function clientIp(deps: AppDeps, init: InitialContext): string {
  const nodeReq = init.req ?? init.extra?.request;
  const fwd = init.request?.headers.get('x-forwarded-for') ?? (nodeReq?.headers?.['x-forwarded-for'] as string | undefined);
  return clientAddress(deps.config.trustProxy, fwd ?? undefined, nodeReq?.socket?.remoteAddress);
}

/**
 * The initial context of a request served outside yoga (GET /files/<id>), shaped as yoga's for
 * a Node request: its headers as Fetch headers, and the Node request for the client address.
 */
export function nodeRequestInit(req: IncomingMessage): InitialContext {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
  }
  return { request: { headers }, req };
}

export function createContextFactory(deps: AppDeps, auth: { resolveViewer: ResolveViewer }) {
  return async (init: InitialContext): Promise<Context> => {
    const cp = init.connectionParams ?? {};
    const token = bearer(init.request?.headers.get('authorization')) ?? bearer(cp.authorization ?? cp.Authorization ?? cp.token);
    const ip = clientIp(deps, init);
    const asked = requestedLocale(init.request?.headers.get('accept-language') ?? (typeof cp.acceptLanguage === 'string' ? cp.acceptLanguage : undefined));
    const base = { db: deps.db, deps, ip, log: deps.log };
    if (!token) return { ...base, viewer: null, locale: asked ?? 'en' };
    const result = await auth.resolveViewer(deps, token);
    return 'viewer' in result
      ? { ...base, viewer: result.viewer, token, locale: asked ?? result.viewer.locale }
      : { ...base, viewer: null, authProblem: result.problem, locale: asked ?? 'en' };
  };
}
