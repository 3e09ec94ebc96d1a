// The workspace is the isolation boundary. Workspace A is filled with one of everything; people
// of workspace B (its admin, a member, an API key) try to read, list, count, change and link
// to A's rows by id, and must find nothing and change nothing. A's state is snapshotted
// before and compared after every attempt. (Subscriptions to A's pipeline: realtime tests.)
import { describe, expect, it, test, type TestApp, type Workspace } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import type { Member } from './kit/workspace.js';
import { readCompany, readContact, readDeal } from './kit/cards.js';
import { as } from './kit/results.js';
import { CreateDeal, Deals, DeleteDeal, MoveDeal, RestoreDeal, UpdateDeal } from './kit/documents/deals.js';
import { Contacts, CreateContact, DeleteContact, RestoreContact, UpdateContact } from './kit/documents/contacts.js';
import { Companies, CreateCompany, DeleteCompany, RestoreCompany, UpdateCompany } from './kit/documents/companies.js';
import { EmptyTrash, Node, Nodes, Tags } from './kit/documents/cards.js';
import { AddNote, CreateMailbox, CreateNoteTemplate, DeleteNoteTemplate, Mailboxes, NoteTemplates, Timeline } from './kit/documents/timeline.js';
import { CompleteTask, CreateTask, Tasks, UpdateTask } from './kit/documents/tasks.js';
import {
  CreateLossReason,
  CreatePipeline,
  CreateStage,
  DeleteLossReason,
  DeletePipeline,
  DeleteStage,
  Pipelines,
  ReorderStages,
  UpdatePipeline,
  UpdateStage,
} from './kit/documents/pipelines.js';
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
import { UpdateWorkspace, WorkspaceQuery } from './kit/documents/auth.js';
import type { CompanyFilter, ContactFilter, DealFilter, UserFilter } from './gql/graphql.js';

let app: TestApp;

/** A list with every card in it read in full. */
async function inFull<T>(list: { totalCount: number; edges: { node: { id: string } }[] }, read: (id: string) => Promise<T>) {
  return { totalCount: list.totalCount, edges: await Promise.all(list.edges.map(async (e) => ({ node: await read(e.node.id) }))) };
}

/** A workspace's state as a client of it sees it: cards (trash included) with their links, people, settings. */
async function snapshot(c: Client) {
  const deal = (id: string) => readDeal(c, id);
  const contact = (id: string) => readContact(c, id);
  const company = (id: string) => readCompany(c, id);
  const [deals, trash, contacts, trashedContacts, companies, trashedCompanies, workspace, users, teams, roles, apiKeys, pipelines, tags] = await Promise.all([
    c.gql(Deals, { first: 10 }).then((r) => inFull(r.deals, deal)),
    c.gql(Deals, { first: 10, inTrash: true }).then((r) => inFull(r.deals, deal)),
    c.gql(Contacts, { first: 10 }).then((r) => inFull(r.contacts, contact)),
    c.gql(Contacts, { first: 10, inTrash: true }).then((r) => inFull(r.contacts, contact)),
    c.gql(Companies, { first: 10 }).then((r) => inFull(r.companies, company)),
    c.gql(Companies, { first: 10, inTrash: true }).then((r) => inFull(r.companies, company)),
    c.gql(WorkspaceQuery, {}).then((r) => r.workspace),
    c.gql(Users, { first: 10 }).then((r) => r.users),
    c.gql(Teams, {}).then((r) => r.teams),
    c.gql(Roles, {}).then((r) => r.roles),
    // Without lastUsedAt: the attempts below use B's own key.
    c.gql(ApiKeys, {}).then((r) => r.apiKeys.map(({ id, name, revokedAt }) => ({ id, name, revokedAt }))),
    c.gql(Pipelines, { includeArchived: true }).then((r) => r.pipelines),
    c.gql(Tags, {}).then((r) => r.tags),
  ]);
  return { deals, trash, contacts, trashedContacts, companies, trashedCompanies, workspace, users, teams, roles, apiKeys, pipelines, tags };
}

