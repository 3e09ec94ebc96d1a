// Sign-up, login, logout, changing one's password, and turning a bearer token into a viewer.
import type { Rights } from '../../kernel/access/rights.js';
import type { FieldAccessMap } from '../../kernel/access/field-access.js';
import { z } from 'zod';
import type { AppDeps, ServiceCtx, ViewerResult } from '../../context.js';
import { isUniqueViolation, rateLimited, unauthenticated, ValidationError } from '../../lib/errors.js';
import { hit, refund, reset, type Limit } from '../../lib/rate-limit.js';
import { API_KEY_PREFIX, DUMMY_HASH, SESSION_PREFIX, hashPassword, hashToken, newToken, verifyPassword } from '../../lib/tokens.js';
import * as v from '../../lib/validate.js';
import type { Viewer } from '../../kernel/access/viewer.js';
import { settingsChanged } from '../../kernel/events.js';
import { bootstrapWorkspace } from '../workspaces/workspace.service.js';
import { AUTH } from './auth.messages.js';

export const LOGIN_LIMIT_PER_ACCOUNT: Limit = { max: 10, windowMs: 15 * 60_000 };
export const LOGIN_LIMIT_PER_ADDRESS: Limit = { max: 50, windowMs: 15 * 60_000 };
/** Checks of the current password by `changePassword`: a stolen token must not guess it fast. */
export const PASSWORD_CHECK_LIMIT: Limit = { max: 10, windowMs: 15 * 60_000 };

type TokenRow = {
  id: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  scopes: string[] | null;
  userId: string;
  workspaceId: string;
  roleId: string;
  active: boolean;
  isAdmin: boolean;
  locale: 'ru' | 'en';
  phoneRegion: string;
  currency: string;
  rights: Rights;
  fieldAccess: FieldAccessMap;
  teamIds: string[];
};

/**
 * One statement per request: the session (or API key) with its user, role, workspace locale,
 * phone region and currency, and team ids. Every request pays for it, so it is a single round trip, not five.
 */
async function tokenRow(db: AppDeps['db'], table: 'Session' | 'ApiKey', hash: string): Promise<TokenRow | null> {
  const session = table === 'Session';
  const rows = await db.$queryRawUnsafe<TokenRow[]>(
    `select t.id, t."revokedAt", ${session ? 't."expiresAt", null::timestamptz as "lastUsedAt", null::text[] as scopes' : 'null::timestamptz as "expiresAt", t."lastUsedAt", t.scopes::text[] as scopes'},
            u.id as "userId", u."workspaceId", u."roleId", u.active, r."isAdmin", r.rights, r."fieldAccess", w.locale::text as locale, w."phoneRegion"::text as "phoneRegion", w.currency::text as currency,
            coalesce(array(select m."teamId"::text from "TeamMember" m where m."userId" = u.id), '{}') as "teamIds"
       from "${table}" t
       join "User" u on u.id = t."userId"
       join "Role" r on r.id = u."roleId"
       join "Workspace" w on w.id = u."workspaceId"
      where t."${session ? 'tokenHash' : 'keyHash'}" = $1`,
    hash,
  );
  return rows[0] ?? null;
}

/**
 * The token's row, kept across requests while its workspace's settings stay unchanged
 * (lib/settings-epochs.ts: every change that could alter it queues settingsChanged), for at most
 * a few seconds; expiry is checked on every use.
 */
function keptTokenRow(deps: AppDeps, table: 'Session' | 'ApiKey', hash: string) {
  return deps.epochs.kept(
    `${table}:${hash}`,
    () => tokenRow(deps.db, table, hash),
    (r) => r.workspaceId,
  );
}

