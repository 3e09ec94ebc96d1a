// Expected failures. Services throw these; the errors plugin turns them into typed members of
// each mutation's result union. Anything else thrown is unexpected and masked by yoga.
// Each carries its text as a message (key and params, lib/i18n.ts), rendered in the caller's
// language where it reaches a client; Error.message holds the English, for logs.
import { GraphQLError } from 'graphql';
import { cap, defineMessages, noun, render, withParams, type Message } from './i18n.js';

/** The generic texts of the errors below; domains pass their own messages for anything specific. */
export const ERRORS = defineMessages('error', {
  invalidInput: withParams(
    (p: { issues: string[] }) => `Invalid input: ${p.issues.join('; ')}`,
    (p) => `Неверные данные: ${p.issues.join('; ')}`,
  ),
  fieldIssue: withParams(
    (p: { field: string; message: string }) => `${p.field}: ${p.message}`,
    (p) => `${p.field}: ${p.message}`,
  ),
  notFound: withParams(
    (p: { entity: string; noun: string }) => `${p.entity} was not found`,
    (p) => `${cap(p.noun)}: не найдено`,
  ),
  forbidden: { en: 'You do not have the right to do this', ru: 'Недостаточно прав' },
  conflict: withParams(
    (p: { entity: string; noun: string; version: number }) => `${p.entity} was changed by someone else (now at version ${p.version}); reload it and try again`,
    (p) => `${cap(p.noun)}: запись изменил кто-то другой (версия ${p.version}); обновите и повторите`,
  ),
  signInFirst: { en: 'Sign in first: send a valid token', ru: 'Войдите в систему: передайте действительный токен' },
  readOnlyKey: {
    en: 'This API key may only read; it needs the WRITE scope',
    ru: 'Этот API-ключ только для чтения; нужна область WRITE',
  },
  rateLimited: withParams(
    (p: { seconds: number }) => `Too many attempts; try again in ${p.seconds} s`,
    (p) => `Слишком много попыток; повторите через ${p.seconds} с`,
  ),
  statementTimeout: withParams(
    (p: { ms: number }) => `The request ran longer than ${p.ms} ms on the database and was stopped; narrow it (a smaller page, a tighter filter)`,
    (p) => `Запрос выполнялся в базе дольше ${p.ms} мс и был остановлен; сузьте его (меньше страница, точнее фильтр)`,
  ),
  queryCost: withParams(
    (p: { cost: number; max: number }) => `Query cost ${p.cost} is over the limit of ${p.max}: ask for smaller pages or fewer nested pages`,
    (p) => `Стоимость запроса ${p.cost} больше предела ${p.max}: запросите страницы поменьше или меньше вложенных страниц`,
  ),
  operationsPerSocket: withParams(
    (p: { max: number }) => `At most ${p.max} operations at once on one connection; end one first`,
    (p) => `Не больше ${p.max} операций одновременно на одном соединении; сначала завершите одну`,
  ),
  operationsPerUser: withParams(
    (p: { max: number }) => `At most ${p.max} live operations at once for one user; end one first`,
    (p) => `Не больше ${p.max} активных операций одновременно у одного пользователя; сначала завершите одну`,
  ),
  badOperation: withParams(
    (p: { problem: string }) => `The operation cannot be run: ${p.problem}`,
    (p) => `Операцию нельзя выполнить: ${p.problem}`,
  ),
});

export type FieldIssue = { field: string; message: Message };

export class AppError extends Error {
  readonly code: string;
  /** What the client reads, in its language. */
  readonly msg: Message;
  constructor(msg: Message, code: string) {
    super(render(msg, 'en'));
    this.name = new.target.name;
    this.code = code;
    this.msg = msg;
  }
}

