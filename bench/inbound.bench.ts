// Inbound benchmark (issue 12): web form submissions with duplicate matching against many
// existing contacts (100,000 by default), against a bare INSERT of the same lead row in the same
// run; and `duplicates` for one contact among them, against the bare index lookup of its phone.
// On PostgreSQL, in a scratch database of its own.
//
//   npm run bench:inbound -- [--contacts 100000] [--submissions 400] [--lookups 200] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--keep]
//
// The contacts get names drawn from 40 first names × 60 last names (so a name has about 40 lookalikes
// per 100,000: what the trigram search must sift), a phone and an e-mail each. Half the submissions
// carry the phone of an existing contact (they attach to it), half are new people.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { measure, scratchDatabase, benchWorkspace } from './kit.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';
import type { ServiceCtx } from '../src/context.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { createWebForm, submitForm } from '../src/modules/web-forms/web-forms.service.js';
import { duplicatesOf } from '../src/modules/leads/duplicates.service.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    submissions: { type: 'string', default: '400' },
    lookups: { type: 'string', default: '200' },
    pg: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
  },
});
const contacts = Number(values.contacts);
const submissions = Number(values.submissions);
const lookups = Number(values.lookups);

const FIRST =
  'Иван Пётр Анна Мария Олег Ольга Сергей Елена Дмитрий Наталья Алексей Ирина Николай Татьяна Андрей Светлана Михаил Юлия Павел Ксения Роман Дарья Егор Алина Антон Вера Илья Полина Максим Софья Артём Виктория Кирилл Алиса Денис Ульяна Глеб Нина Лев Зоя'.split(
    ' ',
  );
const LAST =
  'Петров Иванов Сидоров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов'.split(
    ' ',
  );

const { url, drop } = await scratchDatabase(values.pg!, 'crm_bench_inbound');
const database = await openDatabase({ kind: 'postgres', url });
const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', SEED_DEMO: 'false', DATABASE_URL: url, OUTBOX_DISPATCH: 'false' });
const app = await buildApp(config, { database, logger: createLogger('silent') });
const db = database.prisma;

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99) };
};

