// Managing a workspace's people: users, roles, teams, deactivation, and workspace settings.
// Every admin mutation is also tried by a plain member, who must be refused and change nothing.
import type { ExecutionResult } from 'graphql';
import { describe, expect, testWith, type TestApp } from './kit/fixtures.js';
import { uniqueEmail, uniqueIp, type Client } from './kit/app.js';
import { PASSWORD } from './kit/workspace.js';
import { readDeal } from './kit/cards.js';
import { CreateDeal, Deals } from './kit/documents/deals.js';
import { Login, UpdateWorkspace, WorkspaceQuery as WorkspaceQ } from './kit/documents/auth.js';
import {
  ApiKeys,
  CreateApiKey,
  CreateTeam,
  CreateUser,
  DeactivateUser,
  DeleteTeam,
  Me,
  ReactivateUser,
  RevokeApiKey,
  Roles,
  Teams,
  UpdateTeam,
  UpdateUser,
  Users,
} from './kit/documents/users.js';

// Logins name a made-up client address each, so no address bucket is shared with other files.
const it = testWith({ TRUST_PROXY: 'true' });
let app: TestApp;
it.beforeAll(({ app: fileApp }) => {
  app = fileApp;
});

// Helpers

function login(email: string, password = PASSWORD) {
  return app.as().raw(Login, { input: { email, password } }, { 'x-forwarded-for': uniqueIp() });
}

function errorCode(r: ExecutionResult<unknown>) {
  return r.errors?.[0]?.extensions?.code;
}

function refusedFields(result: { __typename: string } & object): string[] {
  expect(result.__typename).toBe('ValidationError');
  return ((result as { fields?: { field: string }[] }).fields ?? []).map((f) => f.field).sort();
}

async function roles(ws: Client) {
  const { roles } = await ws.gql(Roles, {});
  return { admin: roles.find((r) => r.isAdmin)!, manager: roles.find((r) => !r.isAdmin)! };
}

async function createTeam(ws: Client, name: string, memberIds: string[] = []) {
  const r = await ws.gql(CreateTeam, { input: { name, memberIds } });
  if (r.createTeam.__typename !== 'CreateTeamSuccess') throw new Error(JSON.stringify(r.createTeam));
  return r.createTeam.team;
}

async function createUser(ws: Client, input: { name?: string; email?: string; roleId?: string; teamIds?: string[] } = {}) {
  const email = input.email ?? uniqueEmail('u');
  const r = await ws.gql(CreateUser, { input: { name: 'User', password: PASSWORD, ...input, email } });
  if (r.createUser.__typename !== 'CreateUserSuccess') throw new Error(JSON.stringify(r.createUser));
  return { ...r.createUser.user, email };
}

async function listUsers(c: Client) {
  const r = await c.gql(Users, {});
  return r.users;
}

async function userById(ws: Client, id: string) {
  return (await listUsers(ws)).edges.map((e) => e.node).find((u) => u.id === id);
}

async function expectSignedOut(token: string) {
  const r = await app.as(token).raw(Me, {});
  expect(r.data ?? null).toBeNull();
  expect(errorCode(r)).toBe('UNAUTHENTICATED');
}