/** The lists a client sees under these filters (each without paging arguments, as a list screen asks). */
async function lists(c: Client, f: { deals?: DealFilter; contacts?: ContactFilter; companies?: CompanyFilter; users?: UserFilter }) {
  const [deals, trash, contacts, trashedContacts, companies, users] = await Promise.all([
    c.gql(Deals, { filter: f.deals }).then((r) => r.deals),
    c.gql(Deals, { filter: f.deals, inTrash: true }).then((r) => r.deals),
    c.gql(Contacts, { filter: f.contacts }).then((r) => r.contacts),
    c.gql(Contacts, { filter: f.contacts, inTrash: true }).then((r) => r.contacts),
    c.gql(Companies, { filter: f.companies }).then((r) => r.companies),
    c.gql(Users, { filter: f.users }).then((r) => r.users),
  ]);
  return { deals, trash, contacts, trashedContacts, companies, users };
}

/** The settings a client sees. */
async function catalog(c: Client) {
  const [pipelines, teams, roles, tags] = await Promise.all([
    c.gql(Pipelines, { includeArchived: true }).then((r) => r.pipelines),
    c.gql(Teams, {}).then((r) => r.teams),
    c.gql(Roles, {}).then((r) => r.roles),
    c.gql(Tags, {}).then((r) => r.tags),
  ]);
  return { pipelines, teams, roles, tags };
}

// Helpers

type Outcome = { __typename: string } & object;

/** The failure a result carries: its type, and for a ValidationError the fields it names. */
function failure(r: Outcome) {
  const fields = (r as { fields?: { field: string }[] }).fields;
  return fields ? { type: r.__typename, fields: fields.map((f) => f.field).sort() } : { type: r.__typename };
}

const notFound = { type: 'NotFoundError' };
const invalid = (...fields: string[]) => ({ type: 'ValidationError', fields: fields.sort() });

/** Re-encodes a global id's uuid under another type name, as a guessing client would. */
function forge(typename: string, globalId: string) {
  const raw = Buffer.from(globalId, 'base64').toString('utf8');
  return Buffer.from(`${typename}:${raw.slice(raw.indexOf(':') + 1)}`).toString('base64');
}

// Workspace A: one of everything. Workspace B: its own few rows.
type Fixture = Awaited<ReturnType<typeof fillA>>;

