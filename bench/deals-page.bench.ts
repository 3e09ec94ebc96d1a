// Deals page benchmark: the GraphQL `deals` page (50 deals with contacts, company, responsible,
// stage, tags) against the same data read by one hand-written Prisma findMany with the same
// includes, measured in the same run so the ratio holds on a noisy machine.
//
//   npm run bench:deals-page -- [--rows 10000] [--iterations 200] [--pg postgresql://…]
//
// Without --pg it runs on an in-memory PGlite; with --pg it creates a scratch database there.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { measure, scratchDatabase, benchWorkspace } from './kit.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '10000' }, iterations: { type: 'string', default: '200' }, pg: { type: 'string' } },
});
const rows = Number(values.rows);
const iterations = Number(values.iterations);

const scratch = values.pg ? await scratchDatabase(values.pg) : undefined;
const url = scratch?.url;
const dropDb = scratch?.drop;

const database = await openDatabase(url ? { kind: 'postgres', url } : { kind: 'pglite' });
const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...(url ? { DATABASE_URL: url } : {}) });
const app = await buildApp(config, { database, logger: createLogger('silent') });
const db = database.prisma;

const session = await benchWorkspace(app.deps);
const ws = session.workspaceId;
const user = await db.user.findFirstOrThrow({ where: { workspaceId: ws } });
const stages = await db.stage.findMany({ where: { workspaceId: ws } });
const tags = await Promise.all(['VIP', 'Hot', 'Tender'].map((name) => db.tag.create({ data: { workspaceId: ws, name } })));

console.log(`seeding ${rows} deals (${rows / 2} contacts, ${rows / 10} companies) on ${url ? 'PostgreSQL' : 'PGlite'}…`);
const t0 = performance.now();
const companies = Array.from({ length: rows / 10 }, (_, i) => ({
  id: randomUUID(),
  workspaceId: ws,
  name: `Company ${i}`,
  responsibleId: user.id,
  phones: ['+74951234567'],
}));
const contacts = Array.from({ length: rows / 2 }, (_, i) => ({
  id: randomUUID(),
  workspaceId: ws,
  name: `Person ${i}`,
  responsibleId: user.id,
  companyId: companies[i % companies.length].id,
  phones: ['+79123456789'],
  emails: [`p${i}@example.com`],
}));
for (let i = 0; i < companies.length; i += 5000) await db.company.createMany({ data: companies.slice(i, i + 5000) });
for (let i = 0; i < contacts.length; i += 5000) await db.contact.createMany({ data: contacts.slice(i, i + 5000) });
const deals = Array.from({ length: rows }, (_, i) => ({
  id: randomUUID(),
  workspaceId: ws,
  name: `Deal ${i}`,
  amount: String((i * 7919) % 1_000_000),
  currency: 'RUB',
  pipelineId: stages[0].pipelineId,
  stageId: stages[i % stages.length].id,
  responsibleId: user.id,
  companyId: companies[i % companies.length].id,
}));
for (let i = 0; i < deals.length; i += 5000) await db.deal.createMany({ data: deals.slice(i, i + 5000) });
const links = deals.flatMap((d, i) => [
  { dealId: d.id, contactId: contacts[i % contacts.length].id, position: 0 },
  { dealId: d.id, contactId: contacts[(i + 1) % contacts.length].id, position: 1 },
]);
for (let i = 0; i < links.length; i += 5000) await db.dealContact.createMany({ data: links.slice(i, i + 5000) });
const tagLinks = deals.map((d, i) => ({ dealId: d.id, tagId: tags[i % tags.length].id }));
for (let i = 0; i < tagLinks.length; i += 5000) await db.dealTag.createMany({ data: tagLinks.slice(i, i + 5000) });
console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const query = `query Page($after: String) { deals(first: 50, after: $after, orderBy: [{ field: AMOUNT, direction: DESC }]) {
  pageInfo { endCursor }
  edges { node { id name amount stage { id name kind } responsible { id name } company { id name }
    contacts { id name phones { e164 } } tags { id name } } } } }`;

async function viaGraphql() {
  const res = await app.yoga.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: { deals: { edges: unknown[] } }; errors?: unknown };
  if (!body.data || body.data.deals.edges.length !== 50) throw new Error(JSON.stringify(body.errors));
}

async function viaPrisma() {
  const page = await db.deal.findMany({
    where: { workspaceId: ws, deletedAt: null },
    orderBy: [{ amount: 'desc' }, { id: 'desc' }],
    take: 51,
    include: {
      stage: true,
      responsible: true,
      company: true,
      contacts: { where: { contact: { deletedAt: null } }, orderBy: { position: 'asc' }, include: { contact: true } },
      tags: { include: { tag: true } },
    },
  });
  JSON.stringify(page);
}

// Interleave the two so drift on a busy machine hits both alike.
const g1 = await measure(viaGraphql, iterations);
const p1 = await measure(viaPrisma, iterations);
const g2 = await measure(viaGraphql, iterations);
const p2 = await measure(viaPrisma, iterations);
const g = { p50: Math.min(g1.p50, g2.p50), p95: Math.min(g1.p95, g2.p95) };
const p = { p50: Math.min(p1.p50, p2.p50), p95: Math.min(p1.p95, p2.p95) };

console.log(`\ndeals page, 50 of ${rows} deals with relations, ${iterations} iterations × 2, ${url ? 'PostgreSQL' : 'PGlite'}`);
console.log('| path | p50 ms | p95 ms | p50 ratio |');
console.log('| --- | --- | --- | --- |');
console.log(`| Prisma findMany with includes (baseline) | ${p.p50.toFixed(2)} | ${p.p95.toFixed(2)} | 1.00 |`);
console.log(`| GraphQL deals page (auth included, no totalCount) | ${g.p50.toFixed(2)} | ${g.p95.toFixed(2)} | ${(g.p50 / p.p50).toFixed(2)} |`);

await app.stop();
await dropDb?.();