describe('createUser', () => {
  it('adds a member with the default role and the teams given, who can then sign in', async ({ workspace: ws }) => {
    const sales = await createTeam(ws, 'Sales');
    const email = uniqueEmail('Anna').replace('anna', 'AnNa');
    const r = await ws.gql(CreateUser, { input: { email: ` ${email} `, name: ' Anna ', password: PASSWORD, teamIds: [sales.id] } });
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
    const { teams } = await ws.gql(Teams, {});
    expect(teams.find((t) => t.id === sales.id)?.members.map((m) => m.id)).toEqual([u.id]);

    const l = await login(email.toUpperCase());
    expect(l.errors).toBeUndefined();
    const me = await app.as(l.data!.login.token).gql(Me, {});
    expect(me.me).toMatchObject({ id: u.id, isAdmin: false, teams: [{ id: sales.id }] });
  });

  it('gives the role asked for: a new administrator can manage users', async ({ workspace: ws }) => {
    const { admin } = await roles(ws);
    const boss = await createUser(ws, { name: 'Second admin', roleId: admin.id });
    expect(boss.isAdmin).toBe(true);
    const token = (await login(boss.email)).data!.login.token;
    const r = await app.as(token).gql(CreateUser, { input: { email: uniqueEmail(), name: 'Hired by boss', password: PASSWORD } });
    expect(r.createUser.__typename).toBe('CreateUserSuccess');
    expect((await listUsers(ws)).totalCount).toBe(3);
  });

  it('refuses a registered e-mail (any case) and bad fields, naming each, and adds no one', async ({ workspace: ws, signUp }) => {
    const member = await ws.member();
    const dup = await ws.gql(CreateUser, { input: { email: member.email.toUpperCase(), name: 'Twin', password: PASSWORD } });
    expect(refusedFields(dup.createUser)).toEqual(['email']);
    // Addresses are unique across workspaces too, since signing in is by e-mail alone.
    const other = await signUp();
    const taken = await ws.gql(CreateUser, { input: { email: other.email, name: 'Twin', password: PASSWORD } });
    expect(refusedFields(taken.createUser)).toEqual(['email']);

    const bad = await ws.gql(CreateUser, { input: { email: 'no-at-sign', name: '  ', password: 'short' } });
    expect(refusedFields(bad.createUser)).toEqual(['email', 'name', 'password']);

    const malformed = await ws.gql(CreateUser, { input: { email: uniqueEmail(), name: 'X', password: PASSWORD, teamIds: ['nope'], roleId: 'nope' } });
    expect(refusedFields(malformed.createUser)).toEqual(['roleId', 'teamIds[0]']);

    expect((await listUsers(ws)).totalCount).toBe(2);
  });
});

