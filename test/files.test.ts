// Files: GraphQL multipart uploads stored under DATA_DIR, size and type limits with clear errors,
// attachments in the card's timeline, FILE custom field values naming uploaded files, and
// downloads at GET /files/<id> only for those whose rights let them see the file.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './kit/app.js';
import { giveRole, signUpWorkspace, type Workspace } from './kit/workspace.js';
import { as } from './kit/results.js';
import { graphql } from './gql/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'crm-files-'));
let app: TestApp;
let origin: string;
beforeAll(async () => {
  app = await createTestApp({ DATA_DIR: dataDir, FILE_MAX_MB: '1', FILE_TYPES: 'application/pdf,image/*,text/plain' });
  origin = new URL(await app.start()).origin;
  // FILE_MAX_MB=1: one MiB is the most a file may have.
});
afterAll(async () => {
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const Upload = graphql(`
  mutation FlUpload($file: Upload!, $cardId: ID) {
    uploadFile(file: $file, cardId: $cardId) {
      __typename
      ... on UploadFileSuccess { attachment { id name contentType size url cardId uploadedBy { name } } }
      ... on Error { code message }
      ... on ValidationError { fields { field message } }
    }
  }
`);

const CreateDeal = graphql(`
  mutation FlCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id version customFields { __typename ... on FileFieldValue { fileId file { name size } } } } }
      ... on ValidationError { fields { field message } }
    }
  }
`);

const DeleteDeal = graphql(`
  mutation FlDeleteDeal($id: ID!) { deleteDeal(id: $id) { __typename } }
`);

const Define = graphql(`
  mutation FlDefine($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) { __typename ... on CreateCustomFieldSuccess { field { id } } }
  }
`);

const Timeline = graphql(`
  query FlTimeline($cardId: ID!) {
    timeline(cardId: $cardId, first: 10) { edges { node { id kind attachment { id name } } } }
  }
`);

const Attachments = graphql(`
  query FlAttachments($cardId: ID!) { attachments(cardId: $cardId) { name size } }
`);

/** Sends uploadFile as a GraphQL multipart request. */
async function upload(ws: Workspace, file: File, cardId?: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(Upload), variables: { file: null, cardId: cardId ?? null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file);
  const res = await app.yoga.fetch('http://test/graphql', { method: 'POST', headers: { authorization: `Bearer ${ws.token}` }, body: form });
  const body = (await res.json()) as { data?: { uploadFile: Record<string, any> }; errors?: { message: string }[] };
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
  beforeAll(async () => {
    ws = await signUpWorkspace(app);
    dealId = as((await app.ok(CreateDeal, { input: { name: 'With files' } }, ws.token)).createDeal, 'CreateDealSuccess').deal.id;
  });

  it('stores a file attached to a deal, lists it, shows it in the timeline, and serves it back byte for byte', async () => {
    const bytes = new Uint8Array(3000).map((_, i) => i % 251);
    const r = await upload(ws, new File([bytes], 'Договор №1.pdf', { type: 'application/pdf' }), dealId);
    expect(r.errors).toBeUndefined();
    const a = r.data!.attachment;
    expect(a).toMatchObject({ name: 'Договор №1.pdf', contentType: 'application/pdf', size: 3000, cardId: dealId, uploadedBy: { name: 'Admin' } });
    expect((await app.ok(Attachments, { cardId: dealId }, ws.token)).attachments).toEqual([{ name: 'Договор №1.pdf', size: 3000 }]);
    const entries = (await app.ok(Timeline, { cardId: dealId }, ws.token)).timeline.edges.map((e) => e.node);
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
    expect(exe.data).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'file', message: expect.stringMatching(/application\/x-msdownload.*not accepted/) }] });
    const empty = await upload(ws, new File([], 'empty.txt', { type: 'text/plain' }), dealId);
    expect(empty.data).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'file', message: 'is empty' }] });
    // Just under the limit passes.
    expect((await upload(ws, pdf('edge.pdf', 1024 * 1024))).data).toMatchObject({ __typename: 'UploadFileSuccess' });
    expect(stored()).toBe(before + 1);
    // None of the refused ones was attached to the deal.
    expect((await app.ok(Attachments, { cardId: dealId }, ws.token)).attachments.map((x) => x.name)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/big|setup|empty/)]),
    );
  });

  it('refuses a card in the trash or of another workspace, and a malformed card id', async () => {
    const gone = as((await app.ok(CreateDeal, { input: { name: 'Gone' } }, ws.token)).createDeal, 'CreateDealSuccess').deal.id;
    await app.ok(DeleteDeal, { id: gone }, ws.token);
    expect((await upload(ws, pdf(), gone)).data).toMatchObject({ __typename: 'NotFoundError', code: 'IN_TRASH' });
    const other = await signUpWorkspace(app);
    const theirs = as((await app.ok(CreateDeal, { input: { name: 'Theirs' } }, other.token)).createDeal, 'CreateDealSuccess').deal.id;
    expect((await upload(ws, pdf(), theirs)).data).toMatchObject({ __typename: 'NotFoundError' });
    expect((await upload(ws, pdf(), 'nonsense')).data).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'cardId' }] });
    expect((await app.ok(Attachments, { cardId: theirs }, other.token)).attachments).toEqual([]);
  });

  it('serves a file only to signed-in users of its workspace', async () => {
    const a = (await upload(ws, pdf('secret.pdf'), dealId)).data!.attachment;
    expect((await download(a.url)).status).toBe(401);
    expect((await download(a.url, 'crm_s_not-a-token')).status).toBe(401);
    const other = await signUpWorkspace(app);
    const res = await download(a.url, other.token);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('secret');
    expect((await download('/files/nonsense', ws.token)).status).toBe(404);
    const member = await ws.member();
    expect((await download(a.url, member.token)).status).toBe(200);
  });
});