export async function resolveViewer(deps: AppDeps, token: string): Promise<ViewerResult> {
  const { db } = deps;
  if (token.startsWith(SESSION_PREFIX)) {
    const s = await keptTokenRow(deps, 'Session', hashToken(token));
    if (!s) return { problem: AUTH.tokenInvalid() };
    if (s.revokedAt) return { problem: AUTH.sessionEnded() };
    if (s.expiresAt! <= new Date()) return { problem: AUTH.sessionExpired() };
    if (!s.active) return { problem: AUTH.userDeactivated() };
    return { viewer: toViewer(s, { via: 'session', sessionId: s.id, expiresAt: s.expiresAt!, canWrite: true }) };
  }
  if (token.startsWith(API_KEY_PREFIX)) {
    const k = await keptTokenRow(deps, 'ApiKey', hashToken(token));
    if (!k || k.revokedAt) return { problem: AUTH.keyInvalid() };
    if (!k.active) return { problem: AUTH.keyUserDeactivated() };
    if (!k.lastUsedAt || Date.now() - k.lastUsedAt.getTime() > 60_000) {
      // The kept row learns it too, so the next requests do not write it again.
      k.lastUsedAt = new Date();
      await db.apiKey.update({ where: { id: k.id }, data: { lastUsedAt: k.lastUsedAt } });
    }
    return { viewer: toViewer(k, { via: 'apiKey', apiKeyId: k.id, canWrite: !!k.scopes?.includes('WRITE') }) };
  }
  return { problem: AUTH.tokenInvalid() };
}

/**
 * The viewer of a user acting without a token of their own (an automation acting for its owner, an import
 * running in the background, a web form submitted by a site visitor acting as the user who set it up): their role, rights
 * and teams as they are now; null when the user is gone or deactivated.
 */
export async function viewerOfUser(db: AppDeps['db'], userId: string, via: Viewer['via'] = 'automation'): Promise<Viewer | null> {
  const rows = await db.$queryRawUnsafe<TokenRow[]>(
    `select u.id as "userId", u."workspaceId", u."roleId", u.active, r."isAdmin", r.rights, r."fieldAccess", w.locale::text as locale, w."phoneRegion"::text as "phoneRegion", w.currency::text as currency,
            coalesce(array(select m."teamId"::text from "TeamMember" m where m."userId" = u.id), '{}') as "teamIds"
       from "User" u
       join "Role" r on r.id = u."roleId"
       join "Workspace" w on w.id = u."workspaceId"
      where u.id = $1::uuid`,
    userId,
  );
  const row = rows[0];
  return row?.active ? toViewer(row, { via, canWrite: true }) : null;
}

function toViewer(row: TokenRow, extra: Pick<Viewer, 'via' | 'sessionId' | 'expiresAt' | 'apiKeyId' | 'canWrite'>): Viewer {
  return {
    userId: row.userId,
    workspaceId: row.workspaceId,
    roleId: row.roleId,
    isAdmin: row.isAdmin,
    teamIds: row.teamIds,
    locale: row.locale,
    phoneRegion: row.phoneRegion,
    currency: row.currency,
    rights: row.rights,
    fieldAccess: row.fieldAccess,
    ...extra,
  };
}

async function startSession(deps: AppDeps, user: { id: string; workspaceId: string }) {
  const token = newToken(SESSION_PREFIX);
  const expiresAt = new Date(Date.now() + deps.config.sessionTtlMs);
  await deps.db.session.create({
    data: { userId: user.id, workspaceId: user.workspaceId, tokenHash: hashToken(token), expiresAt },
  });
  return { token, expiresAt };
}

const signUpInput = z.object({
  workspaceName: v.name(120),
  name: v.name(120),
  email: v.email,
  password: v.password,
  locale: z.enum(['ru', 'en']).nullish(),
  timeZone: v.timeZone.nullish(),
  currency: v.currency.nullish(),
  phoneRegion: v.phoneRegion.nullish(),
});

