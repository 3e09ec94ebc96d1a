// The workspace is the isolation boundary. Workspace A is filled with one of everything; people
// of workspace B (its admin, a member, an API key) try to read, list, count, change and link
// to A's rows by id, and must find nothing and change nothing. A's state is snapshotted
// before and compared after every attempt. (Subscriptions to A's pipeline: realtime tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { graphql } from './gql/index.js';

let app: TestApp;

// A's state, in parts that each stay under the query cost limit.
const SnapDeals = graphql(`
  query IsoSnapDeals {
    deals(first: 10) { totalCount edges { node { ...IsoDeal } } }
    trash: deals(first: 10, inTrash: true) { totalCount edges { node { ...IsoDeal } } }
  }
  fragment IsoDeal on Deal {
    id name amount currency version deletedAt closedAt
    stage { id } pipeline { id } responsible { id } company { id } contacts { id } tags { id name } lossReason { id }
  }
`);

const SnapCards = graphql(`
  query IsoSnapCards {
    contacts(first: 10) { totalCount edges { node { id name version deletedAt company { id } responsible { id } tags { id name } } } }
    trashedContacts: contacts(first: 10, inTrash: true) { totalCount edges { node { id version deletedAt } } }
    companies(first: 10) { totalCount edges { node { id name version deletedAt responsible { id } tags { id name } } } }
    trashedCompanies: companies(first: 10, inTrash: true) { totalCount edges { node { id version deletedAt } } }
  }
`);

const SnapPeople = graphql(`
  query IsoSnapPeople {
    workspace { id name currency timeZone phoneRegion locale }
    users(first: 10) { totalCount edges { node { id name email active isAdmin role { id } teams { id } } } }
    teams { id name members { id } }
    roles { id name isAdmin }
    apiKeys { id name revokedAt }
  }
`);

const SnapSettings = graphql(`
  query IsoSnapSettings {
    pipelines(includeArchived: true) {
      id name archived sortOrder
      stages { id name color kind sortOrder }
      lossReasons { id name }
    }
    tags { id name }
  }
`);

async function snapshot(token: string) {
  const [d, c, p, s] = await Promise.all([
    app.ok(SnapDeals, {}, token),
    app.ok(SnapCards, {}, token),
    app.ok(SnapPeople, {}, token),
    app.ok(SnapSettings, {}, token),
  ]);
  return { ...d, ...c, ...p, ...s };
}

const Node = graphql(`
  query IsoNode($id: ID!) { node(id: $id) { __typename id } }
`);

const Nodes = graphql(`
  query IsoNodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }
`);

const Lists = graphql(`
  query IsoLists($deals: DealFilter, $contacts: ContactFilter, $companies: CompanyFilter, $users: UserFilter) {
    deals(filter: $deals) { totalCount edges { node { id } } }
    trash: deals(filter: $deals, inTrash: true) { totalCount edges { node { id } } }
    contacts(filter: $contacts) { totalCount edges { node { id } } }
    trashedContacts: contacts(filter: $contacts, inTrash: true) { totalCount edges { node { id } } }
    companies(filter: $companies) { totalCount edges { node { id } } }
    users(filter: $users) { totalCount edges { node { id } } }
  }
`);

const Catalog = graphql(`
  query IsoCatalog { pipelines(includeArchived: true) { id stages { id } lossReasons { id } } teams { id } roles { id } tags { id name } }
`);

const Me = graphql(`
  query IsoMe { me { id } }
`);

// Cards

const CreateDeal = graphql(`
  mutation IsoCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id version tags { id name } } }
      ...IsoError
    }
  }
  fragment IsoError on Error {
    __typename code message
    ... on ValidationError { fields { field message } }
    ... on NotFoundError { entity id }
  }
`);

const UpdateDeal = graphql(`
  mutation IsoUpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) { __typename ... on UpdateDealSuccess { deal { id version } } ...IsoError }
  }
`);

