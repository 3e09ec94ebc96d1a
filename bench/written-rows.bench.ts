// A batch of new cards written, its rows answered two ways (src/lib/written-rows.ts): made from
// the values sent, PostgreSQL answering the ids and the columns left to their defaults (what the
// kernel does), against every column read back from the INSERT's RETURNING and decoded by the
// driver and Prisma (what it did before). Batches of 1,000 contacts shaped as an import writes
// them (10 custom values, their slot copies, phones, e-mails), the two ways interleaved ABBA on one
// scratch database so the ratio holds on a noisy machine.
//
//   npm run bench:written-rows -- [--batches 30] [--pg postgresql://…]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuMsOf, scratchDatabase } from './kit.js';
import { openDatabase } from '../src/db.js';
import { insertRowsReturning } from '../src/lib/bulk-insert.js';
import { NOW_COLUMNS, RETURNING } from '../src/kernel/records.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '30' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const BATCHES = Number(values.batches);
const ROWS = 1000;

const scratch = await scratchDatabase(values.pg!, 'crm_bench_written');
const database = await openDatabase({ kind: 'postgres', url: scratch.url });
const admin = new pg.Client({ connectionString: scratch.url });
try {
  await database.migrate();
  await admin.connect();
  const db = database.prisma;
  const ws = await db.workspace.create({ data: { name: 'Bench' } });
  const role = await db.role.create({ data: { workspaceId: ws.id, name: 'Admin', isAdmin: true } });
  const user = await db.user.create({ data: { workspaceId: ws.id, email: 'bench@example.com', name: 'Bench', passwordHash: '-', roleId: role.id } });

  let n = 0;
  const batch = () =>
    Array.from({ length: ROWS }, () => {
      n++;
      return {
        workspaceId: ws.id,
        name: `Person ${n}`,
        phones: [`+7912${String(n).padStart(7, '0')}`],
        emails: [`person${n}@example.com`],
        searchText: `person ${n} person${n}@example.com 7912${n}`,
        responsibleId: user.id,
        createdById: user.id,
        updatedById: user.id,
        customFields: {
          '1': `Source ${n % 30}`,
          '2': `REF-${n}`,
          '3': `City ${n % 500}`,
          '4': String(n % 1000),
          '5': `${n % 100}.5`,
          '6': { a: `${1000 + n}.00`, c: 'RUB' },
          '7': '1990-01-02',
          '8': 'option',
          '9': n % 2 === 0,
          '10': `Met at the fair, row ${n}`,
        },
        cfText1: `Source ${n % 30}`,
        cfText2: `REF-${n}`,
        cfText3: `City ${n % 500}`,
        cfNumber1: String(n % 1000),
        cfNumber2: `${n % 100}.5`,
        cfNumber3: `${1000 + n}.00`,
        cfDate1: new Date('1990-01-02T00:00:00Z'),
        cfBool1: n % 2 === 0,
      };
    });

  /** CPU ms of this database's backends (the pool's; /proc counts in ticks of 10 ms). */
  async function backendsMs() {
    const pids = (await admin.query(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`)).rows.map(
      (r) => r.pid as number,
    );
    // A backend gone meanwhile counts nothing.
    return pids.reduce((ms, pid) => ms + (cpuMsOf(`/proc/${pid}/stat`) ?? 0), 0);
  }

  const ways = [
    { name: 'made from what was sent (the kernel)', readBack: false },
    { name: 'read back from RETURNING (baseline)', readBack: true },
  ];
  const totals = ways.map(() => ({ cpu: 0, pg: 0, wall: 0 }));
  const one = async (k: number) => {
    const rows = batch();
    const pg0 = await backendsMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await db.$transaction((tx) =>
      insertRowsReturning(tx, 'Contact', rows, { ids: true, now: NOW_COLUMNS.CONTACT, returning: RETURNING.CONTACT, readBack: ways[k].readBack }),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) / 1000, pg: (await backendsMs()) - pg0, wall };
  };
  // Warm-up: both ways, untimed.
  for (let i = 0; i < 5; i++) for (const k of [0, 1]) await one(k);
  for (let i = 0; i < BATCHES; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      const r = await one(k);
      totals[k].cpu += r.cpu;
      totals[k].pg += r.pg;
      totals[k].wall += r.wall;
    }
  }

  console.log(`\n${BATCHES} batches of ${ROWS.toLocaleString('en-US')} contacts each way, interleaved; per batch (ms):\n`);
  console.log('| rows answered | this process, CPU | PostgreSQL, CPU | wall |');
  console.log('| --- | --- | --- | --- |');
  const per = (x: number) => (x / BATCHES).toFixed(1);
  for (const [k, w] of ways.entries()) console.log(`| ${w.name} | ${per(totals[k].cpu)} | ${per(totals[k].pg)} | ${per(totals[k].wall)} |`);
  const ratio = (f: 'cpu' | 'pg' | 'wall') => (totals[0][f] / totals[1][f]).toFixed(2);
  console.log(`| ratio, made ÷ read back | ${ratio('cpu')} | ${ratio('pg')} | ${ratio('wall')} |`);
} finally {
  await admin.end().catch(() => {});
  await database.close();
  await scratch.drop();
}
