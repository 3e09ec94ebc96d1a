// Record rights (the start of SPEC §6): roles give each card type and action a scope — NONE,
// OWN, TEAM or ALL — and the card services apply it on lists, counts, node lookups, the timeline,
// creates, updates, deletes and restores. The matrix runs every card type × action × scope as a
// member whose role is changed between runs, against cards that are the member's own, a
// teammate's and an outsider's.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { as, rawId } from './kit/results.js';
import { createCompany, createContact, createDeal, readCompany, readContact, readDeal } from './kit/cards.js';
import { CreateDeal, Deals, DeleteDeal, RestoreDeal, UpdateDeal } from './kit/documents/deals.js';
import { Contacts, CreateContact, DeleteContact, RestoreContact, UpdateContact } from './kit/documents/contacts.js';
import { Companies, CompanyNode, CreateCompany, DeleteCompany, RestoreCompany, UpdateCompany } from './kit/documents/companies.js';
import { Node } from './kit/documents/cards.js';
import { AssignRole, AuditLog, CreateRole, CreateTeam, DeleteRole, Roles, UpdateRole, UpdateUser } from './kit/documents/users.js';
import { AddNote, Timeline } from './kit/documents/timeline.js';
import { CreateTask, TaskNode, Tasks, UpdateTask } from './kit/documents/tasks.js';
import type { CreateDealInput, DealFilter, RightScope, RoleRightInput } from './gql/graphql.js';

type Kind = 'DEAL' | 'CONTACT' | 'COMPANY';
const KINDS: Kind[] = ['DEAL', 'CONTACT', 'COMPANY'];
const SCOPES: RightScope[] = ['NONE', 'OWN', 'TEAM', 'ALL'];
type Whose = 'own' | 'team' | 'other';
const WHOSE: Whose[] = ['own', 'team', 'other'];
/** Which cards each scope covers. */
const COVERS: Record<RightScope, Whose[]> = { NONE: [], OWN: ['own'], TEAM: ['own', 'team'], ALL: ['own', 'team', 'other'] };

const everything = (scope: RightScope): RoleRightInput[] =>
  [...KINDS, 'TASK' as const].flatMap((entityType) =>
    (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope })),
  );

/** The card writes the matrix sends, by card type. */
const write = {
  create: async (c: Client, kind: Kind, input: { name: string; responsibleId?: string }) =>
    kind === 'DEAL'
      ? (await c.gql(CreateDeal, { input })).createDeal
      : kind === 'CONTACT'
        ? (await c.gql(CreateContact, { input })).createContact
        : (await c.gql(CreateCompany, { input })).createCompany,
  update: async (c: Client, kind: Kind, input: { id: string; version: number; name: string }) =>
    kind === 'DEAL'
      ? (await c.gql(UpdateDeal, { input })).updateDeal
      : kind === 'CONTACT'
        ? (await c.gql(UpdateContact, { input })).updateContact
        : (await c.gql(UpdateCompany, { input })).updateCompany,
  trash: async (c: Client, kind: Kind, id: string) =>
    kind === 'DEAL'
      ? (await c.gql(DeleteDeal, { id })).deleteDeal
      : kind === 'CONTACT'
        ? (await c.gql(DeleteContact, { id })).deleteContact
        : (await c.gql(DeleteCompany, { id })).deleteCompany,
  restore: async (c: Client, kind: Kind, id: string) =>
    kind === 'DEAL'
      ? (await c.gql(RestoreDeal, { id })).restoreDeal
      : kind === 'CONTACT'
        ? (await c.gql(RestoreContact, { id })).restoreContact
        : (await c.gql(RestoreCompany, { id })).restoreCompany,
};

/** The first 50 cards of a type a client lists, and how many there are. */
async function cardsOf(c: Client, kind: Kind) {
  return kind === 'DEAL'
    ? (await c.gql(Deals, { first: 50 })).deals
    : kind === 'CONTACT'
      ? (await c.gql(Contacts, { first: 50 })).contacts
      : (await c.gql(Companies, { first: 50 })).companies;
}