const MoveDeal = graphql(`
  mutation IsoMoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) { __typename ... on MoveDealSuccess { deal { id version } } ...IsoError }
  }
`);

const DeleteDeal = graphql(`
  mutation IsoDeleteDeal($id: ID!, $version: Int) {
    deleteDeal(id: $id, version: $version) { __typename ... on DeleteDealSuccess { deal { id version } } ...IsoError }
  }
`);

const RestoreDeal = graphql(`
  mutation IsoRestoreDeal($id: ID!) {
    restoreDeal(id: $id) { __typename ... on RestoreDealSuccess { deal { id } } ...IsoError }
  }
`);

const CreateContact = graphql(`
  mutation IsoCreateContact($input: CreateContactInput!) {
    createContact(input: $input) { __typename ... on CreateContactSuccess { contact { id version } } ...IsoError }
  }
`);

const UpdateContact = graphql(`
  mutation IsoUpdateContact($input: UpdateContactInput!) {
    updateContact(input: $input) { __typename ... on UpdateContactSuccess { contact { id } } ...IsoError }
  }
`);

const DeleteContact = graphql(`
  mutation IsoDeleteContact($id: ID!) {
    deleteContact(id: $id) { __typename ... on DeleteContactSuccess { contact { id } } ...IsoError }
  }
`);

const RestoreContact = graphql(`
  mutation IsoRestoreContact($id: ID!) {
    restoreContact(id: $id) { __typename ... on RestoreContactSuccess { contact { id } } ...IsoError }
  }
`);

const CreateCompany = graphql(`
  mutation IsoCreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) { __typename ... on CreateCompanySuccess { company { id version } } ...IsoError }
  }
`);

const UpdateCompany = graphql(`
  mutation IsoUpdateCompany($input: UpdateCompanyInput!) {
    updateCompany(input: $input) { __typename ... on UpdateCompanySuccess { company { id } } ...IsoError }
  }
`);

const DeleteCompany = graphql(`
  mutation IsoDeleteCompany($id: ID!) {
    deleteCompany(id: $id) { __typename ... on DeleteCompanySuccess { company { id } } ...IsoError }
  }
`);

const RestoreCompany = graphql(`
  mutation IsoRestoreCompany($id: ID!) {
    restoreCompany(id: $id) { __typename ... on RestoreCompanySuccess { company { id } } ...IsoError }
  }
`);

const EmptyTrash = graphql(`
  mutation IsoEmptyTrash {
    emptyTrash { __typename ... on EmptyTrashSuccess { data } ... on ForbiddenError { code } }
  }
`);

// Settings

const CreatePipeline = graphql(`
  mutation IsoCreatePipeline($input: CreatePipelineInput!) {
    createPipeline(input: $input) {
      __typename
      ... on CreatePipelineSuccess { pipeline { id stages { id kind } lossReasons { id } } }
      ...IsoError
    }
  }
`);

const UpdatePipeline = graphql(`
  mutation IsoUpdatePipeline($input: UpdatePipelineInput!) {
    updatePipeline(input: $input) { __typename ... on UpdatePipelineSuccess { pipeline { id } } ...IsoError }
  }
`);

const DeletePipeline = graphql(`
  mutation IsoDeletePipeline($id: ID!) {
    deletePipeline(id: $id) { __typename ... on DeletePipelineSuccess { data } ...IsoError }
  }
`);

const CreateStage = graphql(`
  mutation IsoCreateStage($input: CreateStageInput!) {
    createStage(input: $input) { __typename ... on CreateStageSuccess { stage { id } } ...IsoError }
  }
`);

const UpdateStage = graphql(`
  mutation IsoUpdateStage($input: UpdateStageInput!) {
    updateStage(input: $input) { __typename ... on UpdateStageSuccess { stage { id } } ...IsoError }
  }
`);

