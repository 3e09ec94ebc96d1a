// The kernel seen from inside: tests that call the kernel's functions (the card write path,
// access rules, custom field values) directly, as a service does, on the worker's real
// database (PGlite, or PostgreSQL with TEST_DATABASE_URL). Fast enough for mutation testing
// (stryker.config.mjs runs them for each mutant they reach), and what they assert is what a
// user of the API would notice: a write refused or stored, a version bumped, an event emitted.
//
//   test('…', async ({ kernel: k }) => {
//     const seller = await k.user('Seller');                      // a user of the workspace
//     const ctx = k.as(seller, { DEAL: { VIEW: 'OWN' } });         // acting under these rights
//     await createRecord(ctx, 'CONTACT', { fields: { name: 'Ann' } });
//   });
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { test as base, type Workspace } from '../kit/fixtures.js';
import { signUpWorkspace } from '../kit/workspace.js';
import { resolveViewer } from '../../src/modules/auth/auth.service.js';
import type { ServiceCtx } from '../../src/context.js';
import type { Rights } from '../../src/kernel/access/rights.js';
import type { FieldAccessMap } from '../../src/kernel/access/field-access.js';
import type { Viewer } from '../../src/kernel/access/viewer.js';
import { render } from '../../src/lib/i18n.js';
import type { CardKind } from '../../src/kernel/card-kinds.js';
import type { FieldType } from '../../src/generated/prisma/enums.js';
import { createField, setArchived, updateField, type DefinitionInput } from '../../src/modules/custom-fields/definitions.service.js';
import { AppError, ValidationError } from '../../src/lib/errors.js';
import { eventsOf } from '../../src/lib/outbox.js';

export type Kernel = Awaited<ReturnType<typeof kernelOf>>;

export async function kernelOf(ws: Workspace) {
  const deps = ws.app.deps;
  const db = deps.db;
  const signedIn = await resolveViewer(deps, ws.token);
  if (!('viewer' in signedIn)) throw new Error('the workspace admin is not signed in');
  const adminViewer = signedIn.viewer;
  const ctxOf = (viewer: Viewer): ServiceCtx => ({ db, deps, viewer });
  return {
    db,
    deps,
    workspaceId: adminViewer.workspaceId,
    adminId: adminViewer.userId,
    /** The administrator's context: a new request each time it is read (definitions are cached per request). */
    get admin() {
      return ctxOf(adminViewer);
    },
    /** A custom field, created by the administrator. */
    async field(entityType: CardKind, type: FieldType, name: string, extra: Omit<DefinitionInput, 'entityType' | 'type' | 'name'> = {}) {
      return createField(ctxOf(adminViewer), { entityType, type, name, ...extra });
    },
    /** Changes a custom field's definition as the administrator does (the caches of definitions learn of it). */
    async changeField(id: string, input: DefinitionInput & { archived?: boolean }) {
      const { archived, ...rest } = input;
      if (Object.keys(rest).length) await updateField(ctxOf(adminViewer), id, rest);
      if (archived !== undefined) await setArchived(ctxOf(adminViewer), id, archived);
    },
    /** An uploaded file (its row; the bytes do not matter here). */
    async file(uploadedById: string | null, card?: { entityType: CardKind; id: string }) {
      return db.attachment.create({
        data: {
          workspaceId: adminViewer.workspaceId,
          name: 'a.txt',
          contentType: 'text/plain',
          size: 1,
          storageKey: randomUUID(),
          uploadedById,
          entityType: card?.entityType,
          cardId: card?.id,
        },
      });
    },
    ws,
    /** A user of the workspace (a row: their role's rights come from `as`). */
    async user(name = 'Member', opts: { active?: boolean } = {}) {
      const u = await db.user.create({
        data: {
          workspaceId: adminViewer.workspaceId,
          email: `${randomUUID()}@example.test`,
          name,
          passwordHash: 'x',
          roleId: adminViewer.roleId,
          active: opts.active ?? true,
        },
      });
      return u.id;
    },
    async team(...userIds: string[]) {
      const t = await db.team.create({ data: { workspaceId: adminViewer.workspaceId, name: randomUUID() } });
      if (userIds.length) await db.teamMember.createMany({ data: userIds.map((userId) => ({ teamId: t.id, userId })) });
      return t.id;
    },
    /** A context acting as `userId` under a role with these rights (the rest NONE). */
    as(userId: string, rights: Rights, opts: { teamIds?: string[]; fieldAccess?: FieldAccessMap } = {}): ServiceCtx {
      return ctxOf({ ...adminViewer, userId, isAdmin: false, rights, teamIds: opts.teamIds ?? [], fieldAccess: opts.fieldAccess ?? {} });
    },
    /**
     * The same context on the same database, counting the statements sent through it: for the
     * rules whose promise is that they cost no query (a role that sees every card) or one
     * batched query per request.
     */
    counting(ctx: ServiceCtx) {
      // Each statement as `model.operation` (`$queryRawUnsafe` for raw ones), in the order sent.
      const sent: string[] = [];
      const counted = ctx.db.$extends({
        query: {
          $allOperations({ model, operation, args, query }) {
            sent.push(model ? `${model}.${operation}` : operation);
            return query(args);
          },
        },
      }) as unknown as ServiceCtx['db'];
      return { ctx: { ...ctx, db: counted }, statements: () => sent.length, sent: () => [...sent] };
    },
    /** Another workspace, signed up on the same app. */
    async otherWorkspace(): Promise<{ admin: ServiceCtx; file(uploadedById: string | null): Promise<{ id: string }> }> {
      return kernelOf(await signUpWorkspace(ws.app));
    },
    /** The events emitted in this workspace on a topic, oldest first. */
    async events(topic: string) {
      const rows = await db.outboxEvent.findMany({ where: { workspaceId: adminViewer.workspaceId, topic }, orderBy: { id: 'asc' } });
      return rows.flatMap((r) => eventsOf(r) as Record<string, unknown>[]);
    },
  };
}

export const test = base.extend('kernel', async ({ workspace }) => kernelOf(workspace));
export { describe, expect } from 'vitest';

/** The error `p` fails with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  const r = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(r, 'expected the call to fail').toBeInstanceOf(AppError);
  return r as AppError;
}

/** A ValidationError's issues as "field: message" lines (English). */
export async function issuesOf(p: Promise<unknown>): Promise<string[]> {
  const e = await failure(p);
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).fields.map((i) => `${i.field}: ${render(i.message, 'en')}`);
}

/** An error's message in English. */
export const en = (e: AppError) => render(e.msg, 'en');
