// Live board and timeline: dealChanged and timelineUpdated over a real WebSocket (graphql-ws)
// and over SSE, fed by mutations sent over HTTP. With TEST_REDIS_URL the events travel through
// Redis.
import { print } from 'graphql';
import WebSocket from 'ws';
import { describe, expect, it, test } from './kit/fixtures.js';
import type { Client } from './kit/app.js';
import { listening, subscribe } from './kit/subscribe.js';
import { as, rawId } from './kit/results.js';
import { createCompany, createDeal, createPipeline } from './kit/cards.js';
import { CreateDeal, DealChanged, DealChangedOpenTask, DeleteDeal, MoveDeal, RestoreDeal, UpdateDeal } from './kit/documents/deals.js';
import { CreateCustomField } from './kit/documents/custom-fields.js';
import { AddNote, TimelineUpdated } from './kit/documents/timeline.js';
import { CompleteTask, CreateTask, ReopenTask, UpdateTask } from './kit/documents/tasks.js';
import { Merge } from './kit/documents/leads.js';

let url: string;
test.beforeAll(({ url: serverUrl }) => {
  url = serverUrl;
});

type Event = { kind: string; dealId: string; deal: { id: string; name: string; stage: { id: string }; closedAt: string | null } | null };

/** Creates a deal over HTTP and answers it. */
const newDeal = (input: { name: string }, c: Client) => createDeal(c, input);

/** A card's live timeline over graphql-ws, each entry as its kind and text. */
const watchTimeline = (token: string, cardId: string, keep?: (e: { kind: string; text?: string | null }) => boolean) =>
  subscribe(url, token, TimelineUpdated, { cardId }, ({ timelineUpdated: { kind, text } }) => ({ kind, text }), keep);

/** Subscribes over graphql-ws; collects events and errors. */
function watch(token: string | null, pipelineId: string) {
  const s = subscribe(url, token, DealChanged, { pipelineId }, (d) => d.dealChanged as Event);
  return { ...s, waitFor: (n: number, ms = 5000) => s.waitFor((e) => e.length >= n, ms) };
}