export class ValidationError extends AppError {
  readonly fields: FieldIssue[];
  constructor(fields: FieldIssue[], message?: Message) {
    super(message ?? ERRORS.invalidInput({ issues: fields.map((f) => ERRORS.fieldIssue({ field: f.field, message: f.message })) }), 'VALIDATION_FAILED');
    this.fields = fields;
  }
  static field(field: string, message: Message) {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends AppError {
  constructor(
    readonly entity: string,
    readonly id: string,
    // The id is a field of its own (the client's global id); messages stay free of database ids.
    message: Message = ERRORS.notFound({ entity, noun: noun(entity) }),
    code = 'NOT_FOUND',
  ) {
    super(message, code);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: Message = ERRORS.forbidden()) {
    super(message, 'FORBIDDEN');
  }
}

export class ConflictError extends AppError {
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly currentVersion: number,
    message: Message = ERRORS.conflict({ entity, noun: noun(entity), version: currentVersion }),
  ) {
    super(message, 'CONFLICT');
  }
}

/** A deal cannot enter a stage until these fields are filled (and a loss reason given, when asked). */
export class StageRequirementsError extends AppError {
  constructor(
    /** What to do first, worded by the deals module. */
    message: Message,
    readonly stageId: string,
    readonly missingFieldIds: string[],
    readonly missingNames: string[],
    readonly lossReasonRequired: boolean,
    /** Required fields the viewer's role hides: counted, not named. */
    readonly hiddenMissing = 0,
  ) {
    super(message, 'STAGE_REQUIREMENTS');
  }
}

/** Collects field problems so one ValidationError can name every bad field at once. */
export class IssueList {
  readonly issues: FieldIssue[] = [];
  add(field: string, message: Message) {
    this.issues.push({ field, message });
  }
  get empty() {
    return this.issues.length === 0;
  }
  throwIfAny() {
    if (this.issues.length) throw new ValidationError(this.issues);
  }
}

/** A GraphQL error outside result unions (auth, rate limits) whose text follows the caller's language. */
export class LocalizedGraphQLError extends GraphQLError {
  constructor(
    readonly msg: Message,
    extensions: Record<string, unknown>,
  ) {
    super(render(msg, 'en'), { extensions });
  }
}

export function unauthenticated(message: Message = ERRORS.signInFirst()) {
  return new LocalizedGraphQLError(message, { code: 'UNAUTHENTICATED', http: { status: 200 } });
}

export function rateLimited(retryAfterSeconds: number) {
  return new LocalizedGraphQLError(ERRORS.rateLimited({ seconds: retryAfterSeconds }), {
    code: 'RATE_LIMITED',
    retryAfter: retryAfterSeconds,
  });
}

/**
 * The message behind an error a client is about to read: the AppError or LocalizedGraphQLError
 * it is, or wraps (graphql-js locates a thrown error by wrapping it as `originalError`).
 */
export function localizedCause(err: unknown): AppError | LocalizedGraphQLError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { originalError?: unknown }).originalError, depth++) {
    if (e instanceof AppError || e instanceof LocalizedGraphQLError) return e;
  }
  return undefined;
}

/** Whether `test` holds for the error or one of its causes, walking Prisma's wrapping (its driver adapter's cause, meta, originalError). */
function someCause(err: unknown, test: (o: Record<string, unknown>) => boolean): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number): boolean => {
    if (!e || typeof e !== 'object' || depth > 6 || seen.has(e)) return false;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (test(o)) return true;
    return ['cause', 'meta', 'driverAdapterError', 'originalError'].some((k) => walk(o[k], depth + 1));
  };
  return walk(err, 0);
}

/** PostgreSQL cancelled a statement for running past statement_timeout (SQLSTATE 57014), as Prisma reports it. */
export function isStatementTimeout(err: unknown): boolean {
  return someCause(err, (o) => o.code === '57014' || o.originalCode === '57014');
}

/** The answer to a request one of whose statements ran past the configured limit. */
export function statementTimedOut(ms: number) {
  return new LocalizedGraphQLError(ERRORS.statementTimeout({ ms }), { code: 'STATEMENT_TIMEOUT', limitMs: ms });
}

/** Prisma's unique-constraint violation, which services turn into a ValidationError. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2002';
}
