// Optimistic concurrency through the public API: every update carries the version it read; a
// stale one gets ConflictError with the current version and writes nothing, and of two writes
// racing from the same version exactly one wins.
import { describe, expect, it, test, type Workspace } from './kit/fixtures.js';
import { as, type Typed } from './kit/results.js';
import { readCompany as nodeCompany, readContact as nodeContact, readDeal as nodeDeal } from './kit/cards.js';
import { CreateDeal, DeleteDeal, MoveDeal, UpdateDeal } from './kit/documents/deals.js';
import { CreateContact, DeleteContact, UpdateContact } from './kit/documents/contacts.js';
import { CreateCompany, DeleteCompany, UpdateCompany } from './kit/documents/companies.js';

// One workspace for the file: each test writes cards of its own.
let ws: Workspace;
test.beforeAll(async ({ signUp }) => {
  ws = await signUp();
});

async function newDeal(name = 'Order') {
  return as((await ws.gql(CreateDeal, { input: { name, amount: '100', tags: ['start'] } })).createDeal, 'CreateDealSuccess').deal;
}
// As node(id) reads them, comparable with what the mutations answer.
const readDeal = async (id: string) => nodeDeal(ws, id).then(({ __typename, ...deal }) => deal);
const readContact = async (id: string) => nodeContact(ws, id).then(({ __typename, ...contact }) => contact);
const readCompany = async (id: string) => nodeCompany(ws, id).then(({ __typename, ...company }) => company);

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
    const v2 = as((await ws.gql(UpdateDeal, { input: { id: d.id, version: 1, name: 'Renamed' } })).updateDeal, 'UpdateDealSuccess').deal;
    expect(v2.version).toBe(2);

    const stale = as((await ws.gql(UpdateDeal, { input: { id: d.id, version: 1, name: 'Overwrite', amount: '1', tags: ['x'] } })).updateDeal, 'ConflictError');
    expect(stale).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(stale.message).toMatch(/version 2/);
    const staleMove = as((await ws.gql(MoveDeal, { input: { id: d.id, version: 1, stageId: ws.won.id } })).moveDeal, 'ConflictError');
    expect(staleMove.currentVersion).toBe(2);
    // A version from the future is no better.
    as((await ws.gql(UpdateDeal, { input: { id: d.id, version: 3, name: 'Future' } })).updateDeal, 'ConflictError');
    const staleDelete = as((await ws.gql(DeleteDeal, { id: d.id, version: 1 })).deleteDeal, 'ConflictError');
    expect(staleDelete.currentVersion).toBe(2);
    expect(await readDeal(d.id)).toEqual(v2);

    // Reloading and sending the current version goes through.
    const v3 = as((await ws.gql(MoveDeal, { input: { id: d.id, version: stale.currentVersion, stageId: ws.won.id } })).moveDeal, 'MoveDealSuccess').deal;
    expect(v3).toMatchObject({ version: 3, stage: { id: ws.won.id }, name: 'Renamed' });
  });

  it('refuses a stale contact or company update or delete and changes nothing', async () => {
    const c = as((await ws.gql(CreateContact, { input: { name: 'Ivan', emails: ['a@example.com'] } })).createContact, 'CreateContactSuccess').contact;
    const c2 = as((await ws.gql(UpdateContact, { input: { id: c.id, version: 1, name: 'Ivan P.' } })).updateContact, 'UpdateContactSuccess').contact;
    const sc = as((await ws.gql(UpdateContact, { input: { id: c.id, version: 1, emails: ['b@example.com'] } })).updateContact, 'ConflictError');
    expect(sc.currentVersion).toBe(2);
    expect(as((await ws.gql(DeleteContact, { id: c.id, version: 1 })).deleteContact, 'ConflictError').currentVersion).toBe(2);
    expect(await readContact(c.id)).toEqual({ ...c2, deletedAt: null });

    const co = as((await ws.gql(CreateCompany, { input: { name: 'Acme' } })).createCompany, 'CreateCompanySuccess').company;
    const co2 = as((await ws.gql(UpdateCompany, { input: { id: co.id, version: 1, website: 'acme.example' } })).updateCompany, 'UpdateCompanySuccess').company;
    const sco = as((await ws.gql(UpdateCompany, { input: { id: co.id, version: 1, name: 'Stale' } })).updateCompany, 'ConflictError');
    expect(sco.currentVersion).toBe(2);
    expect(as((await ws.gql(DeleteCompany, { id: co.id, version: 1 })).deleteCompany, 'ConflictError').currentVersion).toBe(2);
    expect(await readCompany(co.id)).toEqual({ ...co2, deletedAt: null });

    // With the current version the delete goes through.
    expect(as((await ws.gql(DeleteCompany, { id: co.id, version: 2 })).deleteCompany, 'DeleteCompanySuccess').company.version).toBe(3);
  });
});

