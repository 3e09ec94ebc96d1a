// The real server as an operator runs it: `npm start` (node running the server's bundle, built for the tests in dist/test-server/) in a child process, configured
// only by environment. First start on an empty DATA_DIR (migrate, seed, print URL and demo login),
// health and readiness, GraphiQL, a large XLSX read by the bundled reader thread, a restart that keeps data and does not seed again, graceful
// shutdown with a request in flight, bad configuration. (PostgreSQL via DATABASE_URL: test/postgres/server.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { APART_FROM } from '../src/modules/imports/read-apart.js';
import { COUNTS, doc, gql, LOGIN, ok, OVERVIEW, SIGN_UP, spawnServer, started, stop, tempDir, killSpawned, type Exit, type Server } from './kit/server.js';

afterAll(killSpawned, 30_000);

/** The rows of the XLSX imported through the server. */
const ROWS = 1_000;

describe('the embedded server (PGlite in DATA_DIR)', () => {
  const dataDir = tempDir();
  // The server's temporary directory: uploads are written there as they arrive.
  const tmp = tempDir();
  let server: Server;
  let banner: Awaited<ReturnType<typeof started>>;
  let firstQueryMs: number;

  beforeAll(async () => {
    server = spawnServer({ PORT: '0', DATA_DIR: dataDir, TMPDIR: tmp });
    // A loaded machine (several suites on 2 cores) may take several times an idle one's seconds.
    banner = await started(server, 110_000);
    const r = await gql(banner.url, doc<{ __typename: string }>('{ __typename }'));
    firstQueryMs = performance.now() - server.spawnedAt;
    expect(r).toEqual({ data: { __typename: 'Query' } });
    console.log(`spawn to first served query on a fresh DATA_DIR (template copy, demo seed): ${Math.round(firstQueryMs)} ms`);
  }, 120_000);

  it('prints the GraphQL URL and the demo login', () => {
    expect(banner.url).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
    expect(new URL(banner.url).port).not.toBe('0');
    expect(banner.database).toContain(dataDir);
    expect(banner.demo).toEqual({ email: expect.stringContaining('@'), password: expect.any(String) });
    expect(firstQueryMs).toBeGreaterThan(0);
  });

  it('the demo admin logs in and sees the seeded workspace: pipeline, deals over several stages, contacts, companies, users, teams', async () => {
    const { login } = await ok(banner.url, LOGIN, { input: banner.demo });
    expect(login.user).toMatchObject({ email: banner.demo!.email, isAdmin: true });
    const data = await ok(banner.url, OVERVIEW, undefined, login.token);

    const pipeline = data.pipelines.find((p: { name: string }) => p.name === 'Основная воронка')!;
    expect(pipeline, JSON.stringify(data.pipelines)).toBeDefined();
    expect(pipeline.stages).toHaveLength(11);
    expect(pipeline.stages[0]).toEqual({ name: 'Заявка', kind: 'OPEN' });
    expect(pipeline.stages.slice(-2).map((s: { kind: string }) => s.kind)).toEqual(['WON', 'LOST']);

    expect(data.deals.totalCount).toBeGreaterThanOrEqual(100);
    const stagesUsed = new Set(data.deals.edges.map((e: { node: { stage: { name: string } } }) => e.node.stage.name));
    expect(stagesUsed.size).toBeGreaterThanOrEqual(4);
    expect(data.contacts.totalCount).toBeGreaterThan(0);
    expect(data.companies.totalCount).toBeGreaterThan(0);
    expect(data.users.totalCount).toBeGreaterThanOrEqual(4);
    expect(data.teams).toHaveLength(2);
    expect(data.teams.every((t: { members: unknown[] }) => t.members.length > 0)).toBe(true);
  });

  it('GET /health and GET /ready answer 200', async () => {
    const origin = new URL(banner.url).origin;
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    expect((await fetch(`${origin}/ready`)).status).toBe(200);
  });

  it('serves GraphiQL on GET /graphql to a browser', async () => {
    const res = await fetch(banner.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect((await res.text()).toLowerCase()).toContain('graphiql');
  });

  it('imports an XLSX large enough to be read in a worker thread, whose entry is bundled beside the server', async () => {
    const { login } = await ok(banner.url, LOGIN, { input: banner.demo });
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Контакты');
    sheet.addRow(['Имя', 'Телефон', 'Не поле CRM']);
    // A column no field matches (left out, with a note) holds text that does not compress, so a
    // file of few rows passes the size from which a thread reads it.
    for (let i = 1; i <= ROWS; i++) sheet.addRow([`Контакт ${i}`, `+7 900 ${String(i).padStart(7, '0')}`, randomBytes(1200).toString('base64')]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    expect(bytes.length).toBeGreaterThanOrEqual(APART_FROM);

    const form = new FormData();
    const operations = {
      query: `mutation ($file: Upload!) { startImport(file: $file, entityType: CONTACT, options: { dryRun: true }) { __typename ... on StartImportSuccess { import { id } } ... on Error { message } } }`,
      variables: { file: null },
    };
    form.append('operations', JSON.stringify(operations));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new File([bytes], 'contacts.xlsx'));
    const res = await fetch(banner.url, { method: 'POST', headers: { authorization: `Bearer ${login.token}` }, body: form });
    const started = (await res.json()) as { data: { startImport: { __typename: string; import: { id: string } } } };
    expect(started.data.startImport.__typename).toBe('StartImportSuccess');

    const PROGRESS = doc<{ importProgress: { status: string; rowsRead: number; created: number; failed: number } }>(
      `query ($id: ID!) { importProgress(id: $id) { status rowsRead created failed } }`,
    );
    let progress: Awaited<ReturnType<typeof ok<(typeof PROGRESS)['__result'] & object>>>['importProgress'] | undefined;
    await expect
      .poll(
        async () => {
          progress = (await ok(banner.url, PROGRESS, { id: started.data.startImport.import.id }, login.token)).importProgress;
          return progress.status;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toMatch(/DONE|FAILED|CANCELLED/);
    expect(progress).toEqual({ status: 'DONE', rowsRead: ROWS, created: ROWS, failed: 0 });
  }, 90_000);

  it("takes an import file past FILE_MAX_MB and yoga's 25 MB body limit (an attachment is refused), written to disk as it arrives: the server's memory does not grow with it, and no temporary file stays", async () => {
    const { login } = await ok(banner.url, LOGIN, { input: banner.demo });
    // 80 MB of people, one column (the file is 5 million rows; the run is cancelled).
    const size = 80 << 20;
    const text = 'Имя\n' + 'Контакт из файла\n'.repeat(Math.ceil(size / Buffer.byteLength('Контакт из файла\n')));
    const file = new File([text], 'people.csv', { type: 'text/csv' });
    const send = (query: string) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables: { file: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', file);
      return fetch(banner.url, { method: 'POST', headers: { authorization: `Bearer ${login.token}` }, body: form });
    };
    const START = (options: string) =>
      `mutation ($file: Upload!) { startImport(file: $file, entityType: CONTACT, options: ${options}) { __typename ... on StartImportSuccess { import { id } } ... on ValidationError { fields { field message } } } }`;
    // The server's memory while the file arrives: an import refused for its mapping once the whole
    // file is in (the resolver runs after the body is read), so no run adds its own.
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))![1]) * 1024;
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 2);
    const refused = await (await send(START('{ mapping: [{ column: "Имя", field: "no such field" }] }'))).json();
    clearInterval(sampler);
    expect(refused).toEqual({
      data: { startImport: { __typename: 'ValidationError', fields: [{ field: 'options.mapping[0].field', message: 'нет поля «no such field»' }] } },
    });
    console.log(`server RSS while a ${size >> 20} MB import file arrived: +${((peak - before) / 2 ** 20).toFixed(1)} MB`);
    // Held in memory (as yoga's own parser does) it would be the file's size at least; as it is,
    // what grows is the chunks' garbage and the allocator's free pages (measured at 80 MB: +16–40
    // MB, the more the busier the machine).
    expect(peak - before).toBeLessThan(size * 0.75);

    // The same file taken: stored whole, and its run reads it until it is cancelled.
    const started = await (await send(START('{}'))).json();
    expect(started.data.startImport.__typename).toBe('StartImportSuccess');
    const id = started.data.startImport.import.id;
    const PROGRESS = doc<{ importProgress: { status: string; created: number } }>(`query ($id: ID!) { importProgress(id: $id) { status created } }`);
    await expect
      .poll(async () => (await ok(banner.url, PROGRESS, { id }, login.token)).importProgress.created, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    const cancelled = await ok<{ cancelImport: { __typename: string } }>(
      banner.url,
      `mutation ($id: ID!) { cancelImport(id: $id) { __typename } }`,
      { id },
      login.token,
    );
    expect(cancelled.cancelImport.__typename).toBe('CancelImportSuccess');
    await expect
      .poll(async () => (await ok(banner.url, PROGRESS, { id }, login.token)).importProgress.status, { timeout: 60_000, interval: 100 })
      .toBe('CANCELLED');
    const stored = readdirSync(join(dataDir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.parentPath.endsWith('imports'));
    expect(stored.map((e) => statSync(join(e.parentPath, e.name)).size)).toContain(Buffer.byteLength(text));

    // An attachment of that size is refused while it arrives.
    const attached = await send(`mutation ($file: Upload!) { uploadFile(file: $file) { __typename } }`);
    expect(attached.status).toBe(413);
    expect(await attached.json()).toEqual({
      errors: [{ message: `File size limit exceeded: ${25 * 2 ** 20 + 1} bytes`, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }],
    });
    const uploads = () => readdirSync(tmp).filter((n) => n.startsWith('crm-upload-'));
    expect(uploads()).toEqual([]);

    // A client that breaks off halfway through its file leaves nothing behind either.
    const half = httpRequest(banner.url, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b', authorization: `Bearer ${login.token}` },
    });
    half.on('error', () => undefined);
    const part = (name: string, head: string) => `--b\r\ncontent-disposition: form-data; name="${name}"${head}\r\n\r\n`;
    half.write(part('operations', '') + JSON.stringify({ query: START('{}'), variables: { file: null } }) + '\r\n');
    half.write(part('map', '') + JSON.stringify({ 0: ['variables.file'] }) + '\r\n');
    half.write(part('0', '; filename="half.csv"\r\ncontent-type: text/csv') + text.slice(0, 4 << 20));
    await expect.poll(uploads, { timeout: 10_000, interval: 20 }).toHaveLength(1);
    half.destroy();
    await expect.poll(uploads, { timeout: 10_000, interval: 20 }).toEqual([]);
  }, 120_000);

  it('a restart on the same DATA_DIR keeps a deal created before and does not seed again', async () => {
    const { login } = await ok(banner.url, LOGIN, { input: banner.demo });
    const before = await ok(banner.url, COUNTS, undefined, login.token);
    const created = await ok<{ createDeal: { __typename: string; deal: { id: string; name: string } } }>(
      banner.url,
      `mutation ($input: CreateDealInput!) { createDeal(input: $input) { __typename ... on CreateDealSuccess { deal { id name } } ... on Error { message } } }`,
      { input: { name: 'Made before the restart', amount: '4200.00' } },
      login.token,
    );
    expect(created.createDeal.__typename).toBe('CreateDealSuccess');
    const dealId = created.createDeal.deal.id;

    expect(await stop(server)).toEqual({ code: 0, signal: null });

    server = spawnServer({ PORT: '0', DATA_DIR: dataDir, TMPDIR: tmp });
    banner = await started(server);
    expect(banner.demo).not.toBeNull();
    const again = (await ok(banner.url, LOGIN, { input: banner.demo })).login;
    const after = await ok(banner.url, COUNTS, undefined, again.token);
    expect(after).toEqual({ ...before, deals: { totalCount: before.deals.totalCount + 1 } });
    const { node } = await ok<{ node: unknown }>(
      banner.url,
      `query ($id: ID!) { node(id: $id) { ... on Deal { id name amount } } }`,
      { id: dealId },
      again.token,
    );
    expect(node).toEqual({ id: dealId, name: 'Made before the restart', amount: '4200.00' });
    expect(server.out()).not.toMatch(/demo workspace seeded|migrations applied/);
  }, 60_000);

  it('SIGTERM during a slow in-flight request lets it finish, then exits 0', async () => {
    // The request goes over a connection the server has already served (so it has certainly
    // been accepted), and its body arrives in two parts with the signal in between; signUp then
    // hashes a password (argon2) before answering.
    const body = JSON.stringify({
      query: SIGN_UP,
      variables: {
        input: { workspaceName: 'Signed up while stopping', name: 'Late', email: `late.${Date.now()}@example.com`, password: 'correct horse battery' },
      },
    });
    const url = new URL(banner.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, headers: Record<string, string | number>, write: (req: ClientRequest) => void) =>
      new Promise<{ status: number; text: string; reused: boolean }>((resolveRes, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d) => (text += d));
          res.on('end', () => resolveRes({ status: res.statusCode!, text, reused: req.reusedSocket }));
          res.on('error', reject);
        });
        req.on('error', reject);
        write(req);
      });
    let stoppedTakingWork = false;
    try {
      expect((await send('GET', '/health', {}, (req) => req.end())).status).toBe(200);
      const response = send('POST', url.pathname, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, (req) => {
        const half = Math.floor(body.length / 2);
        req.write(body.slice(0, half));
        setTimeout(async () => {
          server.proc.kill('SIGTERM');
          // Send the rest only once the server has stopped taking new connections.
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline) {
            const refused = await fetch(`${url.origin}/health`).then(
              () => false,
              () => true,
            );
            if (refused) {
              stoppedTakingWork = true;
              break;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          req.end(body.slice(half));
        }, 300);
      });
      const res = await response;
      expect(res.reused).toBe(true);
      expect(stoppedTakingWork, 'new connections were still accepted after SIGTERM').toBe(true);
      expect(res.status).toBe(200);
      const json = JSON.parse(res.text);
      expect(json.errors).toBeUndefined();
      expect(json.data.signUp.__typename).toBe('SignUpSuccess');
      expect(json.data.signUp.session.token).toEqual(expect.any(String));
    } finally {
      agent.destroy();
    }
    expect(await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])).toEqual({ code: 0, signal: null });
    expect(server.out()).toMatch(/shutting down[\s\S]*stopped/);
  }, 60_000);
});