describe('updateUser', () => {
  it('changes name, e-mail, role and teams; teams given replace the old ones', async ({ workspace: ws }) => {
    const a = await createTeam(ws, 'A');
    const b = await createTeam(ws, 'B');
    const c = await createTeam(ws, 'C');
    const u = await createUser(ws, { name: 'Before', teamIds: [a.id, b.id] });
    const { admin, manager } = await roles(ws);
    const newEmail = uniqueEmail('renamed');

    const r = await ws.gql(UpdateUser, { input: { id: u.id, name: 'After', email: newEmail, roleId: admin.id, teamIds: [c.id] } });
    if (r.updateUser.__typename !== 'UpdateUserSuccess') throw new Error(JSON.stringify(r.updateUser));
    expect(r.updateUser.user).toMatchObject({ name: 'After', email: newEmail, isAdmin: true, role: { id: admin.id }, teams: [{ id: c.id }] });
    const listed = await userById(ws, u.id);
    expect(listed).toMatchObject({ name: 'After', email: newEmail, isAdmin: true, teams: [{ id: c.id }] });
    const { teams } = await ws.gql(Teams, {});
    expect(teams.find((t) => t.id === a.id)?.members).toEqual([]);

    // Fields left out stay as they are.
    const only = await ws.gql(UpdateUser, { input: { id: u.id, roleId: manager.id } });
    expect(only.updateUser).toMatchObject({ user: { name: 'After', email: newEmail, isAdmin: false, teams: [{ id: c.id }] } });

    // The new e-mail signs in; the old one no longer does.
    expect((await login(newEmail)).errors).toBeUndefined();
    expect(errorCode(await login(u.email))).toBe('UNAUTHENTICATED');

    const cleared = await ws.gql(UpdateUser, { input: { id: u.id, teamIds: [] } });
    expect(cleared.updateUser).toMatchObject({ user: { teams: [] } });
  });

  it('a new role applies at once to the user’s open sessions and API keys', async ({ workspace: ws }) => {
    const { admin, manager } = await roles(ws);
    const member = await ws.member('Rising');
    const before = await member.gql(CreateTeam, { input: { name: 'Not yet' } });
    expect(before.createTeam.__typename).toBe('ForbiddenError');

    await ws.gql(UpdateUser, { input: { id: member.user.id, roleId: admin.id } });
    const promoted = await member.gql(CreateTeam, { input: { name: 'Now' } });
    expect(promoted.createTeam.__typename).toBe('CreateTeamSuccess');
    const k = await member.gql(CreateApiKey, { name: 'Theirs', scopes: ['WRITE'] });
    if (k.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(k.createApiKey));

    await ws.gql(UpdateUser, { input: { id: member.user.id, roleId: manager.id } });
    for (const token of [member.token, k.createApiKey.created.key]) {
      const r = await app.as(token).gql(CreateUser, { input: { email: uniqueEmail(), name: 'Nope', password: PASSWORD } });
      expect(r.createUser.__typename).toBe('ForbiddenError');
    }
    expect((await listUsers(ws)).totalCount).toBe(2);
  });

  it('takes a team named twice as one membership', async ({ workspace: ws }) => {
    const t = await createTeam(ws, 'Twice');
    const u = await createUser(ws, { name: 'Doubled', teamIds: [t.id, t.id] });
    expect(u.teams).toEqual([{ id: t.id, name: 'Twice' }]);
    const r = await ws.gql(UpdateUser, { input: { id: u.id, teamIds: [t.id, t.id] } });
    expect(r.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { teams: [{ id: t.id }] } });
  });

  it('refuses an e-mail another user has, and bad values, changing nothing', async ({ workspace: ws }) => {
    const u = await createUser(ws, { name: 'Keep me' });
    const dup = await ws.gql(UpdateUser, { input: { id: u.id, email: ws.email.toUpperCase(), name: 'Changed' } });
    expect(refusedFields(dup.updateUser)).toEqual(['email']);
    const bad = await ws.gql(UpdateUser, { input: { id: u.id, email: 'bad', name: ' ' } });
    expect(refusedFields(bad.updateUser)).toEqual(['email', 'name']);
    expect(await userById(ws, u.id)).toMatchObject({ name: 'Keep me', email: u.email });
  });

  it('lets a member rename themself but not change their own role or teams', async ({ workspace: ws }) => {
    const team = await createTeam(ws, 'Elite');
    const member = await ws.member('Plain');
    const { admin } = await roles(ws);

    const rename = await member.gql(UpdateUser, { input: { id: member.user.id, name: 'Fancy' } });
    expect(rename.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { name: 'Fancy' } });

    const promote = await member.gql(UpdateUser, { input: { id: member.user.id, roleId: admin.id } });
    expect(promote.updateUser).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const join = await member.gql(UpdateUser, { input: { id: member.user.id, name: 'Sneaky', teamIds: [team.id] } });
    expect(join.updateUser.__typename).toBe('ForbiddenError');

    const me = await member.gql(Me, {});
    expect(me.me).toMatchObject({ name: 'Fancy', isAdmin: false, teams: [] });
  });
});