describe('FILE custom fields', () => {
  it('take the id of an uploaded file of the workspace, and nothing else', async () => {
    const ws = await signUpWorkspace(app);
    const field = as((await app.ok(Define, { input: { entityType: 'DEAL', type: 'FILE', name: 'Signed contract' } }, ws.token)).createCustomField, 'CreateCustomFieldSuccess').field;
    const a = (await upload(ws, pdf('signed.pdf', 500))).data!.attachment;
    const d = as((await app.ok(CreateDeal, { input: { name: 'Signed', customFields: [{ fieldId: field.id, value: { fileId: a.id } }] } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    expect(d.customFields).toEqual([{ __typename: 'FileFieldValue', fileId: a.id, file: { name: 'signed.pdf', size: 500 } }]);

    const other = await signUpWorkspace(app);
    const theirs = (await upload(other, pdf('theirs.pdf'))).data!.attachment;
    const refused = (await app.ok(CreateDeal, { input: { name: 'Stolen', customFields: [{ fieldId: field.id, value: { fileId: theirs.id } }] } }, ws.token)).createDeal;
    expect(refused).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'customFields[0].value.fileId', message: expect.stringContaining('no such file') }] });
    const malformed = (await app.ok(CreateDeal, { input: { name: 'Bad', customFields: [{ fieldId: field.id, value: { fileId: 'x' } }] } }, ws.token)).createDeal;
    expect(malformed).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'customFields[0].value.fileId' }] });
  });
});

const SetFieldAccess = graphql(`
  mutation FlSetFieldAccess($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { __typename } }
`);
const Node = graphql(`
  query FlNode($id: ID!) { node(id: $id) { __typename id } }
`);
const UpdateDeal = graphql(`
  mutation FlUpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) { __typename ... on ValidationError { fields { field message } } }
  }
`);
const AttachmentCard = graphql(`
  query FlAttachmentCard($id: ID!) { node(id: $id) { ... on Attachment { name cardId } } }
`);
const DealFiles = graphql(`
  query FlDealFiles($id: ID!) { node(id: $id) { ... on Deal { version customFields { __typename ... on FileFieldValue { fileId } } } } }
`);