describe('a data folder that is not a database', () => {
  it('stops the server with a message naming it, and leaves its files alone', async () => {
    // What a start killed before the data directory existed whole could have left, with the old
    // in-place initdb; now initdb works beside it and renames the result into place.
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'pgdata'), { recursive: true });
    writeFileSync(join(dataDir, 'pgdata', 'postgresql.conf'), '# half made\n');
    const server = spawnServer({ DATA_DIR: dataDir });
    const exit = await Promise.race([
      server.exited,
      new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${server.out()}`)), 45_000)),
    ]);
    expect(exit.code).toBe(1);
    expect(server.err()).toContain(`${join(dataDir, 'pgdata')} holds files but no database (no PG_VERSION)`);
    expect(readdirSync(join(dataDir, 'pgdata'))).toEqual(['postgresql.conf']);
  }, 60_000);
});

describe('bad configuration stops the server with a message naming the variable', () => {
  const aFile = join(tempDir(), 'not-a-folder');
  writeFileSync(aFile, 'data\n');
  it.each([
    ['PORT', 'abc'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATA_DIR', aFile],
  ])(
    '%s=%s',
    async (name, value) => {
      const server = spawnServer({ DATA_DIR: tempDir(), [name]: value });
      const exit = await Promise.race([
        server.exited,
        new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error(`still running:\n${server.out()}`)), 45_000)),
      ]);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(server.err()).toContain('Invalid configuration');
      expect(server.err()).toMatch(new RegExp(`${name}: .*\\(got "${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\)`));
      expect(server.out()).not.toMatch(/CRM GraphQL API/);
    },
    60_000,
  );
});