async function fillA(ws: Workspace) {
  const member = await ws.member('A member');
  const team = as((await ws.gql(CreateTeam, { input: { name: 'A team', memberIds: [member.user.id] } })).createTeam, 'CreateTeamSuccess').team;
  const company = as((await ws.gql(CreateCompany, { input: { name: 'A company', tags: ['A-only tag'] } })).createCompany, 'CreateCompanySuccess').company;
  const contact = as(
    (await ws.gql(CreateContact, { input: { name: 'A contact', companyId: company.id, emails: ['a@a.example'] } })).createContact,
    'CreateContactSuccess',
  ).contact;
  const lossReason = as(
    (await ws.gql(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Too pricey' })).createLossReason,
    'CreateLossReasonSuccess',
  ).lossReason;
  const deal = as(
    (
      await ws.gql(CreateDeal, {
        input: {
          name: 'A secret deal',
          amount: '1000',
          companyId: company.id,
          contactIds: [contact.id],
          responsibleId: member.user.id,
          tags: ['SharedName', 'A-only tag'],
        },
      })
    ).createDeal,
    'CreateDealSuccess',
  ).deal;
  const trashed = as((await ws.gql(CreateDeal, { input: { name: 'A trashed deal' } })).createDeal, 'CreateDealSuccess').deal;
  as((await ws.gql(DeleteDeal, { id: trashed.id })).deleteDeal, 'DeleteDealSuccess');
  const trashedContact = as((await ws.gql(CreateContact, { input: { name: 'A trashed contact' } })).createContact, 'CreateContactSuccess').contact;
  as((await ws.gql(DeleteContact, { id: trashedContact.id })).deleteContact, 'DeleteContactSuccess');
  const trashedCompany = as((await ws.gql(CreateCompany, { input: { name: 'A trashed company' } })).createCompany, 'CreateCompanySuccess').company;
  as((await ws.gql(DeleteCompany, { id: trashedCompany.id })).deleteCompany, 'DeleteCompanySuccess');
  // An empty pipeline and an empty stage: deleting them would succeed, were B allowed to.
  const spare = as(
    (await ws.gql(CreatePipeline, { input: { name: 'A spare', stages: [{ name: 'One' }, { name: 'Two' }] } })).createPipeline,
    'CreatePipelineSuccess',
  ).pipeline;
  return { ws, member, team, company, contact, lossReason, deal, trashed, trashedContact, trashedCompany, spare };
}

let A: Fixture;
let B: Workspace;
let bMember: Member;
let bKey: string;
let bDeal: { id: string; version: number };
let bContact: { id: string; version: number };
let bCompany: { id: string };
let bTeam: { id: string };
let aKey: { key: string; id: string };
let aRoles: { id: string; isAdmin: boolean }[];

test.beforeAll(async ({ app: fileApp, signUp }) => {
  app = fileApp;
  A = await fillA(await signUp({ name: 'Workspace A' }));
  B = await signUp({ name: 'Workspace B' });
  bMember = await B.member('B member');
  const k = as((await B.gql(CreateApiKey, { name: 'B key', scopes: ['READ'] })).createApiKey, 'CreateApiKeySuccess');
  bKey = k.created.key;
  bCompany = as((await B.gql(CreateCompany, { input: { name: 'B company' } })).createCompany, 'CreateCompanySuccess').company;
  bContact = as((await B.gql(CreateContact, { input: { name: 'B contact' } })).createContact, 'CreateContactSuccess').contact;
  bDeal = as((await B.gql(CreateDeal, { input: { name: 'B deal' } })).createDeal, 'CreateDealSuccess').deal;
  bTeam = as((await B.gql(CreateTeam, { input: { name: 'B team' } })).createTeam, 'CreateTeamSuccess').team;
  const ak = as((await A.ws.gql(CreateApiKey, { name: 'A key', scopes: ['WRITE'] })).createApiKey, 'CreateApiKeySuccess');
  aKey = { key: ak.created.key, id: ak.created.apiKey.id };
  aRoles = (await snapshot(A.ws)).roles;
});

const snapshotA = () => snapshot(A.ws);
const snapshotB = () => snapshot(B);

/** Runs `attempts` and checks that neither workspace changed. */
async function changesNothing(attempts: () => Promise<void>) {
  const [a, b] = await Promise.all([snapshotA(), snapshotB()]);
  await attempts();
  expect(await snapshotA()).toEqual(a);
  expect(await snapshotB()).toEqual(b);
}

function aIds() {
  return {
    deal: A.deal.id,
    trashedDeal: A.trashed.id,
    contact: A.contact.id,
    company: A.company.id,
    admin: A.ws.admin.id,
    member: A.member.user.id,
    pipeline: A.ws.pipeline.id,
    stage: A.ws.open[0].id,
    lossReason: A.lossReason.id,
    team: A.team.id,
    apiKey: aKey.id,
    role: aRoles[0].id,
  };
}

describe('reading another workspace', () => {
  it("node(id) answers null for every kind of A's rows, guessed ids included", async () => {
    const snap = await snapshotA();
    const ids = [...Object.values(aIds()), snap.tags[0].id];
    // A sees its own rows, so a null below is the boundary and not a broken id.
    for (const id of ids) expect((await A.ws.gql(Node, { id })).node?.id).toBe(id);

    const guessed = [forge('Contact', A.deal.id), forge('Deal', A.contact.id), forge('User', A.team.id), forge('Workspace', A.deal.id)];
    for (const token of [B.token, bMember.token, bKey]) {
      for (const id of [...ids, ...guessed]) {
        const r = await app.as(token).raw(Node, { id });
        expect(r.errors).toBeUndefined();
        expect({ id, node: r.data?.node }).toEqual({ id, node: null });
      }
    }
  });

  it("nodes(ids) answers each id in its place: B's own rows, null for A's and for guessed ids", async () => {
    const a = Object.values(aIds());
    const guessed = [forge('Contact', A.deal.id), forge('Workspace', A.deal.id), 'not an id'];
    const own = [B.admin.id, bDeal.id, B.pipeline.id, bContact.id];
    const ids = [a[0], ...own, ...a.slice(1), ...guessed];
    for (const token of [B.token, bKey]) {
      const r = await app.as(token).raw(Nodes, { ids });
      expect(r.errors).toBeUndefined();
      expect(r.data?.nodes.map((n) => n?.id ?? null)).toEqual([null, ...own, ...a.slice(1).map(() => null), ...guessed.map(() => null)]);
    }
  });

  it("lists and counts never include A's rows, even when filtering by A's ids", async () => {
    const a = aIds();
    const filters = [
      {},
      { deals: { responsibleIds: [a.member, a.admin] }, contacts: { responsibleIds: [a.admin] }, companies: { responsibleIds: [a.admin] } },
      { deals: { stageIds: [a.stage, A.ws.won.id, A.ws.lost.id] }, contacts: { companyIds: [a.company] } },
      { deals: { pipelineIds: [a.pipeline] } },
      { deals: { companyIds: [a.company] } },
      { deals: { contactIds: [a.contact] } },
      { deals: { or: [{ stageIds: [a.stage] }, { responsibleIds: [a.admin] }] }, contacts: { or: [{ companyIds: [a.company] }] } },
      { deals: { search: 'A secret' }, contacts: { search: 'a@a.example' }, companies: { search: 'A company' }, users: { search: A.ws.email } },
      { deals: { tags: ['A-only tag'] }, contacts: { tags: ['A-only tag'] }, companies: { tags: ['A-only tag'] } },
      { users: { teamIds: [a.team] } },
      { users: { active: true } },
    ];
    const bAdminIds = {
      deals: [bDeal.id],
      contacts: [bContact.id],
      companies: [bCompany.id],
    };
    for (const token of [B.token, bMember.token, bKey]) {
      for (const f of filters) {
        const r = await lists(app.as(token), f);
        const aRows = new Set([A.deal.id, A.trashed.id, A.contact.id, A.trashedContact.id, A.company.id, A.trashedCompany.id, a.admin, a.member]);
        for (const list of [r.deals, r.trash, r.contacts, r.trashedContacts, r.companies, r.users]) {
          for (const e of list.edges) expect(aRows.has(e.node.id)).toBe(false);
          expect(list.totalCount).toBe(list.edges.length);
        }
        if (Object.keys(f).length === 0) {
          expect(r.deals.edges.map((e) => e.node.id)).toEqual(bAdminIds.deals);
          expect(r.contacts.edges.map((e) => e.node.id)).toEqual(bAdminIds.contacts);
          expect(r.companies.edges.map((e) => e.node.id)).toEqual(bAdminIds.companies);
          expect(r.users.totalCount).toBe(2);
          expect(r.trash.totalCount).toBe(0);
        }
      }
    }
    // The same filters do find A's rows for A: they are real ids.
    const mine = await lists(A.ws, { deals: { stageIds: [a.stage] }, contacts: { companyIds: [a.company] }, users: { teamIds: [a.team] } });
    expect(mine.deals.edges.map((e) => e.node.id)).toEqual([A.deal.id]);
    expect(mine.contacts.edges.map((e) => e.node.id)).toEqual([A.contact.id]);
    expect(mine.users.edges.map((e) => e.node.id)).toEqual([a.member]);
  });

  it('pipelines, teams, roles, tags and API keys of A are not listed in B', async () => {
    const a = await snapshotA();
    const aOwn = new Set([
      ...a.pipelines.flatMap((p) => [p.id, ...p.stages.map((s) => s.id), ...p.lossReasons.map((l) => l.id)]),
      ...a.teams.map((t) => t.id),
      ...a.roles.map((r) => r.id),
      ...a.tags.map((t) => t.id),
      ...a.apiKeys.map((k) => k.id),
    ]);
    expect(a.tags.map((t) => t.name)).toEqual(['A-only tag', 'SharedName']);
    for (const token of [B.token, bMember.token, bKey]) {
      const b = await catalog(app.as(token));
      const seen = [
        ...b.pipelines.flatMap((p) => [p.id, ...p.stages.map((s) => s.id), ...p.lossReasons.map((l) => l.id)]),
        ...b.teams.map((t) => t.id),
        ...b.roles.map((r) => r.id),
        ...b.tags.map((t) => t.id),
      ];
      expect(seen.filter((id) => aOwn.has(id))).toEqual([]);
      expect(b.pipelines).toHaveLength(1);
      expect(b.tags.map((t) => t.name)).not.toContain('A-only tag');
    }
    const bKeys = (await snapshotB()).apiKeys;
    expect(bKeys.map((k) => k.name)).toEqual(['B key']);
  });

  it('a tag name used in both workspaces makes two tags; each workspace finds only its own cards', async () => {
    const before = await snapshotA();
    const r = as((await B.gql(CreateDeal, { input: { name: 'B tagged', tags: ['SharedName'] } })).createDeal, 'CreateDealSuccess');
    const bTag = r.deal.tags[0];
    const aTag = before.tags.find((t) => t.name === 'SharedName')!;
    expect(bTag.name).toBe('SharedName');
    expect(bTag.id).not.toBe(aTag.id);
    const inB = await lists(B, { deals: { tags: ['SharedName'] } });
    expect(inB.deals.edges.map((e) => e.node.id)).toEqual([r.deal.id]);
    const inA = await lists(A.ws, { deals: { tags: ['SharedName'] } });
    expect(inA.deals.edges.map((e) => e.node.id)).toEqual([A.deal.id]);
    expect((await snapshotA()).tags).toEqual(before.tags);
    expect((await B.gql(Node, { id: aTag.id })).node).toBeNull();
    // Leave B as the other tests expect it.
    as((await B.gql(DeleteDeal, { id: r.deal.id })).deleteDeal, 'DeleteDealSuccess');
    as((await B.gql(EmptyTrash, {})).emptyTrash, 'EmptyTrashSuccess');
  });
});

describe("changing another workspace's cards", () => {
  it("update, move, delete and restore of A's deal, contact and company answer NotFoundError", async () => {
    await changesNothing(async () => {
      const d = A.deal;
      for (const token of [B.token, bMember.token]) {
        const results = [
          (await app.as(token).gql(UpdateDeal, { input: { id: d.id, version: d.version, name: 'Hijacked', amount: '1' } })).updateDeal,
          (await app.as(token).gql(UpdateDeal, { input: { id: d.id, version: d.version, stageId: B.won.id } })).updateDeal,
          (await app.as(token).gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: B.won.id } })).moveDeal,
          (await app.as(token).gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: A.ws.won.id } })).moveDeal,
          (await app.as(token).gql(DeleteDeal, { id: d.id })).deleteDeal,
          (await app.as(token).gql(DeleteDeal, { id: d.id, version: d.version })).deleteDeal,
          (await app.as(token).gql(RestoreDeal, { id: A.trashed.id })).restoreDeal,
          (await app.as(token).gql(UpdateContact, { input: { id: A.contact.id, version: A.contact.version, name: 'Hijacked' } })).updateContact,
          (await app.as(token).gql(DeleteContact, { id: A.contact.id })).deleteContact,
          (await app.as(token).gql(RestoreContact, { id: A.trashedContact.id })).restoreContact,
          (await app.as(token).gql(UpdateCompany, { input: { id: A.company.id, version: A.company.version, name: 'Hijacked' } })).updateCompany,
          (await app.as(token).gql(DeleteCompany, { id: A.company.id })).deleteCompany,
          (await app.as(token).gql(RestoreCompany, { id: A.trashedCompany.id })).restoreCompany,
        ];
        expect(results.map(failure)).toEqual(results.map(() => notFound));
      }
    });
  });

  it("B's emptyTrash leaves A's trash alone", async () => {
    await changesNothing(async () => {
      const r = await B.gql(EmptyTrash, {});
      expect(r.emptyTrash).toEqual({ __typename: 'EmptyTrashSuccess', data: 0 });
    });
    const a = await snapshotA();
    expect(a.trash.edges.map((e) => e.node.id)).toEqual([A.trashed.id]);
    expect(a.trashedContacts.totalCount).toBe(1);
    expect(a.trashedCompanies.totalCount).toBe(1);
  });
});

