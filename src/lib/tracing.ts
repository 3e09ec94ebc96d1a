// OpenTelemetry traces, started by main.ts before the app's modules load and only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set: the OpenTelemetry SDK for Node with the OTLP/HTTP (JSON)
// exporter, and the instrumentations of incoming and outgoing HTTP (a span per request, W3C
// `traceparent` taken from clients) and of `pg` (a span per SQL statement on PostgreSQL).
// The GraphQL operation's span comes from the app (`@envelop/opentelemetry` in app.ts).
// The SDK reads the standard variables itself: OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS,
// OTEL_TRACES_SAMPLER, OTEL_BSP_SCHEDULE_DELAY, …
import { register } from 'node:module';

export type Tracing = { shutdown(): Promise<void> };

export async function startTracing(): Promise<Tracing> {
  // The app is ES modules: instrumentations patch what `import` hands out only through this
  // loader hook, limited to the modules instrumented here.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['pg', 'pg-pool', 'http', 'https', 'node:http', 'node:https'] },
  });
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'crm-backend',
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => ['/health', '/ready', '/metrics'].includes((req.url ?? '').split('?')[0]),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
    // Traces only: metrics are Prometheus's (/metrics), logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
