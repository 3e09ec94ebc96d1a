// The Pothos schema builder: configuration only. Types live in src/modules/<domain>.
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ErrorsPlugin from '@pothos/plugin-errors';
import type PrismaTypes from './generated/pothos-types.js';
import { getDatamodel } from './generated/pothos-types.js';
import type { Context } from './context.js';
import { decodeGlobalId, encodeGlobalId, isUuid } from './lib/ids.js';

/** Type names that `node(id)` may load; each module adds its own. */
export const NODE_TYPES = new Set<string>();
import { ERRORS, LocalizedGraphQLError, unauthenticated } from './lib/errors.js';
import { countResultError } from './lib/metrics.js';

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

export type AuthScopes = {
  /** Any signed-in user or API key. */
  member: boolean;
  /** A signed-in user, or an API key with the WRITE scope. */
  writer: boolean;
  /** No sign-in needed (signUp, login). */
  public: boolean;
};

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Decimal: { Input: string; Output: { toFixed(n: number): string } | string };
    Upload: { Input: File; Output: never };
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      member: !!ctx.viewer,
      writer: !!ctx.viewer?.canWrite,
      public: true,
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer ? new LocalizedGraphQLError(ERRORS.readOnlyKey(), { code: 'FORBIDDEN' }) : unauthenticated(ctx.authProblem),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
    maxConnectionSize: 200,
    defaultConnectionSize: 50,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    // Malformed ids and ids of types that are not nodes answer null, never a database error.
    nodeQueryOptions: {
      authScopes: { member: true },
      nullable: true,
      resolve: (_root, { id }, _ctx, _info, resolveNode) => (NODE_TYPES.has(id.typename) && isUuid(String(id.id)) ? resolveNode(id) : null),
    },
    nodesQueryOptions: {
      authScopes: { member: true },
      nullable: { list: false, items: true },
      // The plugin's resolveNodes callback ignores its argument and loads every id given, so
      // load the valid ids ourselves and put each answer back in its place.
      resolve: async (_root, { ids }, ctx, info): Promise<unknown[]> => {
        const valid = ids.filter((id) => NODE_TYPES.has(id.typename) && isUuid(String(id.id)));
        const loaded: unknown[] = await resolveNodes(builder as never, ctx, info, valid);
        let i = 0;
        return ids.map((id) => (NODE_TYPES.has(id.typename) && isUuid(String(id.id)) ? loaded[i++] : null));
      },
    },
  },
  errors: {
    defaultTypes: [],
    // Failures answered inside a result union are counted on /metrics by their code.
    onResolvedError: countResultError,
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
});

/** The builder's type parameters, for helpers that build fields outside a type's definition. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
export type InputFields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
