// Signing up, signing in and out, sessions, login rate limits, password storage and API keys,
// all through the public API. Failed logins always name a made-up client address (the app
// trusts X-Forwarded-For here), so they never count against an address other files share.
import type { ExecutionResult } from 'graphql';
import { describe, expect, testWith, type TestApp } from './kit/fixtures.js';
import { uniqueEmail, uniqueIp } from './kit/app.js';
import { PASSWORD } from './kit/workspace.js';
import { CreateDeal, Deals as DealCount } from './kit/documents/deals.js';
import { CreateContact } from './kit/documents/contacts.js';
import { Node } from './kit/documents/cards.js';
import { Pipelines } from './kit/documents/pipelines.js';
import { ChangePassword, Login, Logout, SignUp, UpdateWorkspace, WorkspaceQuery } from './kit/documents/auth.js';
import { ApiKeys, CreateApiKey, CreateUser, DeactivateUser, Me, RevokeApiKey, Users } from './kit/documents/users.js';
import type { SignUpInput as SignUpInputT } from './gql/graphql.js';

// The app trusts X-Forwarded-For here, so failed logins count against made-up addresses.
const it = testWith({ TRUST_PROXY: 'true' });
let app: TestApp;
it.beforeAll(({ app: fileApp }) => {
  app = fileApp;
});

// Helpers

/** What a new workspace's administrator finds: the workspace, its pipelines and its people. */
async function overview(token: string) {
  const c = app.as(token);
  const [{ workspace }, { pipelines }, { users }] = await Promise.all([c.gql(WorkspaceQuery, {}), c.gql(Pipelines, {}), c.gql(Users, {})]);
  return { workspace, pipelines, users };
}

function signUpInput(over: Partial<SignUpInputT> = {}): SignUpInputT {
  return {
    workspaceName: 'Acme',
    name: 'Owner',
    email: uniqueEmail('owner'),
    password: PASSWORD,
    locale: 'en' as const,
    ...over,
  };
}

/** A documentation-range address no other test file uses. */
function login(email: string, password: string, ip = uniqueIp()) {
  return app.as().raw(Login, { input: { email, password } }, { 'x-forwarded-for': ip });
}

function errorCode(r: ExecutionResult<unknown>) {
  return r.errors?.[0]?.extensions?.code;
}

/** The names of the fields a ValidationError result refuses, sorted. */
function refusedFields(result: { __typename: string } & object): string[] {
  expect(result.__typename).toBe('ValidationError');
  const fields = (result as { fields?: { field: string }[] }).fields ?? [];
  return fields.map((f) => f.field).sort();
}

async function expectUnauthenticated(token: string | undefined) {
  const r = await app.as(token).raw(Me, {});
  expect(r.data ?? null).toBeNull();
  expect(errorCode(r)).toBe('UNAUTHENTICATED');
}

