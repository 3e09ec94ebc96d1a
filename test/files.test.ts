// Files: GraphQL multipart uploads stored under DATA_DIR, size and type limits with clear errors,
// attachments in the card's timeline, FILE custom field values naming uploaded files, and
// downloads at GET /files/<id> only for those whose rights let them see the file.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { describe, expect, testWith, type TestApp } from './kit/fixtures.js';
import { as } from './kit/results.js';
import { createDeal, defineField, readDeal } from './kit/cards.js';
import { CreateDeal, DeleteDeal, UpdateDeal } from './kit/documents/deals.js';
import { Node } from './kit/documents/cards.js';
import { Timeline } from './kit/documents/timeline.js';
import { AttachmentNode, Attachments, UploadFile as Upload } from './kit/documents/files.js';
import { SetFieldAccess } from './kit/documents/users.js';
import type { Workspace } from './kit/workspace.js';
import type { Client } from './kit/app.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-files-'));
// FILE_MAX_MB=1: one MiB is the most a file may have.
const it = testWith({ DATA_DIR: dataDir, FILE_MAX_MB: '1', FILE_TYPES: 'application/pdf,image/*,text/plain' });
let app: TestApp;
let origin: string;
it.beforeAll(async ({ app: fileApp }) => {
  app = fileApp;
  origin = new URL(await app.start()).origin;
});
it.afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** What uploadFile answers, as the raw multipart response carries it. */
type UploadResult = {
  __typename: string;
  attachment: { id: string; url: string; name: string; cardId: string | null; [k: string]: unknown };
  [k: string]: unknown;
};