describe("linking to another workspace's rows", () => {
  it("createDeal with A's stage, pipeline, loss reason, company, contacts or responsible is refused by field", async () => {
    await changesNothing(async () => {
      const cases: [object, string[]][] = [
        [{ stageId: A.ws.open[0].id }, ['stageId']],
        [{ pipelineId: A.ws.pipeline.id }, ['pipelineId']],
        [{ stageId: B.lost.id, lossReasonId: A.lossReason.id }, ['lossReasonId']],
        [{ companyId: A.company.id }, ['companyId']],
        [{ contactIds: [bContact.id, A.contact.id] }, ['contactIds[1]']],
        [{ responsibleId: A.member.user.id }, ['responsibleId']],
        [
          { stageId: A.ws.open[0].id, companyId: A.company.id, contactIds: [A.contact.id], responsibleId: A.ws.admin.id },
          ['companyId', 'contactIds[0]', 'responsibleId', 'stageId'],
        ],
      ];
      for (const [extra, fields] of cases) {
        const r = await B.gql(CreateDeal, { input: { name: 'Cross-linked', ...extra } });
        expect({ extra, got: failure(r.createDeal) }).toEqual({ extra, got: invalid(...fields) });
      }
    });
  });

  it("createContact and createCompany with A's company or responsible are refused by field", async () => {
    await changesNothing(async () => {
      const c1 = await B.gql(CreateContact, { input: { name: 'X', companyId: A.company.id } });
      expect(failure(c1.createContact)).toEqual(invalid('companyId'));
      const c2 = await bMember.gql(CreateContact, { input: { name: 'X', responsibleId: A.ws.admin.id, companyId: A.company.id } });
      expect(failure(c2.createContact)).toEqual(invalid('companyId', 'responsibleId'));
      const co = await B.gql(CreateCompany, { input: { name: 'X', responsibleId: A.member.user.id } });
      expect(failure(co.createCompany)).toEqual(invalid('responsibleId'));
    });
  });

  it("B's own deal and contact cannot be pointed at A's stage, pipeline, company, contacts or user", async () => {
    await changesNothing(async () => {
      const v = bDeal.version;
      const cases: [object, string[]][] = [
        [{ stageId: A.ws.won.id }, ['stageId']],
        [{ pipelineId: A.ws.pipeline.id }, ['pipelineId']],
        [{ companyId: A.company.id }, ['companyId']],
        [{ contactIds: [A.contact.id] }, ['contactIds[0]']],
        [{ responsibleId: A.member.user.id }, ['responsibleId']],
      ];
      for (const [extra, fields] of cases) {
        const r = await B.gql(UpdateDeal, { input: { id: bDeal.id, version: v, name: 'Changed', ...extra } });
        expect({ extra, got: failure(r.updateDeal) }).toEqual({ extra, got: invalid(...fields) });
      }
      const m = await B.gql(MoveDeal, { input: { id: bDeal.id, version: v, stageId: A.ws.won.id } });
      expect(failure(m.moveDeal)).toEqual(invalid('stageId'));
      const c = await B.gql(UpdateContact, { input: { id: bContact.id, version: bContact.version, companyId: A.company.id } });
      expect(failure(c.updateContact)).toEqual(invalid('companyId'));
    });
  });

  it("users and teams cannot take A's teams, roles or people", async () => {
    const adminRoleA = aRoles.find((r) => r.isAdmin)!.id;
    await changesNothing(async () => {
      const u1 = await B.gql(CreateUser, { input: { email: 'iso-x1@example.com', name: 'X', password: 'long enough pw', teamIds: [A.team.id] } });
      expect(failure(u1.createUser)).toEqual(invalid('teamIds[0]'));
      const u2 = await B.gql(CreateUser, { input: { email: 'iso-x2@example.com', name: 'X', password: 'long enough pw', roleId: adminRoleA } });
      expect(failure(u2.createUser)).toEqual(invalid('roleId'));
      const u3 = await B.gql(UpdateUser, { input: { id: bMember.user.id, roleId: adminRoleA } });
      expect(failure(u3.updateUser)).toEqual(invalid('roleId'));
      const u4 = await B.gql(UpdateUser, { input: { id: bMember.user.id, teamIds: [bTeam.id, A.team.id] } });
      expect(failure(u4.updateUser)).toEqual(invalid('teamIds[1]'));
      const t1 = await B.gql(CreateTeam, { input: { name: 'Poachers', memberIds: [A.member.user.id] } });
      expect(failure(t1.createTeam)).toEqual(invalid('memberIds[0]'));
      const t2 = await B.gql(UpdateTeam, { input: { id: bTeam.id, memberIds: [bMember.user.id, A.ws.admin.id] } });
      expect(failure(t2.updateTeam)).toEqual(invalid('memberIds[1]'));
    });
  });
});

