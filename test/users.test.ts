// Managing a workspace's people: users, roles, teams, deactivation, and workspace settings.
// Every admin mutation is also tried by a plain member, who must be refused and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { randomInt } from 'node:crypto';
import { createTestApp, uniqueEmail, type TestApp } from './kit/app.js';
import { PASSWORD, signUpWorkspace, type Workspace } from './kit/workspace.js';
import { graphql } from './gql/index.js';

let app: TestApp;
beforeAll(async () => {
  // Logins name a made-up client address each, so no address bucket is shared with other files.
  app = await createTestApp({ TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await app?.stop();
});

const CreateUser = graphql(`
  mutation UsrCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on CreateUserSuccess { user { id email name active isAdmin role { id isAdmin } teams { id name } } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const UpdateUser = graphql(`
  mutation UsrUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on UpdateUserSuccess { user { id email name isAdmin role { id isAdmin } teams { id name } } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const DeactivateUser = graphql(`
  mutation UsrDeactivateUser($id: ID!) {
    deactivateUser(id: $id) {
      __typename
      ... on DeactivateUserSuccess { user { id active deactivatedAt } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const ReactivateUser = graphql(`
  mutation UsrReactivateUser($id: ID!) {
    reactivateUser(id: $id) {
      __typename
      ... on ReactivateUserSuccess { user { id active deactivatedAt } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const Users = graphql(`
  query UsrUsers($filter: UserFilter) {
    users(filter: $filter) {
      totalCount
      edges { node { id email name active deactivatedAt isAdmin role { id name isAdmin } teams { id name } } }
    }
  }
`);

const Roles = graphql(`
  query UsrRoles { roles { id name isAdmin } }
`);

const Teams = graphql(`
  query UsrTeams { teams { id name members { id name } } }
`);

const CreateTeam = graphql(`
  mutation UsrCreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      __typename
      ... on CreateTeamSuccess { team { id name members { id } } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const UpdateTeam = graphql(`
  mutation UsrUpdateTeam($input: UpdateTeamInput!) {
    updateTeam(input: $input) {
      __typename
      ... on UpdateTeamSuccess { team { id name members { id } } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const DeleteTeam = graphql(`
  mutation UsrDeleteTeam($id: ID!) {
    deleteTeam(id: $id) {
      __typename
      ... on DeleteTeamSuccess { data }
      ... on Error { code message }
    }
  }
`);

const WorkspaceQ = graphql(`
  query UsrWorkspace { workspace { id name locale timeZone currency phoneRegion } }
`);

const UpdateWorkspace = graphql(`
  mutation UsrUpdateWorkspace($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) {
      __typename
      ... on UpdateWorkspaceSuccess { workspace { id name locale timeZone currency phoneRegion } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const CreateApiKey = graphql(`
  mutation UsrCreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(name: $name, scopes: $scopes) {
      __typename
      ... on CreateApiKeySuccess { created { key apiKey { id } } }
      ... on Error { code message }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation UsrRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on RevokeApiKeySuccess { apiKey { id revokedAt } }
      ... on Error { code message }
    }
  }
`);

const ApiKeys = graphql(`
  query UsrApiKeys { apiKeys { id revokedAt } }
`);

const CreateDeal = graphql(`
  mutation UsrCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id responsible { id } } }
      ... on ValidationError { fields { field message } }
      ... on Error { code message }
    }
  }
`);

const Deals = graphql(`
  query UsrDeals($filter: DealFilter) {
    deals(filter: $filter) { totalCount edges { node { id name responsible { id name active } } } }
  }
`);

const Login = graphql(`
  mutation UsrLogin($input: LoginInput!) { login(input: $input) { token user { id } } }
`);

const Me = graphql(`
  query UsrMe { me { id name isAdmin role { id } teams { id } } }
`);

// Helpers

const freshIp = () => `203.0.${randomInt(0, 256)}.${randomInt(1, 255)}`;

function login(email: string, password = PASSWORD) {
  return app.gql(Login, { input: { email, password } }, undefined, { 'x-forwarded-for': freshIp() });
}

function errorCode(r: ExecutionResult<unknown>) {
  return r.errors?.[0]?.extensions?.code;
}

function refusedFields(result: { __typename: string } & object): string[] {
  expect(result.__typename).toBe('ValidationError');
  return ((result as { fields?: { field: string }[] }).fields ?? []).map((f) => f.field).sort();
}

async function roles(ws: Workspace) {
  const { roles } = await app.ok(Roles, {}, ws.token);
  return { admin: roles.find((r) => r.isAdmin)!, manager: roles.find((r) => !r.isAdmin)! };
}

async function createTeam(ws: Workspace, name: string, memberIds: string[] = []) {
  const r = await app.ok(CreateTeam, { input: { name, memberIds } }, ws.token);
  if (r.createTeam.__typename !== 'CreateTeamSuccess') throw new Error(JSON.stringify(r.createTeam));
  return r.createTeam.team;
}

async function createUser(ws: Workspace, input: { name?: string; email?: string; roleId?: string; teamIds?: string[] } = {}) {
  const email = input.email ?? uniqueEmail('u');
  const r = await app.ok(CreateUser, { input: { name: 'User', password: PASSWORD, ...input, email } }, ws.token);
  if (r.createUser.__typename !== 'CreateUserSuccess') throw new Error(JSON.stringify(r.createUser));
  return { ...r.createUser.user, email };
}

async function listUsers(ws: Workspace, token = ws.token) {
  const r = await app.ok(Users, {}, token);
  return r.users;
}

async function userById(ws: Workspace, id: string) {
  return (await listUsers(ws)).edges.map((e) => e.node).find((u) => u.id === id);
}

async function expectSignedOut(token: string) {
  const r = await app.gql(Me, {}, token);
  expect(r.data ?? null).toBeNull();
  expect(errorCode(r)).toBe('UNAUTHENTICATED');
}

describe('createUser', () => {
  it('adds a member with the default role and the teams given, who can then sign in', async () => {
    const ws = await signUpWorkspace(app);
    const sales = await createTeam(ws, 'Sales');
    const email = uniqueEmail('Anna').replace('anna', 'AnNa');
    const r = await app.ok(
      CreateUser,
      { input: { email: ` ${email} `, name: ' Anna ', password: PASSWORD, teamIds: [sales.id] } },
      ws.token,
    );
    if (r.createUser.__typename !== 'CreateUserSuccess') throw new Error(JSON.stringify(r.createUser));
    const u = r.createUser.user;
    const { manager } = await roles(ws);
    expect(u).toMatchObject({
      email: email.toLowerCase(),
      name: 'Anna',
      active: true,
      isAdmin: false,
      role: { id: manager.id, isAdmin: false },
      teams: [{ id: sales.id, name: 'Sales' }],
    });

    const list = await listUsers(ws);
    expect(list.totalCount).toBe(2);
    expect(list.edges.map((e) => e.node.email).sort()).toEqual([ws.email, email.toLowerCase()].sort());
    const { teams } = await app.ok(Teams, {}, ws.token);
    expect(teams.find((t) => t.id === sales.id)?.members.map((m) => m.id)).toEqual([u.id]);

    const l = await login(email.toUpperCase());
    expect(l.errors).toBeUndefined();
    const me = await app.ok(Me, {}, l.data!.login.token);
    expect(me.me).toMatchObject({ id: u.id, isAdmin: false, teams: [{ id: sales.id }] });
  });

  it('gives the role asked for: a new administrator can manage users', async () => {
    const ws = await signUpWorkspace(app);
    const { admin } = await roles(ws);
    const boss = await createUser(ws, { name: 'Second admin', roleId: admin.id });
    expect(boss.isAdmin).toBe(true);
    const token = (await login(boss.email)).data!.login.token;
    const r = await app.ok(CreateUser, { input: { email: uniqueEmail(), name: 'Hired by boss', password: PASSWORD } }, token);
    expect(r.createUser.__typename).toBe('CreateUserSuccess');
    expect((await listUsers(ws)).totalCount).toBe(3);
  });

  it('refuses a registered e-mail (any case) and bad fields, naming each, and adds no one', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member();
    const dup = await app.ok(CreateUser, { input: { email: member.email.toUpperCase(), name: 'Twin', password: PASSWORD } }, ws.token);
    expect(refusedFields(dup.createUser)).toEqual(['email']);
    // Addresses are unique across workspaces too, since signing in is by e-mail alone.
    const other = await signUpWorkspace(app);
    const taken = await app.ok(CreateUser, { input: { email: other.email, name: 'Twin', password: PASSWORD } }, ws.token);
    expect(refusedFields(taken.createUser)).toEqual(['email']);

    const bad = await app.ok(CreateUser, { input: { email: 'no-at-sign', name: '  ', password: 'short' } }, ws.token);
    expect(refusedFields(bad.createUser)).toEqual(['email', 'name', 'password']);

    const malformed = await app.ok(CreateUser, { input: { email: uniqueEmail(), name: 'X', password: PASSWORD, teamIds: ['nope'], roleId: 'nope' } }, ws.token);
    expect(refusedFields(malformed.createUser)).toEqual(['roleId', 'teamIds[0]']);

    expect((await listUsers(ws)).totalCount).toBe(2);
  });
});

describe('updateUser', () => {
  it('changes name, e-mail, role and teams; teams given replace the old ones', async () => {
    const ws = await signUpWorkspace(app);
    const a = await createTeam(ws, 'A');
    const b = await createTeam(ws, 'B');
    const c = await createTeam(ws, 'C');
    const u = await createUser(ws, { name: 'Before', teamIds: [a.id, b.id] });
    const { admin, manager } = await roles(ws);
    const newEmail = uniqueEmail('renamed');

    const r = await app.ok(UpdateUser, { input: { id: u.id, name: 'After', email: newEmail, roleId: admin.id, teamIds: [c.id] } }, ws.token);
    if (r.updateUser.__typename !== 'UpdateUserSuccess') throw new Error(JSON.stringify(r.updateUser));
    expect(r.updateUser.user).toMatchObject({ name: 'After', email: newEmail, isAdmin: true, role: { id: admin.id }, teams: [{ id: c.id }] });
    const listed = await userById(ws, u.id);
    expect(listed).toMatchObject({ name: 'After', email: newEmail, isAdmin: true, teams: [{ id: c.id }] });
    const { teams } = await app.ok(Teams, {}, ws.token);
    expect(teams.find((t) => t.id === a.id)?.members).toEqual([]);

    // Fields left out stay as they are.
    const only = await app.ok(UpdateUser, { input: { id: u.id, roleId: manager.id } }, ws.token);
    expect(only.updateUser).toMatchObject({ user: { name: 'After', email: newEmail, isAdmin: false, teams: [{ id: c.id }] } });

    // The new e-mail signs in; the old one no longer does.
    expect((await login(newEmail)).errors).toBeUndefined();
    expect(errorCode(await login(u.email))).toBe('UNAUTHENTICATED');

    const cleared = await app.ok(UpdateUser, { input: { id: u.id, teamIds: [] } }, ws.token);
    expect(cleared.updateUser).toMatchObject({ user: { teams: [] } });
  });

  it('a new role applies at once to the user’s open sessions and API keys', async () => {
    const ws = await signUpWorkspace(app);
    const { admin, manager } = await roles(ws);
    const member = await ws.member('Rising');
    const before = await app.ok(CreateTeam, { input: { name: 'Not yet' } }, member.token);
    expect(before.createTeam.__typename).toBe('ForbiddenError');

    await app.ok(UpdateUser, { input: { id: member.user.id, roleId: admin.id } }, ws.token);
    const promoted = await app.ok(CreateTeam, { input: { name: 'Now' } }, member.token);
    expect(promoted.createTeam.__typename).toBe('CreateTeamSuccess');
    const k = await app.ok(CreateApiKey, { name: 'Theirs', scopes: ['WRITE'] }, member.token);
    if (k.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(k.createApiKey));

    await app.ok(UpdateUser, { input: { id: member.user.id, roleId: manager.id } }, ws.token);
    for (const token of [member.token, k.createApiKey.created.key]) {
      const r = await app.ok(CreateUser, { input: { email: uniqueEmail(), name: 'Nope', password: PASSWORD } }, token);
      expect(r.createUser.__typename).toBe('ForbiddenError');
    }
    expect((await listUsers(ws)).totalCount).toBe(2);
  });

  it('takes a team named twice as one membership', async () => {
    const ws = await signUpWorkspace(app);
    const t = await createTeam(ws, 'Twice');
    const u = await createUser(ws, { name: 'Doubled', teamIds: [t.id, t.id] });
    expect(u.teams).toEqual([{ id: t.id, name: 'Twice' }]);
    const r = await app.ok(UpdateUser, { input: { id: u.id, teamIds: [t.id, t.id] } }, ws.token);
    expect(r.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { teams: [{ id: t.id }] } });
  });

  it('refuses an e-mail another user has, and bad values, changing nothing', async () => {
    const ws = await signUpWorkspace(app);
    const u = await createUser(ws, { name: 'Keep me' });
    const dup = await app.ok(UpdateUser, { input: { id: u.id, email: ws.email.toUpperCase(), name: 'Changed' } }, ws.token);
    expect(refusedFields(dup.updateUser)).toEqual(['email']);
    const bad = await app.ok(UpdateUser, { input: { id: u.id, email: 'bad', name: ' ' } }, ws.token);
    expect(refusedFields(bad.updateUser)).toEqual(['email', 'name']);
    expect(await userById(ws, u.id)).toMatchObject({ name: 'Keep me', email: u.email });
  });

  it('lets a member rename themself but not change their own role or teams', async () => {
    const ws = await signUpWorkspace(app);
    const team = await createTeam(ws, 'Elite');
    const member = await ws.member('Plain');
    const { admin } = await roles(ws);

    const rename = await app.ok(UpdateUser, { input: { id: member.user.id, name: 'Fancy' } }, member.token);
    expect(rename.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { name: 'Fancy' } });

    const promote = await app.ok(UpdateUser, { input: { id: member.user.id, roleId: admin.id } }, member.token);
    expect(promote.updateUser).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const join = await app.ok(UpdateUser, { input: { id: member.user.id, name: 'Sneaky', teamIds: [team.id] } }, member.token);
    expect(join.updateUser.__typename).toBe('ForbiddenError');

    const me = await app.ok(Me, {}, member.token);
    expect(me.me).toMatchObject({ name: 'Fancy', isAdmin: false, teams: [] });
  });
});

describe('deactivateUser and reactivateUser', () => {
  it('ends the user’s sessions and keys at once, refuses their login, and keeps their deals', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member('Leaving');
    const other = await login(member.email);
    const otherToken = other.data!.login.token;
    const own = await app.ok(CreateDeal, { input: { name: 'Theirs' } }, member.token);
    const given = await app.ok(CreateDeal, { input: { name: 'Assigned', responsibleId: member.user.id } }, ws.token);
    expect(own.createDeal.__typename).toBe('CreateDealSuccess');
    expect(given.createDeal.__typename).toBe('CreateDealSuccess');

    const r = await app.ok(DeactivateUser, { id: member.user.id }, ws.token);
    if (r.deactivateUser.__typename !== 'DeactivateUserSuccess') throw new Error(JSON.stringify(r.deactivateUser));
    expect(r.deactivateUser.user.active).toBe(false);
    expect(r.deactivateUser.user.deactivatedAt).not.toBeNull();

    await expectSignedOut(member.token);
    await expectSignedOut(otherToken);
    const m = await app.gql(CreateDeal, { input: { name: 'After leaving' } }, member.token);
    expect(errorCode(m)).toBe('UNAUTHENTICATED');
    const l = await login(member.email);
    expect(l.data ?? null).toBeNull();
    expect(errorCode(l)).toBe('UNAUTHENTICATED');

    // Their deals keep them as responsible until someone reassigns them.
    const deals = await app.ok(Deals, { filter: { responsibleIds: [member.user.id] } }, ws.token);
    expect(deals.deals.totalCount).toBe(2);
    expect(deals.deals.edges.map((e) => e.node.name).sort()).toEqual(['Assigned', 'Theirs']);
    for (const e of deals.deals.edges) expect(e.node.responsible).toMatchObject({ id: member.user.id, active: false });

    // They are listed as inactive, and no new card can be given to them.
    const inactive = await app.ok(Users, { filter: { active: false } }, ws.token);
    expect(inactive.users.edges.map((e) => e.node.id)).toEqual([member.user.id]);
    expect(inactive.users.totalCount).toBe(1);
    const active = await app.ok(Users, { filter: { active: true } }, ws.token);
    expect(active.users.edges.map((e) => e.node.id)).toEqual([ws.admin.id]);
    const assign = await app.ok(CreateDeal, { input: { name: 'For a ghost', responsibleId: member.user.id } }, ws.token);
    expect(refusedFields(assign.createDeal)).toEqual(['responsibleId']);
  });

  it('reactivation lets the user sign in again; old sessions stay ended', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member('Returning');
    await app.ok(DeactivateUser, { id: member.user.id }, ws.token);

    const r = await app.ok(ReactivateUser, { id: member.user.id }, ws.token);
    expect(r.reactivateUser).toMatchObject({ __typename: 'ReactivateUserSuccess', user: { active: true, deactivatedAt: null } });
    await expectSignedOut(member.token);
    const l = await login(member.email);
    expect(l.errors).toBeUndefined();
    expect((await app.ok(Me, {}, l.data!.login.token)).me.id).toBe(member.user.id);
    expect(await userById(ws, member.user.id)).toMatchObject({ active: true, deactivatedAt: null });
  });

  it('revokes the API keys of a deactivated administrator', async () => {
    const ws = await signUpWorkspace(app);
    const { admin } = await roles(ws);
    const boss = await createUser(ws, { name: 'Integrator', roleId: admin.id });
    const bossToken = (await login(boss.email)).data!.login.token;
    const k = await app.ok(CreateApiKey, { name: 'Their key', scopes: ['WRITE'] }, bossToken);
    if (k.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(k.createApiKey));
    expect((await app.ok(Me, {}, k.createApiKey.created.key)).me.id).toBe(boss.id);

    await app.ok(DeactivateUser, { id: boss.id }, ws.token);
    await expectSignedOut(k.createApiKey.created.key);
    // Reactivating the user does not bring the key back.
    await app.ok(ReactivateUser, { id: boss.id }, ws.token);
    await expectSignedOut(k.createApiKey.created.key);
    const keys = await app.ok(ApiKeys, {}, ws.token);
    expect(keys.apiKeys[0].revokedAt).not.toBeNull();
  });

  it('never leaves a workspace without an active administrator', async () => {
    const ws = await signUpWorkspace(app);
    const { admin, manager } = await roles(ws);

    const self = await app.ok(DeactivateUser, { id: ws.admin.id }, ws.token);
    expect(refusedFields(self.deactivateUser)).toEqual(['id']);
    const demote = await app.ok(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } }, ws.token);
    expect(refusedFields(demote.updateUser)).toEqual(['roleId']);
    expect((await app.ok(Me, {}, ws.token)).me).toMatchObject({ isAdmin: true });

    // An inactive administrator does not count.
    const second = await createUser(ws, { name: 'Second', roleId: admin.id });
    await app.ok(DeactivateUser, { id: second.id }, ws.token);
    const still = await app.ok(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } }, ws.token);
    expect(refusedFields(still.updateUser)).toEqual(['roleId']);

    // With another active administrator the first may step down.
    await app.ok(ReactivateUser, { id: second.id }, ws.token);
    const ok = await app.ok(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } }, ws.token);
    expect(ok.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { isAdmin: false } });
    // ...and now the second is the last one.
    const secondToken = (await login(second.email)).data!.login.token;
    const last = await app.ok(DeactivateUser, { id: second.id }, secondToken);
    expect(refusedFields(last.deactivateUser)).toEqual(['id']);
    const lastDemote = await app.ok(UpdateUser, { input: { id: second.id, roleId: manager.id } }, secondToken);
    expect(refusedFields(lastDemote.updateUser)).toEqual(['roleId']);
    expect(await userById(ws, second.id)).toMatchObject({ active: true, isAdmin: true });
  });
});

describe('two admins at once', () => {
  it('the same new e-mail or team name sent twice at once: one wins, the other gets a ValidationError', async () => {
    const ws = await signUpWorkspace(app);
    const u1 = await createUser(ws, { name: 'One' });
    const u2 = await createUser(ws, { name: 'Two' });
    const email = uniqueEmail('wanted');
    const updates = await Promise.all([
      app.gql(UpdateUser, { input: { id: u1.id, email } }, ws.token),
      app.gql(UpdateUser, { input: { id: u2.id, email } }, ws.token),
    ]);
    for (const r of updates) expect(r.errors).toBeUndefined();
    expect(updates.map((r) => r.data!.updateUser.__typename).sort()).toEqual(['UpdateUserSuccess', 'ValidationError']);
    expect(refusedFields(updates.find((r) => r.data!.updateUser.__typename === 'ValidationError')!.data!.updateUser)).toEqual(['email']);

    const newcomer = uniqueEmail('newcomer');
    const creates = await Promise.all([
      app.gql(CreateUser, { input: { email: newcomer, name: 'A', password: PASSWORD } }, ws.token),
      app.gql(CreateUser, { input: { email: newcomer, name: 'B', password: PASSWORD } }, ws.token),
    ]);
    for (const r of creates) expect(r.errors).toBeUndefined();
    expect(creates.map((r) => r.data!.createUser.__typename).sort()).toEqual(['CreateUserSuccess', 'ValidationError']);

    const teams = await Promise.all([
      app.gql(CreateTeam, { input: { name: 'Twins' } }, ws.token),
      app.gql(CreateTeam, { input: { name: 'Twins' } }, ws.token),
    ]);
    for (const r of teams) expect(r.errors).toBeUndefined();
    expect(teams.map((r) => r.data!.createTeam.__typename).sort()).toEqual(['CreateTeamSuccess', 'ValidationError']);

    const x = await createTeam(ws, 'X');
    const y = await createTeam(ws, 'Y');
    const renames = await Promise.all([
      app.gql(UpdateTeam, { input: { id: x.id, name: 'Same' } }, ws.token),
      app.gql(UpdateTeam, { input: { id: y.id, name: 'Same' } }, ws.token),
    ]);
    for (const r of renames) expect(r.errors).toBeUndefined();
    expect(renames.map((r) => r.data!.updateTeam.__typename).sort()).toEqual(['UpdateTeamSuccess', 'ValidationError']);

    const { teams: listed } = await app.ok(Teams, {}, ws.token);
    // One "Twins", one "Same", and one of X and Y kept its name.
    expect(listed).toHaveLength(3);
    expect(listed.map((t) => t.name).filter((n) => n === 'Same' || n === 'Twins').sort()).toEqual(['Same', 'Twins']);
    expect((await listUsers(ws)).totalCount).toBe(4);
  });
});

describe('last administrator, two at once', () => {
  it.each(['deactivate', 'demote'] as const)('two administrators who %s each other at once leave one of them in charge', async (how) => {
    const ws = await signUpWorkspace(app);
    const { admin, manager } = await roles(ws);
    const other = await createUser(ws, { name: 'Co-admin', roleId: admin.id });
    const otherToken = (await login(other.email)).data!.login.token;
    const act = (id: string, token: string) =>
      how === 'deactivate'
        ? app.gql(DeactivateUser, { id }, token).then((r) => r.data?.deactivateUser.__typename)
        : app.gql(UpdateUser, { input: { id, roleId: manager.id } }, token).then((r) => r.data?.updateUser.__typename);
    const outcomes = await Promise.all([act(other.id, ws.token), act(ws.admin.id, otherToken)]);
    expect(outcomes.sort()).toEqual(how === 'deactivate' ? ['DeactivateUserSuccess', 'ValidationError'] : ['UpdateUserSuccess', 'ValidationError']);
    // Whoever remains an administrator can still sign in and run the workspace.
    const rows = await app.database.prisma.user.findMany({
      where: { email: { in: [ws.email, other.email] }, active: true, role: { isAdmin: true } },
    });
    expect(rows).toHaveLength(1);
    const token = (await login(rows[0].email)).data!.login.token;
    expect((await app.ok(Me, {}, token)).me.isAdmin).toBe(true);
  });
});

describe('teams', () => {
  it('creates, renames, re-staffs and deletes teams; members stay', async () => {
    const ws = await signUpWorkspace(app);
    const ann = await createUser(ws, { name: 'Ann' });
    const bob = await createUser(ws, { name: 'Bob' });
    const cy = await createUser(ws, { name: 'Cy' });

    const t = await createTeam(ws, 'North', [ann.id, bob.id, ann.id]);
    expect(t.members.map((m) => m.id).sort()).toEqual([ann.id, bob.id].sort());
    const inTeam = await app.ok(Users, { filter: { teamIds: [t.id] } }, ws.token);
    expect(inTeam.users.edges.map((e) => e.node.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(inTeam.users.totalCount).toBe(2);

    const dup = await app.ok(CreateTeam, { input: { name: 'North' } }, ws.token);
    expect(refusedFields(dup.createTeam)).toEqual(['name']);
    const empty = await app.ok(CreateTeam, { input: { name: ' ' } }, ws.token);
    expect(refusedFields(empty.createTeam)).toEqual(['name']);

    const u = await app.ok(UpdateTeam, { input: { id: t.id, name: 'South', memberIds: [cy.id] } }, ws.token);
    expect(u.updateTeam).toMatchObject({ __typename: 'UpdateTeamSuccess', team: { name: 'South', members: [{ id: cy.id }] } });
    const renameOnly = await app.ok(UpdateTeam, { input: { id: t.id, name: 'East' } }, ws.token);
    expect(renameOnly.updateTeam).toMatchObject({ team: { name: 'East', members: [{ id: cy.id }] } });
    expect((await userById(ws, ann.id))?.teams).toEqual([]);
    expect((await userById(ws, cy.id))?.teams).toEqual([{ id: t.id, name: 'East' }]);

    const other = await createTeam(ws, 'West');
    const clash = await app.ok(UpdateTeam, { input: { id: other.id, name: 'East' } }, ws.token);
    expect(refusedFields(clash.updateTeam)).toEqual(['name']);

    const d = await app.ok(DeleteTeam, { id: t.id }, ws.token);
    expect(d.deleteTeam).toEqual({ __typename: 'DeleteTeamSuccess', data: t.id });
    const { teams } = await app.ok(Teams, {}, ws.token);
    expect(teams.map((x) => x.name)).toEqual(['West']);
    expect((await listUsers(ws)).totalCount).toBe(4);
    expect((await userById(ws, cy.id))?.teams).toEqual([]);
    const again = await app.ok(DeleteTeam, { id: t.id }, ws.token);
    expect(again.deleteTeam).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('users filtered by team count only the team’s members', async () => {
    const ws = await signUpWorkspace(app);
    const ann = await createUser(ws, { name: 'Ann' });
    await createUser(ws, { name: 'Bob' });
    const t = await createTeam(ws, 'Solo', [ann.id]);
    const r = await app.ok(Users, { filter: { teamIds: [t.id] } }, ws.token);
    expect(r.users.edges.map((e) => e.node.id)).toEqual([ann.id]);
    expect(r.users.totalCount).toBe(1);
  });

  it('searches users literally and answers a malformed team id with VALIDATION_FAILED naming it', async () => {
    const ws = await signUpWorkspace(app);
    await createUser(ws, { name: 'Under_score' });
    await createUser(ws, { name: 'Underscore' });
    const r = await app.ok(Users, { filter: { search: 'r_s' } }, ws.token);
    expect(r.users.edges.map((e) => e.node.name)).toEqual(['Under_score']);
    const bad = await app.gql(Users, { filter: { teamIds: ['nonsense'] } }, ws.token);
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'filter.teamIds[0]', message: 'is not a valid Team id' }],
    });
  });
});

describe('workspace settings', () => {
  it('an administrator changes the settings given and leaves the rest', async () => {
    const ws = await signUpWorkspace(app);
    const before = (await app.ok(WorkspaceQ, {}, ws.token)).workspace;
    const r = await app.ok(
      UpdateWorkspace,
      { input: { name: ' Renamed ', timeZone: 'America/New_York', currency: 'eur', phoneRegion: 'us', locale: 'ru' } },
      ws.token,
    );
    expect(r.updateWorkspace).toMatchObject({
      __typename: 'UpdateWorkspaceSuccess',
      workspace: { id: before.id, name: 'Renamed', timeZone: 'America/New_York', currency: 'EUR', phoneRegion: 'US', locale: 'ru' },
    });
    const partial = await app.ok(UpdateWorkspace, { input: { currency: 'KZT' } }, ws.token);
    expect(partial.updateWorkspace).toMatchObject({
      workspace: { name: 'Renamed', timeZone: 'America/New_York', currency: 'KZT', phoneRegion: 'US', locale: 'ru' },
    });
    expect((await app.ok(WorkspaceQ, {}, ws.token)).workspace).toMatchObject({ name: 'Renamed', currency: 'KZT' });
  });

  it('refuses bad settings, naming each, and changes nothing', async () => {
    const ws = await signUpWorkspace(app);
    const before = (await app.ok(WorkspaceQ, {}, ws.token)).workspace;
    const r = await app.ok(
      UpdateWorkspace,
      { input: { name: '', timeZone: 'Europe/Atlantis', currency: 'ABC', phoneRegion: 'QQ' } },
      ws.token,
    );
    expect(refusedFields(r.updateWorkspace)).toEqual(['currency', 'name', 'phoneRegion', 'timeZone']);
    const oneBad = await app.ok(UpdateWorkspace, { input: { name: 'Fine', currency: 'ABC' } }, ws.token);
    expect(refusedFields(oneBad.updateWorkspace)).toEqual(['currency']);
    expect((await app.ok(WorkspaceQ, {}, ws.token)).workspace).toEqual(before);
  });
});

describe('a member who is not an administrator', () => {
  it('gets ForbiddenError for every admin mutation, and nothing changes', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member('Plain member');
    const colleague = await createUser(ws, { name: 'Colleague' });
    const team = await createTeam(ws, 'Team', [colleague.id]);
    const { admin } = await roles(ws);
    const key = await app.ok(CreateApiKey, { name: 'Key', scopes: ['READ'] }, ws.token);
    if (key.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(key.createApiKey));
    const keyId = key.createApiKey.created.apiKey.id;
    await app.ok(DeactivateUser, { id: colleague.id }, ws.token);

    const usersBefore = await listUsers(ws);
    const teamsBefore = await app.ok(Teams, {}, ws.token);
    const workspaceBefore = await app.ok(WorkspaceQ, {}, ws.token);
    const t = member.token;

    const attempts: [string, () => Promise<{ __typename: string }>][] = [
      ['createUser', () => app.ok(CreateUser, { input: { email: uniqueEmail(), name: 'Friend', password: PASSWORD } }, t).then((r) => r.createUser)],
      ['createUser as admin', () => app.ok(CreateUser, { input: { email: uniqueEmail(), name: 'Puppet', password: PASSWORD, roleId: admin.id } }, t).then((r) => r.createUser)],
      ['updateUser (other)', () => app.ok(UpdateUser, { input: { id: ws.admin.id, name: 'Hacked' } }, t).then((r) => r.updateUser)],
      ['updateUser (self role)', () => app.ok(UpdateUser, { input: { id: member.user.id, roleId: admin.id } }, t).then((r) => r.updateUser)],
      ['deactivateUser', () => app.ok(DeactivateUser, { id: ws.admin.id }, t).then((r) => r.deactivateUser)],
      ['reactivateUser', () => app.ok(ReactivateUser, { id: colleague.id }, t).then((r) => r.reactivateUser)],
      ['createTeam', () => app.ok(CreateTeam, { input: { name: 'Mine', memberIds: [member.user.id] } }, t).then((r) => r.createTeam)],
      ['updateTeam', () => app.ok(UpdateTeam, { input: { id: team.id, name: 'Taken', memberIds: [member.user.id] } }, t).then((r) => r.updateTeam)],
      ['deleteTeam', () => app.ok(DeleteTeam, { id: team.id }, t).then((r) => r.deleteTeam)],
      ['createApiKey', () => app.ok(CreateApiKey, { name: 'Mine', scopes: ['WRITE'] }, t).then((r) => r.createApiKey)],
      ['revokeApiKey', () => app.ok(RevokeApiKey, { id: keyId }, t).then((r) => r.revokeApiKey)],
      ['updateWorkspace', () => app.ok(UpdateWorkspace, { input: { name: 'Mine now', currency: 'USD' } }, t).then((r) => r.updateWorkspace)],
    ];
    for (const [name, attempt] of attempts) {
      const result = await attempt();
      expect({ name, typename: result.__typename }).toEqual({ name, typename: 'ForbiddenError' });
      expect(result).toMatchObject({ code: 'FORBIDDEN' });
    }

    expect(await listUsers(ws)).toEqual(usersBefore);
    expect(await app.ok(Teams, {}, ws.token)).toEqual(teamsBefore);
    expect(await app.ok(WorkspaceQ, {}, ws.token)).toEqual(workspaceBefore);
    expect((await app.ok(ApiKeys, {}, ws.token)).apiKeys).toEqual([{ id: keyId, revokedAt: null }]);
    expect((await app.ok(Me, {}, ws.token)).me.isAdmin).toBe(true);
    // The member can still read the workspace's people and teams.
    expect((await listUsers(ws, t)).totalCount).toBe(usersBefore.totalCount);
    expect((await app.ok(Teams, {}, t)).teams.map((x) => x.id)).toEqual([team.id]);
  });
});