/** Sends uploadFile as a GraphQL multipart request. */
async function upload(ws: { token: string }, file: File, cardId?: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(Upload), variables: { file: null, cardId: cardId ?? null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file);
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${ws.token}` }, body: form });
  const body = (await res.json()) as { data?: { uploadFile: UploadResult }; errors?: { message: string }[] };
  return { status: res.status, data: body.data?.uploadFile, errors: body.errors };
}

const pdf = (name = 'contract.pdf', bytes = 2048) => new File([new Uint8Array(bytes).fill(37)], name, { type: 'application/pdf' });
/** How many files the storage folder holds (one folder per workspace). */
const stored = () =>
  existsSync(join(dataDir, 'files')) ? readdirSync(join(dataDir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;

async function download(url: string, token?: string) {
  return fetch(`${origin}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('uploads', () => {
  let ws: Workspace;
  let dealId: string;
  it.beforeAll(async ({ signUp }) => {
    ws = await signUp();
    dealId = (await createDeal(ws, { name: 'With files' })).id;
  });

  it('stores a file attached to a deal, lists it, shows it in the timeline, and serves it back byte for byte', async () => {
    const bytes = new Uint8Array(3000).map((_, i) => i % 251);
    const r = await upload(ws, new File([bytes], 'Договор №1.pdf', { type: 'application/pdf' }), dealId);
    expect(r.errors).toBeUndefined();
    const a = r.data!.attachment;
    expect(a).toMatchObject({ name: 'Договор №1.pdf', contentType: 'application/pdf', size: 3000, cardId: dealId, uploadedBy: { name: 'Admin' } });
    expect((await ws.gql(Attachments, { cardId: dealId })).attachments.map(({ name, size }) => ({ name, size }))).toEqual([
      { name: 'Договор №1.pdf', size: 3000 },
    ]);
    const entries = (await ws.gql(Timeline, { cardId: dealId, first: 10 })).timeline.edges.map((e) => e.node);
    expect(entries[0]).toMatchObject({ kind: 'ATTACHMENT', attachment: { id: a.id, name: 'Договор №1.pdf' } });

    const res = await download(a.url, ws.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('Договор №1.pdf'));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it('refuses a file over the size limit, of a refused type, or empty, and stores nothing', async () => {
    const before = stored();
    const big = await upload(ws, pdf('big.pdf', 1024 * 1024 + 10), dealId);
    // Over the limit the request is cut off while it streams in.
    expect(big.data).toBeUndefined();
    expect(big.status).toBe(413);
    expect(big.errors).toEqual([{ message: expect.stringMatching(/size limit/i), extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }]);
    const exe = await upload(ws, new File([new Uint8Array(10)], 'setup.exe', { type: 'application/x-msdownload' }), dealId);
    expect(exe.data).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'file', message: expect.stringMatching(/application\/x-msdownload.*not accepted/) }],
    });
    const empty = await upload(ws, new File([], 'empty.txt', { type: 'text/plain' }), dealId);
    expect(empty.data).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'file', message: 'is empty' }] });
    // Just under the limit passes.
    expect((await upload(ws, pdf('edge.pdf', 1024 * 1024))).data).toMatchObject({ __typename: 'UploadFileSuccess' });
    expect(stored()).toBe(before + 1);
    // None of the refused ones was attached to the deal.
    expect((await ws.gql(Attachments, { cardId: dealId })).attachments.map((x) => x.name)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/big|setup|empty/)]),
    );
  });

  it('reads a multipart request with its files on disk: malformed requests refused with the reason, a body of another kind cut off past 25 MB, no temporary file left', async () => {
    const post = async (body: BodyInit, type?: string) => {
      const res = await app.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${ws.token}`, ...(type ? { 'content-type': type } : {}) },
        body,
      });
      return { status: res.status, body: (await res.json()) as { data?: { uploadFile: UploadResult }; errors?: { message: string }[] } };
    };
    const form = (parts: [string, string | File][]) => {
      const f = new FormData();
      for (const [k, v] of parts) f.append(k, v);
      return f;
    };
    const operations = JSON.stringify({ query: print(Upload), variables: { file: null, cardId: dealId } });
    const map = JSON.stringify({ 0: ['variables.file'] });
    // Two files for one variable in one request, the second mapped: the one mapped is attached.
    const two = await post(
      form([
        ['operations', operations],
        ['map', JSON.stringify({ 1: ['variables.file'] })],
        ['0', pdf('first.pdf')],
        ['1', pdf('second.pdf', 3)],
      ]),
    );
    expect(two.body.data?.uploadFile).toMatchObject({ __typename: 'UploadFileSuccess', attachment: { name: 'second.pdf', size: 3 } });
    const refused: [[string, string][], string][] = [
      [[['map', map]], 'Missing multipart form field "operations"'],
      [
        [
          ['operations', '{'],
          ['map', map],
        ],
        'Multipart form field "operations" must be a valid JSON string',
      ],
      [
        [
          ['operations', operations],
          ['map', '['],
        ],
        'Multipart form field "map" must be a valid JSON string',
      ],
    ];
    for (const [fields, message] of refused) expect((await post(form([...fields, ['0', pdf()]]))).body.errors).toEqual([expect.objectContaining({ message })]);
    const eleven = await post(
      form([['operations', operations], ['map', map], ...Array.from({ length: 11 }, (_, i): [string, File] => [String(i), pdf(`${i}.pdf`, 10)])]),
    );
    expect([eleven.status, eleven.body.errors]).toEqual([
      400,
      [{ message: 'POST body sent invalid multipart data: Files limit exceeded: 10', extensions: { code: 'BAD_REQUEST' } }],
    ]);
    const noBoundary = await post('x', 'multipart/form-data');
    expect([noBoundary.status, noBoundary.body.errors]).toEqual([
      400,
      [expect.objectContaining({ message: expect.stringMatching(/^POST body sent invalid multipart data: .*[Bb]oundary/) })],
    ]);
    const broken = await post('--x\r\ncontent-disposition: form-data; name="operations"\r\n\r\n{}', 'multipart/form-data; boundary=x');
    expect(broken.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^POST body sent invalid multipart data: /) })]);
    // A JSON body keeps yoga's limit.
    const json = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(25_000_000) } });
    expect((await post(json, 'application/json')).status).toBe(413);
    expect((await post(new Blob([json]).stream() as unknown as BodyInit, 'application/json')).body.errors).toEqual([
      { message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } },
    ]);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`crm-upload-${process.pid}-`))).toEqual([]);
  });

  it('refuses a card in the trash or of another workspace, and a malformed card id', async ({ signUp }) => {
    const gone = as((await ws.gql(CreateDeal, { input: { name: 'Gone' } })).createDeal, 'CreateDealSuccess').deal.id;
    await ws.gql(DeleteDeal, { id: gone });
    expect((await upload(ws, pdf(), gone)).data).toMatchObject({ __typename: 'NotFoundError', code: 'IN_TRASH' });
    const other = await signUp();
    const theirs = as((await other.gql(CreateDeal, { input: { name: 'Theirs' } })).createDeal, 'CreateDealSuccess').deal.id;
    expect((await upload(ws, pdf(), theirs)).data).toMatchObject({ __typename: 'NotFoundError' });
    expect((await upload(ws, pdf(), 'nonsense')).data).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'cardId' }] });
    expect((await other.gql(Attachments, { cardId: theirs })).attachments).toEqual([]);
  });

  it('serves a file only to signed-in users of its workspace', async ({ signUp }) => {
    const a = (await upload(ws, pdf('secret.pdf'), dealId)).data!.attachment;
    expect((await download(a.url)).status).toBe(401);
    expect((await download(a.url, 'crm_s_not-a-token')).status).toBe(401);
    const other = await signUp();
    const res = await download(a.url, other.token);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('secret');
    expect((await download('/files/nonsense', ws.token)).status).toBe(404);
    const member = await ws.member();
    expect((await download(a.url, member.token)).status).toBe(200);
  });
});

describe('FILE custom fields', () => {
  it('take the id of an uploaded file of the workspace, and nothing else', async ({ workspace: ws, signUp }) => {
    const field = await defineField(ws, { entityType: 'DEAL', type: 'FILE', name: 'Signed contract' });
    const a = (await upload(ws, pdf('signed.pdf', 500))).data!.attachment;
    const d = as(
      (await ws.gql(CreateDeal, { input: { name: 'Signed', customFields: [{ fieldId: field.id, value: { fileId: a.id } }] } })).createDeal,
      'CreateDealSuccess',
    ).deal;
    expect(d.customFields).toEqual([
      { __typename: 'FileFieldValue', field: { id: field.id, code: field.code }, fileId: a.id, file: { id: a.id, name: 'signed.pdf', size: 500 } },
    ]);

    const other = await signUp();
    const theirs = (await upload(other, pdf('theirs.pdf'))).data!.attachment;
    const refused = (await ws.gql(CreateDeal, { input: { name: 'Stolen', customFields: [{ fieldId: field.id, value: { fileId: theirs.id } }] } })).createDeal;
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'customFields[0].value.fileId', message: expect.stringContaining('no such file') }],
    });
    const malformed = (await ws.gql(CreateDeal, { input: { name: 'Bad', customFields: [{ fieldId: field.id, value: { fileId: 'x' } }] } })).createDeal;
    expect(malformed).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'customFields[0].value.fileId' }] });
  });
});

/** A file's name and the card it is attached to, as a user sees them. */
async function attachmentCard(c: Client, id: string) {
  const node = as((await c.gql(AttachmentNode, { id })).node!, 'Attachment');
  return { name: node.name, cardId: node.cardId };
}

describe('rights on files', () => {
  it("follow the card a file is attached to, or a visible card's visible FILE field; the uploader and administrators always", async ({ workspace: ws }) => {
    const olga = await ws.member('Olga');
    const peer = await ws.member('Peer');
    const rights = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
      (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({
        entityType,
        action,
        scope: entityType === 'DEAL' ? ('OWN' as const) : ('ALL' as const),
      })),
    );
    const role = { id: await ws.giveRole(olga.user.id, 'Own deals', rights) };
    const contract = await defineField(ws, { entityType: 'DEAL', type: 'FILE', name: 'Contract' });
    const seen = async (a: { id: string; url: string }, token: string) => {
      const status = (await download(a.url, token)).status;
      const node = (await app.as(token).gql(Node, { id: a.id })).node;
      expect(node === null, `node(id) and download disagree (${status})`).toBe(status === 404);
      return status;
    };

    // A file attached to a deal Olga may not see.
    const theirs = as((await ws.gql(CreateDeal, { input: { name: 'Not hers' } })).createDeal, 'CreateDealSuccess').deal;
    const attached = (await upload(ws, pdf('theirs.pdf'), theirs.id)).data!.attachment;
    expect(await seen(attached, olga.token)).toBe(404);
    expect(await seen(attached, peer.token)).toBe(200);
    expect(await seen(attached, ws.token)).toBe(200);
    // Nor is its timeline entry found by id.
    const entry = (await ws.gql(Timeline, { cardId: theirs.id, first: 10 })).timeline.edges.find((e) => e.node.kind === 'ATTACHMENT')!.node.id;
    expect((await olga.gql(Node, { id: entry })).node).toBeNull();
    expect((await peer.gql(Node, { id: entry })).node).toEqual({ __typename: 'TimelineEntry', id: entry });

    // A file held in the FILE field of her deal: hers to see, though not hers, nor attached.
    const held = (await upload(ws, pdf('held.pdf'))).data!.attachment;
    const hers = as(
      (await ws.gql(CreateDeal, { input: { name: 'Hers', responsibleId: olga.user.id, customFields: [{ fieldId: contract.id, value: { fileId: held.id } }] } }))
        .createDeal,
      'CreateDealSuccess',
    ).deal;
    expect(await seen(held, olga.token)).toBe(200);
    // Attached to a deal she may not see and put in a FILE field of hers: shown, without the hidden deal's id.
    const shared = (await upload(ws, pdf('shared.pdf'), theirs.id)).data!.attachment;
    expect(shared.cardId).toBe(theirs.id);
    as(
      (
        await ws.gql(CreateDeal, {
          input: { name: 'Hers too', responsibleId: olga.user.id, customFields: [{ fieldId: contract.id, value: { fileId: shared.id } }] },
        })
      ).createDeal,
      'CreateDealSuccess',
    );
    expect(await seen(shared, olga.token)).toBe(200);
    expect(await attachmentCard(olga, shared.id)).toEqual({ name: 'shared.pdf', cardId: null });
    expect(await attachmentCard(peer, shared.id)).toEqual({ name: 'shared.pdf', cardId: theirs.id });
    // A file no card holds: its uploader and administrators only.
    const loose = (await upload(peer, pdf('loose.pdf'))).data!.attachment;
    expect(await seen(loose, peer.token)).toBe(200);
    expect(await seen(loose, ws.token)).toBe(200);
    expect(await seen(loose, olga.token)).toBe(404);

    // She cannot reach a file she may not see by putting it into a field of her own deal.
    for (const fileId of [attached.id, loose.id]) {
      const r = (await olga.gql(UpdateDeal, { input: { id: hers.id, version: hers.version, customFields: [{ fieldId: contract.id, value: { fileId } }] } }))
        .updateDeal;
      expect(r).toMatchObject({
        __typename: 'ValidationError',
        fields: [{ field: 'customFields[0].value.fileId', message: expect.stringContaining('no such file') }],
      });
    }
    const now = await readDeal(ws, hers.id);
    const files = now.customFields.map((v) => (v.__typename === 'FileFieldValue' ? { __typename: v.__typename, fileId: v.fileId } : v));
    expect([now.version, files]).toEqual([hers.version, [{ __typename: 'FileFieldValue', fileId: held.id }]]);
    expect(await seen(attached, olga.token)).toBe(404);

    // Once her role hides the field, the file it holds is hidden from her too.
    expect(
      (await ws.gql(SetFieldAccess, { input: { roleId: role.id, entityType: 'DEAL', customFieldId: contract.id, access: 'HIDDEN' } })).setFieldAccess
        .__typename,
    ).toBe('SetFieldAccessSuccess');
    expect(await seen(held, olga.token)).toBe(404);
    expect(await seen(held, peer.token)).toBe(200);
  });
});