describe('record rights by scope', () => {
  let ws: Workspace;
  let tester: Member;
  let teammate: Member;
  let outsider: Member;
  let roleId: string;
  // cards[kind][whose] = { id, name }
  const cards = {} as Record<Kind, Record<Whose, { id: string; name: string; version: number }>>;
  let cases = 0;

  test.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    tester = await ws.member('Tester');
    teammate = await ws.member('Teammate');
    outsider = await ws.member('Outsider');
    await ws.gql(CreateTeam, { input: { name: 'Sales', memberIds: [tester.user.id, teammate.user.id] } });
    await ws.gql(CreateTeam, { input: { name: 'Others', memberIds: [outsider.user.id] } });
    const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
    for (const kind of KINDS) {
      cards[kind] = {} as Record<Whose, { id: string; name: string; version: number }>;
      for (const whose of WHOSE) {
        const name = `${kind} ${whose}`;
        const input = { name, responsibleId: owner[whose] };
        const id =
          kind === 'DEAL' ? (await createDeal(ws, input)).id : kind === 'CONTACT' ? (await createContact(ws, input)).id : (await createCompany(ws, input)).id;
        cards[kind][whose] = { id, name, version: 1 };
      }
    }
    const r = as((await ws.gql(CreateRole, { name: 'Tester role', rights: everything('ALL') })).createRole, 'CreateRoleSuccess').role;
    roleId = r.id;
    expect((await ws.gql(AssignRole, { userId: tester.user.id, roleId })).assignRole.__typename).toBe('AssignRoleSuccess');
  });

  test.afterAll(() => {
    console.log(
      `record rights matrix: ${cases} cases (3 card types × 4 scopes × view, node, timeline, create, edit, delete, restore over own / team / other cards; ` +
        `each of create, edit, delete alone × 4 scopes × own / team / other with the card visible; tasks: view, create, edit × 4 scopes × own / team / other)`,
    );
  });

  async function setScope(kind: Kind, scope: RightScope) {
    // The scope under test on one card type; the others keep ALL.
    const rights = everything('ALL').map((r) => (r.entityType === kind ? { ...r, scope } : r));
    expect((await ws.gql(UpdateRole, { id: roleId, rights })).updateRole.__typename).toBe('UpdateRoleSuccess');
  }

  const listOf = async (kind: Kind) => {
    const c = await cardsOf(tester, kind);
    expect(c.totalCount).toBe(c.edges.length);
    // The cards the matrix watches (those the tester creates along the way are left out).
    return c.edges
      .map((e) => e.node.name)
      .filter((n) => n.startsWith(kind) && !n.includes(' new '))
      .sort();
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
          const node = (await tester.gql(Node, { id: card.id })).node;
          expect(node?.id ?? null, `${whose} node`).toBe(covered.includes(whose) ? card.id : null);
          const tl = await tester.raw(Timeline, { cardId: card.id, first: 5 });
          if (covered.includes(whose)) expect(tl.errors, `${whose} timeline`).toBeUndefined();
          else expect(tl.errors?.[0].extensions?.code, `${whose} timeline`).toBe('NOT_FOUND');
          cases += 2;
        }
        // Create, for oneself, a teammate and an outsider.
        const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
        for (const whose of WHOSE) {
          const input = { name: `${kind} new ${scope} ${whose}`, responsibleId: owner[whose] };
          const r = await write.create(tester, kind, input);
          expect(r.__typename, `create for ${whose}`).toBe(
            covered.includes(whose) ? `Create${kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company'}Success` : 'ForbiddenError',
          );
          cases++;
        }
        // Edit: covered cards change; the others are not found (they cannot be seen either).
        for (const whose of WHOSE) {
          const card = cards[kind][whose];
          const input = { id: card.id, version: card.version, name: `${kind} ${whose}` };
          const r = await write.update(tester, kind, input);
          expect(r.__typename, `edit ${whose}`).toBe(
            covered.includes(whose) ? `Update${kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company'}Success` : 'NotFoundError',
          );
          if (covered.includes(whose)) card.version++;
          cases++;
        }
        // Delete and restore.
        for (const whose of WHOSE) {
          const result = await write.trash(tester, kind, cards[kind][whose].id);
          expect(result.__typename.endsWith('Success') ? 'ok' : result.__typename, `delete ${whose}`).toBe(covered.includes(whose) ? 'ok' : 'NotFoundError');
          if (covered.includes(whose)) {
            const res = await write.restore(tester, kind, cards[kind][whose].id);
            expect(res.__typename.endsWith('Success'), `restore ${whose}`).toBe(true);
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
    const rights = everything('ALL').map((r) =>
      r.entityType === 'DEAL' && (r.action === 'EDIT' || r.action === 'DELETE') ? { ...r, scope: 'OWN' as const } : r,
    );
    await ws.gql(UpdateRole, { id: roleId, rights });
    const other = cards.DEAL.other;
    const edit = (await tester.gql(UpdateDeal, { input: { id: other.id, version: other.version, name: 'Hijacked' } })).updateDeal;
    expect(edit).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const del = await write.trash(tester, 'DEAL', other.id);
    expect(del).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await listOf('DEAL')).toContain('DEAL other');
    expect((await cardsOf(ws, 'DEAL')).edges.map((e) => e.node.name)).not.toContain('Hijacked');
  });
  // Each action alone: the role sees every card (VIEW ALL) and has the scope under test for one
  // action, so the cards outside it are visible yet refused with ForbiddenError, unchanged.
  for (const kind of KINDS) {
    for (const action of ['CREATE', 'EDIT', 'DELETE'] as const) {
      for (const scope of SCOPES) {
        it(`${kind} ${action} alone with ${scope}, the cards visible: allowed exactly where the scope covers, refused unchanged elsewhere`, async () => {
          const rights = everything('ALL').map((r) => (r.entityType === kind && r.action === action ? { ...r, scope } : r));
          expect((await ws.gql(UpdateRole, { id: roleId, rights })).updateRole.__typename).toBe('UpdateRoleSuccess');
          const covered = COVERS[scope];
          const owner: Record<Whose, string> = { own: tester.user.id, team: teammate.user.id, other: outsider.user.id };
          const Type = kind === 'DEAL' ? 'Deal' : kind === 'CONTACT' ? 'Contact' : 'Company';
          for (const whose of WHOSE) {
            const card = cards[kind][whose];
            let r: { __typename: string } | null | undefined;
            if (action === 'CREATE') {
              const input = { name: `${kind} new alone ${scope} ${whose}`, responsibleId: owner[whose] };
              r = await write.create(tester, kind, input);
            } else if (action === 'EDIT') {
              const input = { id: card.id, version: card.version, name: `${kind} ${whose}` };
              r = await write.update(tester, kind, input);
              if (covered.includes(whose)) card.version++;
            } else {
              r = await write.trash(tester, kind, card.id);
              if (covered.includes(whose)) {
                await write.restore(tester, kind, card.id);
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
            const stale = await write.update(ws, kind, input);
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
      const r = (await ws.gql(CreateTask, { input: { cardId: cards.DEAL.other.id, type: 'CALL', text: `task ${whose}`, dueAt, responsibleId: owner[whose] } }))
        .createTask;
      if (r.__typename !== 'CreateTaskSuccess') throw new Error(r.__typename);
      tasks[whose] = r.task;
    }
    const set = async (action: 'VIEW' | 'CREATE' | 'EDIT', scope: RightScope) => {
      const rights = everything('ALL').map((r) => (r.entityType === 'TASK' && r.action === action ? { ...r, scope } : r));
      await ws.gql(UpdateRole, { id: roleId, rights });
    };
    for (const scope of SCOPES) {
      const covered = COVERS[scope];
      await set('VIEW', scope);
      const seen = (await tester.gql(Tasks, { first: 50 })).tasks.edges
        .map((e) => e.node.text)
        .filter((t) => /^task (own|team|other)$/.test(t))
        .sort();
      expect(seen, `VIEW ${scope}`).toEqual(covered.map((w) => `task ${w}`).sort());
      cases += 3;
      await set('CREATE', scope);
      for (const whose of WHOSE) {
        const r = (
          await tester.gql(CreateTask, {
            input: { cardId: cards.DEAL.own.id, type: 'CALL', text: `new ${scope} ${whose}`, dueAt, responsibleId: owner[whose] },
          })
        ).createTask;
        expect(r.__typename, `CREATE ${scope} ${whose}`).toBe(covered.includes(whose) ? 'CreateTaskSuccess' : 'ForbiddenError');
        cases++;
      }
      await set('EDIT', scope);
      for (const whose of WHOSE) {
        const t = tasks[whose];
        const r = (await tester.gql(UpdateTask, { input: { id: t.id, version: t.version, text: `task ${whose}` } })).updateTask;
        expect(r.__typename, `EDIT ${scope} ${whose}`).toBe(covered.includes(whose) ? 'UpdateTaskSuccess' : 'ForbiddenError');
        if (covered.includes(whose)) t.version++;
        cases++;
      }
    }
  });
});

describe('role management', () => {
  it('administrators create, change and delete roles; a role in use or the administrator role cannot be deleted; members cannot', async ({ workspace: ws }) => {
    const member = await ws.member();
    const r = as(
      (await ws.gql(CreateRole, { name: 'Viewer', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'TEAM' }] })).createRole,
      'CreateRoleSuccess',
    ).role;
    // Rights not given are NONE.
    expect(r.rights.find((x) => x.entityType === 'DEAL' && x.action === 'VIEW')?.scope).toBe('TEAM');
    expect(r.rights.filter((x) => x.scope === 'NONE')).toHaveLength(r.rights.length - 1);
    expect((await ws.gql(CreateRole, { name: 'viewer', rights: [] })).createRole).toMatchObject({ __typename: 'ValidationError' });
    expect(
      (
        await ws.gql(CreateRole, {
          name: 'Twice',
          rights: [
            { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
            { entityType: 'DEAL', action: 'VIEW', scope: 'OWN' },
          ],
        })
      ).createRole,
    ).toMatchObject({ __typename: 'ValidationError' });
    expect((await member.gql(CreateRole, { name: 'Sneaky', rights: [] })).createRole).toMatchObject({ __typename: 'ForbiddenError' });
    await ws.gql(AssignRole, { userId: member.user.id, roleId: r.id });
    expect((await ws.gql(DeleteRole, { id: r.id })).deleteRole).toMatchObject({ __typename: 'ValidationError' });
    // A scope outside the enum is refused by the schema.
    const bad = await ws.raw(CreateRole, { name: 'Bad', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'SOME' as RightScope }] });
    expect(bad.errors?.length).toBeGreaterThan(0);
  });
});