describe("B's administrator and A's settings", () => {
  it("pipeline, stage and loss-reason mutations on A's rows answer NotFoundError or ValidationError", async () => {
    const emptyStage = A.spare.stages.find((s) => s.kind === 'OPEN')!;
    const bPipeline = (await snapshotB()).pipelines[0];
    await changesNothing(async () => {
      const results = [
        [(await B.gql(UpdatePipeline, { input: { id: A.ws.pipeline.id, name: 'Mine', archived: true } })).updatePipeline, notFound],
        [(await B.gql(DeletePipeline, { id: A.spare.id })).deletePipeline, notFound],
        [(await B.gql(CreateStage, { input: { pipelineId: A.ws.pipeline.id, name: 'Injected' } })).createStage, invalid('pipelineId')],
        [(await B.gql(UpdateStage, { input: { id: A.ws.open[0].id, name: 'Renamed' } })).updateStage, notFound],
        [(await B.gql(DeleteStage, { id: emptyStage.id })).deleteStage, notFound],
        [
          (await B.gql(ReorderStages, { pipelineId: A.spare.id, stageIds: [...A.spare.stages].reverse().map((s) => s.id) })).reorderStages,
          invalid('pipelineId'),
        ],
        [
          (await B.gql(ReorderStages, { pipelineId: bPipeline.id, stageIds: [...bPipeline.stages.slice(1).map((s) => s.id), A.ws.open[0].id] })).reorderStages,
          invalid(`stageIds[${bPipeline.stages.length - 1}]`),
        ],
        [(await B.gql(CreateLossReason, { pipelineId: A.ws.pipeline.id, name: 'Injected' })).createLossReason, invalid('pipelineId')],
        [(await B.gql(DeleteLossReason, { id: A.lossReason.id })).deleteLossReason, notFound],
      ] as const;
      for (const [r, expected] of results) expect(failure(r)).toEqual(expected);
    });
  });

  it("user, team and API-key mutations on A's rows answer NotFoundError; A keeps working", async () => {
    await changesNothing(async () => {
      const results = [
        (await B.gql(UpdateUser, { input: { id: A.member.user.id, name: 'Hijacked' } })).updateUser,
        (await B.gql(UpdateUser, { input: { id: A.ws.admin.id, email: 'stolen@example.com' } })).updateUser,
        (await B.gql(DeactivateUser, { id: A.ws.admin.id })).deactivateUser,
        (await B.gql(DeactivateUser, { id: A.member.user.id })).deactivateUser,
        (await B.gql(ReactivateUser, { id: A.member.user.id })).reactivateUser,
        (await B.gql(UpdateTeam, { input: { id: A.team.id, name: 'Hijacked', memberIds: [] } })).updateTeam,
        (await B.gql(DeleteTeam, { id: A.team.id })).deleteTeam,
        (await B.gql(RevokeApiKey, { id: aKey.id })).revokeApiKey,
      ];
      expect(results.map(failure)).toEqual(results.map(() => notFound));
    });
    // A's people and key still sign in and work.
    expect((await A.member.gql(Me, {})).me.id).toBe(A.member.user.id);
    expect((await app.as(aKey.key).gql(Me, {})).me.id).toBe(A.ws.admin.id);
  });

  it("updateWorkspace changes only B's own workspace", async () => {
    const before = await snapshotA();
    const r = await B.gql(UpdateWorkspace, { input: { name: 'Workspace B renamed', currency: 'EUR' } });
    expect(as(r.updateWorkspace, 'UpdateWorkspaceSuccess').workspace.id).toBe((await snapshotB()).workspace.id);
    expect(await snapshotA()).toEqual(before);
    await B.gql(UpdateWorkspace, { input: { name: 'Workspace B' } });
  });
});