const DeleteStage = graphql(`
  mutation IsoDeleteStage($id: ID!) {
    deleteStage(id: $id) { __typename ... on DeleteStageSuccess { stage { id } } ...IsoError }
  }
`);

const ReorderStages = graphql(`
  mutation IsoReorderStages($pipelineId: ID!, $stageIds: [ID!]!) {
    reorderStages(pipelineId: $pipelineId, stageIds: $stageIds) { __typename ... on ReorderStagesSuccess { pipeline { id } } ...IsoError }
  }
`);

const CreateLossReason = graphql(`
  mutation IsoCreateLossReason($pipelineId: ID!, $name: String!) {
    createLossReason(pipelineId: $pipelineId, name: $name) { __typename ... on CreateLossReasonSuccess { lossReason { id } } ...IsoError }
  }
`);

const DeleteLossReason = graphql(`
  mutation IsoDeleteLossReason($id: ID!) {
    deleteLossReason(id: $id) { __typename ... on DeleteLossReasonSuccess { lossReason { id } } ...IsoError }
  }
`);

const CreateUser = graphql(`
  mutation IsoCreateUser($input: CreateUserInput!) {
    createUser(input: $input) { __typename ... on CreateUserSuccess { user { id } } ...IsoError }
  }
`);

const UpdateUser = graphql(`
  mutation IsoUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { __typename ... on UpdateUserSuccess { user { id } } ...IsoError }
  }
`);

const DeactivateUser = graphql(`
  mutation IsoDeactivateUser($id: ID!) {
    deactivateUser(id: $id) { __typename ... on DeactivateUserSuccess { user { id } } ...IsoError }
  }
`);

const ReactivateUser = graphql(`
  mutation IsoReactivateUser($id: ID!) {
    reactivateUser(id: $id) { __typename ... on ReactivateUserSuccess { user { id } } ...IsoError }
  }
`);

const CreateTeam = graphql(`
  mutation IsoCreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) { __typename ... on CreateTeamSuccess { team { id } } ...IsoError }
  }
`);

const UpdateTeam = graphql(`
  mutation IsoUpdateTeam($input: UpdateTeamInput!) {
    updateTeam(input: $input) { __typename ... on UpdateTeamSuccess { team { id } } ...IsoError }
  }
`);

const DeleteTeam = graphql(`
  mutation IsoDeleteTeam($id: ID!) {
    deleteTeam(id: $id) { __typename ... on DeleteTeamSuccess { data } ...IsoError }
  }
`);

const CreateApiKey = graphql(`
  mutation IsoCreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(name: $name, scopes: $scopes) { __typename ... on CreateApiKeySuccess { created { key apiKey { id } } } ...IsoError }
  }
`);

const RevokeApiKey = graphql(`
  mutation IsoRevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { __typename ... on RevokeApiKeySuccess { apiKey { id } } ...IsoError }
  }
`);

const UpdateWorkspace = graphql(`
  mutation IsoUpdateWorkspace($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) { __typename ... on UpdateWorkspaceSuccess { workspace { id name } } ...IsoError }
  }
`);

// Helpers

type Outcome = { __typename: string } & object;

