// buildApp(config) -> { start, stop }: the HTTP server (GraphQL over HTTP, SSE, GraphiQL,
// health and readiness, file downloads, the /dashboard page) and graphql-ws on the same port
// and path, sharing one context factory.
import { PothosValidationError } from '@pothos/core';
import { serveFile } from './modules/files/files.service.js';
import { handleFormRequest } from './modules/web-forms/web-forms.http.js';
import { handleTelephonyRequest } from './modules/telephony/telephony.http.js';
import { handleMailRequest, isMailPath } from './modules/mail/mail.http.js';
import { CHAT_PATH, handleChatRequest } from './modules/chats/chats.http.js';
import { handleDashboardRequest, isDashboardPath } from './modules/dashboard/dashboard.http.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, maskError, useReadinessCheck, type Plugin } from 'graphql-yoga';
import { getOperationAST, GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult } from '@envelop/core';
import { render, requestedLocale, type Locale } from './lib/i18n.js';
import { limitQueued, OperationQuota } from './lib/ws-limits.js';
import { useOneWayPages } from './lib/connection-args.js';
import { useQueryCost } from './lib/query-cost.js';
import { AppError, ValidationError, isStatementTimeout, localizedCause, statementTimedOut } from './lib/errors.js';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Config } from './config.js';
import { createContextFactory, nodeRequestInit, type AppDeps, type Context } from './context.js';
import { createLogger, type Logger } from './lib/logger.js';
import { LiveMux, type LiveSocket } from './lib/live-mux.js';
import { liveExpired, liveRetryAfter, liveRightsKey, liveRightsKeyAgain, sharedLive } from './modules/auth/live-viewer.js';
import { IMPORT_MAX_BYTES, resumeImports } from './modules/imports/imports.service.js';
import { rootFields, useBodyLimits } from './lib/uploads.js';
import { openDeps } from './deps.js';
import type { Database } from './db.js';
import type { DataDirOrigin } from './lib/pglite-template.js';
import { schema } from './schema.js';
import { useInputLimits } from './lib/input-limits.js';
import { createMetrics } from './lib/metrics.js';
import { registerAppGauges } from './metrics.js';
import { resolveViewer } from './modules/auth/auth.service.js';
import { useBoardPlan } from './modules/deals/deals.board.js';
import { seedDemo, type DemoLogin } from '../prisma/seed.js';

/** Query limits: deep, costly, alias-heavy or huge documents are refused before execution. */
export const LIMITS = {
  maxDepth: 12,
  maxCost: 10_000,
  maxAliases: 20,
  maxTokens: 5_000,
  maxDirectives: 20,
};

/** graphql-armor's refusals carry only a message; each gets a machine-readable code too. */
const refusedWith = (code: string) => ({
  onReject: [(_ctx: unknown, err: GraphQLError) => void Object.assign(err.extensions, { code })],
});

/**
 * onSubscribe hands each operation its enveloped execute/subscribe through rootValue, and a live
 * subscription over graphql-ws its multiplexing key (the operation, and the rights fingerprint)
 * and where its results go.
 */
type EnvelopedRoot = {
  execute: (args: ExecutionArgs) => ExecutionResult | Promise<ExecutionResult>;
  subscribe: (args: ExecutionArgs) => AsyncIterable<ExecutionResult> | ExecutionResult | Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
  live?: { id: string; socket: LiveSocket; operation: string; rights: string };
};

export type App = {
  yoga: ReturnType<typeof createYoga<Record<string, unknown>, Context>>;
  deps: AppDeps;
  database: Database;
  /** The demo administrator's login, while the demo workspace exists (SEED_DEMO). */
  demoLogin: DemoLogin | null;
  /** The demo manager's login: own cards only, the deals' margin hidden. */
  demoManagerLogin: DemoLogin | null;
  /**
   * Test seam: how many live subscriptions of this instance listen on a pubsub channel
   * ('dealChanged:<pipeline id>'), with Redis only once Redis confirmed the channel. Tests wait
   * on it instead of sleeping before they make the change a subscriber should hear of.
   */
  listeners(channel: string): number;
  /** Listens on config.port (0 picks a free port); resolves to the GraphQL URL. */
  start(): Promise<string>;
  /** Stops taking work, lets in-flight requests finish, then closes everything. */
  stop(): Promise<void>;
};

/**
 * One operation's refusal over graphql-ws, in the caller's language and with a code: a refusal
 * of ours as it is, a GraphQL error (syntax, validation) with `fallbackCode`, anything else
 * logged and masked.
 */
