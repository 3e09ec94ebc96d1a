// Optimistic concurrency through the public API: every update carries the version it read; a
// stale one gets ConflictError with the current version and writes nothing, and of two writes
// racing from the same version exactly one wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { signUpWorkspace, type Workspace } from './kit/workspace.js';
import { graphql } from './gql/index.js';
import { as, type Typed } from './kit/results.js';

let app: TestApp;
let ws: Workspace;
beforeAll(async () => {
  app = await createTestApp();
  ws = await signUpWorkspace(app);
});
afterAll(async () => {
  await app?.stop();
});

void graphql(`
  fragment CcDealFields on Deal {
    id name amount version closedAt stageEnteredAt deletedAt updatedAt
    stage { id } contacts { id } tags { name } responsible { id }
  }
`);

void graphql(`
  fragment CcErrorFields on Error {
    __typename code message
    ... on ConflictError { currentVersion }
    ... on ValidationError { fields { field message } }
  }
`);

const CreateDeal = graphql(`
  mutation CcCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { ...CcDealFields } } ...CcErrorFields }
  }
`);
const UpdateDeal = graphql(`
  mutation CcUpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) { __typename ... on UpdateDealSuccess { deal { ...CcDealFields } } ...CcErrorFields }
  }
`);
const MoveDeal = graphql(`
  mutation CcMoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) { __typename ... on MoveDealSuccess { deal { ...CcDealFields } } ...CcErrorFields }
  }
`);
const DeleteDeal = graphql(`
  mutation CcDeleteDeal($id: ID!, $version: Int) {
    deleteDeal(id: $id, version: $version) { __typename ... on DeleteDealSuccess { deal { ...CcDealFields } } ...CcErrorFields }
  }
`);
const DealNode = graphql(`
  query CcDeal($id: ID!) { node(id: $id) { ... on Deal { ...CcDealFields } } }
`);

const CreateContact = graphql(`
  mutation CcCreateContact($input: CreateContactInput!) {
    createContact(input: $input) { __typename ... on CreateContactSuccess { contact { id name version emails updatedAt } } ...CcErrorFields }
  }
`);
const UpdateContact = graphql(`
  mutation CcUpdateContact($input: UpdateContactInput!) {
    updateContact(input: $input) { __typename ... on UpdateContactSuccess { contact { id name version emails updatedAt } } ...CcErrorFields }
  }
`);
const DeleteContact = graphql(`
  mutation CcDeleteContact($id: ID!, $version: Int) {
    deleteContact(id: $id, version: $version) { __typename ... on DeleteContactSuccess { contact { id version deletedAt } } ...CcErrorFields }
  }
`);
const ContactNode = graphql(`
  query CcContact($id: ID!) { node(id: $id) { ... on Contact { id name version emails updatedAt deletedAt } } }
`);

const CreateCompany = graphql(`
  mutation CcCreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) { __typename ... on CreateCompanySuccess { company { id name version website updatedAt } } ...CcErrorFields }
  }
`);
const UpdateCompany = graphql(`
  mutation CcUpdateCompany($input: UpdateCompanyInput!) {
    updateCompany(input: $input) { __typename ... on UpdateCompanySuccess { company { id name version website updatedAt } } ...CcErrorFields }
  }
`);
const DeleteCompany = graphql(`
  mutation CcDeleteCompany($id: ID!, $version: Int) {
    deleteCompany(id: $id, version: $version) { __typename ... on DeleteCompanySuccess { company { id version deletedAt } } ...CcErrorFields }
  }
`);
const CompanyNode = graphql(`
  query CcCompany($id: ID!) { node(id: $id) { ... on Company { id name version website updatedAt deletedAt } } }
`);