describe('rights on what hangs off a card', () => {
  /** What the test looks at in a deal: its name and links, by name. */
  const view = async (c: Client, id: string) => {
    const d = await readDeal(c, id);
    return { id: d.id, name: d.name, company: d.company && { name: d.company.name }, contacts: d.contacts.map((x) => ({ name: x.name })) };
  };

  it('a visible card shows only the contacts, company, deals and tasks the role lets the user see; adding to a card needs the right to edit it', async ({
    workspace: ws,
  }) => {
    const tester = await ws.member('Tester');
    const outsider = await ws.member('Outsider');
    const mine = as(
      (await ws.gql(CreateContact, { input: { name: 'My contact', responsibleId: tester.user.id } })).createContact,
      'CreateContactSuccess',
    ).contact;
    const theirs = as(
      (await ws.gql(CreateContact, { input: { name: 'Their contact', responsibleId: outsider.user.id } })).createContact,
      'CreateContactSuccess',
    ).contact;
    const company = as(
      (await ws.gql(CreateCompany, { input: { name: 'Their company', responsibleId: outsider.user.id } })).createCompany,
      'CreateCompanySuccess',
    ).company;
    const deal = as(
      (await ws.gql(CreateDeal, { input: { name: 'Shared deal', responsibleId: outsider.user.id, companyId: company.id, contactIds: [mine.id, theirs.id] } }))
        .createDeal,
      'CreateDealSuccess',
    ).deal;
    const own = as(
      (await ws.gql(CreateDeal, { input: { name: 'My deal', responsibleId: tester.user.id, companyId: company.id } })).createDeal,
      'CreateDealSuccess',
    ).deal;
    await ws.gql(CreateTask, {
      input: { cardId: deal.id, type: 'CALL', text: 'Outsider task', dueAt: new Date(Date.now() + 3_600_000).toISOString(), responsibleId: outsider.user.id },
    });
    await ws.gql(CreateTask, {
      input: { cardId: own.id, type: 'CALL', text: 'My task', dueAt: new Date(Date.now() + 3_600_000).toISOString(), responsibleId: tester.user.id },
    });

    // Deals: see all, change only one's own; contacts and companies: one's own only; tasks: one's own.
    const rights = everything('ALL').map((r) => {
      if (r.entityType === 'DEAL' && r.action === 'EDIT') return { ...r, scope: 'OWN' as const };
      if ((r.entityType === 'CONTACT' || r.entityType === 'COMPANY' || r.entityType === 'TASK') && r.action === 'VIEW') return { ...r, scope: 'OWN' as const };
      return r;
    });
    const role = as((await ws.gql(CreateRole, { name: 'Narrow', rights })).createRole, 'CreateRoleSuccess').role;
    await ws.gql(AssignRole, { userId: tester.user.id, roleId: role.id });

    const seen = await view(tester, deal.id);
    expect(seen).toEqual({ id: deal.id, name: 'Shared deal', company: null, contacts: [{ name: 'My contact' }] });
    // The administrator still sees everything.
    expect(await view(ws, deal.id)).toMatchObject({ company: { name: 'Their company' }, contacts: [{ name: 'My contact' }, { name: 'Their contact' }] });
    // An invisible company is not found at all, its deals and contacts with it.
    expect((await tester.gql(CompanyNode, { id: company.id })).node).toBeNull();

    const t = (await tester.gql(Tasks, { first: 20 })).tasks;
    expect(t.edges.map((e) => e.node.text)).toEqual(['My task']);
    expect(t.totalCount).toBe(1);

    expect((await tester.gql(AddNote, { input: { cardId: deal.id, text: 'Sneaky' } })).addNote).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await tester.gql(AddNote, { input: { cardId: own.id, text: 'Mine' } })).addNote.__typename).toBe('AddNoteSuccess');
    expect((await tester.gql(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'x', dueAt: new Date().toISOString() } })).createTask).toMatchObject({
      __typename: 'ForbiddenError',
    });
    expect((await tester.gql(AddNote, { input: { cardId: theirs.id, text: 'Hidden' } })).addNote).toMatchObject({ __typename: 'NotFoundError' });

    // The timeline of the visible deal leaves out the task outside TASK VIEW, in lists, search and by id.
    const entries = async (cardId: string, c: Client, search?: string) =>
      (await c.gql(Timeline, { cardId, first: 20, filter: { search } })).timeline.edges.map((e) => [e.node.kind, e.node.id] as const);
    const taskEntry = (await entries(deal.id, ws)).find(([k]) => k === 'TASK_CREATED')![1];
    expect((await entries(deal.id, tester)).map(([k]) => k)).toEqual(['CARD_CREATED']);
    expect(await entries(deal.id, tester, 'Outsider')).toEqual([]);
    expect((await entries(deal.id, ws, 'Outsider')).map(([k]) => k)).toEqual(['TASK_CREATED']);
    expect((await tester.gql(Node, { id: taskEntry })).node).toBeNull();
    expect((await entries(own.id, tester)).map(([k]) => k)).toEqual(['NOTE', 'TASK_CREATED', 'CARD_CREATED']);

    // Filters count only the tasks, companies and contacts the role lets the user see.
    const names = async (filter: DealFilter, c: Client = tester) => (await c.gql(Deals, { first: 50, filter })).deals.edges.map((e) => e.node.name).sort();
    expect(await names({ hasOpenTask: true })).toEqual(['My deal']);
    expect(await names({ hasOpenTask: false })).toEqual(['Shared deal']);
    expect(await names({ hasOpenTask: true }, ws)).toEqual(['My deal', 'Shared deal']);
    expect(await names({ companyIds: [company.id] })).toEqual([]);
    expect(await names({ contactIds: [theirs.id] })).toEqual([]);
    expect(await names({ contactIds: [mine.id] })).toEqual(['Shared deal']);
    expect(await names({ companyIds: [company.id] }, ws)).toEqual(['My deal', 'Shared deal']);
    expect(await names({ contactIds: [theirs.id] }, ws)).toEqual(['Shared deal']);
    // A contact of hers at the invisible company is not found by filtering on that company.
    await ws.gql(CreateContact, { input: { name: 'Mine at theirs', responsibleId: tester.user.id, companyId: company.id } });
    const contactNames = async (c: Client) =>
      (await c.gql(Contacts, { first: 50, filter: { companyIds: [company.id] } })).contacts.edges.map((e) => e.node.name);
    expect(await contactNames(tester)).toEqual([]);
    expect(await contactNames(ws)).toEqual(['Mine at theirs']);

    // Linking a card to one the user may not see is refused as for an id that does not exist.
    const made_up = Buffer.from('Contact:0192f7a0-0000-7000-8000-000000000000').toString('base64');
    const link = async (input: Omit<CreateDealInput, 'name'>) => (await tester.gql(CreateDeal, { input: { name: 'Linked', ...input } })).createDeal;
    expect(await link({ contactIds: [theirs.id] })).toEqual(await link({ contactIds: [made_up] }));
    expect(await link({ contactIds: [theirs.id], companyId: company.id })).toMatchObject({
      __typename: 'ValidationError',
      fields: [
        { field: 'companyId', message: 'no such company' },
        { field: 'contactIds[0]', message: 'no such contact' },
      ],
    });
    // Rewriting a deal's links changes only those the user sees: hidden ones stay.
    const linked = as(
      (await ws.gql(CreateDeal, { input: { name: 'Linked', responsibleId: tester.user.id, companyId: company.id, contactIds: [theirs.id, mine.id] } }))
        .createDeal,
      'CreateDealSuccess',
    ).deal;
    expect(await view(tester, linked.id)).toMatchObject({ company: null, contacts: [{ name: 'My contact' }] });
    expect((await tester.gql(UpdateDeal, { input: { id: linked.id, version: linked.version, contactIds: [], companyId: null } })).updateDeal.__typename).toBe(
      'UpdateDealSuccess',
    );
    expect(await view(ws, linked.id)).toMatchObject({ company: { name: 'Their company' }, contacts: [{ name: 'Their contact' }] });
    expect(await view(tester, linked.id)).toMatchObject({ company: null, contacts: [] });
  });
});