describe('deactivateUser and reactivateUser', () => {
  it('ends the user’s sessions and keys at once, refuses their login, and keeps their deals', async ({ workspace: ws }) => {
    const member = await ws.member('Leaving');
    const other = await login(member.email);
    const otherToken = other.data!.login.token;
    const own = await member.gql(CreateDeal, { input: { name: 'Theirs' } });
    const given = await ws.gql(CreateDeal, { input: { name: 'Assigned', responsibleId: member.user.id } });
    expect(own.createDeal.__typename).toBe('CreateDealSuccess');
    expect(given.createDeal.__typename).toBe('CreateDealSuccess');

    const r = await ws.gql(DeactivateUser, { id: member.user.id });
    if (r.deactivateUser.__typename !== 'DeactivateUserSuccess') throw new Error(JSON.stringify(r.deactivateUser));
    expect(r.deactivateUser.user.active).toBe(false);
    expect(r.deactivateUser.user.deactivatedAt).not.toBeNull();

    await expectSignedOut(member.token);
    await expectSignedOut(otherToken);
    const m = await member.raw(CreateDeal, { input: { name: 'After leaving' } });
    expect(errorCode(m)).toBe('UNAUTHENTICATED');
    const l = await login(member.email);
    expect(l.data ?? null).toBeNull();
    expect(errorCode(l)).toBe('UNAUTHENTICATED');

    // Their deals keep them as responsible until someone reassigns them.
    const deals = await ws.gql(Deals, { filter: { responsibleIds: [member.user.id] } });
    expect(deals.deals.totalCount).toBe(2);
    expect(deals.deals.edges.map((e) => e.node.name).sort()).toEqual(['Assigned', 'Theirs']);
    for (const e of deals.deals.edges) expect((await readDeal(ws, e.node.id)).responsible).toMatchObject({ id: member.user.id, active: false });

    // They are listed as inactive, and no new card can be given to them.
    const inactive = await ws.gql(Users, { filter: { active: false } });
    expect(inactive.users.edges.map((e) => e.node.id)).toEqual([member.user.id]);
    expect(inactive.users.totalCount).toBe(1);
    const active = await ws.gql(Users, { filter: { active: true } });
    expect(active.users.edges.map((e) => e.node.id)).toEqual([ws.admin.id]);
    const assign = await ws.gql(CreateDeal, { input: { name: 'For a ghost', responsibleId: member.user.id } });
    expect(refusedFields(assign.createDeal)).toEqual(['responsibleId']);
  });

  it('reactivation lets the user sign in again; old sessions stay ended', async ({ workspace: ws }) => {
    const member = await ws.member('Returning');
    await ws.gql(DeactivateUser, { id: member.user.id });

    const r = await ws.gql(ReactivateUser, { id: member.user.id });
    expect(r.reactivateUser).toMatchObject({ __typename: 'ReactivateUserSuccess', user: { active: true, deactivatedAt: null } });
    await expectSignedOut(member.token);
    const l = await login(member.email);
    expect(l.errors).toBeUndefined();
    expect((await app.as(l.data!.login.token).gql(Me, {})).me.id).toBe(member.user.id);
    expect(await userById(ws, member.user.id)).toMatchObject({ active: true, deactivatedAt: null });
  });

  it('revokes the API keys of a deactivated administrator', async ({ workspace: ws }) => {
    const { admin } = await roles(ws);
    const boss = await createUser(ws, { name: 'Integrator', roleId: admin.id });
    const bossToken = (await login(boss.email)).data!.login.token;
    const k = await app.as(bossToken).gql(CreateApiKey, { name: 'Their key', scopes: ['WRITE'] });
    if (k.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(k.createApiKey));
    expect((await app.as(k.createApiKey.created.key).gql(Me, {})).me.id).toBe(boss.id);

    await ws.gql(DeactivateUser, { id: boss.id });
    await expectSignedOut(k.createApiKey.created.key);
    // Reactivating the user does not bring the key back.
    await ws.gql(ReactivateUser, { id: boss.id });
    await expectSignedOut(k.createApiKey.created.key);
    const keys = await ws.gql(ApiKeys, {});
    expect(keys.apiKeys[0].revokedAt).not.toBeNull();
  });

  it('never leaves a workspace without an active administrator', async ({ workspace: ws }) => {
    const { admin, manager } = await roles(ws);

    const self = await ws.gql(DeactivateUser, { id: ws.admin.id });
    expect(refusedFields(self.deactivateUser)).toEqual(['id']);
    const demote = await ws.gql(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } });
    expect(refusedFields(demote.updateUser)).toEqual(['roleId']);
    expect((await ws.gql(Me, {})).me).toMatchObject({ isAdmin: true });

    // An inactive administrator does not count.
    const second = await createUser(ws, { name: 'Second', roleId: admin.id });
    await ws.gql(DeactivateUser, { id: second.id });
    const still = await ws.gql(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } });
    expect(refusedFields(still.updateUser)).toEqual(['roleId']);

    // With another active administrator the first may step down.
    await ws.gql(ReactivateUser, { id: second.id });
    const ok = await ws.gql(UpdateUser, { input: { id: ws.admin.id, roleId: manager.id } });
    expect(ok.updateUser).toMatchObject({ __typename: 'UpdateUserSuccess', user: { isAdmin: false } });
    // ...and now the second is the last one.
    const secondToken = (await login(second.email)).data!.login.token;
    const last = await app.as(secondToken).gql(DeactivateUser, { id: second.id });
    expect(refusedFields(last.deactivateUser)).toEqual(['id']);
    const lastDemote = await app.as(secondToken).gql(UpdateUser, { input: { id: second.id, roleId: manager.id } });
    expect(refusedFields(lastDemote.updateUser)).toEqual(['roleId']);
    expect(await userById(ws, second.id)).toMatchObject({ active: true, isAdmin: true });
  });
});