async function newDeal(name = 'Order') {
  return as((await app.ok(CreateDeal, { input: { name, amount: '100', tags: ['start'] } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
}
const readDeal = async (id: string) => (await app.ok(DealNode, { id }, ws.token)).node;
const readContact = async (id: string) => (await app.ok(ContactNode, { id }, ws.token)).node;
const readCompany = async (id: string) => (await app.ok(CompanyNode, { id }, ws.token)).node;

/** Of racing results, exactly one succeeded and every other one is a conflict at the winner's version. */
function oneWinner<T extends Typed>(results: T[], success: string, winnerVersion: number) {
  const wins = results.filter((r) => r.__typename === success);
  const losers = results.filter((r) => r.__typename !== success);
  expect(wins, JSON.stringify(results)).toHaveLength(1);
  for (const l of losers) {
    expect(l, JSON.stringify(l)).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT', currentVersion: winnerVersion });
  }
  return { winner: wins[0], winnerIndex: results.indexOf(wins[0]) };
}

describe('stale versions', () => {
  it('refuses a deal update or move carrying a stale version and changes nothing', async () => {
    const d = await newDeal();
    const v2 = as((await app.ok(UpdateDeal, { input: { id: d.id, version: 1, name: 'Renamed' } }, ws.token)).updateDeal, 'UpdateDealSuccess').deal;
    expect(v2.version).toBe(2);

    const stale = as(
      (await app.ok(UpdateDeal, { input: { id: d.id, version: 1, name: 'Overwrite', amount: '1', tags: ['x'] } }, ws.token)).updateDeal,
      'ConflictError',
    );
    expect(stale).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(stale.message).toMatch(/version 2/);
    const staleMove = as(
      (await app.ok(MoveDeal, { input: { id: d.id, version: 1, stageId: ws.won.id } }, ws.token)).moveDeal,
      'ConflictError',
    );
    expect(staleMove.currentVersion).toBe(2);
    // A version from the future is no better.
    as((await app.ok(UpdateDeal, { input: { id: d.id, version: 3, name: 'Future' } }, ws.token)).updateDeal, 'ConflictError');
    const staleDelete = as((await app.ok(DeleteDeal, { id: d.id, version: 1 }, ws.token)).deleteDeal, 'ConflictError');
    expect(staleDelete.currentVersion).toBe(2);
    expect(await readDeal(d.id)).toEqual(v2);

    // Reloading and sending the current version goes through.
    const v3 = as((await app.ok(MoveDeal, { input: { id: d.id, version: stale.currentVersion, stageId: ws.won.id } }, ws.token)).moveDeal, 'MoveDealSuccess').deal;
    expect(v3).toMatchObject({ version: 3, stage: { id: ws.won.id }, name: 'Renamed' });
  });

  it('refuses a stale contact or company update or delete and changes nothing', async () => {
    const c = as((await app.ok(CreateContact, { input: { name: 'Ivan', emails: ['a@example.com'] } }, ws.token)).createContact, 'CreateContactSuccess').contact;
    const c2 = as((await app.ok(UpdateContact, { input: { id: c.id, version: 1, name: 'Ivan P.' } }, ws.token)).updateContact, 'UpdateContactSuccess').contact;
    const sc = as((await app.ok(UpdateContact, { input: { id: c.id, version: 1, emails: ['b@example.com'] } }, ws.token)).updateContact, 'ConflictError');
    expect(sc.currentVersion).toBe(2);
    expect(as((await app.ok(DeleteContact, { id: c.id, version: 1 }, ws.token)).deleteContact, 'ConflictError').currentVersion).toBe(2);
    expect(await readContact(c.id)).toEqual({ ...c2, deletedAt: null });

    const co = as((await app.ok(CreateCompany, { input: { name: 'Acme' } }, ws.token)).createCompany, 'CreateCompanySuccess').company;
    const co2 = as((await app.ok(UpdateCompany, { input: { id: co.id, version: 1, website: 'acme.example' } }, ws.token)).updateCompany, 'UpdateCompanySuccess').company;
    const sco = as((await app.ok(UpdateCompany, { input: { id: co.id, version: 1, name: 'Stale' } }, ws.token)).updateCompany, 'ConflictError');
    expect(sco.currentVersion).toBe(2);
    expect(as((await app.ok(DeleteCompany, { id: co.id, version: 1 }, ws.token)).deleteCompany, 'ConflictError').currentVersion).toBe(2);
    expect(await readCompany(co.id)).toEqual({ ...co2, deletedAt: null });

    // With the current version the delete goes through.
    expect(as((await app.ok(DeleteCompany, { id: co.id, version: 2 }, ws.token)).deleteCompany, 'DeleteCompanySuccess').company.version).toBe(3);
  });
});

describe('racing writes from the same version', () => {
  it('lets exactly one of two concurrent moveDeal calls through', async () => {
    for (let round = 0; round < 5; round++) {
      const d = await newDeal(`Race ${round}`);
      const targets = [ws.open[1].id, ws.won.id];
      const results = await Promise.all(
        targets.map(async (stageId) => (await app.ok(MoveDeal, { input: { id: d.id, version: 1, stageId } }, ws.token)).moveDeal),
      );
      const { winner, winnerIndex } = oneWinner(results, 'MoveDealSuccess', 2);
      const won = as(winner, 'MoveDealSuccess').deal;
      expect(won.stage.id).toBe(targets[winnerIndex]);
      // What is stored is the winner's move, and only it.
      expect(await readDeal(d.id)).toEqual(won);
      expect(won.closedAt === null).toBe(targets[winnerIndex] !== ws.won.id);
    }
  });

  it('lets exactly one of two concurrent updateDeal calls through, and keeps none of the loser’s fields', async () => {
    const contacts = [];
    for (const name of ['A', 'B', 'C']) {
      contacts.push(as((await app.ok(CreateContact, { input: { name } }, ws.token)).createContact, 'CreateContactSuccess').contact.id);
    }
    for (let round = 0; round < 5; round++) {
      const d = await newDeal(`Update race ${round}`);
      const inputs = [
        { id: d.id, version: 1, name: 'First', amount: '111', tags: ['one'], contactIds: [contacts[0], contacts[1]] },
        { id: d.id, version: 1, name: 'Second', amount: '222', tags: ['two', 'three'], contactIds: [contacts[2]] },
      ];
      const results = await Promise.all(inputs.map(async (input) => (await app.ok(UpdateDeal, { input }, ws.token)).updateDeal));
      const { winner, winnerIndex } = oneWinner(results, 'UpdateDealSuccess', 2);
      const won = as(winner, 'UpdateDealSuccess').deal;
      const input = inputs[winnerIndex];
      expect(won).toMatchObject({ name: input.name, amount: `${input.amount}.00`, version: 2 });
      expect(won.tags.map((t) => t.name).sort()).toEqual([...input.tags].sort());
      expect(won.contacts.map((c) => c.id)).toEqual(input.contactIds);
      expect(await readDeal(d.id)).toEqual(won);
    }
  });

  it('lets exactly one of a move and an update racing from the same version through', async () => {
    for (let round = 0; round < 3; round++) {
      const d = await newDeal(`Mixed ${round}`);
      const results = await Promise.all([
        app.ok(MoveDeal, { input: { id: d.id, version: 1, stageId: ws.lost.id } }, ws.token).then((r) => r.moveDeal),
        app.ok(UpdateDeal, { input: { id: d.id, version: 1, amount: '999' } }, ws.token).then((r) => r.updateDeal),
      ]);
      const ok = results.filter((r) => r.__typename === 'MoveDealSuccess' || r.__typename === 'UpdateDealSuccess');
      expect(ok, JSON.stringify(results)).toHaveLength(1);
      const conflict = results.find((r) => r.__typename === 'ConflictError');
      expect(conflict).toMatchObject({ currentVersion: 2 });
      const now = await readDeal(d.id);
      if (results[0].__typename === 'MoveDealSuccess') expect(now).toMatchObject({ stage: { id: ws.lost.id }, amount: '100.00', version: 2 });
      else expect(now).toMatchObject({ stage: { id: d.stage.id }, amount: '999.00', closedAt: null, version: 2 });
    }
  });

  it('lets exactly one of many concurrent writers through', async () => {
    const d = await newDeal('Crowd');
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        (await app.ok(UpdateDeal, { input: { id: d.id, version: 1, name: `Writer ${i}` } }, ws.token)).updateDeal,
      ),
    );
    const { winnerIndex } = oneWinner(results, 'UpdateDealSuccess', 2);
    expect(await readDeal(d.id)).toMatchObject({ name: `Writer ${winnerIndex}`, version: 2 });
  });

  it('lets exactly one of a delete and an update racing from the same version through', async () => {
    const d = await newDeal('Delete race');
    const results = await Promise.all([
      app.ok(DeleteDeal, { id: d.id, version: 1 }, ws.token).then((r) => r.deleteDeal),
      app.ok(UpdateDeal, { input: { id: d.id, version: 1, name: 'Still here' } }, ws.token).then((r) => r.updateDeal),
    ]);
    const ok = results.filter((r) => r.__typename === 'DeleteDealSuccess' || r.__typename === 'UpdateDealSuccess');
    expect(ok, JSON.stringify(results)).toHaveLength(1);
    const loser = results.find((r) => r.__typename !== 'DeleteDealSuccess' && r.__typename !== 'UpdateDealSuccess');
    // The loser either lost the race on the version, or found the deal already in the trash.
    expect(['ConflictError', 'NotFoundError']).toContain(loser?.__typename);
    const now = await readDeal(d.id);
    if (results[0].__typename === 'DeleteDealSuccess') expect(now).toMatchObject({ name: 'Delete race', deletedAt: expect.any(String), version: 2 });
    else expect(now).toMatchObject({ name: 'Still here', deletedAt: null, version: 2 });
  });

  it('lets exactly one of two concurrent contact or company updates through', async () => {
    for (let round = 0; round < 3; round++) {
      const c = as((await app.ok(CreateContact, { input: { name: `Person ${round}` } }, ws.token)).createContact, 'CreateContactSuccess').contact;
      const emails = [['one@example.com'], ['two@example.com']];
      const rc = await Promise.all(
        emails.map(async (e) => (await app.ok(UpdateContact, { input: { id: c.id, version: 1, emails: e } }, ws.token)).updateContact),
      );
      const { winnerIndex: wc } = oneWinner(rc, 'UpdateContactSuccess', 2);
      expect(await readContact(c.id)).toMatchObject({ emails: emails[wc], version: 2 });

      const co = as((await app.ok(CreateCompany, { input: { name: `Firm ${round}` } }, ws.token)).createCompany, 'CreateCompanySuccess').company;
      const sites = ['https://one.example', 'https://two.example'];
      const rco = await Promise.all(
        sites.map(async (website) => (await app.ok(UpdateCompany, { input: { id: co.id, version: 1, website } }, ws.token)).updateCompany),
      );
      const { winnerIndex: wco } = oneWinner(rco, 'UpdateCompanySuccess', 2);
      expect(await readCompany(co.id)).toMatchObject({ website: sites[wco], version: 2 });
    }
  });
});
