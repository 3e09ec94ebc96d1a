// Shared GraphQL pieces: scalars, the Error interface and the typed error results.
import { GraphQLError, Kind } from 'graphql';
import { builder } from '../../builder.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render } from '../../lib/i18n.js';
import { AppError, ConflictError, ForbiddenError, StageRequirementsError, NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';

// An instant must say its zone: "2026-12-24 18:00" would be read in the server's zone, and
// whatever else Date.parse accepts ("Dec 24 2026", 0) is a guess, not an instant.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

const badDateTime = (shown: string) =>
  new GraphQLError(`DateTime must be an ISO-8601 date and time with a zone, such as 2026-12-24T18:00:00+03:00 or 2026-12-24T15:00:00Z; got ${shown}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });

/** The instant an ISO-8601 string with Z or an offset names, or null. */
function parseInstant(s: string): Date | null {
  const m = ISO_INSTANT.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec = '0', frac = '0', z, sign, oh = '0', om = '0'] = m.slice(1);
  const n = (x: string) => Number.parseInt(x, 10);
  if (n(mo) < 1 || n(mo) > 12 || n(d) < 1 || n(h) > 23 || n(mi) > 59 || n(sec) > 59 || n(oh) > 23 || n(om) > 59) return null;
  const local = Date.UTC(n(y), n(mo) - 1, n(d), n(h), n(mi), n(sec), Math.floor(Number(`0.${frac}`) * 1000));
  if (new Date(Date.UTC(n(y), n(mo) - 1, n(d))).getUTCDate() !== n(d)) return null;
  const offset = z ? 0 : (sign === '-' ? -1 : 1) * (n(oh) * 60 + n(om)) * 60_000;
  const t = local - offset;
  return Number.isNaN(new Date(t).getTime()) ? null : new Date(t);
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 date and time with Z or an offset (output is always UTC).',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString()),
  parseValue: (v) => {
    const d = typeof v === 'string' ? parseInstant(v) : null;
    if (!d) throw badDateTime(JSON.stringify(v) ?? String(v));
    return d;
  },
  parseLiteral: (ast) => {
    const d = ast.kind === Kind.STRING ? parseInstant(ast.value) : null;
    if (!d) throw badDateTime(ast.kind === Kind.STRING ? JSON.stringify(ast.value) : `a ${ast.kind} literal`);
    return d;
  },
});

// Money and other exact decimals travel as strings ("1500.50") so no client loses precision to
// floats. Inputs are accepted as given and checked by the services, which answer a
// ValidationError naming the field, as every other bad value gets.
builder.scalarType('Decimal', {
  description: 'An exact decimal number, as a string such as "1500.50". Inputs may also be numbers.',
  serialize: (v) => (typeof v === 'string' ? v : v.toFixed(2)),
  parseValue: (v) => String(v),
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return ast.value;
    throw new GraphQLError('Decimal must be a string or a number');
  },
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure: nothing was changed.',
  fields: (t) => ({
    message: t.string({
      resolve: (e, _a, ctx) => render(e.msg, ctx.locale),
    }),
    code: t.exposeString('code'),
  }),
});

const FieldError = builder.objectRef<FieldIssue>('FieldError').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Path of the input field, e.g. "emails[1]".' }),
    message: t.string({ resolve: (f, _a, ctx) => render(f.message, ctx.locale) }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused; `fields` names every bad field at once.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.fields }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: (t) => ({
    // Services name records by database id; clients know them by their global id.
    id: t.id({ resolve: (e) => encodeGlobalId(e.entity, e.id) }),
    entity: t.exposeString('entity'),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ForbiddenError,
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The version sent is stale: someone changed the record since it was read.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: (t) => ({ currentVersion: t.exposeInt('currentVersion') }),
});

builder.objectType(StageRequirementsError, {
  name: 'StageRequirementsError',
  description: 'The deal cannot enter the stage: fields the stage requires are empty, or a loss reason is missing.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof StageRequirementsError,
  fields: (t) => ({
    stageId: t.id({ resolve: (e) => encodeGlobalId('Stage', e.stageId) }),
    missingFields: t.prismaField({
      type: ['CustomField'],
      description: 'Every field to fill first, in the order of the card.',
      resolve: async (query, e, _a, ctx) => {
        const rows = await ctx.db.customField.findMany({ ...query, where: { id: { in: e.missingFieldIds } } });
        return e.missingFieldIds.map((id) => rows.find((r) => r.id === id)!).filter(Boolean);
      },
    }),
    lossReasonRequired: t.exposeBoolean('lossReasonRequired', { description: 'Moving to LOST needs a loss reason: the pipeline has some.' }),
    hiddenMissingCount: t.exposeInt('hiddenMissing', {
      description: "Required fields still empty that the viewer's role hides (not listed in missingFields).",
    }),
  }),
});

/** The error members most mutations answer with. */
export const WRITE_ERRORS = [ValidationError, NotFoundError, ForbiddenError, ConflictError];

/** What a write that may change a deal's stage answers with. */
export const STAGE_ERRORS = [...WRITE_ERRORS, StageRequirementsError];

export const SortDirection = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });

export const DateTimeRange = builder.inputType('DateTimeRange', {
  description: 'Inclusive bounds; either may be left out.',
  fields: (t) => ({ from: t.field({ type: 'DateTime' }), to: t.field({ type: 'DateTime' }) }),
});

export const DecimalRange = builder.inputType('DecimalRange', {
  description: 'Inclusive bounds; either may be left out.',
  fields: (t) => ({ min: t.field({ type: 'Decimal' }), max: t.field({ type: 'Decimal' }) }),
});