describe('handing a card or task to another responsible', () => {
  it('needs the new responsible within the EDIT scope: OWN keeps cards and tasks, TEAM hands within the team; nothing changes when refused', async ({
    workspace: ws,
  }) => {
    const tester = await ws.member('Tester');
    const mate = await ws.member('Mate');
    const outsider = await ws.member('Outsider');
    await ws.gql(CreateTeam, { input: { name: 'Sales', memberIds: [tester.user.id, mate.user.id] } });
    const role = as(
      (await ws.gql(CreateRole, { name: 'Own edits', rights: everything('ALL').map((r) => (r.action === 'EDIT' ? { ...r, scope: 'OWN' as const } : r)) }))
        .createRole,
      'CreateRoleSuccess',
    ).role;
    await ws.gql(AssignRole, { userId: tester.user.id, roleId: role.id });

    const mine = { responsibleId: tester.user.id };
    const deal = as((await tester.gql(CreateDeal, { input: { name: 'D', ...mine } })).createDeal, 'CreateDealSuccess').deal;
    const contact = as((await tester.gql(CreateContact, { input: { name: 'C', ...mine } })).createContact, 'CreateContactSuccess').contact;
    const company = as((await tester.gql(CreateCompany, { input: { name: 'O', ...mine } })).createCompany, 'CreateCompanySuccess').company;
    const task = as(
      (await tester.gql(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'T', dueAt: new Date(Date.now() + 3_600_000).toISOString(), ...mine } }))
        .createTask,
      'CreateTaskSuccess',
    ).task;
    const hand = async (to: string) => [
      (await tester.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, responsibleId: to } })).updateDeal.__typename,
      (await tester.gql(UpdateContact, { input: { id: contact.id, version: contact.version, responsibleId: to } })).updateContact.__typename,
      (await tester.gql(UpdateCompany, { input: { id: company.id, version: company.version, responsibleId: to } })).updateCompany.__typename,
      (await tester.gql(UpdateTask, { input: { id: task.id, version: task.version, responsibleId: to } })).updateTask.__typename,
    ];
    const state = async () => [
      await readDeal(ws, deal.id),
      await readContact(ws, contact.id),
      await readCompany(ws, company.id),
      as((await ws.gql(TaskNode, { id: task.id })).node!, 'Task'),
    ];
    const before = await state();
    expect(before.every((x) => (x as { responsible: { id: string } }).responsible.id === tester.user.id)).toBe(true);

    expect(await hand(outsider.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    expect(await hand(mate.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    // An unknown user is a ValidationError naming the field, not a question of rights.
    expect(await hand(Buffer.from('User:0192f7a0-0000-7000-8000-000000000000').toString('base64'))).toEqual([
      'ValidationError',
      'ValidationError',
      'ValidationError',
      'ValidationError',
    ]);
    expect(await state()).toEqual(before);

    // With TEAM scope the same user hands them to a teammate, and still not outside the team.
    await ws.gql(UpdateRole, { id: role.id, rights: everything('ALL').map((r) => (r.action === 'EDIT' ? { ...r, scope: 'TEAM' as const } : r)) });
    expect(await hand(outsider.user.id)).toEqual(['ForbiddenError', 'ForbiddenError', 'ForbiddenError', 'ForbiddenError']);
    expect(await state()).toEqual(before);
    expect(await hand(mate.user.id)).toEqual(['UpdateDealSuccess', 'UpdateContactSuccess', 'UpdateCompanySuccess', 'UpdateTaskSuccess']);
    expect((await state()).map((x) => (x as { responsible: { id: string } }).responsible.id)).toEqual([mate.user.id, mate.user.id, mate.user.id, mate.user.id]);
  });
});