describe('dealChanged over WebSocket', () => {
  it('delivers CREATED and MOVED events for deals changed over HTTP, with the deal as it is now', async ({ workspace: ws }) => {
    const sub = watch(ws.token, ws.pipeline.id);
    await sub.ready;
    const deal = await newDeal({ name: 'Live deal' }, ws);
    await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    expect(sub.events[0]).toMatchObject({ kind: 'CREATED', dealId: deal.id, deal: { name: 'Live deal' } });

    await ws.gql(MoveDeal, { input: { id: deal.id, version: deal.version, stageId: ws.won.id } });
    await sub.waitFor(2);
    expect(sub.events[1]).toMatchObject({ kind: 'MOVED', dealId: deal.id, deal: { stage: { id: ws.won.id } } });
    expect(sub.events[1].deal!.closedAt).not.toBeNull();
    await sub.close();
  });

  it("failing before: a board hears of a deal's open task as it is created, edited, completed and reopened", async ({ workspace: ws }) => {
    const deal = await newDeal({ name: 'Task board' }, ws);
    // The deal's CREATED event may be published after the subscription is ready (the outbox
    // runs on its own): only the task's UPDATED events are counted.
    const sub = subscribe(
      url,
      ws.token,
      DealChangedOpenTask,
      { pipelineId: ws.pipeline.id },
      (d) => d.dealChanged,
      (e) => e.kind !== 'CREATED',
    );
    await sub.ready;
    const openTaskAfter = async (n: number) => {
      await sub.waitFor((e) => e.length >= n, 5000);
      expect(sub.events[n - 1]).toMatchObject({ kind: 'UPDATED', dealId: deal.id });
      return sub.events[n - 1].deal?.openTask?.text ?? null;
    };
    const created = await ws.gql(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: 'Call back', dueAt: '2031-01-01T10:00:00Z' } });
    const task = as(created.createTask, 'CreateTaskSuccess').task;
    expect(await openTaskAfter(1)).toBe('Call back');
    const edited = as(
      (await ws.gql(UpdateTask, { input: { id: task.id, version: task.version, text: 'Call back at ten' } })).updateTask,
      'UpdateTaskSuccess',
    ).task;
    expect(await openTaskAfter(2)).toBe('Call back at ten');
    const done = as((await ws.gql(CompleteTask, { id: task.id, version: edited.version })).completeTask, 'CompleteTaskSuccess').task;
    expect(await openTaskAfter(3)).toBeNull();
    await ws.gql(ReopenTask, { id: task.id, version: done.version });
    expect(await openTaskAfter(4)).toBe('Call back at ten');
    expect(sub.errors).toEqual([]);
    await sub.close();
  });

  it('does not deliver events of other pipelines', async ({ workspace: ws }) => {
    const other = await createPipeline(ws, { name: 'Second', stages: [{ name: 'New' }] });
    const sub = watch(ws.token, other.id);
    await sub.ready;
    await ws.gql(CreateDeal, { input: { name: 'Not here' } });
    const here = await ws.gql(CreateDeal, { input: { name: 'Here', pipelineId: other.id } });
    // Events go out in commit order on one stream: 'Not here', had it been sent, would be first.
    await sub.waitFor(1);
    expect(sub.events.map((e) => e.deal?.name)).toEqual(['Here']);
    expect(here.createDeal.__typename).toBe('CreateDealSuccess');
    await sub.close();
  });

  it('tells a deal moved to another pipeline to the boards of both pipelines', async ({ workspace: ws }) => {
    const target = await createPipeline(ws, { name: 'Other', stages: [{ name: 'Start' }] });
    // Both boards listen before the deal exists, so the old board's first event is the
    // CREATED one however late the outbox publishes it.
    const oldBoard = watch(ws.token, ws.pipeline.id);
    const newBoard = watch(ws.token, target.id);
    await Promise.all([oldBoard.ready, newBoard.ready]);
    const d = await newDeal({ name: 'Traveller' }, ws);
    await oldBoard.waitFor(1);
    await ws.gql(MoveDeal, { input: { id: d.id, version: d.version, stageId: target.stages[0].id } });
    await Promise.all([oldBoard.waitFor(2), newBoard.waitFor(1)]);
    expect(oldBoard.events).toMatchObject([
      { kind: 'CREATED', dealId: d.id },
      { kind: 'MOVED', dealId: d.id, deal: { stage: { id: target.stages[0].id } } },
    ]);
    expect(newBoard.events).toMatchObject([{ kind: 'MOVED', dealId: d.id }]);
    await Promise.all([oldBoard.close(), newBoard.close()]);
  });

  it('refuses a subscriber without a token and one of another workspace', async ({ signUp }) => {
    const a = await signUp();
    const b = await signUp();
    const anonymous = watch(null, a.pipeline.id);
    const stranger = watch(b.token, a.pipeline.id);
    await Promise.all([anonymous.waitFor(1), stranger.waitFor(1)]);
    // No token: the socket itself is refused (graphql-ws's 4403 Forbidden) and not kept open.
    expect((anonymous.errors[0] as { code?: number }).code).toBe(4403);
    expect(JSON.stringify(stranger.errors)).toContain('NOT_FOUND');
    // The server ended both refused subscriptions; the owner's board shows the deal went out.
    const owner = watch(a.token, a.pipeline.id);
    await owner.ready;
    await a.gql(CreateDeal, { input: { name: 'Secret' } });
    await owner.waitFor(1);
    expect(owner.events.map((e) => e.deal?.name)).toEqual(['Secret']);
    expect(anonymous.events).toEqual([]);
    expect(stranger.events).toEqual([]);
    await Promise.all([anonymous.close(), stranger.close(), owner.close()]);
  });

  it("sends each event as a text frame of graphql-ws's next message, under the subscriber's own operation id, non-Latin text intact", async ({
    workspace: ws,
  }) => {
    // A client of its own speaking graphql-transport-ws over a plain socket, so the frame's kind shows.
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const frames: { text: string; binary: boolean }[] = [];
    let arrived: () => void = () => {};
    socket.on('message', (data: Buffer, binary: boolean) => {
      frames.push({ text: data.toString('utf8'), binary });
      arrived();
    });
    const next = () => new Promise<void>((resolve) => (arrived = resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    let got = next();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ws.token}` } }));
    await got;
    expect(JSON.parse(frames[0].text)).toMatchObject({ type: 'connection_ack' });
    socket.send(JSON.stringify({ id: 'доска-1', type: 'subscribe', payload: { query: print(DealChanged), variables: { pipelineId: ws.pipeline.id } } }));
    await listening(url, `dealChanged:${rawId(ws.pipeline.id)}`);
    got = next();
    const deal = await newDeal({ name: 'Сделка «Ω» 🚀' }, ws);
    await got;
    expect(frames[1].binary).toBe(false);
    expect(JSON.parse(frames[1].text)).toMatchObject({
      id: 'доска-1',
      type: 'next',
      payload: { data: { dealChanged: { kind: 'CREATED', dealId: deal.id, deal: { name: 'Сделка «Ω» 🚀' } } } },
    });
    socket.close();
  });
});

describe('dealChanged over SSE', () => {
  it('streams events to an EventSource-style client with the same auth', async ({ workspace: ws }) => {
    const ctrl = new AbortController();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ws.token}` },
      body: JSON.stringify({ query: print(DealChanged), variables: { pipelineId: ws.pipeline.id } }),
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      const until = Date.now() + 5000;
      while (!text.includes(needle) && Date.now() < until) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await listening(url, `dealChanged:${rawId(ws.pipeline.id)}`);
    await ws.gql(CreateDeal, { input: { name: 'Over SSE' } });
    await readUntil('Over SSE');
    ctrl.abort();
    const line = text.split('\n').find((l) => l.startsWith('data:') && l.includes('Over SSE'))!;
    expect(JSON.parse(line.slice(5)).data.dealChanged).toMatchObject({ kind: 'CREATED', deal: { name: 'Over SSE' } });
  });
});