function operationError(err: unknown, locale: Locale, log: Logger, fallbackCode = 'INTERNAL_SERVER_ERROR'): GraphQLError {
  const cause = localizedCause(err);
  if (cause) {
    const extensions = cause instanceof AppError ? { code: cause.code } : (cause as GraphQLError).extensions;
    return new GraphQLError(render(cause.msg, locale), { extensions });
  }
  if (err instanceof GraphQLError)
    return new GraphQLError(err.message, { nodes: err.nodes, extensions: { ...err.extensions, code: err.extensions.code ?? fallbackCode } });
  log.error({ err }, 'unexpected error');
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

function disableIntrospection(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };
}

/**
 * Errors outside result unions (auth, rate limits, failures on list fields) get their text in the
 * caller's language here, with their code (and, for a ValidationError, every field problem).
 * Runs before yoga's masking: what it builds is a plain GraphQLError the masking lets through.
 */
function localizeErrors(statementTimeoutMs: number): Plugin<Context> {
  const localize = (locale: Locale) => (e: GraphQLError) => {
    // A statement PostgreSQL cancelled at STATEMENT_TIMEOUT_MS is answered as such, not masked.
    const cause = localizedCause(e) ?? (isStatementTimeout(e.originalError) ? statementTimedOut(statementTimeoutMs) : undefined);
    if (!cause) {
      // graphql-js refuses the request itself (a variable of the wrong type or shape, a missing
      // required one) with an error that has no path and no code: it is the client's input.
      if (e.extensions?.code === undefined && e.path === undefined)
        return new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } });
      // Pothos refuses an argument it cannot read (a cursor that is not one of its own).
      if (e.extensions?.code === undefined && (e.originalError instanceof PothosValidationError || e instanceof PothosValidationError))
        return new GraphQLError(e.message, { nodes: e.nodes, path: e.path, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } });
      return e;
    }
    const extensions =
      cause instanceof AppError
        ? {
            code: cause.code,
            ...(cause instanceof ValidationError ? { fields: cause.fields.map((f) => ({ field: f.field, message: render(f.message, locale) })) } : {}),
          }
        : { ...e.extensions, ...cause.extensions };
    return new GraphQLError(render(cause.msg, locale), { nodes: e.nodes, path: e.path, extensions });
  };
  const handle =
    (ctx: unknown) =>
    ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
      if (result.errors?.length) setResult({ ...result, errors: result.errors.map(localize((ctx as Context).locale)) });
    };
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, handle(args.contextValue)),
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, handle(args.contextValue)),
    }),
  };
}

function logOperations(log: Logger): Plugin {
  return {
    onExecute: ({ args }) => {
      const started = performance.now();
      return {
        onExecuteDone: ({ result }) => {
          const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors.length : 0;
          log.info({ op: args.operationName ?? undefined, ms: Math.round(performance.now() - started), errors }, 'graphql');
        },
      };
    },
  };
}

/**
 * A span per GraphQL operation (`query.Deals`, `mutation.CreateDeal`), a child of the HTTP
 * request's span, on the tracer provider src/lib/tracing.ts registered. Variables, results and
 * documents with inline arguments are left out: they may hold personal data.
 */
async function graphqlTracing(): Promise<Plugin> {
  const [{ useOpenTelemetry }, { trace }] = await Promise.all([import('@envelop/opentelemetry'), import('@opentelemetry/api')]);
  return useOpenTelemetry({ resolvers: false, variables: false, result: false, document: true }, trace.getTracerProvider()) as Plugin;
}

