// Record rights (the start of SPEC §6): roles give each card type and action a scope — NONE,
// OWN, TEAM or ALL — and the card services apply it on lists, counts, node lookups, the timeline,
// creates, updates, deletes and restores. The matrix runs every card type × action × scope as a
// member whose role is changed between runs, against cards that are the member's own, a
// teammate's and an outsider's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { as } from './kit/results.js';
import { graphql } from './gql/index.js';
import type { RightScope, RoleRightInput } from './gql/graphql.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const CreateRole = graphql(`
  mutation RgCreateRole($name: String!, $rights: [RoleRightInput!]!) {
    createRole(name: $name, rights: $rights) { __typename ... on CreateRoleSuccess { role { id rights { entityType action scope } } } ... on Error { code message } }
  }
`);
const UpdateRole = graphql(`
  mutation RgUpdateRole($id: ID!, $rights: [RoleRightInput!]) {
    updateRole(id: $id, rights: $rights) { __typename ... on Error { code message } }
  }
`);
const DeleteRole = graphql(`
  mutation RgDeleteRole($id: ID!) { deleteRole(id: $id) { __typename ... on Error { code message } } }
`);
const AssignRole = graphql(`
  mutation RgAssignRole($userId: ID!, $roleId: ID!) { assignRole(userId: $userId, roleId: $roleId) { __typename ... on Error { code message } } }
`);
const CreateTeam = graphql(`
  mutation RgCreateTeam($input: CreateTeamInput!) { createTeam(input: $input) { __typename } }
`);
const Cards = graphql(`
  query RgCards {
    deals(first: 50) { totalCount edges { node { id name } } }
    contacts(first: 50) { totalCount edges { node { id name } } }
    companies(first: 50) { totalCount edges { node { id name } } }
  }
`);
const Node = graphql(`
  query RgNode($id: ID!) { node(id: $id) { __typename id } }
`);
const Timeline = graphql(`
  query RgTimeline($cardId: ID!) { timeline(cardId: $cardId, first: 5) { edges { node { kind } } } }
`);
const CreateDeal = graphql(`
  mutation RgCreateDeal($input: CreateDealInput!) { createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id version } } ... on Error { code } } }
`);
const CreateContact = graphql(`
  mutation RgCreateContact($input: CreateContactInput!) { createContact(input: $input) { __typename ... on CreateContactSuccess { contact { id version } } ... on Error { code } } }
`);
const CreateCompany = graphql(`
  mutation RgCreateCompany($input: CreateCompanyInput!) { createCompany(input: $input) { __typename ... on CreateCompanySuccess { company { id version } } ... on Error { code } } }
`);
const UpdateDeal = graphql(`
  mutation RgUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { __typename ... on Error { code } } }
`);
const UpdateContact = graphql(`
  mutation RgUpdateContact($input: UpdateContactInput!) { updateContact(input: $input) { __typename ... on Error { code } } }
`);
const UpdateCompany = graphql(`
  mutation RgUpdateCompany($input: UpdateCompanyInput!) { updateCompany(input: $input) { __typename ... on Error { code } } }
`);
const Delete = graphql(`
  mutation RgDelete($deal: ID!, $contact: ID!, $company: ID!, $d: Boolean!, $c: Boolean!, $o: Boolean!) {
    deleteDeal(id: $deal) @include(if: $d) { __typename ... on Error { code } }
    deleteContact(id: $contact) @include(if: $c) { __typename ... on Error { code } }
    deleteCompany(id: $company) @include(if: $o) { __typename ... on Error { code } }
  }
`);
const Restore = graphql(`
  mutation RgRestore($deal: ID!, $contact: ID!, $company: ID!, $d: Boolean!, $c: Boolean!, $o: Boolean!) {
    restoreDeal(id: $deal) @include(if: $d) { __typename ... on Error { code } }
    restoreContact(id: $contact) @include(if: $c) { __typename ... on Error { code } }
    restoreCompany(id: $company) @include(if: $o) { __typename ... on Error { code } }
  }
`);

const CreateTask = graphql(`
  mutation RgMxCreateTask($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on CreateTaskSuccess { task { id version } } } }
`);
const UpdateTask = graphql(`
  mutation RgMxUpdateTask($input: UpdateTaskInput!) { updateTask(input: $input) { __typename } }
`);
const TimelineSearch = graphql(`
  query RgTimelineSearch($cardId: ID!, $search: String) {
    timeline(cardId: $cardId, first: 20, filter: { search: $search }) { edges { node { id kind } } }
  }
