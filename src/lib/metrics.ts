// Prometheus metrics of one app: a prom-client registry of its own (several apps may share a
// process, as in the tests), yoga's Prometheus plugin for requests, their duration and errors
// per operation, gauges read at scrape time, and the GET /metrics endpoint with its access rule.
// It knows nothing of the CRM: the app adds its gauges (outbox, jobs, pool) through `gauge`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, timingSafeEqual } from 'node:crypto';
import { getOperationAST, GraphQLError, type DocumentNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { isAsyncIterable } from '@envelop/core';
import type { Plugin } from 'graphql-yoga';
import { AppError } from './errors.js';

/** Operation names are the client's choice: past this many distinct ones, the rest share one label. */
const MAX_OPERATION_NAMES = 500;
export const OTHER_OPERATIONS = '__other';

type Sample = { labels?: Record<string, string>; value: number };

export type Metrics = {
  registry: Registry;
  /** The yoga plugins: the endpoint first (it answers before anything else runs), then the counters. */
  plugins: Plugin[];
  /** A gauge read at scrape time; a failing read leaves the gauge out of that scrape (logged by the caller). */
  gauge(name: string, help: string, read: () => Sample[] | Promise<Sample[]>, labelNames?: string[]): void;
};

type ErrorStore = { counter: Counter<'operationName' | 'code'>; operationName: string };
const executing = new AsyncLocalStorage<ErrorStore>();

/**
 * Counts an expected failure a mutation answered inside its result union (a ValidationError,
 * NotFoundError, …), which never becomes a GraphQL error. Called by the errors plugin of the
 * schema builder for the execution it runs in; outside one it does nothing.
 */
export function countResultError(error: Error) {
  const store = executing.getStore();
  if (!store) return;
  store.counter.inc({ operationName: store.operationName, code: error instanceof AppError ? error.code : error.name });
}

/** The code a client reads in `extensions.code`, or the one a failure of that phase gets. */
function errorCode(error: unknown, phase: string): string {
  if (error instanceof GraphQLError) {
    if (error.originalError instanceof AppError) return error.originalError.code;
    if (typeof error.extensions?.code === 'string') return error.extensions.code;
  }
  if (error instanceof AppError) return error.code;
  if (phase === 'parse') return 'GRAPHQL_PARSE_FAILED';
  if (phase === 'validate') return 'GRAPHQL_VALIDATION_FAILED';
  if (phase === 'context') return 'UNAUTHENTICATED';
  return 'INTERNAL_SERVER_ERROR';
}

function sameSecret(given: string, expected: string) {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export type MetricsAccess = {
  /** When set, a scrape needs `Authorization: Bearer <token>`, from any address. */
  token?: string;
};

/**
 * Who may read /metrics: with a token, whoever sends it; without, only a client on this machine
 * that no proxy forwarded (a proxy on the same host would otherwise make every client local).
 */
export function metricsAccess(access: MetricsAccess, req: { headers: Headers; remoteAddress?: string }): 200 | 401 | 403 {
  if (access.token) {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '');
    return m && sameSecret(m[1], access.token) ? 200 : 401;
  }
  const forwarded = req.headers.has('x-forwarded-for') || req.headers.has('forwarded') || req.headers.has('x-real-ip');
  return !forwarded && LOOPBACK.test(req.remoteAddress ?? '') ? 200 : 403;
}

export function createMetrics(access: MetricsAccess, onGaugeError: (name: string, err: unknown) => void = () => {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const seen = new Set<string>();
  const operationLabel = (name: string | undefined | null) => {
    if (!name) return 'Anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return OTHER_OPERATIONS;
    seen.add(name);
    return name;
  };
  const operationOf = (document: DocumentNode | undefined, operationName?: string | null) => {
    if (!document) return { operationName: operationLabel(operationName), operationType: 'unknown' };
    const op = getOperationAST(document, operationName);
    return { operationName: operationLabel(op?.name?.value ?? operationName), operationType: op?.operation ?? 'unknown' };
  };

  const resultErrors = new Counter({
    name: 'crm_graphql_result_errors_total',
    help: 'Expected failures answered inside a mutation result union (ValidationError, NotFoundError, ...), by operation and code',
    labelNames: ['operationName', 'code'] as const,
    registers: [registry],
  });
  const subscriptions = new Gauge({
    name: 'crm_subscriptions_open',
    help: 'Subscriptions running now (WebSocket and SSE), by operation',
    labelNames: ['operationName'] as const,
    registers: [registry],
  });

  const prometheus = usePrometheus({
    registry,
    // GET /metrics is served by the endpoint plugin below, with its access rule.
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: { name: 'graphql_envelop_request', help: 'GraphQL operations executed, by operation', labelNames: ['operationName', 'operationType'] },
        fillLabelsFn: (p) => operationOf(p.document, p.operationName),
      }),
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time spent executing GraphQL operations, in seconds, by operation',
          labelNames: ['operationName', 'operationType'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        },
        fillLabelsFn: (p) => operationOf(p.document, p.operationName),
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'GraphQL errors in responses (outside result unions), by operation, phase and extensions.code',
          labelNames: ['operationName', 'operationType', 'phase', 'code'],
        },
        fillLabelsFn: (p) => ({ ...operationOf(p.document, p.operationName), phase: p.errorPhase, code: errorCode(p.error, p.errorPhase) }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on GraphQL HTTP requests, in seconds',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        },
        fillLabelsFn: (p, ctx: { request: Request; response: Response }) => ({
          ...operationOf(p.document, p.operationName),
          method: ctx.request.method,
          statusCode: ctx.response.status,
        }),
      }),
      // Off: labels by client-chosen operation names without a bound, or noise for this server.
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
    },
  });

  const endpoint: Plugin = {
    onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      if (url.pathname !== '/metrics') return;
      const remoteAddress = (serverContext as { req?: { socket?: { remoteAddress?: string } } }).req?.socket?.remoteAddress;
      const status = request.method === 'GET' ? metricsAccess(access, { headers: request.headers, remoteAddress }) : 405;
      if (status !== 200) {
        const text = {
          401: 'A bearer token is required (METRICS_TOKEN).',
          403: 'Metrics are served to this machine only unless METRICS_TOKEN is set.',
          405: 'Use GET.',
        }[status];
        return endResponse(new fetchAPI.Response(text, { status, headers: status === 401 ? { 'www-authenticate': 'Bearer' } : {} }));
      }
      return registry.metrics().then((text) => endResponse(new fetchAPI.Response(text, { headers: { 'content-type': registry.contentType } })));
    },
  };

  const counting: Plugin = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const store = { counter: resultErrors, operationName: operationOf(args.document, args.operationName).operationName };
      setExecuteFn((a) => executing.run(store, () => executeFn(a)));
    },
    onSubscribe({ args }) {
      const labels = { operationName: operationOf(args.document, args.operationName).operationName };
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return;
          subscriptions.inc(labels);
          return { onEnd: () => subscriptions.dec(labels) };
        },
      };
    },
  };

  return {
    registry,
    plugins: [endpoint, prometheus, counting],
    gauge(name, help, read, labelNames = []) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          try {
            for (const s of await read()) {
              if (s.labels) this.set(s.labels, s.value);
              else this.set(s.value);
            }
          } catch (err) {
            // One unreadable figure (the database is down) must not cost the whole scrape.
            onGaugeError(name, err);
          }
        },
      });
    },
  };
}
