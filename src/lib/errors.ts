// Expected failures. Services throw these; the errors plugin turns them into typed members of
// each mutation's result union. Anything else thrown is unexpected and masked by yoga.
import { GraphQLError } from 'graphql';

export type FieldIssue = { field: string; message: string };

export class AppError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class ValidationError extends AppError {
  readonly fields: FieldIssue[];
  constructor(fields: FieldIssue[], message?: string) {
    super(
      message ?? `Invalid input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      'VALIDATION_FAILED',
    );
    this.fields = fields;
  }
  static field(field: string, message: string) {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends AppError {
  constructor(
    readonly entity: string,
    readonly id: string,
    // The id is a field of its own (the client's global id); messages stay free of database ids.
    message = `${entity} was not found`,
    code = 'NOT_FOUND',
  ) {
    super(message, code);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have the right to do this') {
    super(message, 'FORBIDDEN');
  }
}

export class ConflictError extends AppError {
  constructor(
    readonly entity: string,
    readonly id: string,
    readonly currentVersion: number,
    message = `${entity} was changed by someone else (now at version ${currentVersion}); reload it and try again`,
  ) {
    super(message, 'CONFLICT');
  }
}

/** A deal cannot enter a stage until these fields are filled (and a loss reason given, when asked). */
export class StageRequirementsError extends AppError {
  constructor(
    readonly stageId: string,
    readonly missingFieldIds: string[],
    readonly missingNames: string[],
    readonly lossReasonRequired: boolean,
    /** Required fields the viewer's role hides: counted, not named. */
    readonly hiddenMissing = 0,
  ) {
    super(
      [
        ...(missingNames.length ? [`fill in ${missingNames.map((n) => `"${n}"`).join(', ')}`] : []),
        ...(hiddenMissing ? [`have ${hiddenMissing} field(s) your role cannot see filled in (ask an administrator)`] : []),
        ...(lossReasonRequired ? ['choose a loss reason'] : []),
      ].join(' and ').replace(/^./, (c) => `To enter this stage, ${c}`),
      'STAGE_REQUIREMENTS',
    );
  }
}

/** Collects field problems so one ValidationError can name every bad field at once. */
export class IssueList {
  readonly issues: FieldIssue[] = [];
  add(field: string, message: string) {
    this.issues.push({ field, message });
  }
  get empty() {
    return this.issues.length === 0;
  }
  throwIfAny() {
    if (this.issues.length) throw new ValidationError(this.issues);
  }
}

export function unauthenticated(message = 'Sign in first: send a valid token') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } } });
}

export function rateLimited(retryAfterSeconds: number) {
  return new GraphQLError(`Too many attempts; try again in ${retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds },
  });
}

/** Prisma's unique-constraint violation, which services turn into a ValidationError. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'P2002';
}