`);
const ContactNames = graphql(`
  query RgContactNames($filter: ContactFilter) { contacts(first: 50, filter: $filter) { edges { node { name } } } }
`);
const DealNames = graphql(`
  query RgDealNames($filter: DealFilter) { deals(first: 50, filter: $filter) { edges { node { name } } } }
`);
const LinkDeal = graphql(`
  mutation RgLinkDeal($input: CreateDealInput!) {
    createDeal(input: $input) { __typename ... on ValidationError { fields { field message } } }
  }
`);
const TaskList = graphql(`
  query RgMxTasks { tasks(first: 50) { totalCount edges { node { id text } } } }
`);

type Kind = 'DEAL' | 'CONTACT' | 'COMPANY';
const KINDS: Kind[] = ['DEAL', 'CONTACT', 'COMPANY'];
const SCOPES: RightScope[] = ['NONE', 'OWN', 'TEAM', 'ALL'];
type Whose = 'own' | 'team' | 'other';
const WHOSE: Whose[] = ['own', 'team', 'other'];
/** Which cards each scope covers. */
const COVERS: Record<RightScope, Whose[]> = { NONE: [], OWN: ['own'], TEAM: ['own', 'team'], ALL: ['own', 'team', 'other'] };

const everything = (scope: RightScope): RoleRightInput[] =>
  [...KINDS, 'TASK' as const].flatMap((entityType) => (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope })));

describe('record rights by scope', () => {
  let ws: Workspace;
  let tester: Awaited<ReturnType<Workspace['member']>>;
  let teammate: Awaited<ReturnType<Workspace['member']>>;
  let outsider: Awaited<ReturnType<Workspace['member']>>;
  let roleId: string;
  // cards[kind][whose] = { id, name }
  const cards = {} as Record<Kind, Record<Whose, { id: string; name: string; version: number }>>;
  let cases = 0;

  beforeAll(async () => {
    ws = await signUpWorkspace(app);
    tester = await ws.member('Tester');
    teammate = await ws.member('Teammate');
    outsider = await ws.member('Outsider');
    await app.ok(CreateTeam, { input: { name: 'Sales', memberIds: [tester.user.id, teammate.user.id] } }, ws.token);
    await app.ok(CreateTeam, { input: { name: 'Others', memberIds: [outsider.user.id] } }, ws.token);
    const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
    for (const kind of KINDS) {
      cards[kind] = {} as Record<Whose, { id: string; name: string; version: number }>;
      for (const whose of WHOSE) {
        const name = `${kind} ${whose}`;
        const input = { name, responsibleId: owner[whose] };
        const id =
          kind === 'DEAL'
            ? as((await app.ok(CreateDeal, { input }, ws.token)).createDeal, 'CreateDealSuccess').deal.id
            : kind === 'CONTACT'
              ? as((await app.ok(CreateContact, { input }, ws.token)).createContact, 'CreateContactSuccess').contact.id
              : as((await app.ok(CreateCompany, { input }, ws.token)).createCompany, 'CreateCompanySuccess').company.id;
        cards[kind][whose] = { id, name, version: 1 };
      }
    }
    const r = as((await app.ok(CreateRole, { name: 'Tester role', rights: everything('ALL') }, ws.token)).createRole, 'CreateRoleSuccess').role;
    roleId = r.id;
    expect((await app.ok(AssignRole, { userId: tester.user.id, roleId }, ws.token)).assignRole.__typename).toBe('AssignRoleSuccess');
  });

  afterAll(() => {
    console.log(
      `record rights matrix: ${cases} cases (3 card types × 4 scopes × view, node, timeline, create, edit, delete, restore over own / team / other cards; ` +
        `each of create, edit, delete alone × 4 scopes × own / team / other with the card visible; tasks: view, create, edit × 4 scopes × own / team / other)`,
    );
  });

  async function setScope(kind: Kind, scope: RightScope) {
    // The scope under test on one card type; the others keep ALL.
    const rights = everything('ALL').map((r) => (r.entityType === kind ? { ...r, scope } : r));
    expect((await app.ok(UpdateRole, { id: roleId, rights }, ws.token)).updateRole.__typename).toBe('UpdateRoleSuccess');
  }

  const listOf = async (kind: Kind) => {
    const r = await app.ok(Cards, {}, tester.token);
    const c = kind === 'DEAL' ? r.deals : kind === 'CONTACT' ? r.contacts : r.companies;
    expect(c.totalCount).toBe(c.edges.length);
    // The cards the matrix watches (those the tester creates along the way are left out).
    return c.edges.map((e) => e.node.name).filter((n) => n.startsWith(kind) && !n.includes(' new ')).sort();
  };

  for (const kind of KINDS) {
    for (const scope of SCOPES) {
      it(`${kind} with ${scope}: sees, creates, changes and deletes exactly what the scope covers`, async () => {
        await setScope(kind, scope);
        const covered = COVERS[scope];
        // View: lists and counts, node(id), the timeline.
        expect(await listOf(kind)).toEqual(covered.map((w) => `${kind} ${w}`).sort());
        for (const whose of WHOSE) {
          const card = cards[kind][whose];
          const node = (await app.ok(Node, { id: card.id }, tester.token)).node;
          expect(node?.id ?? null, `${whose} node`).toBe(covered.includes(whose) ? card.id : null);
          const tl = await app.gql(Timeline, { cardId: card.id }, tester.token);
          if (covered.includes(whose)) expect(tl.errors, `${whose} timeline`).toBeUndefined();
          else expect(tl.errors?.[0].extensions?.code, `${whose} timeline`).toBe('NOT_FOUND');
          cases += 2;
        }
        // Create, for oneself, a teammate and an outsider.
        const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
        for (const whose of WHOSE) {
          const input = { name: `${kind} new ${scope} ${whose}`, responsibleId: owner[whose] };
          const r =
            kind === 'DEAL'
              ? (await app.ok(CreateDeal, { input }, tester.token)).createDeal
              : kind === 'CONTACT'
                ? (await app.ok(CreateContact, { input }, tester.token)).createContact
                : (await app.ok(CreateCompany, { input }, tester.token)).createCompany;
          expect(r.__typename, `create for ${whose}`).toBe(covered.includes(whose) ? `Create${kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company'}Success` : 'ForbiddenError');
          cases++;
        }
        // Edit: covered cards change; the others are not found (they cannot be seen either).
        for (const whose of WHOSE) {
          const card = cards[kind][whose];
          const input = { id: card.id, version: card.version, name: `${kind} ${whose}` };
          const r =
            kind === 'DEAL'
              ? (await app.ok(UpdateDeal, { input }, tester.token)).updateDeal
              : kind === 'CONTACT'
                ? (await app.ok(UpdateContact, { input }, tester.token)).updateContact
                : (await app.ok(UpdateCompany, { input }, tester.token)).updateCompany;
          expect(r.__typename, `edit ${whose}`).toBe(covered.includes(whose) ? `Update${kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company'}Success` : 'NotFoundError');
          if (covered.includes(whose)) card.version++;
          cases++;
        }
        // Delete and restore.
        for (const whose of WHOSE) {
          const ids = { deal: cards.DEAL[whose].id, contact: cards.CONTACT[whose].id, company: cards.COMPANY[whose].id, d: kind === 'DEAL', c: kind === 'CONTACT', o: kind === 'COMPANY' };
          const del = await app.ok(Delete, ids, tester.token);
          const result = del.deleteDeal ?? del.deleteContact ?? del.deleteCompany;
          expect(result?.__typename.endsWith('Success') ? 'ok' : result?.__typename, `delete ${whose}`).toBe(covered.includes(whose) ? 'ok' : 'NotFoundError');
          if (covered.includes(whose)) {
            const res = await app.ok(Restore, ids, tester.token);
            expect((res.restoreDeal ?? res.restoreContact ?? res.restoreCompany)?.__typename.endsWith('Success'), `restore ${whose}`).toBe(true);
            // Both moves bump the version.
            cards[kind][whose].version += 2;
          }
          cases += 2;
        }
      });
    }
  }

  it('a visible card outside the EDIT or DELETE scope answers ForbiddenError and stays as it was', async () => {
    await setScope('DEAL', 'ALL');
    const rights = everything('ALL').map((r) => (r.entityType === 'DEAL' && (r.action === 'EDIT' || r.action === 'DELETE') ? { ...r, scope: 'OWN' as const } : r));
    await app.ok(UpdateRole, { id: roleId, rights }, ws.token);
    const other = cards.DEAL.other;
    const edit = (await app.ok(UpdateDeal, { input: { id: other.id, version: other.version, name: 'Hijacked' } }, tester.token)).updateDeal;
    expect(edit).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const del = await app.ok(Delete, { deal: other.id, contact: other.id, company: other.id, d: true, c: false, o: false }, tester.token);
    expect(del.deleteDeal).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await listOf('DEAL'))).toContain('DEAL other');
    expect((await app.ok(Cards, {}, ws.token)).deals.edges.map((e) => e.node.name)).not.toContain('Hijacked');
  });
  // Each action alone: the role sees every card (VIEW ALL) and has the scope under test for one
  // action, so the cards outside it are visible yet refused with ForbiddenError, unchanged.
  for (const kind of KINDS) {
    for (const action of ['CREATE', 'EDIT', 'DELETE'] as const) {
      for (const scope of SCOPES) {
        it(`${kind} ${action} alone with ${scope}, the cards visible: allowed exactly where the scope covers, refused unchanged elsewhere`, async () => {
          const rights = everything('ALL').map((r) => (r.entityType === kind && r.action === action ? { ...r, scope } : r));
          expect((await app.ok(UpdateRole, { id: roleId, rights }, ws.token)).updateRole.__typename).toBe('UpdateRoleSuccess');
          const covered = COVERS[scope];
          const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
          const Type = kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company';
          for (const whose of WHOSE) {
            const card = cards[kind][whose];
            let r: { __typename: string } | null | undefined;
            if (action === 'CREATE') {
              const input = { name: `${kind} new alone ${scope} ${whose}`, responsibleId: owner[whose] };
              r = kind === 'DEAL' ? (await app.ok(CreateDeal, { input }, tester.token)).createDeal
                : kind === 'CONTACT' ? (await app.ok(CreateContact, { input }, tester.token)).createContact
                : (await app.ok(CreateCompany, { input }, tester.token)).createCompany;
            } else if (action === 'EDIT') {
              const input = { id: card.id, version: card.version, name: `${kind} ${whose}` };
              r = kind === 'DEAL' ? (await app.ok(UpdateDeal, { input }, tester.token)).updateDeal
                : kind === 'CONTACT' ? (await app.ok(UpdateContact, { input }, tester.token)).updateContact
                : (await app.ok(UpdateCompany, { input }, tester.token)).updateCompany;
              if (covered.includes(whose)) card.version++;
            } else {
              const ids = { deal: cards.DEAL[whose].id, contact: cards.CONTACT[whose].id, company: cards.COMPANY[whose].id, d: kind === 'DEAL', c: kind === 'CONTACT', o: kind === 'COMPANY' };
              const del = await app.ok(Delete, ids, tester.token);
              r = del.deleteDeal ?? del.deleteContact ?? del.deleteCompany;
              if (covered.includes(whose)) {
                await app.ok(Restore, ids, tester.token);
                card.version += 2;
              }
            }
            const verb = action === 'CREATE' ? 'Create' : action === 'EDIT' ? 'Update' : 'Delete';
            expect(r?.__typename, `${action} ${whose}`).toBe(covered.includes(whose) ? `${verb}${Type}Success` : 'ForbiddenError');
            cases++;
          }
          // Whatever was refused left every card as it was: all still listed, live, at the version known.
          const listed = await listOf(kind);
          expect(listed).toEqual(WHOSE.map((w) => `${kind} ${w}`).sort());
          for (const whose of WHOSE) {
            const card = cards[kind][whose];
            const input = { id: card.id, version: card.version + 100, name: 'stale' };
            const stale = kind === 'DEAL' ? (await app.ok(UpdateDeal, { input }, ws.token)).updateDeal
              : kind === 'CONTACT' ? (await app.ok(UpdateContact, { input }, ws.token)).updateContact
              : (await app.ok(UpdateCompany, { input }, ws.token)).updateCompany;
            // A conflict naming the version proves no refused write bumped it.
            expect(stale).toMatchObject({ __typename: 'ConflictError' });
          }
        });
      }
    }
  }

  it('TASK: view, create and edit × every scope over own / team / other tasks', async () => {
    const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
    const dueAt = new Date(Date.now() + 86_400_000).toISOString();
    const tasks = {} as Record<Whose, { id: string; version: number }>;
    for (const whose of WHOSE) {
      const r = (await app.ok(CreateTask, { input: { cardId: cards.DEAL.other.id, type: 'CALL', text: `task ${whose}`, dueAt, responsibleId: owner[whose] } }, ws.token)).createTask;
      if (r.__typename !== 'CreateTaskSuccess') throw new Error(r.__typename);
      tasks[whose] = r.task;
    }
    const set = async (action: 'VIEW' | 'CREATE' | 'EDIT', scope: RightScope) => {
      const rights = everything('ALL').map((r) => (r.entityType === 'TASK' && r.action === action ? { ...r, scope } : r));
      await app.ok(UpdateRole, { id: roleId, rights }, ws.token);
    };
    for (const scope of SCOPES) {
      const covered = COVERS[scope];
      await set('VIEW', scope);
      const seen = (await app.ok(TaskList, {}, tester.token)).tasks.edges.map((e) => e.node.text).filter((t) => /^task (own|team|other)$/.test(t)).sort();
      expect(seen, `VIEW ${scope}`).toEqual(covered.map((w) => `task ${w}`).sort());
      cases += 3;
      await set('CREATE', scope);
      for (const whose of WHOSE) {
        const r = (await app.ok(CreateTask, { input: { cardId: cards.DEAL.own.id, type: 'CALL', text: `new ${scope} ${whose}`, dueAt, responsibleId: owner[whose] } }, tester.token)).createTask;
        expect(r.__typename, `CREATE ${scope} ${whose}`).toBe(covered.includes(whose) ? 'CreateTaskSuccess' : 'ForbiddenError');
        cases++;
      }
      await set('EDIT', scope);
      for (const whose of WHOSE) {
        const t = tasks[whose];
        const r = (await app.ok(UpdateTask, { input: { id: t.id, version: t.version, text: `task ${whose}` } }, tester.token)).updateTask;
        expect(r.__typename, `EDIT ${scope} ${whose}`).toBe(covered.includes(whose) ? 'UpdateTaskSuccess' : 'ForbiddenError');
        if (covered.includes(whose)) t.version++;
        cases++;
      }
    }
  });
});