describe('two admins at once', () => {
  it('the same new e-mail or team name sent twice at once: one wins, the other gets a ValidationError', async ({ workspace: ws }) => {
    const u1 = await createUser(ws, { name: 'One' });
    const u2 = await createUser(ws, { name: 'Two' });
    const email = uniqueEmail('wanted');
    const updates = await Promise.all([ws.raw(UpdateUser, { input: { id: u1.id, email } }), ws.raw(UpdateUser, { input: { id: u2.id, email } })]);
    for (const r of updates) expect(r.errors).toBeUndefined();
    expect(updates.map((r) => r.data!.updateUser.__typename).sort()).toEqual(['UpdateUserSuccess', 'ValidationError']);
    expect(refusedFields(updates.find((r) => r.data!.updateUser.__typename === 'ValidationError')!.data!.updateUser)).toEqual(['email']);

    const newcomer = uniqueEmail('newcomer');
    const creates = await Promise.all([
      ws.raw(CreateUser, { input: { email: newcomer, name: 'A', password: PASSWORD } }),
      ws.raw(CreateUser, { input: { email: newcomer, name: 'B', password: PASSWORD } }),
    ]);
    for (const r of creates) expect(r.errors).toBeUndefined();
    expect(creates.map((r) => r.data!.createUser.__typename).sort()).toEqual(['CreateUserSuccess', 'ValidationError']);

    const teams = await Promise.all([ws.raw(CreateTeam, { input: { name: 'Twins' } }), ws.raw(CreateTeam, { input: { name: 'Twins' } })]);
    for (const r of teams) expect(r.errors).toBeUndefined();
    expect(teams.map((r) => r.data!.createTeam.__typename).sort()).toEqual(['CreateTeamSuccess', 'ValidationError']);

    const x = await createTeam(ws, 'X');
    const y = await createTeam(ws, 'Y');
    const renames = await Promise.all([ws.raw(UpdateTeam, { input: { id: x.id, name: 'Same' } }), ws.raw(UpdateTeam, { input: { id: y.id, name: 'Same' } })]);
    for (const r of renames) expect(r.errors).toBeUndefined();
    expect(renames.map((r) => r.data!.updateTeam.__typename).sort()).toEqual(['UpdateTeamSuccess', 'ValidationError']);

    const { teams: listed } = await ws.gql(Teams, {});
    // One "Twins", one "Same", and one of X and Y kept its name.
    expect(listed).toHaveLength(3);
    expect(
      listed
        .map((t) => t.name)
        .filter((n) => n === 'Same' || n === 'Twins')
        .sort(),
    ).toEqual(['Same', 'Twins']);
    expect((await listUsers(ws)).totalCount).toBe(4);
  });
});