function ok<T extends Outcome, K extends string>(r: T, typename: K): Extract<T, { __typename: K }> {
  if (r.__typename !== typename) throw new Error(`expected ${typename}, got ${JSON.stringify(r)}`);
  return r as Extract<T, { __typename: K }>;
}

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
  const t = ws.token;
  const member = await ws.member('A member');
  const team = ok((await app.ok(CreateTeam, { input: { name: 'A team', memberIds: [member.user.id] } }, t)).createTeam, 'CreateTeamSuccess').team;
  const company = ok((await app.ok(CreateCompany, { input: { name: 'A company', tags: ['A-only tag'] } }, t)).createCompany, 'CreateCompanySuccess').company;
  const contact = ok(
    (await app.ok(CreateContact, { input: { name: 'A contact', companyId: company.id, emails: ['a@a.example'] } }, t)).createContact,
    'CreateContactSuccess',
  ).contact;
  const lossReason = ok((await app.ok(CreateLossReason, { pipelineId: ws.pipeline.id, name: 'Too pricey' }, t)).createLossReason, 'CreateLossReasonSuccess').lossReason;
  const deal = ok(
    (await app.ok(CreateDeal, {
      input: { name: 'A secret deal', amount: '1000', companyId: company.id, contactIds: [contact.id], responsibleId: member.user.id, tags: ['SharedName', 'A-only tag'] },
    }, t)).createDeal,
    'CreateDealSuccess',
  ).deal;
  const trashed = ok((await app.ok(CreateDeal, { input: { name: 'A trashed deal' } }, t)).createDeal, 'CreateDealSuccess').deal;
  ok((await app.ok(DeleteDeal, { id: trashed.id }, t)).deleteDeal, 'DeleteDealSuccess');
  const trashedContact = ok((await app.ok(CreateContact, { input: { name: 'A trashed contact' } }, t)).createContact, 'CreateContactSuccess').contact;
  ok((await app.ok(DeleteContact, { id: trashedContact.id }, t)).deleteContact, 'DeleteContactSuccess');
  const trashedCompany = ok((await app.ok(CreateCompany, { input: { name: 'A trashed company' } }, t)).createCompany, 'CreateCompanySuccess').company;
  ok((await app.ok(DeleteCompany, { id: trashedCompany.id }, t)).deleteCompany, 'DeleteCompanySuccess');
  // An empty pipeline and an empty stage: deleting them would succeed, were B allowed to.
  const spare = ok(
    (await app.ok(CreatePipeline, { input: { name: 'A spare', stages: [{ name: 'One' }, { name: 'Two' }] } }, t)).createPipeline,
    'CreatePipelineSuccess',
  ).pipeline;
  return { ws, member, team, company, contact, lossReason, deal, trashed, trashedContact, trashedCompany, spare };
}

let A: Fixture;
let B: Workspace;
let bMember: Awaited<ReturnType<Workspace['member']>>;
let bKey: string;
let bDeal: { id: string; version: number };
let bContact: { id: string; version: number };
let bCompany: { id: string };
let bTeam: { id: string };
let aKey: { key: string; id: string };
let aRoles: { id: string; isAdmin: boolean }[];

beforeAll(async () => {
  app = await createTestApp();
  A = await fillA(await signUpWorkspace(app, { name: 'Workspace A' }));
  B = await signUpWorkspace(app, { name: 'Workspace B' });
  bMember = await B.member('B member');
  const k = ok((await app.ok(CreateApiKey, { name: 'B key', scopes: ['READ'] }, B.token)).createApiKey, 'CreateApiKeySuccess');
  bKey = k.created.key;
  bCompany = ok((await app.ok(CreateCompany, { input: { name: 'B company' } }, B.token)).createCompany, 'CreateCompanySuccess').company;
  bContact = ok((await app.ok(CreateContact, { input: { name: 'B contact' } }, B.token)).createContact, 'CreateContactSuccess').contact;
  bDeal = ok((await app.ok(CreateDeal, { input: { name: 'B deal' } }, B.token)).createDeal, 'CreateDealSuccess').deal;
  bTeam = ok((await app.ok(CreateTeam, { input: { name: 'B team' } }, B.token)).createTeam, 'CreateTeamSuccess').team;
  const ak = ok((await app.ok(CreateApiKey, { name: 'A key', scopes: ['WRITE'] }, A.ws.token)).createApiKey, 'CreateApiKeySuccess');
  aKey = { key: ak.created.key, id: ak.created.apiKey.id };
  aRoles = (await snapshot(A.ws.token)).roles;
});

afterAll(async () => {
  await app?.stop();
});