describe('audit of rights', () => {
  it('logs who changed roles and role and team assignments, before → after, for administrators only', async ({ workspace: ws }) => {
    const member = await ws.member();
    const role = as(
      (await ws.gql(CreateRole, { name: 'Auditor', rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'OWN' }] })).createRole,
      'CreateRoleSuccess',
    ).role;
    await ws.gql(UpdateRole, { id: role.id, rights: [{ entityType: 'DEAL', action: 'VIEW', scope: 'ALL' }] });
    await ws.gql(AssignRole, { userId: member.user.id, roleId: role.id });
    const team = as((await ws.gql(CreateTeam, { input: { name: 'North' } })).createTeam, 'CreateTeamSuccess').team;
    await ws.gql(UpdateUser, { input: { id: member.user.id, teamIds: [team.id] } });
    // A refused change leaves no entry.
    await ws.gql(DeleteRole, { id: role.id });

    const entries = (await ws.gql(AuditLog, { first: 20 })).auditLog.edges.map((e) => e.node);
    expect(entries.map((e) => e.action)).toEqual(['USER_TEAMS_CHANGED', 'USER_ROLE_CHANGED', 'ROLE_UPDATED', 'ROLE_CREATED']);
    expect(entries.every((e) => e.actorId === ws.admin.id)).toBe(true);
    const updated = entries[2];
    expect(updated.subjectId).toBe(role.id);
    expect(JSON.parse(updated.before!).rights).toEqual({ DEAL: { VIEW: 'OWN' } });
    expect(JSON.parse(updated.after!).rights).toEqual({ DEAL: { VIEW: 'ALL' } });
    expect(entries[0]).toMatchObject({ subjectId: member.user.id, before: JSON.stringify({ teamIds: [] }) });
    // The role change names the role the member had and the one given.
    const roleChange = entries[1];
    expect(roleChange.subjectId).toBe(member.user.id);
    const [before, after] = [JSON.parse(roleChange.before!).roleId, JSON.parse(roleChange.after!).roleId];
    expect(after).toBe(rawId(role.id));
    expect(typeof before).toBe('string');
    expect(before).not.toBe(after);
    expect((await ws.gql(Roles, {})).roles.map((r) => rawId(r.id))).toContain(before);
    const r = await member.raw(AuditLog, { first: 20 });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // Nor can a member read an entry by its id.
    expect((await member.gql(Node, { id: entries[0].id })).node).toBeNull();
    expect((await ws.gql(Node, { id: entries[0].id })).node).toEqual({ __typename: 'AuditEntry', id: entries[0].id });
  });
});

describe('search through linked cards follows their rights', () => {
  it("finds a deal by a linked contact's name only when the role may see that contact", async ({ workspace: ws }) => {
    const seller = await ws.member('Seller', {
      rights: [
        { entityType: 'DEAL', action: 'VIEW', scope: 'ALL' },
        { entityType: 'CONTACT', action: 'VIEW', scope: 'OWN' },
        { entityType: 'CONTACT', action: 'CREATE', scope: 'OWN' },
      ],
    });
    const hidden = await createContact(ws, { name: 'Quokka Whitfield' });
    const theirs = await createContact(seller, { name: 'Quokka Own' });
    const viaHidden = await createDeal(ws, { name: 'Plain deal one', contactIds: [hidden.id] });
    const viaTheirs = await createDeal(ws, { name: 'Plain deal two', contactIds: [theirs.id] });
    const ids = async (c: Client) => (await c.gql(Deals, { filter: { search: 'Quokka' } })).deals.edges.map((e) => e.node.id).sort();
    expect(await ids(ws)).toEqual([viaHidden.id, viaTheirs.id].sort());
    expect(await ids(seller)).toEqual([viaTheirs.id]);
  });
});