describe('role management', () => {
  it('administrators create, change and delete roles; a role in use or the administrator role cannot be deleted; members cannot', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member();
    const r = as((await app.ok(CreateRole, { name: 'Viewer', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'TEAM' }] }, ws.token)).createRole, 'CreateRoleSuccess').role;
    // Rights not given are NONE.
    expect(r.rights.find((x) => x.entityType === 'DEAL' && x.action === 'VIEW')?.scope).toBe('TEAM');
    expect(r.rights.filter((x) => x.scope === 'NONE')).toHaveLength(r.rights.length - 1);
    expect((await app.ok(CreateRole, { name: 'viewer', rights: [] }, ws.token)).createRole).toMatchObject({ __typename: 'ValidationError' });
    expect((await app.ok(CreateRole, { name: 'Twice', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }, { entityType: 'DEAL', action: 'VIEW', scope: 'OWN' }] }, ws.token)).createRole).toMatchObject({ __typename: 'ValidationError' });
    expect((await app.ok(CreateRole, { name: 'Sneaky', rights: [] }, member.token)).createRole).toMatchObject({ __typename: 'ForbiddenError' });
    await app.ok(AssignRole, { userId: member.user.id, roleId: r.id }, ws.token);
    expect((await app.ok(DeleteRole, { id: r.id }, ws.token)).deleteRole).toMatchObject({ __typename: 'ValidationError' });
    // A scope outside the enum is refused by the schema.
    const bad = await app.gql(CreateRole, { name: 'Bad', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'SOME' as RightScope }] }, ws.token);
    expect(bad.errors?.length).toBeGreaterThan(0);
  });
});