const snapshotA = () => snapshot(A.ws.token);
const snapshotB = () => snapshot(B.token);

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
    for (const id of ids) expect((await app.ok(Node, { id }, A.ws.token)).node?.id).toBe(id);

    const guessed = [forge('Contact', A.deal.id), forge('Deal', A.contact.id), forge('User', A.team.id), forge('Workspace', A.deal.id)];
    for (const token of [B.token, bMember.token, bKey]) {
      for (const id of [...ids, ...guessed]) {
        const r = await app.gql(Node, { id }, token);
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
      const r = await app.gql(Nodes, { ids }, token);
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
        const r = await app.ok(Lists, f, token);
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
    const mine = await app.ok(Lists, { deals: { stageIds: [a.stage] }, contacts: { companyIds: [a.company] }, users: { teamIds: [a.team] } }, A.ws.token);
    expect(mine.deals.edges.map((e) => e.node.id)).toEqual([A.deal.id]);
    expect(mine.contacts.edges.map((e) => e.node.id)).toEqual([A.contact.id]);
    expect(mine.users.edges.map((e) => e.node.id)).toEqual([a.member]);
  });

  it("pipelines, teams, roles, tags and API keys of A are not listed in B", async () => {
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
      const b = await app.ok(Catalog, {}, token);
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

  it("a tag name used in both workspaces makes two tags; each workspace finds only its own cards", async () => {
    const before = await snapshotA();
    const r = ok((await app.ok(CreateDeal, { input: { name: 'B tagged', tags: ['SharedName'] } }, B.token)).createDeal, 'CreateDealSuccess');
    const bTag = r.deal.tags[0];
    const aTag = before.tags.find((t) => t.name === 'SharedName')!;
    expect(bTag.name).toBe('SharedName');
    expect(bTag.id).not.toBe(aTag.id);
    const inB = await app.ok(Lists, { deals: { tags: ['SharedName'] } }, B.token);
    expect(inB.deals.edges.map((e) => e.node.id)).toEqual([r.deal.id]);
    const inA = await app.ok(Lists, { deals: { tags: ['SharedName'] } }, A.ws.token);
    expect(inA.deals.edges.map((e) => e.node.id)).toEqual([A.deal.id]);
    expect((await snapshotA()).tags).toEqual(before.tags);
    expect((await app.ok(Node, { id: aTag.id }, B.token)).node).toBeNull();
    // Leave B as the other tests expect it.
    ok((await app.ok(DeleteDeal, { id: r.deal.id }, B.token)).deleteDeal, 'DeleteDealSuccess');
    ok((await app.ok(EmptyTrash, {}, B.token)).emptyTrash, 'EmptyTrashSuccess');
  });
});