describe('GraphQL over HTTP', () => {
  it('answers GET queries with the same auth as POST', async ({ workspace: ws }) => {
    const q = encodeURIComponent('{ me { name } pipelines { name } }');
    const res = await fetch(`${url}?query=${q}`, { headers: { authorization: `Bearer ${ws.token}`, accept: 'application/json' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { me: { name: string }; pipelines: { name: string }[] } };
    expect(body.data.me.name).toBe('Admin');
    expect(body.data.pipelines.map((p) => p.name)).toEqual([ws.pipeline.name]);
  });

  it('refuses mutations over GET', async ({ workspace: ws }) => {
    const q = encodeURIComponent('mutation { createDeal(input: { name: "via GET" }) { __typename } }');
    const res = await fetch(`${url}?query=${q}`, { headers: { authorization: `Bearer ${ws.token}` } });
    expect(res.status).toBe(405);
  });
});

describe('the rest of a deal’s life, live', () => {
  it('delivers UPDATED, DELETED and RESTORED with the deal', async ({ workspace: ws }) => {
    // Subscribed before the deal exists: with Redis its CREATED event may go out after createDeal answers.
    const sub = watch(ws.token, ws.pipeline.id);
    await sub.ready;
    const deal = await newDeal({ name: 'Lived' }, ws);
    await sub.waitFor(1);
    const r = {
      updateDeal: (await ws.gql(UpdateDeal, { input: { id: deal.id, version: deal.version, name: 'Lived on' } })).updateDeal,
      deleteDeal: (await ws.gql(DeleteDeal, { id: deal.id })).deleteDeal,
      restoreDeal: (await ws.gql(RestoreDeal, { id: deal.id })).restoreDeal,
    };
    expect([r.updateDeal.__typename, r.deleteDeal.__typename, r.restoreDeal.__typename]).toEqual([
      'UpdateDealSuccess',
      'DeleteDealSuccess',
      'RestoreDealSuccess',
    ]);
    await sub.waitFor(4);
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((e) => [e.kind, e.dealId, e.deal?.name])).toEqual([
      ['CREATED', deal.id, 'Lived'],
      ['UPDATED', deal.id, 'Lived on'],
      ['DELETED', deal.id, 'Lived on'],
      ['RESTORED', deal.id, 'Lived on'],
    ]);
    await sub.close();
  });

  it('publishes nothing for a refused change: the board and the timeline hear only the next accepted one', async ({ workspace: ws }) => {
    // The board hears the deal's CREATED first (with Redis it may go out after createDeal answers);
    // the timeline watch leaves out its CARD_CREATED for the same reason.
    const board = watch(ws.token, ws.pipeline.id);
    await board.ready;
    const deal = await newDeal({ name: 'Guarded' }, ws);
    await board.waitFor(1);
    const timeline = watchTimeline(ws.token, deal.id, (e) => e.kind !== 'CARD_CREATED');
    await timeline.ready;
    // A field the won stage requires, left empty, holds the move back.
    const field = await ws.gql(CreateCustomField, { input: { entityType: 'DEAL', type: 'TEXT', name: 'Contract no', requiredStageIds: [ws.won.id] } });
    expect(field.createCustomField.__typename).toBe('CreateCustomFieldSuccess');
    const each = {
      updateDeal: (await ws.gql(UpdateDeal, { input: { id: deal.id, version: deal.version + 5, name: 'Stale' } })).updateDeal,
      moveDeal: (await ws.gql(MoveDeal, { input: { id: deal.id, version: deal.version, stageId: ws.won.id } })).moveDeal,
      createTask: (await ws.gql(CreateTask, { input: { cardId: deal.id, type: 'CALL', text: '', dueAt: new Date().toISOString() } })).createTask,
      addNote: (await ws.gql(AddNote, { input: { cardId: deal.id, text: '' } })).addNote,
    };
    expect([each.updateDeal.__typename, each.moveDeal.__typename, each.createTask.__typename, each.addNote.__typename]).toEqual([
      'ConflictError',
      'StageRequirementsError',
      'ValidationError',
      'ValidationError',
    ]);
    await ws.gql(AddNote, { input: { cardId: deal.id, text: 'Accepted' } });
    // Events go out in commit order on one stream, so anything a refused change had published
    // would have arrived before this note.
    await timeline.waitFor((e) => e.length >= 1);
    expect(timeline.events).toEqual([{ kind: 'NOTE', text: 'Accepted' }]);
    expect(board.events.map((e) => e.kind)).toEqual(['CREATED']);
    expect([...board.errors, ...timeline.errors]).toEqual([]);
    await Promise.all([board.close(), timeline.close()]);
  });

  it('reaches each subscriber once when the outbox delivers a batch again', async ({ workspace: ws, server }) => {
    const deal = await newDeal({ name: 'Twice' }, ws);
    const timeline = watchTimeline(ws.token, deal.id, (e) => e.kind === 'NOTE');
    await timeline.ready;
    await ws.gql(AddNote, { input: { cardId: deal.id, text: 'First' } });
    await timeline.waitFor((e) => e.length >= 1);
    // As after a drain that published its batch and then lost its transaction: the next drain
    // publishes the same events again, before the next note's.
    const again = await server.database.prisma.$executeRaw`update "OutboxEvent" set "publishedAt" = null
      where "topic" = 'timelineUpdated' and "payload"->>'cardId' = ${rawId(deal.id)}`;
    expect(again).toBeGreaterThanOrEqual(1);
    await ws.gql(AddNote, { input: { cardId: deal.id, text: 'Second' } });
    await timeline.waitFor((e) => e.length >= 2);
    expect(timeline.events.map((e) => e.text)).toEqual(['First', 'Second']);
    expect(timeline.errors).toEqual([]);
    await timeline.close();
  });

  it('refuses a timeline subscription to a card of the workspace the role does not let the user see', async ({ workspace: ws }) => {
    const rights = (['CONTACT', 'COMPANY', 'DEAL', 'TASK'] as const).map((entityType) => ({ entityType, action: 'VIEW' as const, scope: 'OWN' as const }));
    const member = await ws.member('Own only', { rights });
    const deal = await newDeal({ name: 'Not theirs' }, ws);
    const sub = watchTimeline(member.token, deal.id);
    // Refused: the error ends the subscription.
    await sub.waitFor(() => false);
    // The administrator's watch shows the note went out.
    const admin = watchTimeline(ws.token, deal.id, (e) => e.kind === 'NOTE');
    await admin.ready;
    await ws.gql(AddNote, { input: { cardId: deal.id, text: 'Private' } });
    await admin.waitFor((e) => e.length >= 1);
    expect(admin.events).toEqual([{ kind: 'NOTE', text: 'Private' }]);
    await admin.close();
    expect(sub.events).toEqual([]);
    expect(JSON.stringify(sub.errors)).toContain('NOT_FOUND');
    await sub.close();
  });
});

describe('a merge, live', () => {
  it("a board hears of a deal whose company was merged into another; the kept card's timeline of the MERGED entry", async ({ workspace: ws }) => {
    const keep = await createCompany(ws, { name: 'Keep Co' });
    const other = await createCompany(ws, { name: 'Other Co' });
    // Subscribed before the deal exists: with Redis its CREATED event may go out after createDeal answers.
    const board = subscribe(url, ws.token, DealChanged, { pipelineId: ws.pipeline.id }, (d) => d.dealChanged);
    const feed = watchTimeline(ws.token, keep.id);
    await Promise.all([board.ready, feed.ready]);
    const deal = await createDeal(ws, { name: 'Live', companyId: other.id });
    await board.waitFor((e) => e.length >= 1);
    const merged = (await ws.gql(Merge, { input: { entityType: 'COMPANY', keepId: keep.id, version: 1, mergeIds: [other.id] } })).merge;
    as(merged, 'MergeSuccess');
    await board.waitFor((e) => e.length >= 2);
    expect(board.errors).toEqual([]);
    expect(board.events.map((e) => e.kind)).toEqual(['CREATED', 'UPDATED']);
    expect(board.events[1]).toMatchObject({ dealId: deal.id, deal: { company: { id: keep.id } } });
    await feed.waitFor((e) => e.some((x) => x.kind === 'MERGED'));
    expect(feed.events).toContainEqual({ kind: 'MERGED', text: null });
    await Promise.all([board.close(), feed.close()]);
  });
});

describe('timelineUpdated over SSE', () => {
  it('streams a card’s new entries with the same auth', async ({ workspace: ws }) => {
    const deal = await newDeal({ name: 'Streamed' }, ws);
    const ctrl = new AbortController();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ws.token}` },
      body: JSON.stringify({ query: print(TimelineUpdated), variables: { cardId: deal.id } }),
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    await listening(url, `timelineUpdated:${rawId(deal.id)}`);
    await ws.gql(AddNote, { input: { cardId: deal.id, text: 'Over SSE too' } });
    const until = Date.now() + 5000;
    while (!text.includes('Over SSE too') && Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ctrl.abort();
    const line = text.split('\n').find((l) => l.startsWith('data:') && l.includes('Over SSE too'))!;
    const { kind, text: noteText } = JSON.parse(line.slice(5)).data.timelineUpdated;
    expect({ kind, text: noteText }).toEqual({ kind: 'NOTE', text: 'Over SSE too' });
  });
});