describe('rights on what hangs off a card', () => {
  const DealView = graphql(`
    query RgDealView($id: ID!) {
      node(id: $id) { ... on Deal { id name company { name } contacts { name } } }
    }
  `);
  const CompanyView = graphql(`
    query RgCompanyView($id: ID!) {
      node(id: $id) { ... on Company { id deals { name } contacts { name } } }
    }
  `);
  const AddNote = graphql(`
    mutation RgAddNote($input: AddNoteInput!) { addNote(input: $input) { __typename ... on Error { code } } }
  `);
  const CreateTask = graphql(`
    mutation RgCreateTask($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on Error { code } } }
  `);
  const Tasks = graphql(`
    query RgTasks { tasks(first: 20) { totalCount edges { node { text } } } }
  `);

  it('a visible card shows only the contacts, company, deals and tasks the role lets the user see; adding to a card needs the right to edit it', async () => {
    const ws = await signUpWorkspace(app);
    const tester = await ws.member('Tester');
    const outsider = await ws.member('Outsider');
    const mine = as((await app.ok(CreateContact, { input: { name: 'My contact', responsibleId: tester.user.id } }, ws.token)).createContact, 'CreateContactSuccess').contact;
    const theirs = as((await app.ok(CreateContact, { input: { name: 'Their contact', responsibleId: outsider.user.id } }, ws.token)).createContact, 'CreateContactSuccess').contact;
    const company = as((await app.ok(CreateCompany, { input: { name: 'Their company', responsibleId: outsider.user.id } }, ws.token)).createCompany, 'CreateCompanySuccess').company;
    const deal = as(
      (await app.ok(CreateDeal, { input: { name: 'Shared deal', responsibleId: outsider.user.id, companyId: company.id, contactIds: [mine.id, theirs.id] } }, ws.token)).createDeal,
      'CreateDealSuccess',
    ).deal;
    const own = as((await app.ok(CreateDeal, { input: { name: 'My deal', responsibleId: tester.user.id, companyId: company.id } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    await app.ok(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'Outsider task', dueAt: new Date(Date.now() + 3_600_000).toISOString(), responsibleId: outsider.user.id } }, ws.token);
    await app.ok(CreateTask, { input: { cardId: own.id, type: 'CALL', text: 'My task', dueAt: new Date(Date.now() + 3_600_000).toISOString(), responsibleId: tester.user.id } }, ws.token);

    // Deals: see all, change only one's own; contacts and companies: one's own only; tasks: one's own.
    const rights = everything('ALL').map((r) => {
      if (r.entityType === 'DEAL' && r.action === 'EDIT') return { ...r, scope: 'OWN' as const };
      if ((r.entityType === 'CONTACT' || r.entityType === 'COMPANY' || r.entityType === 'TASK') && r.action === 'VIEW') return { ...r, scope: 'OWN' as const };
      return r;
    });
    const role = as((await app.ok(CreateRole, { name: 'Narrow', rights }, ws.token)).createRole, 'CreateRoleSuccess').role;
    await app.ok(AssignRole, { userId: tester.user.id, roleId: role.id }, ws.token);

    const seen = (await app.ok(DealView, { id: deal.id }, tester.token)).node;
    expect(seen).toEqual({ id: deal.id, name: 'Shared deal', company: null, contacts: [{ name: 'My contact' }] });
    // The administrator still sees everything.
    expect((await app.ok(DealView, { id: deal.id }, ws.token)).node).toMatchObject({ company: { name: 'Their company' }, contacts: [{ name: 'My contact' }, { name: 'Their contact' }] });
    // An invisible company is not found at all, its deals and contacts with it.
    expect((await app.ok(CompanyView, { id: company.id }, tester.token)).node).toBeNull();

    const t = (await app.ok(Tasks, {}, tester.token)).tasks;
    expect(t.edges.map((e) => e.node.text)).toEqual(['My task']);
    expect(t.totalCount).toBe(1);

    expect((await app.ok(AddNote, { input: { cardId: deal.id, text: 'Sneaky' } }, tester.token)).addNote).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await app.ok(AddNote, { input: { cardId: own.id, text: 'Mine' } }, tester.token)).addNote.__typename).toBe('AddNoteSuccess');
    expect((await app.ok(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'x', dueAt: new Date().toISOString() } }, tester.token)).createTask).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await app.ok(AddNote, { input: { cardId: theirs.id, text: 'Hidden' } }, tester.token)).addNote).toMatchObject({ __typename: 'NotFoundError' });

    // The timeline of the visible deal leaves out the task outside TASK VIEW, in lists, search and by id.
    const entries = async (cardId: string, token: string, search?: string) =>
      (await app.ok(TimelineSearch, { cardId, search }, token)).timeline.edges.map((e) => [e.node.kind, e.node.id] as const);
    const taskEntry = (await entries(deal.id, ws.token)).find(([k]) => k === 'TASK_CREATED')![1];
    expect((await entries(deal.id, tester.token)).map(([k]) => k)).toEqual(['CARD_CREATED']);
    expect(await entries(deal.id, tester.token, 'Outsider')).toEqual([]);
    expect((await entries(deal.id, ws.token, 'Outsider')).map(([k]) => k)).toEqual(['TASK_CREATED']);
    expect((await app.ok(Node, { id: taskEntry }, tester.token)).node).toBeNull();
    expect((await entries(own.id, tester.token)).map(([k]) => k)).toEqual(['NOTE', 'TASK_CREATED', 'CARD_CREATED']);

    // Filters count only the tasks, companies and contacts the role lets the user see.
    const names = async (filter: Record<string, unknown>, token = tester.token) =>
      (await app.ok(DealNames, { filter: filter as never }, token)).deals.edges.map((e) => e.node.name).sort();
    expect(await names({ hasOpenTask: true })).toEqual(['My deal']);
    expect(await names({ hasOpenTask: false })).toEqual(['Shared deal']);
    expect(await names({ hasOpenTask: true }, ws.token)).toEqual(['My deal', 'Shared deal']);
    expect(await names({ companyIds: [company.id] })).toEqual([]);
    expect(await names({ contactIds: [theirs.id] })).toEqual([]);
    expect(await names({ contactIds: [mine.id] })).toEqual(['Shared deal']);
    expect(await names({ companyIds: [company.id] }, ws.token)).toEqual(['My deal', 'Shared deal']);
    expect(await names({ contactIds: [theirs.id] }, ws.token)).toEqual(['Shared deal']);
    // A contact of hers at the invisible company is not found by filtering on that company.
    await app.ok(CreateContact, { input: { name: 'Mine at theirs', responsibleId: tester.user.id, companyId: company.id } }, ws.token);
    const contactNames = async (token: string) =>
      (await app.ok(ContactNames, { filter: { companyIds: [company.id] } }, token)).contacts.edges.map((e) => e.node.name);
    expect(await contactNames(tester.token)).toEqual([]);
    expect(await contactNames(ws.token)).toEqual(['Mine at theirs']);

    // Linking a card to one the user may not see is refused as for an id that does not exist.
    const made_up = Buffer.from('Contact:0192f7a0-0000-7000-8000-000000000000').toString('base64');
    const link = async (input: Record<string, unknown>) => (await app.ok(LinkDeal, { input: { name: 'Linked', ...input } as never }, tester.token)).createDeal;
    expect(await link({ contactIds: [theirs.id] })).toEqual(await link({ contactIds: [made_up] }));
    expect(await link({ contactIds: [theirs.id], companyId: company.id })).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'companyId', message: 'no such company' }, { field: 'contactIds[0]', message: 'no such contact' }],
    });
    // Rewriting a deal's links changes only those the user sees: hidden ones stay.
    const linked = as(
      (await app.ok(CreateDeal, { input: { name: 'Linked', responsibleId: tester.user.id, companyId: company.id, contactIds: [theirs.id, mine.id] } }, ws.token)).createDeal,
      'CreateDealSuccess',
    ).deal;
    expect((await app.ok(DealView, { id: linked.id }, tester.token)).node).toMatchObject({ company: null, contacts: [{ name: 'My contact' }] });
    expect((await app.ok(UpdateDeal, { input: { id: linked.id, version: linked.version, contactIds: [], companyId: null } }, tester.token)).updateDeal.__typename).toBe('UpdateDealSuccess');
    expect((await app.ok(DealView, { id: linked.id }, ws.token)).node).toMatchObject({ company: { name: 'Their company' }, contacts: [{ name: 'Their contact' }] });
    expect((await app.ok(DealView, { id: linked.id }, tester.token)).node).toMatchObject({ company: null, contacts: [] });
  });
});