describe("changing another workspace's cards", () => {
  it("update, move, delete and restore of A's deal, contact and company answer NotFoundError", async () => {
    await changesNothing(async () => {
      const d = A.deal;
      for (const token of [B.token, bMember.token]) {
        const results = [
          (await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, name: 'Hijacked', amount: '1' } }, token)).updateDeal,
          (await app.ok(UpdateDeal, { input: { id: d.id, version: d.version, stageId: B.won.id } }, token)).updateDeal,
          (await app.ok(MoveDeal, { input: { id: d.id, version: d.version, stageId: B.won.id } }, token)).moveDeal,
          (await app.ok(MoveDeal, { input: { id: d.id, version: d.version, stageId: A.ws.won.id } }, token)).moveDeal,
          (await app.ok(DeleteDeal, { id: d.id }, token)).deleteDeal,
          (await app.ok(DeleteDeal, { id: d.id, version: d.version }, token)).deleteDeal,
          (await app.ok(RestoreDeal, { id: A.trashed.id }, token)).restoreDeal,
          (await app.ok(UpdateContact, { input: { id: A.contact.id, version: A.contact.version, name: 'Hijacked' } }, token)).updateContact,
          (await app.ok(DeleteContact, { id: A.contact.id }, token)).deleteContact,
          (await app.ok(RestoreContact, { id: A.trashedContact.id }, token)).restoreContact,
          (await app.ok(UpdateCompany, { input: { id: A.company.id, version: A.company.version, name: 'Hijacked' } }, token)).updateCompany,
          (await app.ok(DeleteCompany, { id: A.company.id }, token)).deleteCompany,
          (await app.ok(RestoreCompany, { id: A.trashedCompany.id }, token)).restoreCompany,
        ];
        expect(results.map(failure)).toEqual(results.map(() => notFound));
      }
    });
  });

  it("B's emptyTrash leaves A's trash alone", async () => {
    await changesNothing(async () => {
      const r = await app.ok(EmptyTrash, {}, B.token);
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
        const r = await app.ok(CreateDeal, { input: { name: 'Cross-linked', ...extra } }, B.token);
        expect({ extra, got: failure(r.createDeal) }).toEqual({ extra, got: invalid(...fields) });
      }
    });
  });

  it("createContact and createCompany with A's company or responsible are refused by field", async () => {
    await changesNothing(async () => {
      const c1 = await app.ok(CreateContact, { input: { name: 'X', companyId: A.company.id } }, B.token);
      expect(failure(c1.createContact)).toEqual(invalid('companyId'));
      const c2 = await app.ok(CreateContact, { input: { name: 'X', responsibleId: A.ws.admin.id, companyId: A.company.id } }, bMember.token);
      expect(failure(c2.createContact)).toEqual(invalid('companyId', 'responsibleId'));
      const co = await app.ok(CreateCompany, { input: { name: 'X', responsibleId: A.member.user.id } }, B.token);
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
        const r = await app.ok(UpdateDeal, { input: { id: bDeal.id, version: v, name: 'Changed', ...extra } }, B.token);
        expect({ extra, got: failure(r.updateDeal) }).toEqual({ extra, got: invalid(...fields) });
      }
      const m = await app.ok(MoveDeal, { input: { id: bDeal.id, version: v, stageId: A.ws.won.id } }, B.token);
      expect(failure(m.moveDeal)).toEqual(invalid('stageId'));
      const c = await app.ok(UpdateContact, { input: { id: bContact.id, version: bContact.version, companyId: A.company.id } }, B.token);
      expect(failure(c.updateContact)).toEqual(invalid('companyId'));
    });
  });

  it("users and teams cannot take A's teams, roles or people", async () => {
    const adminRoleA = aRoles.find((r) => r.isAdmin)!.id;
    await changesNothing(async () => {
      const u1 = await app.ok(CreateUser, { input: { email: 'iso-x1@example.com', name: 'X', password: 'long enough pw', teamIds: [A.team.id] } }, B.token);
      expect(failure(u1.createUser)).toEqual(invalid('teamIds[0]'));
      const u2 = await app.ok(CreateUser, { input: { email: 'iso-x2@example.com', name: 'X', password: 'long enough pw', roleId: adminRoleA } }, B.token);
      expect(failure(u2.createUser)).toEqual(invalid('roleId'));
      const u3 = await app.ok(UpdateUser, { input: { id: bMember.user.id, roleId: adminRoleA } }, B.token);
      expect(failure(u3.updateUser)).toEqual(invalid('roleId'));
      const u4 = await app.ok(UpdateUser, { input: { id: bMember.user.id, teamIds: [bTeam.id, A.team.id] } }, B.token);
      expect(failure(u4.updateUser)).toEqual(invalid('teamIds[1]'));
      const t1 = await app.ok(CreateTeam, { input: { name: 'Poachers', memberIds: [A.member.user.id] } }, B.token);
      expect(failure(t1.createTeam)).toEqual(invalid('memberIds[0]'));
      const t2 = await app.ok(UpdateTeam, { input: { id: bTeam.id, memberIds: [bMember.user.id, A.ws.admin.id] } }, B.token);
      expect(failure(t2.updateTeam)).toEqual(invalid('memberIds[1]'));
    });
  });
});