describe('signUp', () => {
  it('creates a workspace with the settings given and its admin, and signs them in', async () => {
    const email = uniqueEmail('Founder').replace('founder', 'FoUnDer');
    const r = await app.as().gql(SignUp, {
      input: signUpInput({
        workspaceName: '  Globex  ',
        name: 'Hank',
        email: `  ${email}  `,
        timeZone: 'Asia/Yekaterinburg',
        currency: 'usd',
        phoneRegion: 'de',
      }),
    });
    expect(r.signUp.__typename).toBe('SignUpSuccess');
    if (r.signUp.__typename !== 'SignUpSuccess') return;
    const s = r.signUp.session;
    expect(s.token).toMatch(/^crm_s_/);
    expect(new Date(s.expiresAt).getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000);
    expect(s.user).toMatchObject({ email: email.toLowerCase(), name: 'Hank', isAdmin: true, active: true, role: { isAdmin: true } });
    expect(s.workspace).toMatchObject({
      name: 'Globex',
      locale: 'en',
      timeZone: 'Asia/Yekaterinburg',
      currency: 'USD',
      phoneRegion: 'DE',
    });

    // The token works, and the workspace is ready to use.
    const me = await app.as(s.token).gql(Me, {});
    expect(me.me).toMatchObject({ id: s.user.id, isAdmin: true });
    const w = await overview(s.token);
    expect(w.workspace).toEqual(s.workspace);
    expect(w.pipelines).toHaveLength(1);
    const kinds = w.pipelines[0].stages.map((x) => x.kind);
    expect(kinds).toContain('OPEN');
    expect(kinds).toContain('WON');
    expect(kinds).toContain('LOST');
    expect(w.users.totalCount).toBe(1);
    expect(w.users.edges.map((e) => e.node.id)).toEqual([s.user.id]);

    // The settings take effect: deals default to the currency, local phones to the region.
    const d = await app.as(s.token).gql(CreateDeal, { input: { name: 'First deal' } });
    expect(d.createDeal).toMatchObject({ __typename: 'CreateDealSuccess', deal: { currency: 'USD', createdBy: { id: s.user.id } } });
    const c = await app.as(s.token).gql(CreateContact, { input: { name: 'Local', phones: ['030 1234567'] } });
    expect(c.createContact).toMatchObject({ __typename: 'CreateContactSuccess', contact: { phones: [{ e164: '+49301234567', country: 'DE' }] } });
  });

  it('gives a workspace Russian defaults when no settings are given', async () => {
    const r = await app.as().gql(SignUp, {
      input: { workspaceName: 'Ромашка', name: 'Иван', email: uniqueEmail('ivan'), password: PASSWORD },
    });
    if (r.signUp.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(r.signUp));
    expect(r.signUp.session.workspace).toMatchObject({ locale: 'ru', timeZone: 'Europe/Moscow', currency: 'RUB', phoneRegion: 'RU' });
    const w = await overview(r.signUp.session.token);
    expect(w.pipelines[0].name).toBe('Воронка продаж');
  });

  it('refuses an e-mail already registered, whatever its case, and creates nothing', async () => {
    const email = uniqueEmail('taken');
    const first = await app.as().gql(SignUp, { input: signUpInput({ email }) });
    if (first.signUp.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(first.signUp));

    const again = await app.as().gql(SignUp, {
      input: signUpInput({ email: ` ${email.toUpperCase()} `, password: 'another password 123', workspaceName: 'Copycat' }),
    });
    expect(refusedFields(again.signUp)).toEqual(['email']);

    // The first account is untouched: its password still works, the second one does not.
    const ok = await login(email, PASSWORD);
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.login.workspace.id).toBe(first.signUp.session.workspace.id);
    expect(errorCode(await login(email, 'another password 123'))).toBe('UNAUTHENTICATED');
  });

  it('refuses the same e-mail sent twice at once: one account, one clear error', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all([
      app.as().raw(SignUp, { input: signUpInput({ email, workspaceName: 'One' }) }),
      app.as().raw(SignUp, { input: signUpInput({ email, workspaceName: 'Two' }) }),
    ]);
    for (const r of results) expect(r.errors).toBeUndefined();
    const kinds = results.map((r) => r.data!.signUp.__typename).sort();
    expect(kinds).toEqual(['SignUpSuccess', 'ValidationError']);
    const refused = results.find((r) => r.data!.signUp.__typename === 'ValidationError')!;
    expect(refusedFields(refused.data!.signUp)).toEqual(['email']);
  });

  it.each([
    ['email', { email: 'not-an-email' }],
    ['password', { password: 'short' }],
    ['currency', { currency: 'XYZ' }],
    ['timeZone', { timeZone: 'Mars/Olympus_Mons' }],
    ['phoneRegion', { phoneRegion: 'ZZ' }],
    ['workspaceName', { workspaceName: '   ' }],
    ['name', { name: '' }],
  ])('refuses a bad %s with a ValidationError naming it, and creates nothing', async (field, bad) => {
    const email = uniqueEmail('bad');
    const r = await app.as().gql(SignUp, { input: signUpInput({ email, ...bad }) });
    expect(refusedFields(r.signUp)).toEqual([field]);
    // No account was made with that e-mail: logging in fails, and signing up with it works.
    expect(errorCode(await login(email, (bad as { password?: string }).password ?? PASSWORD))).toBe('UNAUTHENTICATED');
    const retry = await app.as().gql(SignUp, { input: signUpInput({ email }) });
    expect(retry.signUp.__typename).toBe('SignUpSuccess');
  });

  it('names every bad field at once', async () => {
    const r = await app.as().gql(SignUp, {
      input: {
        workspaceName: '',
        name: 'Someone',
        email: 'nope@',
        password: '1234567',
        currency: 'DOLLARS',
        timeZone: 'Nowhere/Land',
        phoneRegion: 'XX',
      },
    });
    expect(refusedFields(r.signUp)).toEqual(['currency', 'email', 'password', 'phoneRegion', 'timeZone', 'workspaceName']);
  });
});