describe('last administrator, two at once', () => {
  it.for(['deactivate', 'demote'] as const)('two administrators who %s each other at once leave one of them in charge', async (how, { workspace: ws }) => {
    const { admin, manager } = await roles(ws);
    const other = await createUser(ws, { name: 'Co-admin', roleId: admin.id });
    const otherToken = (await login(other.email)).data!.login.token;
    const act = (id: string, token: string) =>
      how === 'deactivate'
        ? app
            .as(token)
            .raw(DeactivateUser, { id })
            .then((r) => r.data?.deactivateUser.__typename)
        : app
            .as(token)
            .raw(UpdateUser, { input: { id, roleId: manager.id } })
            .then((r) => r.data?.updateUser.__typename);
    const outcomes = await Promise.all([act(other.id, ws.token), act(ws.admin.id, otherToken)]);
    // One succeeds. The other is refused as the last administrator's (both passed the rights
    // check, the database put them one after the other), or as no longer an administrator's (it
    // was checked after the first committed): never both.
    const success = how === 'deactivate' ? 'DeactivateUserSuccess' : 'UpdateUserSuccess';
    expect([
      [success, 'ValidationError'],
      ['ForbiddenError', success],
    ]).toContainEqual(outcomes.sort());
    // Whoever remains an administrator can still sign in and run the workspace.
    const rows = await app.database.prisma.user.findMany({
      where: { email: { in: [ws.email, other.email] }, active: true, role: { isAdmin: true } },
    });
    expect(rows).toHaveLength(1);
    const token = (await login(rows[0].email)).data!.login.token;
    expect((await app.as(token).gql(Me, {})).me.isAdmin).toBe(true);
  });
});

describe('teams', () => {
  it('creates, renames, re-staffs and deletes teams; members stay', async ({ workspace: ws }) => {
    const ann = await createUser(ws, { name: 'Ann' });
    const bob = await createUser(ws, { name: 'Bob' });
    const cy = await createUser(ws, { name: 'Cy' });

    const t = await createTeam(ws, 'North', [ann.id, bob.id, ann.id]);
    expect(t.members.map((m) => m.id).sort()).toEqual([ann.id, bob.id].sort());
    const inTeam = await ws.gql(Users, { filter: { teamIds: [t.id] } });
    expect(inTeam.users.edges.map((e) => e.node.id).sort()).toEqual([ann.id, bob.id].sort());
    expect(inTeam.users.totalCount).toBe(2);

    const dup = await ws.gql(CreateTeam, { input: { name: 'North' } });
    expect(refusedFields(dup.createTeam)).toEqual(['name']);
    const empty = await ws.gql(CreateTeam, { input: { name: ' ' } });
    expect(refusedFields(empty.createTeam)).toEqual(['name']);

    const u = await ws.gql(UpdateTeam, { input: { id: t.id, name: 'South', memberIds: [cy.id] } });
    expect(u.updateTeam).toMatchObject({ __typename: 'UpdateTeamSuccess', team: { name: 'South', members: [{ id: cy.id }] } });
    const renameOnly = await ws.gql(UpdateTeam, { input: { id: t.id, name: 'East' } });
    expect(renameOnly.updateTeam).toMatchObject({ team: { name: 'East', members: [{ id: cy.id }] } });
    expect((await userById(ws, ann.id))?.teams).toEqual([]);
    expect((await userById(ws, cy.id))?.teams).toEqual([{ id: t.id, name: 'East' }]);

    const other = await createTeam(ws, 'West');
    const clash = await ws.gql(UpdateTeam, { input: { id: other.id, name: 'East' } });
    expect(refusedFields(clash.updateTeam)).toEqual(['name']);

    const d = await ws.gql(DeleteTeam, { id: t.id });
    expect(d.deleteTeam).toEqual({ __typename: 'DeleteTeamSuccess', data: t.id });
    const { teams } = await ws.gql(Teams, {});
    expect(teams.map((x) => x.name)).toEqual(['West']);
    expect((await listUsers(ws)).totalCount).toBe(4);
    expect((await userById(ws, cy.id))?.teams).toEqual([]);
    const again = await ws.gql(DeleteTeam, { id: t.id });
    expect(again.deleteTeam).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('users filtered by team count only the team’s members', async ({ workspace: ws }) => {
    const ann = await createUser(ws, { name: 'Ann' });
    await createUser(ws, { name: 'Bob' });
    const t = await createTeam(ws, 'Solo', [ann.id]);
    const r = await ws.gql(Users, { filter: { teamIds: [t.id] } });
    expect(r.users.edges.map((e) => e.node.id)).toEqual([ann.id]);
    expect(r.users.totalCount).toBe(1);
  });

  it('searches users literally and answers a malformed team id with VALIDATION_FAILED naming it', async ({ workspace: ws }) => {
    await createUser(ws, { name: 'Under_score' });
    await createUser(ws, { name: 'Underscore' });
    const r = await ws.gql(Users, { filter: { search: 'r_s' } });
    expect(r.users.edges.map((e) => e.node.name)).toEqual(['Under_score']);
    const bad = await ws.raw(Users, { filter: { teamIds: ['nonsense'] } });
    expect(bad.errors?.[0].extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'filter.teamIds[0]', message: 'is not a valid Team id' }],
    });
  });
});