describe('handing a card or task to another responsible', () => {
  const Whose = graphql(`
    query RgWhose($id: ID!) {
      node(id: $id) { ... on Deal { version responsible { id } } ... on Contact { version responsible { id } } ... on Company { version responsible { id } } }
    }
  `);
  const TaskWhose = graphql(`
    query RgTaskWhose($id: ID!) { node(id: $id) { ... on Task { version responsible { id } } } }
  `);

  it('needs the new responsible within the EDIT scope: OWN keeps cards and tasks, TEAM hands within the team; nothing changes when refused', async () => {
    const ws = await signUpWorkspace(app);
    const tester = await ws.member('Tester');
    const mate = await ws.member('Mate');
    const outsider = await ws.member('Outsider');
    await app.ok(CreateTeam, { input: { name: 'Sales', memberIds: [tester.user.id, mate.user.id] } }, ws.token);
    const role = as((await app.ok(CreateRole, { name: 'Own edits', rights: everything('ALL').map((r) => (r.action === 'EDIT' ? { ...r, scope: 'OWN' as const } : r)) }, ws.token)).createRole, 'CreateRoleSuccess').role;
    await app.ok(AssignRole, { userId: tester.user.id, roleId: role.id }, ws.token);

    const mine = { responsibleId: tester.user.id };
    const deal = as((await app.ok(CreateDeal, { input: { name: 'D', ...mine } }, tester.token)).createDeal, 'CreateDealSuccess').deal;
    const contact = as((await app.ok(CreateContact, { input: { name: 'C', ...mine } }, tester.token)).createContact, 'CreateContactSuccess').contact;
    const company = as((await app.ok(CreateCompany, { input: { name: 'O', ...mine } }, tester.token)).createCompany, 'CreateCompanySuccess').company;
    const task = as(
      (await app.ok(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'T', dueAt: new Date(Date.now() + 3_600_000).toISOString(), ...mine } }, tester.token)).createTask,
      'CreateTaskSuccess',
    ).task;
    const hand = async (to: string) => [
      (await app.ok(UpdateDeal, { input: { id: deal.id, version: deal.version, responsibleId: to } }, tester.token)).updateDeal.__typename,
      (await app.ok(UpdateContact, { input: { id: contact.id, version: contact.version, responsibleId: to } }, tester.token)).updateContact.__typename,
      (await app.ok(UpdateCompany, { input: { id: company.id, version: company.version, responsibleId: to } }, tester.token)).updateCompany.__typename,
      (await app.ok(UpdateTask, { input: { id: task.id, version: task.version, responsibleId: to } }, tester.token)).updateTask.__typename,
    ];
    const state = async () => [
      ...(await Promise.all([deal, contact, company].map(async (c) => (await app.ok(Whose, { id: c.id }, ws.token)).node))),
      (await app.ok(TaskWhose, { id: task.id }, ws.token)).node,
    ];
    const before = await state();
    expect(before.every((x) => (x as { responsible: { id: string } }).responsible.id === tester.user.id)).toBe(true);

    expect(await hand(outsider.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    expect(await hand(mate.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    // An unknown user is a ValidationError naming the field, not a question of rights.
    expect(await hand(Buffer.from('User:0192f7a0-0000-7000-8000-000000000000').toString('base64'))).toEqual(['ValidationError', 'ValidationError', 'ValidationError', 'ValidationError']);
    expect(await state()).toEqual(before);

    // With TEAM scope the same user hands them to a teammate, and still not outside the team.
    await app.ok(UpdateRole, { id: role.id, rights: everything('ALL').map((r) => (r.action === 'EDIT' ? { ...r, scope: 'TEAM' as const } : r)) }, ws.token);
    expect(await hand(outsider.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    expect(await state()).toEqual(before);
    expect(await hand(mate.user.id)).toEqual(['UpdateDealSuccess', 'UpdateContactSuccess', 'UpdateCompanySuccess', 'UpdateTaskSuccess']);
    expect((await state()).map((x) => (x as { responsible: { id: string } }).responsible.id)).toEqual([mate.user.id, mate.user.id, mate.user.id, mate.user.id]);
  });
});

describe('audit of rights', () => {
  const Audit = graphql(`
    query RgAudit { auditLog(first: 20) { edges { node { id action actorId subjectId before after } } } }
  `);
  const UpdateUser = graphql(`
    mutation RgUpdateUser($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }
  `);
  const CreateTeamId = graphql(`
    mutation RgCreateTeamId($input: CreateTeamInput!) { createTeam(input: $input) { __typename ... on CreateTeamSuccess { team { id } } } }
  `);

  it('logs who changed roles and role and team assignments, before → after, for administrators only', async () => {
    const ws = await signUpWorkspace(app);
    const member = await ws.member();
    const role = as((await app.ok(CreateRole, { name: 'Auditor', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'OWN' }] }, ws.token)).createRole, 'CreateRoleSuccess').role;
    await app.ok(UpdateRole, { id: role.id, rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] }, ws.token);
    await app.ok(AssignRole, { userId: member.user.id, roleId: role.id }, ws.token);
    const team = as((await app.ok(CreateTeamId, { input: { name: 'North' } }, ws.token)).createTeam, 'CreateTeamSuccess').team;
    await app.ok(UpdateUser, { input: { id: member.user.id, teamIds: [team.id] } }, ws.token);
    // A refused change leaves no entry.
    await app.ok(DeleteRole, { id: role.id }, ws.token);

    const entries = (await app.ok(Audit, {}, ws.token)).auditLog.edges.map((e) => e.node);
    expect(entries.map((e) => e.action)).toEqual(['USER_TEAMS_CHANGED', 'USER_ROLE_CHANGED', 'ROLE_UPDATED', 'ROLE_CREATED']);
    expect(entries.every((e) => e.actorId === ws.admin.id)).toBe(true);
    const updated = entries[2];
    expect(updated.subjectId).toBe(role.id);
    expect(JSON.parse(updated.before!).rights).toEqual({ DEAL: { VIEW: 'OWN' } });
    expect(JSON.parse(updated.after!).rights).toEqual({ DEAL: { VIEW: 'ALL' } });
    expect(entries[0]).toMatchObject({ subjectId: member.user.id, before: JSON.stringify({ teamIds: [] }) });
    const r = await app.gql(Audit, {}, member.token);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Nor can a member read an entry by its id.
    expect((await app.ok(Node, { id: entries[0].id }, member.token)).node).toBeNull();
    expect((await app.ok(Node, { id: entries[0].id }, ws.token)).node).toEqual({ __typename: 'AuditEntry', id: entries[0].id });
  });
});
