// WebSocket limits (graphql-ws): a socket must sign in with its connection_init, in time; live
// operations are limited per socket and per user; a refused operation is answered with an error
// for that operation while the socket and its other operations go on; a client that stops reading
// is cut off once too much waits for it.
import { print } from 'graphql';
import { createClient, type Client as WsClient, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it, type TestApp } from './kit/fixtures.js';
import { DealChanged } from './kit/documents/deals.js';
import { Me } from './kit/documents/users.js';
import { createDeal, defineField, updateDeal } from './kit/cards.js';
import { listening, until } from './kit/subscribe.js';
import { limitQueued } from '../src/lib/ws-limits.js';
import { rawId } from './kit/results.js';

const LIMITS = { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', WS_MAX_SUBSCRIPTIONS_PER_USER: '5', WS_INIT_TIMEOUT_MS: '300' };

let app: TestApp;
let wsUrl: string;
it.beforeAll(async ({ server }) => {
  app = await server.variant(LIMITS);
  wsUrl = (await app.start()).replace(/^http/, 'ws');
  return () => app.stop();
});

/** A graphql-ws client; `closed` resolves with the close code when the server ends the socket. */
function connect(token: string | null, extra: Record<string, unknown> = {}, url = wsUrl) {
  let closedWith: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}`, ...extra } : extra,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e) => closedWith((e as { code: number }).code) },
  });
  return { client, closed };
}

type Outcome = { data?: unknown; errors: { message: string; extensions?: Record<string, unknown> }[]; closeCode?: number };

/** Sends one operation; for a subscription, resolves on its first error (or leaves it running). */
function send(client: WsClient, query: string, variables: Record<string, unknown> = {}) {
  let settle: (o: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  const stop = client.subscribe(
    { query, variables },
    {
      next: (r: ExecutionResult) => settle({ data: r.data, errors: [...(r.errors ?? [])] }),
      error: (e) => settle(Array.isArray(e) ? { errors: e as unknown as Outcome['errors'] } : { errors: [], closeCode: (e as { code?: number }).code }),
      complete: () => settle({ errors: [] }),
    },
  );
  return { outcome, stop };
}

const board = (client: WsClient, pipelineId: string) => send(client, print(DealChanged), { pipelineId });
const me = (client: WsClient) => send(client, print(Me)).outcome;

describe('connection', () => {
  it('closes a socket whose connection_init carries no valid token (4403), instead of keeping it open', async () => {
    const anonymous = connect(null);
    expect(await anonymous.closed).toBe(4403);
    const forged = connect('crm_s_not-a-real-token');
    expect(await forged.closed).toBe(4403);
  });

  it('closes a socket that sends no connection_init within WS_INIT_TIMEOUT_MS (4408)', async () => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });
});

describe('operations', () => {
  it('answers a malformed operation with an error for it alone; the socket and its other operations go on', async ({ workspace: ws }) => {
    const { client, closed } = connect(ws.token);
    const live = board(client, ws.pipeline.id);
    const bad = await send(client, 'subscription { dealChanged(pipelineId: ').outcome;
    expect(bad.closeCode).toBeUndefined();
    expect(bad.errors[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await send(client, 'subscription { noSuchField }').outcome;
    expect(invalid.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Still open: a query on the same socket is answered.
    expect((await me(client)).data).toMatchObject({ me: { id: ws.admin.id } });
    live.stop();
    await client.dispose();
    expect(await closed).toBe(1000);
  });

  it('refuses the operation over WS_MAX_SUBSCRIPTIONS_PER_SOCKET with OPERATION_LIMIT, in the socket language, and frees the slot when one ends', async ({
    workspace: ws,
  }) => {
    const { client } = connect(ws.token, { acceptLanguage: 'ru' });
    const held = [board(client, ws.pipeline.id), board(client, ws.pipeline.id), board(client, ws.pipeline.id)];
    const fourth = await board(client, ws.pipeline.id).outcome;
    expect(fourth.closeCode).toBeUndefined();
    expect(fourth.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 3 });
    expect(fourth.errors[0].message).toMatch(/Не больше 3 операций/);
    // A query is an operation too while it runs: refused now, answered once a slot is free.
    expect((await me(client)).errors[0].extensions?.code).toBe('OPERATION_LIMIT');
    held[0].stop();
    expect((await me(client)).data).toMatchObject({ me: { id: ws.admin.id } });
    for (const h of held) h.stop();
    await client.dispose();
  });

  it('refuses a user over WS_MAX_SUBSCRIPTIONS_PER_USER across sockets; others are not affected; a closed socket gives its slots back', async ({
    workspace: ws,
  }) => {
    const first = connect(ws.token);
    const second = connect(ws.token);
    const a = [board(first.client, ws.pipeline.id), board(first.client, ws.pipeline.id), board(first.client, ws.pipeline.id)];
    // Two sockets' messages reach the server in no set order: an answer on the first socket after
    // its three shows they are counted (graphql-ws reads one socket's messages in order).
    // That operation is the fourth on the socket, so its answer is a refusal.
    expect((await me(first.client)).errors[0].extensions?.code).toBe('OPERATION_LIMIT');
    const b = [board(second.client, ws.pipeline.id), board(second.client, ws.pipeline.id)];
    const sixth = await board(second.client, ws.pipeline.id).outcome;
    expect(sixth.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT', limit: 5 });
    // Another user of the same workspace has slots of their own.
    const colleague = await ws.member('Colleague');
    const theirs = connect(colleague.token);
    expect((await me(theirs.client)).data).toMatchObject({ me: { id: colleague.user.id } });
    await theirs.client.dispose();

    for (const s of a) s.stop();
    await first.client.dispose();
    await first.closed;
    expect((await me(second.client)).data).toMatchObject({ me: { id: ws.admin.id } });
    for (const s of b) s.stop();
    await second.client.dispose();
  });
});

describe('a client that stops reading', () => {
  it('is cut once: the messages that come before its close are dropped and settled, with one warning and one terminate', async () => {
    const sent: string[] = [];
    let terminated = 0;
    const socket = {
      bufferedAmount: 0,
      send: (data: unknown, done?: () => void) => {
        sent.push(String(data));
        done?.();
      },
      terminate: () => void terminated++,
    };
    const cuts: number[] = [];
    limitQueued(socket, 100, (queued) => cuts.push(queued));
    socket.send('a');
    socket.bufferedAmount = 101;
    const settled: string[] = [];
    socket.send('b', () => settled.push('b'));
    // Its queue drained meanwhile, the socket is still cut until its close is handled.
    socket.bufferedAmount = 0;
    socket.send('c', () => settled.push('c'));
    await new Promise((resolve) => process.nextTick(resolve));
    expect({ sent, cuts, terminated, settled }).toEqual({ sent: ['a'], cuts: [101], terminated: 1, settled: ['b', 'c'] });
  });

  // Each event ~200 KB: the deal's 10,000-character note, twenty times over (aliases).
  const heavy = `subscription Heavy($pipelineId: ID!) { dealChanged(pipelineId: $pipelineId) { dealId deal { ${Array.from(
    { length: 20 },
    (_, i) => `n${i}: customFields { ... on TextareaFieldValue { text } }`,
  ).join(' ')} } } }`;

  it('is cut off once more than WS_MAX_BUFFERED_BYTES (8 MiB) wait for it, instead of queueing without end; a reader that keeps up gets every event', async ({
    workspace: ws,
    url: http,
  }) => {
    // The suite's server, which delivers live events (the variant above does not), with the default limit.
    const url = http.replace(/^http/, 'ws');
    const note = await defineField(ws, { entityType: 'DEAL', type: 'TEXTAREA', name: 'Long note', code: 'long_note' });
    // The changes made to the deal, its creation included: each is one event for each subscriber.
    let written = 0;
    let deal: Awaited<ReturnType<typeof createDeal>>;
    const write = async () => {
      written++;
      deal = await updateDeal(ws, {
        id: deal.id,
        version: deal.version,
        customFields: [{ fieldId: note.id, value: { text: `${written} ${'x'.repeat(9_990)}` } }],
      });
    };

    // A client speaking graphql-transport-ws on a plain socket, so it can stop reading.
    const slow = new WebSocket(url, 'graphql-transport-ws');
    const messages: { type: string }[] = [];
    let arrived = () => {};
    slow.on('message', (m) => {
      messages.push(JSON.parse(String(m)) as { type: string });
      arrived();
    });
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code)));
    await new Promise((resolve) => slow.once('open', resolve));
    const acked = new Promise<void>((resolve) => (arrived = resolve));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ws.token}` } }));
    await acked;
    slow.send(JSON.stringify({ id: 'heavy', type: 'subscribe', payload: { query: heavy, variables: { pipelineId: ws.pipeline.id } } }));
    // A reader that keeps up, on a socket of its own.
    const { client } = connect(ws.token, {}, url);
    let seen = 0;
    client.subscribe(
      { query: print(DealChanged), variables: { pipelineId: ws.pipeline.id } },
      {
        next: () => void seen++,
        error: () => {},
        complete: () => {},
      },
    );
    await listening(http, `dealChanged:${rawId(ws.pipeline.id)}`, 2);
    // Created only now that both listen: a deal created before could have its creation event
    // delivered after they subscribed (the outbox hands events over after the commit), one more
    // than was counted.
    deal = await createDeal(ws, { name: 'Heavy' });
    written++;
    expect(await until(() => seen === written && messages.some((m) => m.type === 'next'))).toBe(true);
    // It stops reading: what the server sends now piles up, in the kernel's buffers first, then in the server.
    const socket = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const before = messages.length;
    const changes = 120;
    for (let i = 0; i < changes; i++) await write();
    expect(await until(() => seen === written, 20_000)).toBe(true);
    // Reading again, it gets what the kernel held, then the end: cut (1006, no close frame), not every event.
    socket.resume();
    expect(await closed).toBe(1006);
    expect(messages.length - before).toBeLessThan(changes);
    // The server goes on for the reader that kept up.
    expect(seen).toBe(written);
    expect((await me(client)).data).toMatchObject({ me: { id: ws.admin.id } });
    await client.dispose();
  });
});