try {
  const session = await benchWorkspace(app.deps);
  const ws = session.workspaceId;
  const viewer = (await viewerOfUser(db, session.userId, 'session'))!;
  const ctx: ServiceCtx = { db, deps: app.deps, viewer };

  console.log(`seeding ${contacts} contacts on PostgreSQL…`);
  const t0 = performance.now();
  await db.$executeRawUnsafe(
    `insert into "Contact" (id, "workspaceId", name, phones, emails, "responsibleId", "searchText")
     select gen_random_uuid(), $1::uuid, ($3::text[])[i % 40 + 1] || ' ' || ($4::text[])[(i / 40) % 60 + 1],
            array['+7916' || lpad(i::text, 7, '0')], array['c' || i || '@example.com'], $2::uuid, ''
     from generate_series(1, ${contacts}) i`,
    ws,
    session.userId,
    FIRST,
    LAST,
  );
  // VACUUM as autovacuum would soon after such a bulk insert: it moves the GIN indexes' pending
  // lists (here ~100,000 phones, e-mails and names' trigrams not yet merged into the index
  // proper) into the index. Without it every GIN lookup reads the whole pending list (~12 ms for
  // one phone), and the planner, costing that, prefers a sequential scan.
  await db.$executeRawUnsafe('vacuum analyze "Contact"');
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // 1. duplicates for one contact among them, against the bare lookup of its phone through the index.
  const sample = await db.$queryRawUnsafe<{ id: string; phone: string }[]>(
    `select id::text as id, phones[1] as phone from "Contact" where "workspaceId" = $1::uuid order by random() limit ${lookups}`,
    ws,
  );
  let k = 0;
  const bare = await measure(async () => {
    const s = sample[k++ % sample.length];
    await db.$queryRawUnsafe(`select id from "Contact" where "workspaceId" = $1::uuid and phones && array[$2] and "deletedAt" is null limit 20`, ws, s.phone);
  }, lookups);
  k = 0;
  let found = 0;
  const dups = await measure(async () => {
    found += (await duplicatesOf(ctx, 'CONTACT', sample[k++ % sample.length].id)).length;
  }, lookups);

  // 2. form submissions: a LEAD form (name, phone, e-mail, message), each matched against the contacts.
  const form = await createWebForm(ctx, {
    name: 'Bench form',
    target: 'LEAD',
    fields: [
      { name: 'name', target: 'NAME', required: true },
      { name: 'phone', target: 'PHONE' },
      { name: 'email', target: 'EMAIL' },
      { name: 'message', target: 'MESSAGE' },
    ],
  });
  const row = (i: number) => ({
    name: `${FIRST[(i * 7) % 40]} ${LAST[(i * 11) % 60]}`,
    // Even: an existing contact's phone (it attaches); odd: a new person.
    phone: i % 2 === 0 ? `+7916${String((i * 37) % contacts).padStart(7, '0')}` : `+7925${String(i).padStart(7, '0')}`,
    email: `visitor${i}.${randomUUID().slice(0, 6)}@example.org`,
    message: 'Please call me back',
  });
  const insertTimes: number[] = [];
  const t1 = performance.now();
  for (let i = 0; i < submissions; i++) {
    const r = row(i);
    const s = performance.now();
    await db.$executeRawUnsafe(
      `insert into "IncomingLead" (id, "workspaceId", source, channel, name, phones, emails, message, "responsibleId", "searchText")
       values (gen_random_uuid(), $1::uuid, 'FORM', 'Bench form', $2, array[$3], array[$4], $5, $6::uuid, '')`,
      ws,
      r.name,
      r.phone,
      r.email,
      r.message,
      session.userId,
    );
    insertTimes.push(performance.now() - s);
  }
  const insertRate = submissions / ((performance.now() - t1) / 1000);
  const submitTimes: number[] = [];
  let attached = 0;
  const t2 = performance.now();
  for (let i = 0; i < submissions; i++) {
    const r = row(i + submissions);
    const s = performance.now();
    const out = await submitForm(app.deps, form, {
      values: { name: [r.name], phone: [r.phone], email: [r.email], message: [r.message] },
      files: {},
    });
    submitTimes.push(performance.now() - s);
    if (out.attachedToExisting) attached++;
  }
  const submitRate = submissions / ((performance.now() - t2) / 1000);
  const ins = summary(insertTimes);
  const sub = summary(submitTimes);

  const f = (x: number) => x.toFixed(2);
  console.log(
    `\nload average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; ${contacts} contacts`,
  );
  console.log('\n| | this project | bare SQL, same run | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| duplicates(CONTACT, id), p50 / p99 ms | ${f(dups.p50)} / ${f(dups.p99)} | ${f(bare.p50)} / ${f(bare.p99)} (phone lookup) | ${(dups.p50 / bare.p50).toFixed(1)}× |`,
  );
  console.log(
    `| form submission with duplicate matching: per s; p50 / p99 ms | ${submitRate.toFixed(0)}/s; ${f(sub.p50)} / ${f(sub.p99)} | ${insertRate.toFixed(0)}/s; ${f(ins.p50)} / ${f(ins.p99)} (INSERT of the lead row) | ${(submitRate / insertRate).toFixed(3)}× |`,
  );
  console.log(
    `\n${(found / lookups).toFixed(1)} duplicates per looked-up contact on average (similar names); ${attached} of ${submissions} submissions attached to an existing contact`,
  );
  console.log(`goal: duplicates p50 <= 20 ms: ${dups.p50 <= 20 ? 'met' : 'NOT met'}`);
} finally {
  await app.stop();
  await database.close();
  if (!values.keep) await drop();
}