describe('rights on files', () => {
  it("follow the card a file is attached to, or a visible card's visible FILE field; the uploader and administrators always", async () => {
    const ws = await signUpWorkspace(app);
    const olga = await ws.member('Olga');
    const peer = await ws.member('Peer');
    const rights = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).flatMap((entityType) =>
      (['VIEW', 'CREATE', 'EDIT', 'DELETE', 'EXPORT'] as const).map((action) => ({ entityType, action, scope: entityType === 'DEAL' ? ('OWN' as const) : ('ALL' as const) })),
    );
    const role = { id: await giveRole(app, ws.token, olga.user.id, 'Own deals', rights) };
    const contract = as((await app.ok(Define, { input: { entityType: 'DEAL', type: 'FILE', name: 'Contract' } }, ws.token)).createCustomField, 'CreateCustomFieldSuccess').field;
    const as_ = (token: string) => ({ token }) as Workspace;
    const seen = async (a: { id: string; url: string }, token: string) => {
      const status = (await download(a.url, token)).status;
      const node = (await app.ok(Node, { id: a.id }, token)).node;
      expect(node === null, `node(id) and download disagree (${status})`).toBe(status === 404);
      return status;
    };

    // A file attached to a deal Olga may not see.
    const theirs = as((await app.ok(CreateDeal, { input: { name: 'Not hers' } }, ws.token)).createDeal, 'CreateDealSuccess').deal;
    const attached = (await upload(ws, pdf('theirs.pdf'), theirs.id)).data!.attachment;
    expect(await seen(attached, olga.token)).toBe(404);
    expect(await seen(attached, peer.token)).toBe(200);
    expect(await seen(attached, ws.token)).toBe(200);
    // Nor is its timeline entry found by id.
    const entry = (await app.ok(Timeline, { cardId: theirs.id }, ws.token)).timeline.edges.find((e) => e.node.kind === 'ATTACHMENT')!.node.id;
    expect((await app.ok(Node, { id: entry }, olga.token)).node).toBeNull();
    expect((await app.ok(Node, { id: entry }, peer.token)).node).toEqual({ __typename: 'TimelineEntry', id: entry });

    // A file held in the FILE field of her deal: hers to see, though not hers, nor attached.
    const held = (await upload(ws, pdf('held.pdf'))).data!.attachment;
    const hers = as(
      (await app.ok(CreateDeal, { input: { name: 'Hers', responsibleId: olga.user.id, customFields: [{ fieldId: contract.id, value: { fileId: held.id } }] } }, ws.token)).createDeal,
      'CreateDealSuccess',
    ).deal;
    expect(await seen(held, olga.token)).toBe(200);
    // Attached to a deal she may not see and put in a FILE field of hers: shown, without the hidden deal's id.
    const shared = (await upload(ws, pdf('shared.pdf'), theirs.id)).data!.attachment;
    expect(shared.cardId).toBe(theirs.id);
    as(
      (await app.ok(CreateDeal, { input: { name: 'Hers too', responsibleId: olga.user.id, customFields: [{ fieldId: contract.id, value: { fileId: shared.id } }] } }, ws.token)).createDeal,
      'CreateDealSuccess',
    ).deal;
    expect(await seen(shared, olga.token)).toBe(200);
    expect((await app.ok(AttachmentCard, { id: shared.id }, olga.token)).node).toEqual({ name: 'shared.pdf', cardId: null });
    expect((await app.ok(AttachmentCard, { id: shared.id }, peer.token)).node).toEqual({ name: 'shared.pdf', cardId: theirs.id });
    // A file no card holds: its uploader and administrators only.
    const loose = (await upload(as_(peer.token), pdf('loose.pdf'))).data!.attachment;
    expect(await seen(loose, peer.token)).toBe(200);
    expect(await seen(loose, ws.token)).toBe(200);
    expect(await seen(loose, olga.token)).toBe(404);

    // She cannot reach a file she may not see by putting it into a field of her own deal.
    for (const fileId of [attached.id, loose.id]) {
      const r = (await app.ok(UpdateDeal, { input: { id: hers.id, version: hers.version, customFields: [{ fieldId: contract.id, value: { fileId } }] } }, olga.token)).updateDeal;
      expect(r).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'customFields[0].value.fileId', message: expect.stringContaining('no such file') }] });
    }
    const now = (await app.ok(DealFiles, { id: hers.id }, ws.token)).node as { version: number; customFields: unknown[] };
    expect([now.version, now.customFields]).toEqual([hers.version, [{ __typename: 'FileFieldValue', fileId: held.id }]]);
    expect(await seen(attached, olga.token)).toBe(404);

    // Once her role hides the field, the file it holds is hidden from her too.
    expect((await app.ok(SetFieldAccess, { input: { roleId: role.id, entityType: 'DEAL', customFieldId: contract.id, access: 'HIDDEN' } }, ws.token)).setFieldAccess.__typename).toBe(
      'SetFieldAccessSuccess',
    );
    expect(await seen(held, olga.token)).toBe(404);
    expect(await seen(held, peer.token)).toBe(200);
  });
});