describe('racing writes from the same version', () => {
  it('lets exactly one of two concurrent moveDeal calls through', async () => {
    for (let round = 0; round < 5; round++) {
      const d = await newDeal(`Race ${round}`);
      const targets = [ws.open[1].id, ws.won.id];
      const results = await Promise.all(targets.map(async (stageId) => (await ws.gql(MoveDeal, { input: { id: d.id, version: 1, stageId } })).moveDeal));
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
      contacts.push(as((await ws.gql(CreateContact, { input: { name } })).createContact, 'CreateContactSuccess').contact.id);
    }
    for (let round = 0; round < 5; round++) {
      const d = await newDeal(`Update race ${round}`);
      const inputs = [
        { id: d.id, version: 1, name: 'First', amount: '111', tags: ['one'], contactIds: [contacts[0], contacts[1]] },
        { id: d.id, version: 1, name: 'Second', amount: '222', tags: ['two', 'three'], contactIds: [contacts[2]] },
      ];
      const results = await Promise.all(inputs.map(async (input) => (await ws.gql(UpdateDeal, { input })).updateDeal));
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
        ws.gql(MoveDeal, { input: { id: d.id, version: 1, stageId: ws.lost.id } }).then((r) => r.moveDeal),
        ws.gql(UpdateDeal, { input: { id: d.id, version: 1, amount: '999' } }).then((r) => r.updateDeal),
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
      Array.from({ length: 6 }, async (_, i) => (await ws.gql(UpdateDeal, { input: { id: d.id, version: 1, name: `Writer ${i}` } })).updateDeal),
    );
    const { winnerIndex } = oneWinner(results, 'UpdateDealSuccess', 2);
    expect(await readDeal(d.id)).toMatchObject({ name: `Writer ${winnerIndex}`, version: 2 });
  });

  it('lets exactly one of a delete and an update racing from the same version through', async () => {
    const d = await newDeal('Delete race');
    const results = await Promise.all([
      ws.gql(DeleteDeal, { id: d.id, version: 1 }).then((r) => r.deleteDeal),
      ws.gql(UpdateDeal, { input: { id: d.id, version: 1, name: 'Still here' } }).then((r) => r.updateDeal),
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
      const c = as((await ws.gql(CreateContact, { input: { name: `Person ${round}` } })).createContact, 'CreateContactSuccess').contact;
      const emails = [['one@example.com'], ['two@example.com']];
      const rc = await Promise.all(emails.map(async (e) => (await ws.gql(UpdateContact, { input: { id: c.id, version: 1, emails: e } })).updateContact));
      const { winnerIndex: wc } = oneWinner(rc, 'UpdateContactSuccess', 2);
      expect(await readContact(c.id)).toMatchObject({ emails: emails[wc], version: 2 });

      const co = as((await ws.gql(CreateCompany, { input: { name: `Firm ${round}` } })).createCompany, 'CreateCompanySuccess').company;
      const sites = ['https://one.example', 'https://two.example'];
      const rco = await Promise.all(sites.map(async (website) => (await ws.gql(UpdateCompany, { input: { id: co.id, version: 1, website } })).updateCompany));
      const { winnerIndex: wco } = oneWinner(rco, 'UpdateCompanySuccess', 2);
      expect(await readCompany(co.id)).toMatchObject({ website: sites[wco], version: 2 });
    }
  });
});