describe('workspace settings', () => {
  it('an administrator changes the settings given and leaves the rest', async ({ workspace: ws }) => {
    const before = (await ws.gql(WorkspaceQ, {})).workspace;
    const r = await ws.gql(UpdateWorkspace, { input: { name: ' Renamed ', timeZone: 'America/New_York', currency: 'eur', phoneRegion: 'us', locale: 'ru' } });
    expect(r.updateWorkspace).toMatchObject({
      __typename: 'UpdateWorkspaceSuccess',
      workspace: { id: before.id, name: 'Renamed', timeZone: 'America/New_York', currency: 'EUR', phoneRegion: 'US', locale: 'ru' },
    });
    const partial = await ws.gql(UpdateWorkspace, { input: { currency: 'KZT' } });
    expect(partial.updateWorkspace).toMatchObject({
      workspace: { name: 'Renamed', timeZone: 'America/New_York', currency: 'KZT', phoneRegion: 'US', locale: 'ru' },
    });
    expect((await ws.gql(WorkspaceQ, {})).workspace).toMatchObject({ name: 'Renamed', currency: 'KZT' });
  });

  it('refuses bad settings, naming each, and changes nothing', async ({ workspace: ws }) => {
    const before = (await ws.gql(WorkspaceQ, {})).workspace;
    const r = await ws.gql(UpdateWorkspace, { input: { name: '', timeZone: 'Europe/Atlantis', currency: 'ABC', phoneRegion: 'QQ' } });
    expect(refusedFields(r.updateWorkspace)).toEqual(['currency', 'name', 'phoneRegion', 'timeZone']);
    const oneBad = await ws.gql(UpdateWorkspace, { input: { name: 'Fine', currency: 'ABC' } });
    expect(refusedFields(oneBad.updateWorkspace)).toEqual(['currency']);
    expect((await ws.gql(WorkspaceQ, {})).workspace).toEqual(before);
  });
});