describe("B's administrator and A's settings", () => {
  it("pipeline, stage and loss-reason mutations on A's rows answer NotFoundError or ValidationError", async () => {
    const emptyStage = A.spare.stages.find((s) => s.kind === 'OPEN')!;
    const bPipeline = (await snapshotB()).pipelines[0];
    await changesNothing(async () => {
      const t = B.token;
      const results = [
        [(await app.ok(UpdatePipeline, { input: { id: A.ws.pipeline.id, name: 'Mine', archived: true } }, t)).updatePipeline, notFound],
        [(await app.ok(DeletePipeline, { id: A.spare.id }, t)).deletePipeline, notFound],
        [(await app.ok(CreateStage, { input: { pipelineId: A.ws.pipeline.id, name: 'Injected' } }, t)).createStage, invalid('pipelineId')],
        [(await app.ok(UpdateStage, { input: { id: A.ws.open[0].id, name: 'Renamed' } }, t)).updateStage, notFound],
        [(await app.ok(DeleteStage, { id: emptyStage.id }, t)).deleteStage, notFound],
        [(await app.ok(ReorderStages, { pipelineId: A.spare.id, stageIds: [...A.spare.stages].reverse().map((s) => s.id) }, t)).reorderStages, invalid('pipelineId')],
        [
          (await app.ok(ReorderStages, { pipelineId: bPipeline.id, stageIds: [...bPipeline.stages.slice(1).map((s) => s.id), A.ws.open[0].id] }, t)).reorderStages,
          invalid(`stageIds[${bPipeline.stages.length - 1}]`),
        ],
        [(await app.ok(CreateLossReason, { pipelineId: A.ws.pipeline.id, name: 'Injected' }, t)).createLossReason, invalid('pipelineId')],
        [(await app.ok(DeleteLossReason, { id: A.lossReason.id }, t)).deleteLossReason, notFound],
      ] as const;
      for (const [r, expected] of results) expect(failure(r)).toEqual(expected);
    });
  });

  it("user, team and API-key mutations on A's rows answer NotFoundError; A keeps working", async () => {
    await changesNothing(async () => {
      const t = B.token;
      const results = [
        (await app.ok(UpdateUser, { input: { id: A.member.user.id, name: 'Hijacked' } }, t)).updateUser,
        (await app.ok(UpdateUser, { input: { id: A.ws.admin.id, email: 'stolen@example.com' } }, t)).updateUser,
        (await app.ok(DeactivateUser, { id: A.ws.admin.id }, t)).deactivateUser,
        (await app.ok(DeactivateUser, { id: A.member.user.id }, t)).deactivateUser,
        (await app.ok(ReactivateUser, { id: A.member.user.id }, t)).reactivateUser,
        (await app.ok(UpdateTeam, { input: { id: A.team.id, name: 'Hijacked', memberIds: [] } }, t)).updateTeam,
        (await app.ok(DeleteTeam, { id: A.team.id }, t)).deleteTeam,
        (await app.ok(RevokeApiKey, { id: aKey.id }, t)).revokeApiKey,
      ];
      expect(results.map(failure)).toEqual(results.map(() => notFound));
    });
    // A's people and key still sign in and work.
    expect((await app.ok(Me, {}, A.member.token)).me.id).toBe(A.member.user.id);
    expect((await app.ok(Me, {}, aKey.key)).me.id).toBe(A.ws.admin.id);
  });

  it("updateWorkspace changes only B's own workspace", async () => {
    const before = await snapshotA();
    const r = await app.ok(UpdateWorkspace, { input: { name: 'Workspace B renamed', currency: 'EUR' } }, B.token);
    expect(ok(r.updateWorkspace, 'UpdateWorkspaceSuccess').workspace.id).toBe((await snapshotB()).workspace.id);
    expect(await snapshotA()).toEqual(before);
    await app.ok(UpdateWorkspace, { input: { name: 'Workspace B' } }, B.token);
  });
});
