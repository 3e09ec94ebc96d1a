// API keys of a workspace: each acts with its creator's rights, limited to its scopes.
// Listing, creating and revoking them is an administrator's right.
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import type { ServiceCtx } from '../../context.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { API_KEY_PREFIX, hashToken, newToken } from '../../lib/tokens.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import * as v from '../../lib/validate.js';
import { settingsChanged } from '../../kernel/events.js';
import { API_KEYS } from './api-keys.messages.js';

type Query = { include?: Prisma.ApiKeyInclude; select?: Prisma.ApiKeySelect };

export function listApiKeys(ctx: ServiceCtx, query: Query = {}) {
  assertAdmin(ctx.viewer, API_KEYS.see());
  return ctx.db.apiKey.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'desc' } });
}

const apiKeyInput = z.object({
  name: v.name(120),
  scopes: z.array(z.enum(['READ', 'WRITE'])).min(1, v.zmsg(API_KEYS.oneScope())),
});

export async function createApiKey(ctx: ServiceCtx, input: z.input<typeof apiKeyInput>) {
  assertAdmin(ctx.viewer, API_KEYS.create());
  // A key minted by a key would outlive the revocation of the key that made it.
  if (ctx.viewer.via === 'apiKey') throw new ForbiddenError(API_KEYS.notWithKey());
  const data = v.parseInput(apiKeyInput, input);
  const key = newToken(API_KEY_PREFIX);
  const apiKey = await ctx.db.apiKey.create({
    data: {
      workspaceId: ctx.viewer.workspaceId,
      userId: ctx.viewer.userId,
      name: data.name,
      prefix: key.slice(0, API_KEY_PREFIX.length + 6),
      keyHash: hashToken(key),
      scopes: [...new Set(data.scopes)],
    },
  });
  return { apiKey, key };
}

export async function revokeApiKey(ctx: ServiceCtx, id: string) {
  assertAdmin(ctx.viewer, API_KEYS.revoke());
  const key = await ctx.db.apiKey.findFirst({ where: { id, workspaceId: ctx.viewer.workspaceId } });
  if (!key) throw new NotFoundError('ApiKey', id);
  // Subscriptions opened with the key end at their next event (they read it again).
  const revoked = await ctx.db.$transaction(async (tx) => {
    const row = await tx.apiKey.update({ where: { id }, data: { revokedAt: key.revokedAt ?? new Date() } });
    await settingsChanged(tx, ctx);
    return row;
  });
  ctx.deps.outbox.kick();
  return revoked;
}