describe("A's timeline, tasks, note templates and mailboxes", () => {
  it("B cannot use A's note template, task, timeline entries or mailbox by id, nor read them", async () => {
    const template = as(
      (await A.ws.gql(CreateNoteTemplate, { name: 'A secret template', text: 'Discount for [client] is 40%' })).createNoteTemplate,
      'CreateNoteTemplateSuccess',
    ).template;
    const task = as(
      (await A.ws.gql(CreateTask, { input: { cardId: A.deal.id, type: 'CALL', text: 'A private call', dueAt: '2030-01-01T10:00:00Z' } })).createTask,
      'CreateTaskSuccess',
    ).task;
    const note = as((await A.ws.gql(AddNote, { input: { cardId: A.deal.id, text: 'A private note' } })).addNote, 'AddNoteSuccess').entry;
    const mailbox = as(
      (await A.ws.gql(CreateMailbox, { input: { address: `sales.${Date.now()}@a.example.com`, personal: false } })).createMailbox,
      'CreateMailboxSuccess',
    ).mailbox;

    await changesNothing(async () => {
      // A note in B's own deal from A's template: refused, and the template's text goes nowhere.
      const fromTemplate = await B.gql(AddNote, { input: { cardId: bDeal.id, templateId: template.id, values: [{ name: 'client', value: 'x' }] } });
      expect(['NotFoundError', 'ValidationError']).toContain(fromTemplate.addNote.__typename);
      expect(JSON.stringify(fromTemplate)).not.toMatch(/40%|secret/i);
      expect((await B.gql(NoteTemplates, {})).noteTemplates.map((t) => t.id)).not.toContain(template.id);
      expect((await B.gql(DeleteNoteTemplate, { id: template.id })).deleteNoteTemplate.__typename).toBe('NotFoundError');

      expect((await B.gql(CompleteTask, { id: task.id, version: task.version })).completeTask.__typename).toBe('NotFoundError');
      expect((await B.gql(UpdateTask, { input: { id: task.id, version: task.version, text: 'Mine now' } })).updateTask.__typename).toBe('NotFoundError');
      const bTasks = await B.gql(Tasks, {});
      expect(bTasks.tasks.edges.map((e) => e.node.id)).not.toContain(task.id);

      // A note on A's deal, or reading its timeline: A's card is not found for B.
      expect((await B.gql(AddNote, { input: { cardId: A.deal.id, text: 'Hello from B' } })).addNote.__typename).toBe('NotFoundError');
      const timeline = await B.raw(Timeline, { cardId: A.deal.id });
      expect(JSON.stringify(timeline)).not.toMatch(/A private/);
      expect((await B.gql(Nodes, { ids: [task.id, note.id, template.id, mailbox.id] })).nodes).toEqual([null, null, null, null]);
      expect((await B.gql(Mailboxes, {})).mailboxes.map((m) => m.id)).not.toContain(mailbox.id);
    });
  });
});