describe('login and sessions', () => {
  it('signs in with the e-mail in any case and gives a new working token', async ({ workspace: ws }) => {
    const r = await login(`  ${ws.email.toUpperCase()} `, PASSWORD);
    expect(r.errors).toBeUndefined();
    const s = r.data!.login;
    expect(s.token).toMatch(/^crm_s_/);
    expect(s.token).not.toBe(ws.token);
    expect({ id: s.user.id, email: s.user.email }).toEqual({ id: ws.admin.id, email: ws.email });
    expect(s.workspace.id).toBe(ws.workspaceId);
    const me = await app.as(s.token).gql(Me, {});
    expect(me.me.id).toBe(ws.admin.id);
  });

  it('refuses a wrong password and an unknown e-mail alike, with UNAUTHENTICATED', async ({ workspace: ws }) => {
    const wrong = await login(ws.email, `${PASSWORD}!`);
    expect(wrong.data ?? null).toBeNull();
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    const unknown = await login(uniqueEmail('nobody'), PASSWORD);
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    // Same answer either way, so the API does not tell which e-mails are registered.
    expect(unknown.errors?.[0].message).toBe(wrong.errors?.[0].message);
  });

  it('refuses requests with no token, a made-up token or a logged-out token, queries and mutations alike', async ({ workspace: ws }) => {
    const loggedOut = (await login(ws.email, PASSWORD)).data!.login.token;
    expect((await app.as(loggedOut).gql(Logout, {})).logout).toBe(true);

    for (const token of [undefined, 'garbage', 'crm_s_thisIsNotARealSessionToken', 'crm_k_norAnApiKey', loggedOut]) {
      await expectUnauthenticated(token);
      const m = await app.as(token).raw(CreateDeal, { input: { name: 'Sneaky' } });
      expect(m.data ?? null).toBeNull();
      expect(errorCode(m)).toBe('UNAUTHENTICATED');
      const out = await app.as(token).raw(Logout, {});
      expect(errorCode(out)).toBe('UNAUTHENTICATED');
    }
    // None of the refused mutations created anything.
    const deals = await ws.gql(DealCount, {});
    expect(deals.deals.totalCount).toBe(0);
  });

  it('logout ends only the session it was sent with', async ({ workspace: ws }) => {
    const a = (await login(ws.email, PASSWORD)).data!.login.token;
    const b = (await login(ws.email, PASSWORD)).data!.login.token;
    expect((await app.as(a).gql(Logout, {})).logout).toBe(true);
    await expectUnauthenticated(a);
    expect((await app.as(b).gql(Me, {})).me.id).toBe(ws.admin.id);
    expect((await ws.gql(Me, {})).me.id).toBe(ws.admin.id);
    // Logging out twice is refused: the session is already over.
    expect(errorCode(await app.as(a).raw(Logout, {}))).toBe('UNAUTHENTICATED');
  });

  it('reads a session once, then serves it from memory until a settings change of its workspace, which the next request sees', async ({ workspace: ws }) => {
    const sessionReads = () => app.queries.filter((q) => q.includes('from "Session"')).length;
    const amountIn = async (name: string) => {
      const r = await ws.gql(CreateDeal, { input: { name, amount: '10' } });
      if (r.createDeal.__typename !== 'CreateDealSuccess') throw new Error(JSON.stringify(r.createDeal));
      return r.createDeal.deal.currency;
    };
    const before = (await ws.gql(WorkspaceQuery, {})).workspace.currency;
    const after = before === 'EUR' ? 'USD' : 'EUR';
    app.queries.length = 0;
    expect((await ws.gql(Me, {})).me.id).toBe(ws.admin.id);
    expect(await amountIn('Kept')).toBe(before);
    expect(sessionReads()).toBe(0);
    // The workspace's currency is part of its viewers (a new deal's default): the change's very
    // next request reads the session again and has it.
    expect((await ws.gql(UpdateWorkspace, { input: { currency: after } })).updateWorkspace.__typename).toBe('UpdateWorkspaceSuccess');
    app.queries.length = 0;
    expect(await amountIn('After the change')).toBe(after);
    expect(sessionReads()).toBe(1);
  });

  it('refuses an expired session', async () => {
    // Sessions of this app (on the same database) last half an hour.
    const halfHour = await app.variant({ SESSION_TTL_HOURS: '0.5' });
    try {
      const input = signUpInput();
      const r = await halfHour.as().gql(SignUp, { input });
      if (r.signUp.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(r.signUp));
      const { token, expiresAt } = r.signUp.session;
      expect(Math.abs(new Date(expiresAt).getTime() - Date.now() - 1_800_000)).toBeLessThan(60_000);
      expect((await halfHour.as(token).gql(Me, {})).me.isAdmin).toBe(true);
      // The half hour goes by: the session's times are moved back by it and a second (rather
      // than the test waiting for it).
      const moved = await app.database.prisma.$executeRaw`update "Session" set
        "createdAt" = "createdAt" - interval '1801 seconds', "expiresAt" = "expiresAt" - interval '1801 seconds'
        where "userId" = (select "id" from "User" where "email" = ${input.email.toLowerCase()})`;
      expect(moved).toBe(1);
      // The app keeps a token's row for a few seconds (lib/settings-epochs.ts) and checks the
      // expiry it holds on every use; times moved in the database are no change it hears of.
      halfHour.deps.epochs.forgetKept();
      const late = await halfHour.as(token).raw(Me, {});
      expect(late.data ?? null).toBeNull();
      expect(late.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const m = await halfHour.as(token).raw(CreateDeal, { input: { name: 'Too late' } });
      expect(m.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await halfHour.stop();
    }
  });

  it('stores passwords as argon2id hashes and session tokens only hashed', async ({ workspace: ws }) => {
    const member = await ws.member();
    const db = app.database.prisma;
    for (const email of [ws.email, member.email]) {
      const row = await db.user.findUniqueOrThrow({ where: { email } });
      expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      expect(Number(/m=(\d+)/.exec(row.passwordHash)![1])).toBeGreaterThanOrEqual(19456);
      expect(row.passwordHash).not.toContain(PASSWORD);
    }
    const admin = await db.user.findUniqueOrThrow({ where: { email: ws.email } });
    const sessions = await db.session.findMany({ where: { userId: admin.id } });
    expect(sessions.length).toBeGreaterThan(0);
    const stored = JSON.stringify(sessions);
    expect(stored).not.toContain(ws.token);
    expect(stored).not.toContain(ws.token.slice('crm_s_'.length));
  });

  it('changePassword checks the current password and ends every other session', async ({ workspace: ws }) => {
    const here = (await login(ws.email, PASSWORD)).data!.login.token;
    const elsewhere = (await login(ws.email, PASSWORD)).data!.login.token;
    const next = 'a brand new passphrase';

    const wrong = await app.as(here).gql(ChangePassword, { currentPassword: 'not my password', newPassword: next });
    expect(refusedFields(wrong.changePassword)).toEqual(['currentPassword']);
    const weak = await app.as(here).gql(ChangePassword, { currentPassword: PASSWORD, newPassword: 'short' });
    expect(refusedFields(weak.changePassword)).toEqual(['newPassword']);
    // Refused attempts changed nothing.
    expect((await app.as(elsewhere).gql(Me, {})).me.id).toBe(ws.admin.id);
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();

    const ok = await app.as(here).gql(ChangePassword, { currentPassword: PASSWORD, newPassword: next });
    expect(ok.changePassword).toEqual({ __typename: 'ChangePasswordSuccess', data: true });
    expect((await app.as(here).gql(Me, {})).me.id).toBe(ws.admin.id);
    await expectUnauthenticated(elsewhere);
    await expectUnauthenticated(ws.token);
    expect(errorCode(await login(ws.email, PASSWORD))).toBe('UNAUTHENTICATED');
    expect((await login(ws.email, next)).errors).toBeUndefined();
  });
});

describe('changePassword rate limit', () => {
  it('refuses the 11th check of the current password in 15 minutes, even the right one, so a stolen token cannot guess it', async ({ workspace: ws }) => {
    for (let i = 0; i < 10; i++) {
      const r = await ws.gql(ChangePassword, { currentPassword: `guess ${i}`, newPassword: 'a new long password 1' });
      expect(r.changePassword.__typename).toBe('ValidationError');
    }
    const locked = await ws.raw(ChangePassword, { currentPassword: PASSWORD, newPassword: 'a new long password 1' });
    expect(locked.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    // The password did not change: it still signs in.
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();
  });
});

describe('login rate limits', () => {
  it('locks an account after 10 failures, even for the right password, whatever the address', async ({ workspace: ws, signUp }) => {
    for (let i = 0; i < 10; i++) {
      // The e-mail's case does not make a separate account bucket.
      const r = await login(i % 2 ? ws.email.toUpperCase() : ws.email, `wrong ${i}`);
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    }
    const locked = await login(ws.email, PASSWORD);
    expect(locked.data ?? null).toBeNull();
    expect(locked.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    const retryAfter = locked.errors?.[0].extensions?.retryAfter;
    expect(typeof retryAfter).toBe('number');
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Wrong passwords are refused the same way while locked, without a hint.
    expect(errorCode(await login(ws.email, 'wrong again'))).toBe('RATE_LIMITED');

    // Sessions already open keep working, and other accounts can still sign in.
    expect((await ws.gql(Me, {})).me.id).toBe(ws.admin.id);
    const other = await signUp();
    expect((await login(other.email, PASSWORD)).errors).toBeUndefined();
  });

  it('keeps an account locked 15 minutes from its first failure, and no longer (the stored window moved back, no waiting)', async ({ workspace: ws }) => {
    for (let i = 0; i < 10; i++) expect(errorCode(await login(ws.email, `wrong ${i}`))).toBe('UNAUTHENTICATED');
    const locked = await login(ws.email, PASSWORD);
    expect(errorCode(locked)).toBe('RATE_LIMITED');
    expect(locked.errors?.[0].extensions?.retryAfter).toBeGreaterThan(14 * 60);
    const key = `login:account:${ws.email.toLowerCase()}`;
    const earlier = (seconds: number) =>
      app.database.prisma.$executeRaw`update "RateLimitBucket" set "windowStart" = "windowStart" - make_interval(secs => ${seconds}) where "key" = ${key}`;
    await earlier(14 * 60);
    const later = await login(ws.email, PASSWORD);
    expect(errorCode(later)).toBe('RATE_LIMITED');
    expect(later.errors?.[0].extensions?.retryAfter).toBeLessThanOrEqual(60);
    await earlier(61);
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();
  });

  it('counts failures sent all at once: no more than 10 guesses are checked', async ({ workspace: ws }) => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => login(ws.email, `parallel guess ${i}`)));
    const codes = results.map(errorCode);
    expect(codes.every((c) => c === 'UNAUTHENTICATED' || c === 'RATE_LIMITED')).toBe(true);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(10);
    expect(errorCode(await login(ws.email, PASSWORD))).toBe('RATE_LIMITED');
  });

  it('forgets earlier failures after a successful login', async ({ workspace: ws }) => {
    for (let i = 0; i < 9; i++) expect(errorCode(await login(ws.email, `wrong ${i}`))).toBe('UNAUTHENTICATED');
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();
    for (let i = 0; i < 9; i++) expect(errorCode(await login(ws.email, `wrong ${i}`))).toBe('UNAUTHENTICATED');
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();
  });

  it('locks an address after 50 failures across accounts, and only that address', async ({ workspace: ws }) => {
    const ip = uniqueIp();
    for (let i = 0; i < 50; i++) {
      const r = await login(uniqueEmail('guess'), 'guessing', ip);
      expect(errorCode(r)).toBe('UNAUTHENTICATED');
    }
    const blocked = await login(ws.email, PASSWORD, ip);
    expect(blocked.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(blocked.errors?.[0].extensions?.retryAfter).toBeGreaterThan(0);
    // The client's address is the hop our proxy wrote, the right-most: whatever the client put
    // before it (a forged address) does not make it someone else.
    expect(errorCode(await login(ws.email, PASSWORD, `${uniqueIp()}, ${ip}`))).toBe('RATE_LIMITED');
    expect(errorCode(await login(ws.email, PASSWORD, `10.0.0.1, 10.0.0.2, ${ip}`))).toBe('RATE_LIMITED');
    const elsewhere = await login(ws.email, PASSWORD, uniqueIp());
    expect(elsewhere.errors).toBeUndefined();
    expect(elsewhere.data?.login.user.id).toBe(ws.admin.id);
  });

  it('counts only failures against an address: people signing in from one office are not locked out', async ({ workspace: ws }) => {
    const ip = uniqueIp();
    for (let i = 0; i < 45; i++) expect(errorCode(await login(uniqueEmail('typo'), 'oops', ip))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 10; i++) expect((await login(ws.email, PASSWORD, ip)).errors).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(errorCode(await login(uniqueEmail('typo'), 'oops', ip))).toBe('UNAUTHENTICATED');
    // Fifty failures now: the address is locked.
    expect(errorCode(await login(ws.email, PASSWORD, ip))).toBe('RATE_LIMITED');
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set, so a forged header cannot dodge the limit', async () => {
    // An app of its own (on the same database) that does not trust the header: this test uses
    // up the budget of the one address all its requests come from, and no other app has it.
    const direct = await app.variant({});
    try {
      const r = await direct.as().gql(SignUp, { input: signUpInput() });
      if (r.signUp.__typename !== 'SignUpSuccess') throw new Error(JSON.stringify(r.signUp));
      const email = r.signUp.session.user.email;
      const send = (e: string, p: string) => direct.as().raw(Login, { input: { email: e, password: p } }, { 'x-forwarded-for': uniqueIp() });
      for (let i = 0; i < 50; i++) expect((await send(uniqueEmail('guess'), 'guessing')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await send(email, PASSWORD)).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    } finally {
      await direct.stop();
    }
  });
});

describe('sign-up and account probing', () => {
  it('answers a deactivated account exactly as a wrong password, so a right guess is not confirmed', async ({ workspace: ws }) => {
    const member = await ws.member('Leaver');
    await ws.gql(DeactivateUser, { id: member.user.id });
    const right = await login(member.email, PASSWORD);
    const wrong = await login(member.email, 'not the password');
    expect(right.data ?? null).toBeNull();
    expect(errorCode(right)).toBe('UNAUTHENTICATED');
    expect(right.errors?.[0].message).toBe(wrong.errors?.[0].message);
    expect(right.errors?.[0].extensions).toEqual(wrong.errors?.[0].extensions);
  });

  it('accepts SIGNUP_LIMIT_PER_HOUR sign-ups from one address in an hour, then RATE_LIMITED without creating anything', async () => {
    const limited = await app.variant({ TRUST_PROXY: 'true', SIGNUP_LIMIT_PER_HOUR: '3' });
    try {
      const ip = uniqueIp();
      const send = (input: SignUpInputT, from = ip) => limited.as().raw(SignUp, { input }, { 'x-forwarded-for': from });
      const first = await send(signUpInput());
      expect(first.data?.signUp.__typename).toBe('SignUpSuccess');
      const email = (first.data?.signUp as { session: { user: { email: string } } }).session.user.email;
      // A refused sign-up (the e-mail is taken: the answer an enumeration wants) counts too.
      const taken = await send(signUpInput({ email }));
      expect(taken.data?.signUp.__typename).toBe('ValidationError');
      expect((await send(signUpInput())).data?.signUp.__typename).toBe('SignUpSuccess');

      const fresh = uniqueEmail('late');
      const refused = await send(signUpInput({ email: fresh }));
      expect(errorCode(refused)).toBe('RATE_LIMITED');
      expect(refused.errors?.[0].extensions?.retryAfter).toBeGreaterThan(0);
      // Nor does it tell a taken e-mail apart any longer.
      expect(errorCode(await send(signUpInput({ email })))).toBe('RATE_LIMITED');
      // Nothing was created for the refused one: it can still sign up from elsewhere.
      const elsewhere = await send(signUpInput({ email: fresh }), uniqueIp());
      expect(elsewhere.data?.signUp.__typename).toBe('SignUpSuccess');
    } finally {
      await limited.stop();
    }
  });

  it("limits an administrator's createUser answers that an e-mail belongs to another workspace; its own people do not count", async ({
    workspace: ws,
    signUp,
  }) => {
    const others = await Promise.all(Array.from({ length: 11 }, () => signUp()));
    const own = await ws.member('Colleague');
    const create = (email: string) => ws.raw(CreateUser, { input: { name: 'Probe', email, password: PASSWORD } });
    for (let i = 0; i < 12; i++) {
      const r = await create(own.email);
      expect(r.data?.createUser.__typename).toBe('ValidationError');
    }
    for (const other of others.slice(0, 10)) expect((await create(other.email)).data?.createUser.__typename).toBe('ValidationError');
    const probed = await create(others[10].email);
    expect(errorCode(probed)).toBe('RATE_LIMITED');
    // Creating people with new addresses goes on.
    const fresh = await create(uniqueEmail('hire'));
    expect(fresh.data?.createUser.__typename).toBe('CreateUserSuccess');
  });
});

describe('API keys', () => {
  it('shows the secret once and stores only its hash', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateApiKey, { name: 'Telephony', scopes: ['READ', 'WRITE', 'READ'] });
    if (r.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(r.createApiKey));
    const { key, apiKey } = r.createApiKey.created;
    expect(key).toMatch(/^crm_k_.{30,}$/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.prefix.length).toBeLessThan(key.length - 20);
    expect(apiKey).toMatchObject({ name: 'Telephony', revokedAt: null, lastUsedAt: null, user: { id: ws.admin.id } });
    expect([...apiKey.scopes].sort()).toEqual(['READ', 'WRITE']);

    const listed = await ws.gql(ApiKeys, {});
    expect(listed.apiKeys).toEqual([expect.objectContaining({ id: apiKey.id, name: 'Telephony', prefix: apiKey.prefix, revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);
    // Only administrators find a key by its id, as only they list keys.
    expect((await ws.gql(Node, { id: apiKey.id })).node).toEqual({ __typename: 'ApiKey', id: apiKey.id });
    expect((await app.as((await ws.member()).token).gql(Node, { id: apiKey.id })).node).toBeNull();

    const rows = await app.database.prisma.apiKey.findMany({ where: { workspaceId: ws.workspaceId } });
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(apiKey.prefix.length));
  });

  it('a key cannot mint another key, which would outlive its own revocation', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateApiKey, { name: 'Integration', scopes: ['READ', 'WRITE'] });
    if (r.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(r.createApiKey));
    const minted = await app.as(r.createApiKey.created.key).gql(CreateApiKey, { name: 'Offspring', scopes: ['WRITE'] });
    expect(minted.createApiKey.__typename).toBe('ForbiddenError');
    expect((await ws.gql(ApiKeys, {})).apiKeys.map((k) => k.name)).toEqual(['Integration']);
  });

  it('a READ key can query but not change anything', async ({ workspace: ws }) => {
    await ws.gql(CreateDeal, { input: { name: 'Existing' } });
    const r = await ws.gql(CreateApiKey, { name: 'Dashboard', scopes: ['READ'] });
    if (r.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(r.createApiKey));
    const { key, apiKey } = r.createApiKey.created;

    expect((await app.as(key).gql(Me, {})).me.id).toBe(ws.admin.id);
    const read = await app.as(key).gql(DealCount, {});
    expect(read.deals.edges.map((e) => e.node.name)).toEqual(['Existing']);

    const write = await app.as(key).raw(CreateDeal, { input: { name: 'Not allowed' } });
    expect(write.data ?? null).toBeNull();
    expect(errorCode(write)).toBe('FORBIDDEN');
    // Nor may it mint itself a stronger key or change the password.
    expect(errorCode(await app.as(key).raw(CreateApiKey, { name: 'Escalate', scopes: ['WRITE'] }))).toBe('FORBIDDEN');
    expect(errorCode(await app.as(key).raw(ChangePassword, { currentPassword: PASSWORD, newPassword: 'taken over!!' }))).toBe('FORBIDDEN');

    const after = await ws.gql(DealCount, {});
    expect(after.deals.totalCount).toBe(1);
    const keys = await ws.gql(ApiKeys, {});
    expect(keys.apiKeys).toHaveLength(1);
    expect(keys.apiKeys[0].id).toBe(apiKey.id);
    expect(keys.apiKeys[0].lastUsedAt).not.toBeNull();
    expect((await login(ws.email, PASSWORD)).errors).toBeUndefined();
  });

  it('a WRITE key can create a deal, acting as its user', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateApiKey, { name: 'Forms', scopes: ['WRITE'] });
    if (r.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(r.createApiKey));
    const { key } = r.createApiKey.created;
    const d = await app.as(key).gql(CreateDeal, { input: { name: 'From the website' } });
    expect(d.createDeal).toMatchObject({
      __typename: 'CreateDealSuccess',
      deal: { name: 'From the website', createdBy: { id: ws.admin.id }, responsible: { id: ws.admin.id } },
    });
    const list = await ws.gql(DealCount, {});
    expect(list.deals.edges.map((e) => e.node.name)).toEqual(['From the website']);
    // A key has no session to log out of; it keeps working until revoked.
    expect((await app.as(key).gql(Logout, {})).logout).toBe(false);
    expect((await app.as(key).gql(Me, {})).me.id).toBe(ws.admin.id);
  });

  it('a revoked key is refused at once; other keys keep working', async ({ workspace: ws }) => {
    const make = async (name: string) => {
      const r = await ws.gql(CreateApiKey, { name, scopes: ['WRITE'] });
      if (r.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(r.createApiKey));
      return r.createApiKey.created;
    };
    const one = await make('One');
    const two = await make('Two');
    expect((await app.as(one.key).gql(Me, {})).me.id).toBe(ws.admin.id);

    const rv = await ws.gql(RevokeApiKey, { id: one.apiKey.id });
    expect(rv.revokeApiKey).toMatchObject({ __typename: 'RevokeApiKeySuccess', apiKey: { id: one.apiKey.id } });
    if (rv.revokeApiKey.__typename === 'RevokeApiKeySuccess') expect(rv.revokeApiKey.apiKey.revokedAt).not.toBeNull();

    await expectUnauthenticated(one.key);
    const m = await app.as(one.key).raw(CreateDeal, { input: { name: 'After revoking' } });
    expect(errorCode(m)).toBe('UNAUTHENTICATED');
    expect((await app.as(two.key).gql(Me, {})).me.id).toBe(ws.admin.id);
    const keys = await ws.gql(ApiKeys, {});
    expect(keys.apiKeys.find((k) => k.id === one.apiKey.id)?.revokedAt).not.toBeNull();
    expect(keys.apiKeys.find((k) => k.id === two.apiKey.id)?.revokedAt).toBeNull();
    expect((await ws.gql(DealCount, {})).deals.totalCount).toBe(0);
  });

  it('only administrators create, list or revoke keys', async ({ workspace: ws }) => {
    const member = await ws.member();
    const made = await ws.gql(CreateApiKey, { name: 'Admin key', scopes: ['READ'] });
    if (made.createApiKey.__typename !== 'CreateApiKeySuccess') throw new Error(JSON.stringify(made.createApiKey));

    const c = await member.gql(CreateApiKey, { name: 'Mine', scopes: ['WRITE'] });
    expect(c.createApiKey).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const rv = await member.gql(RevokeApiKey, { id: made.createApiKey.created.apiKey.id });
    expect(rv.revokeApiKey).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const list = await member.raw(ApiKeys, {});
    expect(list.data ?? null).toBeNull();
    expect(errorCode(list)).toBe('FORBIDDEN');

    // Nothing changed: one key, still working.
    const keys = await ws.gql(ApiKeys, {});
    expect(keys.apiKeys.map((k) => [k.name, k.revokedAt])).toEqual([['Admin key', null]]);
    expect((await app.as(made.createApiKey.created.key).gql(Me, {})).me.id).toBe(ws.admin.id);
  });

  it('refuses a key with no scope or no name', async ({ workspace: ws }) => {
    const r = await ws.gql(CreateApiKey, { name: ' ', scopes: [] });
    expect(refusedFields(r.createApiKey)).toEqual(['name', 'scopes']);
    expect((await ws.gql(ApiKeys, {})).apiKeys).toEqual([]);
  });
});
