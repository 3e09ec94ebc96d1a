// Reads and validates the environment once at start. A bad value stops the server with a
// message that names the variable.
import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of true/false, 1/0, yes/no, on/off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z
    .string()
    .min(1, 'must not be empty')
    .default('./data')
    .refine((dir) => !existsSync(dir) || statSync(dir).isDirectory(), 'must be a folder, not a file'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// connection URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
    .optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  SEED_DEMO: bool.optional(),
  SESSION_TTL_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .positive('must be positive')
    .max(24 * 365, 'must be at most a year')
    .default(24 * 30),
  // false, true (one proxy) or the number of proxies in front: the client address is the hop the
  // nearest trusted proxy wrote into X-Forwarded-For, counted from the right.
  TRUST_PROXY: z
    .union([bool, z.coerce.number().int().min(0).max(10)], { error: 'must be true/false or a number of proxies (0 to 10)' })
    .transform((v) => (v === true ? 1 : v === false ? 0 : v))
    .default(0),
  // Sign-ups accepted from one client address per hour (each also tells whether an e-mail is taken).
  SIGNUP_LIMIT_PER_HOUR: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(20),
  // The longest one SQL statement of a request may run; 0: no limit.
  STATEMENT_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0, 'must be 0 or more').default(15_000),
  // Statements sent repeatedly are kept prepared on each PostgreSQL connection (lib/prepared-statements.ts);
  // false for a pooler that cannot hold them (PgBouncer in transaction mode before 1.21).
  PG_PREPARED_STATEMENTS: bool.default(true),
  // WebSocket: how long a socket may stay without a valid connection_init, and how many
  // subscriptions one socket, and one user across this instance's sockets, may hold.
  WS_INIT_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive('must be positive').default(5_000),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number({ error: 'must be a number' }).int().positive('must be positive').default(50),
  WS_MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number({ error: 'must be a number' }).int().positive('must be positive').default(200),
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number({ error: 'must be a number of bytes' })
    .int()
    .positive('must be positive')
    .default(8 * 1024 * 1024),
  INTROSPECTION: bool.default(true),
  // Comma-separated origins (https://app.example.com) that browsers may call the API from with
  // credentials; unset: any origin, without credentials (clients send their token themselves).
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be http(s) origins separated by commas' })))
    .optional(),
  // GET /metrics: with a token, scrapes send it as a bearer token; without, only this machine may scrape.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // OpenTelemetry traces go to this OTLP/HTTP collector (the SDK reads the other OTEL_* variables).
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an OTLP/HTTP collector' }).optional(),
  // Whether this instance publishes outbox events (one dispatching instance is enough; any
  // number may, each event still goes out once).
  OUTBOX_DISPATCH: bool.default(true),
  // How long a published outbox event is kept (to look into what went out) before the background
  // worker deletes it; 0 keeps every event for good. Undelivered events are never deleted.
  OUTBOX_KEEP_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .min(0, 'must be 0 (keep for good) or more')
    .max(24 * 365 * 10, 'must be at most ten years')
    .default(24 * 7),
  BOARD_PLAN: bool.default(true),
  // Outbound webhooks: private, loopback and link-local targets (and plain http) only when true.
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int()
    .positive('must be positive')
    .max(60_000, 'must be at most 60000')
    .default(10_000),
  // The first retry's delay; each next one is 4 times longer (8 attempts span about a day), up to
  // WEBHOOK_RETRY_MAX_MS each. A delivery still failing after WEBHOOK_MAX_ATTEMPTS attempts fails.
  WEBHOOK_RETRY_BASE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive('must be positive').default(5_000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().positive('must be positive').default(86_400_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(30, 'must be at most 30').default(8),
  // Automations' "send an e-mail" action: the SMTP server (smtp://user:pass@host:587, smtps://…:465)
  // and the sender address. Without SMTP_URL the action fails with a clear error in the run log.
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  SMTP_FROM: z.string().default('CRM <crm@localhost>'),
  // How long a worker holds the automation jobs it claimed; it renews the lease while it runs
  // them, so this is how soon another instance takes over the jobs of one that died.
  AUTOMATION_LEASE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int()
    .min(1, 'must be at least 1')
    .max(3600, 'must be at most 3600')
    .default(120),
  // How many automation jobs a worker claims at once: more means fewer transactions per action on
  // a backlog, fewer means a change arriving mid-batch waits less (docs/performance.md, Automations).
  AUTOMATION_BATCH: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(200),
  // The largest raw e-mail POST /integrations/mail/<key>/messages takes (attachments are also held to FILE_MAX_MB each).
  MAIL_MAX_MB: z.coerce.number({ error: 'must be a number of megabytes' }).positive('must be positive').max(2048, 'must be at most 2048').default(40),
  FILE_MAX_MB: z.coerce.number({ error: 'must be a number of megabytes' }).positive('must be positive').max(2048, 'must be at most 2048').default(25),
  // Comma-separated MIME types or type/* wildcards that uploads may have.
  FILE_TYPES: z
    .string()
    .default(
      'image/*,audio/*,video/*,text/plain,text/csv,application/pdf,application/zip,application/msword,application/vnd.ms-excel,application/vnd.ms-powerpoint,application/vnd.openxmlformats-officedocument.*,application/vnd.oasis.opendocument.*,application/rtf',
    ),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  seedDemo: boolean;
  sessionTtlMs: number;
  /** Proxies in front of this server whose X-Forwarded-For hops are trusted (0: none). */
  trustProxy: number;
  signUpLimitPerHour: number;
  /** 0: no limit. */
  statementTimeoutMs: number;
  preparedStatements: boolean;
  ws: { initTimeoutMs: number; maxSubscriptionsPerSocket: number; maxSubscriptionsPerUser: number; maxBufferedBytes: number };
  introspection: boolean;
  /** Origins allowed with credentials; undefined: any origin, without credentials. */
  corsOrigins?: string[];
  outboxDispatch: boolean;
  /** How long a published outbox event is kept; 0: for good. */
  outboxKeepMs: number;
  /** A board page (deals with their relations and values) answered by its plan rather than graphql-js (modules/deals/deals.board.ts). */
  boardPlan: boolean;
  /** GET /metrics needs this bearer token; undefined: served to loopback clients only. */
  metricsToken?: string;
  /** Set: OpenTelemetry traces are exported there (src/lib/tracing.ts). */
  otlpEndpoint?: string;
  webhooks: { allowPrivate: boolean; timeoutMs: number; retryBaseMs: number; retryMaxMs: number; maxAttempts: number };
  smtp: { url?: string; from: string };
  automations: { leaseSeconds: number; batch: number };
  fileMaxBytes: number;
  fileTypes: string[];
  mailMaxBytes: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as in most twelve-factor servers.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got "${cleaned[String(i.path[0])]}")`));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    trustProxy: e.TRUST_PROXY,
    signUpLimitPerHour: e.SIGNUP_LIMIT_PER_HOUR,
    statementTimeoutMs: e.STATEMENT_TIMEOUT_MS,
    preparedStatements: e.PG_PREPARED_STATEMENTS,
    ws: {
      initTimeoutMs: e.WS_INIT_TIMEOUT_MS,
      maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSubscriptionsPerUser: e.WS_MAX_SUBSCRIPTIONS_PER_USER,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    },
    introspection: e.INTROSPECTION,
    corsOrigins: e.CORS_ORIGINS?.map((o) => new URL(o).origin),
    outboxDispatch: e.OUTBOX_DISPATCH,
    outboxKeepMs: Math.round(e.OUTBOX_KEEP_HOURS * 3_600_000),
    boardPlan: e.BOARD_PLAN,
    metricsToken: e.METRICS_TOKEN,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    },
    smtp: { url: e.SMTP_URL, from: e.SMTP_FROM },
    automations: { leaseSeconds: e.AUTOMATION_LEASE_SECONDS, batch: e.AUTOMATION_BATCH },
    fileMaxBytes: Math.round(e.FILE_MAX_MB * 1024 * 1024),
    mailMaxBytes: Math.round(e.MAIL_MAX_MB * 1024 * 1024),
    fileTypes: e.FILE_TYPES.split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  };
}