export async function signUp(deps: AppDeps, input: z.input<typeof signUpInput>, ip: string) {
  // Counted before anything is checked: each answer tells whether an e-mail is registered, so
  // one address gets only so many of them an hour.
  const wait = await hit(deps.db, `signup:address:${ip}`, { max: deps.config.signUpLimitPerHour, windowMs: 3600_000 });
  if (wait) throw rateLimited(wait);
  const data = v.parseInput(signUpInput, input);
  const taken = await deps.db.user.findUnique({ where: { email: data.email }, select: { id: true } });
  if (taken) throw ValidationError.field('email', AUTH.emailTaken());
  const passwordHash = await hashPassword(data.password);
  const { user } = await deps.db
    .$transaction((tx) =>
      bootstrapWorkspace(tx, {
        workspace: {
          name: data.workspaceName,
          locale: data.locale ?? 'ru',
          timeZone: data.timeZone ?? undefined,
          currency: data.currency ?? undefined,
          phoneRegion: data.phoneRegion ?? undefined,
        },
        admin: { name: data.name, email: data.email, passwordHash },
      }),
    )
    .catch((err: unknown) => {
      // Two sign-ups with one e-mail at once: the check above passed for both, the unique
      // index lets one through and the whole workspace of the other is rolled back.
      if (isUniqueViolation(err)) throw ValidationError.field('email', AUTH.emailTaken());
      throw err;
    });
  return { ...(await startSession(deps, user)), userId: user.id, workspaceId: user.workspaceId };
}

export async function login(deps: AppDeps, input: { email: string; password: string }, ip: string) {
  const email = input.email.trim().toLowerCase();
  const accountKey = `login:account:${email}`;
  const addressKey = `login:address:${ip}`;
  // Every attempt is counted before the password is checked, so guesses sent all at once
  // cannot all slip past the limit; a successful login gives its attempt back.
  const wait = Math.max(await hit(deps.db, accountKey, LOGIN_LIMIT_PER_ACCOUNT), await hit(deps.db, addressKey, LOGIN_LIMIT_PER_ADDRESS));
  if (wait) throw rateLimited(wait);
  const user = await deps.db.user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await DUMMY_HASH), input.password);
  // A deactivated account gets the same answer as a wrong password, whether or not the password
  // was right: the answer must not confirm a guess.
  if (!user || !ok || !user.active) throw unauthenticated(AUTH.wrongLogin());
  await reset(deps.db, accountKey);
  await refund(deps.db, addressKey, LOGIN_LIMIT_PER_ADDRESS);
  return { ...(await startSession(deps, user)), userId: user.id, workspaceId: user.workspaceId };
}

/**
 * Ends the current session, and with it the subscriptions opened with it (settingsChanged makes
 * them read their token again). Returns false for API keys, which are revoked separately.
 */
export async function logout(ctx: ServiceCtx) {
  if (!ctx.viewer.sessionId) return false;
  await ctx.db.$transaction(async (tx) => {
    await tx.session.update({ where: { id: ctx.viewer.sessionId }, data: { revokedAt: new Date() } });
    await settingsChanged(tx, ctx);
  });
  ctx.deps.outbox.kick();
  return true;
}

export async function changePassword(ctx: ServiceCtx, current: string, next: string) {
  const user = await ctx.db.user.findUniqueOrThrow({ where: { id: ctx.viewer.userId } });
  // Counted before the check, as logins are; the right password clears the count.
  const checks = `password:user:${user.id}`;
  const wait = await hit(ctx.db, checks, PASSWORD_CHECK_LIMIT);
  if (wait) throw rateLimited(wait);
  if (!(await verifyPassword(user.passwordHash, current))) {
    throw ValidationError.field('currentPassword', AUTH.wrongPassword());
  }
  await reset(ctx.db, checks);
  const pw = v.parseInput(z.object({ newPassword: v.password }), { newPassword: next });
  const hash = await hashPassword(pw.newPassword);
  await ctx.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash: hash } });
    // Every other session ends, with its subscriptions: a changed password is often a suspected leak.
    await tx.session.updateMany({
      where: { userId: user.id, revokedAt: null, id: { not: ctx.viewer.sessionId ?? '' } },
      data: { revokedAt: new Date() },
    });
    await settingsChanged(tx, ctx);
  });
  ctx.deps.outbox.kick();
  return true;
}