export async function buildApp(
  config: Config,
  opts: {
    database?: Database;
    logger?: Logger;
    outboxPollMs?: number;
    /** The embedded data directory being made already (src/main.ts starts it before loading this module). */
    dataDirReady?: Promise<DataDirOrigin>;
  } = {},
): Promise<App> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const { deps, database, pubsub, close } = await openDeps(config, { ...opts, logger: log });
  const { listen, tap, listeners } = pubsub;
  // graphql-ws subscribers with the same operation and rights share one execution (lib/live-mux.ts);
  // a settings change has each member of the workspace's groups read its rights again.
  const mux = new LiveMux<Context>({
    unitOf: (ctx) => ctx.viewer!.workspaceId,
    expired: liveExpired,
    share: sharedLive,
    tap,
    keyAgain: async (ctx, args) => (args.rootValue as EnvelopedRoot).live!.operation + (await liveRightsKeyAgain(ctx, args.schema, args.document)),
    retryAfter: liveRetryAfter,
    onError: (err) => log.warn({ err }, 'live group'),
  });
  listen('settingsChanged', (m) => mux.recheck(m.workspaceId));
  const { outbox, worker } = deps;
  // Seeded through the services, before anything listens or dispatches: its events wait in the
  // outbox for the dispatcher's start.
  const demo = config.seedDemo ? await seedDemo(deps) : null;
  const contextFactory = createContextFactory(deps, { resolveViewer });
  const metrics = createMetrics({ token: config.metricsToken }, (name, err) => log.warn({ err, metric: name }, 'metric not read'));
  // Loaded only when traces are wanted: without OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry runs.
  const tracing = config.otlpEndpoint ? [await graphqlTracing()] : [];

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // Tokens travel in the Authorization header, never as cookies: by default any page may call
    // the API but the browser sends no credentials of its own; listed origins get credentials.
    cors: config.corsOrigins ? { origin: config.corsOrigins, credentials: true } : { origin: '*', credentials: false },
    // Bodies are read by useBodyLimits below, multipart ones with their files on disk.
    maxRequestBodySize: false,
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: { title: 'CRM GraphQL', subscriptionsProtocol: 'WS' },
    context: (init) => contextFactory(init as never),
    logging: {
      debug: (...a) => log.debug(a.map(String).join(' ')),
      info: (...a) => log.info(a.map(String).join(' ')),
      warn: (...a) => log.warn(a.map(String).join(' ')),
      error: (...a) => log.error(a.map(String).join(' ')),
    },
    maskedErrors: {
      isDev: false,
      maskError: (error, message, isDev) => {
        const original = (error as { originalError?: unknown }).originalError ?? error;
        // Expected failures on fields without a result union (lists, subscriptions) reach the
        // client as GraphQL errors carrying their code, and field problems for a ValidationError.
        if (original instanceof AppError) {
          const gqlError = error as GraphQLError;
          return new GraphQLError(original.message, {
            nodes: gqlError.nodes,
            path: gqlError.path,
            extensions: {
              code: original.code,
              ...(original instanceof ValidationError ? { fields: original.fields.map((f) => ({ field: f.field, message: render(f.message, 'en') })) } : {}),
            },
          });
        }
        log.error({ err: original }, 'unexpected error');
        return maskError(error, message, isDev);
      },
    },
    plugins: [
      // A multipart request's files go to temporary files as they arrive, each refused once over
      // the limit of its operation: an import's file (IMPORT_MAX_BYTES), else FILE_MAX_MB.
      useBodyLimits({
        bodyMax: 25_000_000,
        files: 10,
        fieldMax: 1_000_000,
        fileMax: (operations) => (rootFields(operations, LIMITS.maxTokens).has('startImport') ? IMPORT_MAX_BYTES : config.fileMaxBytes) + 1,
      }),
      ...metrics.plugins,
      ...tracing,
      EnvelopArmorPlugin({
        maxDepth: { n: LIMITS.maxDepth, ...refusedWith('DEPTH_LIMIT') },
        // Cost is counted by useQueryCost below, with the operation's variables.
        costLimit: { enabled: false },
        maxAliases: { n: LIMITS.maxAliases, ...refusedWith('ALIAS_LIMIT') },
        maxTokens: { n: LIMITS.maxTokens, ...refusedWith('TOKEN_LIMIT') },
        maxDirectives: { n: LIMITS.maxDirectives, ...refusedWith('DIRECTIVE_LIMIT') },
        blockFieldSuggestion: { enabled: !config.introspection },
      }),
      ...(config.introspection ? [] : [disableIntrospection()]),
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          await database.ping();
          return !stopping;
        },
      }),
      useOneWayPages(),
      useQueryCost({ maxCost: LIMITS.maxCost, defaultPage: 50, maxPage: 200 }),
      useInputLimits(),
      localizeErrors(config.statementTimeoutMs),
      logOperations(log),
      // Last, so the plugins above have run their execute hooks before a board page is answered by its plan.
      useBoardPlan({ enabled: config.boardPlan }),
    ],
  });

  let stopping = false;
  let active = 0;
  const server: Server = createServer((req, res) => {
    active++;
    res.on('close', () => active--);
    if (req.url?.startsWith('/files/')) return void serveFile(deps, req, res, () => contextFactory(nodeRequestInit(req)));
    if (req.url?.startsWith('/forms/')) return void handleFormRequest(deps, req, res);
    if (req.url?.split('?')[0] === '/integrations/telephony/events') return void handleTelephonyRequest(deps, req, res);
    if (isMailPath(req.url)) return void handleMailRequest(deps, req, res);
    const chat = CHAT_PATH.exec(req.url?.split('?')[0] ?? '');
    if (chat) return void handleChatRequest(deps, chat[1], req, res);
    if (isDashboardPath(req.url)) return void handleDashboardRequest(req, res);
    void yoga(req, res);
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  // A client that stops reading is cut off past WS_MAX_BUFFERED_BYTES queued (lib/ws-limits.ts).
  wss.on('connection', (socket) =>
    limitQueued(socket, config.ws.maxBufferedBytes, (queued) =>
      log.warn({ queued, limit: config.ws.maxBufferedBytes }, 'WebSocket cut: its client reads too slowly'),
    ),
  );
  const quota = new OperationQuota(config.ws.maxSubscriptionsPerSocket, config.ws.maxSubscriptionsPerUser);
  /** Who signed the socket in (set by onConnect). */
  const socketUser = new WeakMap<object, string>();
  registerAppGauges(metrics, { database, sockets: () => wss.clients.size, requests: () => active, live: mux });
  const wsServer = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => {
        const root = args.rootValue as EnvelopedRoot;
        if (!root.live) return root.subscribe(args);
        const { id, socket, operation, rights } = root.live;
        return mux.join(id, socket, operation + rights, args as ExecutionArgs & { contextValue: Context }, root.subscribe);
      },
      // A socket that sends no connection_init in time is closed (4408), and so is one whose
      // connection_init carries no valid token (4403): anonymous sockets are not kept open.
      connectionInitWaitTimeout: config.ws.initTimeoutMs,
      onConnect: async (ctx) => {
        const c = await contextFactory({ connectionParams: ctx.connectionParams, extra: ctx.extra });
        if (!c.viewer) return false;
        socketUser.set(ctx, c.viewer.userId);
        quota.join(c.viewer.userId, ctx);
        return true;
      },
      onClose: (ctx) => {
        const userId = socketUser.get(ctx);
        if (userId) quota.leave(userId, ctx);
      },
      // A refused operation is answered with an error for that operation; the socket and its
      // other operations go on (graphql-ws closes the socket with 4500 when this throws).
      onSubscribe: async (ctx, id, params) => {
        let locale: Locale =
          requestedLocale(typeof ctx.connectionParams?.acceptLanguage === 'string' ? ctx.connectionParams.acceptLanguage : undefined) ?? 'en';
        const over = quota.refusal(socketUser.get(ctx) ?? '', ctx);
        if (over) return [operationError(over, locale, log)];
        try {
          const {
            schema: s,
            execute,
            subscribe,
            contextFactory: cf,
            parse,
            validate,
          } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
          });
          const document = parse(params.query);
          const contextValue = await cf();
          locale = (contextValue as Partial<Context>).locale ?? locale;
          const rootValue: EnvelopedRoot = { execute, subscribe };
          const args = {
            schema: s,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue,
            rootValue,
          };
          const errors = validate(args.schema, args.document);
          if (errors.length) return errors.map((e: GraphQLError) => operationError(e, locale, log, 'GRAPHQL_VALIDATION_FAILED'));
          if ((contextValue as Partial<Context>).viewer && getOperationAST(document, params.operationName)?.operation === 'subscription') {
            rootValue.live = {
              id,
              socket: ctx.extra.socket as LiveSocket,
              operation: JSON.stringify([params.query, params.operationName ?? null, params.variables ?? null]),
              rights: liveRightsKey(contextValue as unknown as Context, s, document),
            };
          }
          return args;
        } catch (err) {
          return [operationError(err, locale, log, 'GRAPHQL_PARSE_FAILED')];
        }
      },
    },
    wss,
  );

  let url = '';
  return {
    yoga,
    deps,
    database,
    demoLogin: demo?.admin ?? null,
    demoManagerLogin: demo?.manager ?? null,
    // A live group listens once for all its members; each member counts.
    listeners: (channel) => {
      const n = listeners(channel);
      return n && n + mux.extraListeners(channel);
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      if (config.outboxDispatch) {
        outbox.start();
        worker.start();
        // Imports a stopped or crashed process left unfinished continue after their last settled row.
        void resumeImports(deps).catch((err: unknown) => log.error({ err }, 'imports not resumed'));
      }
      const { port } = server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      url = `http://${host}:${port}/graphql`;
      log.info({ url }, 'listening');
      return url;
    },
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await wsServer.dispose();
      const deadline = Date.now() + 10_000;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await closed.catch(() => {});
      await close();
      log.info('stopped');
    },
  };
}
