// Shared GraphQL pieces: scalars, the Error interface and the typed error results.
import { GraphQLError, Kind } from 'graphql';
import { builder } from '../../builder.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render } from '../../lib/i18n.js';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  StageRequirementsError,
  NotFoundError,
  ValidationError,
  type FieldIssue,
} from '../../lib/errors.js';

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string with a time zone (output is always UTC).',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString()),
  parseValue: (v) => {
    const d = typeof v === 'string' || typeof v === 'number' ? new Date(v) : null;
    if (!d || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return d;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    const d = new Date(ast.value);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
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
  description: "The deal cannot enter the stage: fields the stage requires are empty, or a loss reason is missing.",
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
    hiddenMissingCount: t.exposeInt('hiddenMissing', { description: "Required fields still empty that the viewer's role hides (not listed in missingFields)." }),
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
