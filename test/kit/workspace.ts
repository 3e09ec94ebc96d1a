// A freshly signed-up workspace: its administrator's client, its default pipeline, and people
// added to it. Every test signs up its own, so tests and files share a database without resets.
import { expect } from 'vitest';
import { uniqueEmail, type Client, type TestApp } from './app.js';
import { SignUp, Login } from './documents/auth.js';
import { Pipelines } from './documents/pipelines.js';
import { AssignRole, CreateRole, CreateUser } from './documents/users.js';
import type { RoleRightInput } from '../gql/graphql.js';

export const PASSWORD = 'correct horse battery';

/** Someone signed in: a client bound to their session. */
export type Member = Client & {
  token: string;
  user: { id: string; name: string; email: string };
  email: string;
  /** The role given at creation (with `rights`), if any. */
  roleId?: string;
};

export type Workspace = Awaited<ReturnType<typeof signUpWorkspace>>;

/** A new workspace with its admin signed in (the workspace is the admin's client), and its default pipeline. */
export async function signUpWorkspace(app: TestApp, opts: { locale?: 'ru' | 'en'; name?: string } = {}) {
  const email = uniqueEmail('admin');
  const r = await app.as().gql(SignUp, {
    input: { workspaceName: opts.name ?? 'Test workspace', name: 'Admin', email, password: PASSWORD, locale: opts.locale ?? 'en' },
  });
  if (r.signUp.__typename !== 'SignUpSuccess') throw new Error(`signUp failed: ${JSON.stringify(r.signUp)}`);
  const { token, user, workspace } = r.signUp.session;
  const client = app.as(token);
  const { pipelines } = await client.gql(Pipelines, {});
  const pipeline = pipelines[0];

  /** Creates a role with these rights (those not named are NONE), gives it to a user, answers its id. */
  const giveRole = async (userId: string, name: string, rights: RoleRightInput[]) => {
    const role = await client.gql(CreateRole, { name, rights });
    if (role.createRole.__typename !== 'CreateRoleSuccess') throw new Error(JSON.stringify(role.createRole));
    const a = await client.gql(AssignRole, { userId, roleId: role.createRole.role.id });
    expect(a.assignRole.__typename, JSON.stringify(a.assignRole)).toBe('AssignRoleSuccess');
    return role.createRole.role.id;
  };

  return {
    ...client,
    token,
    app,
    email,
    admin: { id: user.id, name: user.name },
    workspaceId: workspace.id,
    pipeline,
    open: pipeline.stages.filter((s) => s.kind === 'OPEN'),
    won: pipeline.stages.find((s) => s.kind === 'WON')!,
    lost: pipeline.stages.find((s) => s.kind === 'LOST')!,
    stage: (name: string) => pipeline.stages.find((s) => s.name === name)!,
    giveRole,
    /**
     * Creates a (non-admin) user and signs them in; with `rights`, under a role of their own
     * named after them (`teamIds` puts them in teams).
     */
    async member(name = 'Member', opts: { rights?: RoleRightInput[]; teamIds?: string[] } = {}): Promise<Member> {
      const memberEmail = uniqueEmail('member');
      const c = await client.gql(CreateUser, { input: { email: memberEmail, name, password: PASSWORD, teamIds: opts.teamIds } });
      if (c.createUser.__typename !== 'CreateUserSuccess') throw new Error(JSON.stringify(c.createUser));
      const u = c.createUser.user;
      const roleId = opts.rights ? await giveRole(u.id, name, opts.rights) : undefined;
      const l = await app.as().gql(Login, { input: { email: memberEmail, password: PASSWORD } });
      return { ...app.as(l.login.token), token: l.login.token, user: { id: u.id, name: u.name, email: u.email }, email: memberEmail, roleId };
    },
  };
}