describe('a member who is not an administrator', () => {
  it('gets ForbiddenError for every admin mutation, and nothing changes', async ({ workspace: ws }) => {
    const member = await ws.member('Plain member');
    const colleague = await createUser(ws, { name: 'Colleague' });
    const team = await createTeam(ws, 'Team', [colleague.id]);
    const { admin } = await roles(ws);
    const key = await ws.gql(CreateApiKey, { name: 'Key', scopes: ['READ'] });
    if (key.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(key.createApiKey));
    const keyId = key.createApiKey.created.apiKey.id;
    await ws.gql(DeactivateUser, { id: colleague.id });

    const usersBefore = await listUsers(ws);
    const teamsBefore = await ws.gql(Teams, {});
    const workspaceBefore = await ws.gql(WorkspaceQ, {});
    const t = member.token;

    const attempts: [string, () => Promise<{ __typename: string }>][] = [
      [
        'createUser',
        () =>
          app
            .as(t)
            .gql(CreateUser, { input: { email: uniqueEmail(), name: 'Friend', password: PASSWORD } })
            .then((r) => r.createUser),
      ],
      [
        'createUser as admin',
        () =>
          app
            .as(t)
            .gql(CreateUser, { input: { email: uniqueEmail(), name: 'Puppet', password: PASSWORD, roleId: admin.id } })
            .then((r) => r.createUser),
      ],
      [
        'updateUser (other)',
        () =>
          app
            .as(t)
            .gql(UpdateUser, { input: { id: ws.admin.id, name: 'Hacked' } })
            .then((r) => r.updateUser),
      ],
      [
        'updateUser (self role)',
        () =>
          app
            .as(t)
            .gql(UpdateUser, { input: { id: member.user.id, roleId: admin.id } })
            .then((r) => r.updateUser),
      ],
      [
        'deactivateUser',
        () =>
          app
            .as(t)
            .gql(DeactivateUser, { id: ws.admin.id })
            .then((r) => r.deactivateUser),
      ],
      [
        'reactivateUser',
        () =>
          app
            .as(t)
            .gql(ReactivateUser, { id: colleague.id })
            .then((r) => r.reactivateUser),
      ],
      [
        'createTeam',
        () =>
          app
            .as(t)
            .gql(CreateTeam, { input: { name: 'Mine', memberIds: [member.user.id] } })
            .then((r) => r.createTeam),
      ],
      [
        'updateTeam',
        () =>
          app
            .as(t)
            .gql(UpdateTeam, { input: { id: team.id, name: 'Taken', memberIds: [member.user.id] } })
            .then((r) => r.updateTeam),
      ],
      [
        'deleteTeam',
        () =>
          app
            .as(t)
            .gql(DeleteTeam, { id: team.id })
            .then((r) => r.deleteTeam),
      ],
      [
        'createApiKey',
        () =>
          app
            .as(t)
            .gql(CreateApiKey, { name: 'Mine', scopes: ['WRITE'] })
            .then((r) => r.createApiKey),
      ],
      [
        'revokeApiKey',
        () =>
          app
            .as(t)
            .gql(RevokeApiKey, { id: keyId })
            .then((r) => r.revokeApiKey),
      ],
      [
        'updateWorkspace',
        () =>
          app
            .as(t)
            .gql(UpdateWorkspace, { input: { name: 'Mine now', currency: 'USD' } })
            .then((r) => r.updateWorkspace),
      ],
    ];
    for (const [name, attempt] of attempts) {
      const result = await attempt();
      expect({ name, typename: result.__typename }).toEqual({ name, typename: 'ForbiddenError' });
      expect(result).toMatchObject({ code: 'FORBIDDEN' });
    }

    expect(await listUsers(ws)).toEqual(usersBefore);
    expect(await ws.gql(Teams, {})).toEqual(teamsBefore);
    expect(await ws.gql(WorkspaceQ, {})).toEqual(workspaceBefore);
    expect((await ws.gql(ApiKeys, {})).apiKeys.map(({ id, revokedAt }) => ({ id, revokedAt }))).toEqual([{ id: keyId, revokedAt: null }]);
    expect((await ws.gql(Me, {})).me.isAdmin).toBe(true);
    // The member can still read the workspace's people and teams.
    expect((await listUsers(member)).totalCount).toBe(usersBefore.totalCount);
    expect((await app.as(t).gql(Teams, {})).teams.map((x) => x.id)).toEqual([team.id]);
  });
});
