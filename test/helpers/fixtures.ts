// Fresh-workspace fixtures: every test signs up its own workspace, so files run in parallel
// on one database without resets.
import { graphql } from '../gql/index.js';
import { uniqueEmail, type TestApp } from './app.js';
import type { RoleRightInput } from '../gql/graphql.js';

export const PASSWORD = 'correct horse battery';

const SignUp = graphql(`
  mutation FixtureSignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on SignUpSuccess {
        session {
          token
          user { id name }
          workspace { id }
        }
      }
      ... on Error { message }
    }
  }
`);

const Pipelines = graphql(`
  query FixturePipelines {
    pipelines { id name stages { id name kind } lossReasons { id name } }
  }
`);

const CreateUser = graphql(`
  mutation FixtureCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on CreateUserSuccess { user { id name email } }
      ... on Error { message }
    }
  }
`);

const Login = graphql(`
  mutation FixtureLogin($input: LoginInput!) { login(input: $input) { token } }
`);

export type Workspace = Awaited<ReturnType<typeof signUpWorkspace>>;

const CreateRole = graphql(`
  mutation FixtureCreateRole($name: String!, $rights: [RoleRightInput!]!) {
    createRole(name: $name, rights: $rights) { __typename ... on CreateRoleSuccess { role { id } } ... on Error { message } }
  }
`);
const AssignRole = graphql(`
  mutation FixtureAssignRole($userId: ID!, $roleId: ID!) { assignRole(userId: $userId, roleId: $roleId) { __typename ... on Error { message } } }
`);

/** Creates a role with these rights (those not named are NONE) and gives it to a user; answers the role's id. */
export async function giveRole(app: TestApp, adminToken: string, userId: string, name: string, rights: RoleRightInput[]) {
  const r = await app.ok(CreateRole, { name, rights }, adminToken);
  if (r.createRole.__typename !== 'CreateRoleSuccess') throw new Error(JSON.stringify(r.createRole));
  const a = await app.ok(AssignRole, { userId, roleId: r.createRole.role.id }, adminToken);
  if (a.assignRole.__typename !== 'AssignRoleSuccess') throw new Error(JSON.stringify(a.assignRole));
  return r.createRole.role.id;
}

/** A new workspace with its admin signed in, and its default pipeline. */
export async function signUpWorkspace(app: TestApp, opts: { locale?: 'ru' | 'en'; name?: string } = {}) {
  const email = uniqueEmail('admin');
  const r = await app.ok(SignUp, {
    input: { workspaceName: opts.name ?? 'Test workspace', name: 'Admin', email, password: PASSWORD, locale: opts.locale ?? 'en' },
  });
  if (r.signUp.__typename !== 'SignUpSuccess') throw new Error(`signUp failed: ${JSON.stringify(r.signUp)}`);
  const { token, user, workspace } = r.signUp.session;
  const { pipelines } = await app.ok(Pipelines, {}, token);
  const pipeline = pipelines[0];
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)!;
  return {
    token,
    email,
    admin: user,
    workspaceId: workspace.id,
    pipeline,
    open: pipeline.stages.filter((s) => s.kind === 'OPEN'),
    won: pipeline.stages.find((s) => s.kind === 'WON')!,
    lost: pipeline.stages.find((s) => s.kind === 'LOST')!,
    stage,
    /** Creates a (non-admin) member and signs them in. */
    async member(name = 'Member') {
      const memberEmail = uniqueEmail('member');
      const c = await app.ok(CreateUser, { input: { email: memberEmail, name, password: PASSWORD } }, token);
      if (c.createUser.__typename !== 'CreateUserSuccess') throw new Error(JSON.stringify(c.createUser));
      const l = await app.ok(Login, { input: { email: memberEmail, password: PASSWORD } });
      return { token: l.login.token, user: c.createUser.user, email: memberEmail };
    },
  };
}
