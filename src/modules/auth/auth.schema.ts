// Signing up, in and out, and changing one's password.
import { withId } from '../../lib/prisma-query.js';
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { Locale } from '../workspaces/workspace.schema.js';
import * as auth from './auth.service.js';

type Session = { token: string; expiresAt: Date; userId: string; workspaceId: string };

const AuthPayload = builder.objectRef<Session>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as `Authorization: Bearer <token>`.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.prismaField({
      type: 'User',
      resolve: (query, s, _a, ctx) => ctx.db.user.findUniqueOrThrow({ ...withId(query), where: { id: s.userId } }),
    }),
    workspace: t.prismaField({
      type: 'Workspace',
      resolve: (query, s, _a, ctx) => ctx.db.workspace.findUniqueOrThrow({ ...withId(query), where: { id: s.workspaceId } }),
    }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    workspaceName: t.string({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    locale: t.field({ type: Locale }),
    timeZone: t.string(),
    currency: t.string(),
    phoneRegion: t.string(),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: AuthPayload,
    authScopes: { public: true },
    description:
      'Creates a workspace and its administrator, and signs them in. More than SIGNUP_LIMIT_PER_HOUR sign-ups from one client address in an hour (refused ones included) fail with RATE_LIMITED.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'session' } },
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_r, { input }, ctx) => auth.signUp(ctx.deps, input, ctx.ip),
  }),
);

const LoginInput = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string({ required: true }), password: t.string({ required: true }) }),
});

builder.mutationField('login', (t) =>
  t.field({
    type: AuthPayload,
    authScopes: { public: true },
    description: 'Signs in. Wrong credentials fail with UNAUTHENTICATED; too many failures per account or address with RATE_LIMITED.',
    args: { input: t.arg({ type: LoginInput, required: true }) },
    resolve: (_r, { input }, ctx) => auth.login(ctx.deps, input, ctx.ip),
  }),
);

builder.mutationField('logout', (t) =>
  t.boolean({
    authScopes: { member: true },
    description: 'Ends the session whose token was sent.',
    resolve: (_r, _a, ctx) => auth.logout(authed(ctx)),
  }),
);

builder.mutationField('changePassword', (t) =>
  t.boolean({
    authScopes: { writer: true },
    description: 'Changes the password and ends every other session of the user.',
    errors: { types: WRITE_ERRORS },
    args: { currentPassword: t.arg.string({ required: true }), newPassword: t.arg.string({ required: true }) },
    resolve: (_r, a, ctx) => auth.changePassword(authed(ctx), a.currentPassword, a.newPassword),
  }),
);
