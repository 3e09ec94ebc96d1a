// Runs automation jobs in batches: claims many due rows of AutomationJob at once with a lease
// (several instances skip each other's rows) and runs them in rounds. Each round takes the next
// action of every card's current job (a card's jobs run one after another, in event order; the
// next may start beside the previous one's last action, a notification, see ALONGSIDE), and
// commits the round's actions together: card updates through the kernel's batch write path
// (`writeRecords`: the same checks, values, hooks and events as one user's update, many cards in
// one transaction), and the other database actions (tasks, notifications, webhook calls) in one
// transaction of their own. Each action's result is saved on its job in the transaction that does
// it, so a worker that dies mid-run leaves a job whose lease ends and whose retry resumes after
// the last saved action: never the whole run again, never an action twice. What a batch reads
// once: the automations, their owners' viewers, field definitions (per automation), the
// conditions (one query per automation and round), the cards a round acts on.
import type { AppDeps, ServiceCtx } from '../../context.js';
import { forgetRequest } from '../../lib/per-request.js';
import { AppError } from '../../lib/errors.js';
import { render } from '../../lib/i18n.js';
import { enqueue, type Tx } from '../../lib/outbox.js';
import { insertRows, lockRows } from '../../lib/bulk-insert.js';
import type { AutomationRunMessage, NotificationMessage } from '../../lib/pubsub.js';
import type { Viewer } from '../../kernel/access/viewer.js';
import { events, settingsChangedEvent } from '../../kernel/events.js';
import { descriptor, type CardKind } from '../../kernel/card-kinds.js';
import { visibleDefinitions } from '../../kernel/fields/definitions.js';
import { hiddenSystemFields } from '../../kernel/lists.js';
import { inOneTransaction, writeRecords, type BatchWrite, type CardWrite } from '../../kernel/records.js';
import { cardTable, tagsOf, type CardRow } from '../../kernel/tables.js';
import { displayValue } from '../timeline/timeline.service.js';
import { createTask } from '../tasks/tasks.service.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { webhookCard } from '../webhooks/webhooks.service.js';
import { cardsMatching, PLACEHOLDER, type Action } from './automations.service.js';
import { AUTOMATIONS } from './automations.messages.js';
import type { Transporter } from 'nodemailer';

/** Levels of automations triggering automations before a run is refused. */
export const MAX_DEPTH = 5;
/** Failed runs in a row that pause an automation. */
export const PAUSE_AFTER = 5;
/** Rounds an action may be put off (its card changed meanwhile, its batch was undone) before it fails. */
const RETRIES = 3;

/** What a job keeps of its trigger event. */
export type JobEvent = { topic: string; kind: CardKind | 'LEAD'; cardId: string; actorId: string; occurredAt: string };

export type ActionResult = { index: number; type: Action['type']; ok: boolean; error?: string; durationMs: number; detail?: string };

type JobRow = { id: bigint; automationId: string; depth: number; event: JobEvent; progress: ActionResult[]; attempts: number; createdAt: Date };
type AutomationRow = NonNullable<Awaited<ReturnType<AppDeps['db']['automation']['findUnique']>>>;

const message = (err: unknown) => (err instanceof AppError ? render(err.msg, 'en') : err instanceof Error ? err.message : String(err));
const conflict = (err: unknown) => err instanceof AppError && err.code === 'CONFLICT';
const ms = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;

/**
 * The jobs not done, as the index of the due jobs' walk (`AutomationJob_id_idx`) states them:
 * `"depth" > 0` holds for every job, and only a statement that names it can use that index (so
 * the look-ups by card and the saves by id never take it, whatever the statistics say of it).
 */
export const JOBS_NOT_DONE = `"doneAt" is null and "depth" > 0`;

/**
 * The claim's statement ($1 the batch, $2 the lease in seconds). Claims up to AUTOMATION_BATCH due
 * jobs (the more, the fewer transactions per action: a round commits them together) for this
 * worker, leased for AUTOMATION_LEASE_SECONDS (renewed while the batch runs them). A card's jobs
 * run in id order, on every instance: a claim takes a card's due jobs whole (those past the limit
 * too, up to as many again), and a job is claimed only if no earlier job of its card is due and
 * undone outside this claim (held by another worker, or skipped as locked by a claim under way), so
 * a claim never runs a card's later job beside, or before, its earlier one. A job waiting out a
 * delay ("wait 2 days") holds back nothing.
 *
 * Its plan must not depend on the queue's statistics, which turn over with the queue. The walk
 * in id order states JOBS_NOT_DONE, the predicate of `AutomationJob_id_idx` that nothing else
 * states; so the look-ups by card can only probe `AutomationJob_cardId_doneAt_id_idx` (every job,
 * by card, then "doneAt"). They take the claim's cards as an array (`= any(array(…))`): an index
 * condition, not a join the planner may turn into a read of the queue per claimed job. With
 * statistics taken while the queue was drained, that read cost 773 ms a claim of a 30,000-job
 * queue; 10 ms now (`test/postgres/automation-claim-plan.test.ts`).
 */
export const CLAIM_SQL = `
    with "first" as (
      select "id", "cardId" from "AutomationJob"
      where ${JOBS_NOT_DONE} and "runAt" <= now() and ("lockedUntil" is null or "lockedUntil" < now())
      order by "id" limit $1 for update skip locked),
    "rest" as (
      select j."id", j."cardId" from "AutomationJob" j
      where j."cardId" = any(array(select "cardId" from "first")) and j."id" <> all(array(select "id" from "first"))
        and j."doneAt" is null and j."runAt" <= now() and (j."lockedUntil" is null or j."lockedUntil" < now())
      order by j."id" limit $1 for update skip locked),
    "due" as (select "id", "cardId" from "first" union all select "id", "cardId" from "rest"),
    "blocked" as (
      select e."cardId", min(e."id") as "id" from "AutomationJob" e
      where e."cardId" = any(array(select "cardId" from "due")) and e."id" <> all(array(select "id" from "due"))
        and e."doneAt" is null and e."runAt" <= now()
      group by e."cardId")
    update "AutomationJob" set "lockedUntil" = now() + make_interval(secs => $2), "attempts" = "attempts" + 1
    where "id" in (select d."id" from "due" d where not exists (select 1 from "blocked" b where b."cardId" = d."cardId" and b."id" < d."id"))
    returning "id", "automationId"::text as "automationId", "depth", "event", "progress", "attempts", "createdAt"`;

/**
 * Set in the claim's transaction, before it: no bitmap scans. The claim's walk of the jobs not
 * done (`AutomationJob_id_idx`, in id order) stops after a batch; a bitmap scan reads every job
 * not done and sorts them all. PostgreSQL picks the bitmap scan when it expects the due jobs to be
 * fewer than a batch, which it does on a table without current statistics (autovacuum off, or not
 * yet caught up with a burst of events): with 90,000 jobs queued, ~50 ms a claim instead of ~10
 * (docs/performance.md, "Automations: the claim's plan without statistics").
 */
export const CLAIM_PLANNER = `select set_config('enable_bitmapscan', 'off', true)`;

// The statements that write a batch's jobs by id, from a JSON array of them ($1), each only if it
// is not done and its state is the one the worker read. They name no card and not "depth", so
// neither index of jobs not done can serve them, only the primary key: PostgreSQL otherwise took
// a partial index that statistics of a drained queue described as empty and hashed the whole
// queue (93 ms for 200 jobs of 150,000 queued; 3 ms by the key).

/** Moves the lease ($2 seconds) of jobs `{ id, attempts }` no other worker claimed since and not waiting out a delay. */
export const RENEW_SQL = `
  update "AutomationJob" j set "lockedUntil" = now() + make_interval(secs => $2)
    from jsonb_to_recordset($1::jsonb) as x(id bigint, attempts int)
   where j."id" = x.id and j."doneAt" is null and j."attempts" = x.attempts and j."runAt" <= now()`;

/**
 * Saves jobs' progress `{ id, saved, progress }`, each only if it still holds `saved` results;
 * `close`: and closes them (a run's end).
 */
const saveJobsSql = (close: boolean) => `
  update "AutomationJob" j set ${close ? '"doneAt" = now(), ' : ''}"progress" = x.progress
    from jsonb_to_recordset($1::jsonb) as x(id bigint, saved int, progress jsonb)
   where j."id" = x.id and j."doneAt" is null and jsonb_array_length(j."progress") = x.saved
  returning j."id"`;
export const PROGRESS_SQL = saveJobsSql(false);
export const FINISH_SQL = saveJobsSql(true);

async function claim(deps: AppDeps): Promise<JobRow[]> {
  const { batch, leaseSeconds } = deps.config.automations;
  const [, jobs] = await deps.db.$transaction([deps.db.$queryRawUnsafe(CLAIM_PLANNER), deps.db.$queryRawUnsafe<JobRow[]>(CLAIM_SQL, batch, leaseSeconds)]);
  return jobs;
}

/** A job under way: its automation, the context it acts in (the owner's rights, the automation's name), what it saved. */
type Run = { job: JobRow; a: AutomationRow; ctx: ServiceCtx; actions: Action[]; results: ActionResult[]; startedAt: Date; tries: number };

/** How a run ends, written with `finish` (the job closed, the run logged, the counters moved). */
type Finish = { job: JobRow; a: AutomationRow; startedAt: Date; status: string; results: ActionResult[]; error?: string; saved: number };

/** What became of one action of a round. */
type Outcome =
  | { kind: 'done'; r: ActionResult } // committed with its saved result
  | { kind: 'failed'; r: ActionResult } // the run ends FAILED with it
  | { kind: 'again'; error: unknown } // not done: tried again next round
  | { kind: 'left' }; // the job left this batch (a delay; or another worker has it)

/**
 * One action of a round: the run's next one. `ready`: done outside the round's transaction (an
 * update with nothing to change, an e-mail sent), its result only to save.
 */
type Step = { run: Run; i: number; action: Action; last: boolean; t0: number; ready?: ActionResult; outcome?: Outcome };

/** Another worker saved these jobs' step first (their lease had ended): this transaction is undone. */
class Overtaken extends Error {
  constructor(readonly jobs: Set<bigint>) {
    super('overtaken');
  }
}

/**
 * A card's jobs, run in event order: `at` is the one under way (or next). `finishing`: the job
 * before it, on its last action, a notification: the next job may start beside it (`ALONGSIDE`).
 */
type Lane = { jobs: JobRow[]; at: number; run?: Run; finishing?: Run };

/**
 * The first actions a card's next job may take in the round of the previous job's last action
 * when that is a notification. A notification writes nothing on the card and reads only what its
 * text names (name, responsible, amount, stage, custom fields) and the responsible: a tag is none
 * of these, and a second notification writes nothing either. The next job's conditions are read
 * before it, as they would be after the notification (which changes nothing they read).
 */
const ALONGSIDE = new Set<Action['type']>(['ADD_TAG', 'NOTIFY']);

/** Runs a batch of due jobs; returns how many it claimed. */
export async function runDueJobs(deps: AppDeps): Promise<number> {
  const jobs = await claim(deps);
  if (!jobs.length) return 0;
  await new Batch(deps).run(jobs);
  deps.outbox.kick();
  return jobs.length;
}

class Batch {
  private automations = new Map<string, AutomationRow>();
  private viewers = new Map<string, Viewer | null>();
  /** One context per automation and depth, so what a request memoizes (definitions) is read once a batch. */
  private ctxs = new Map<string, ServiceCtx>();
  private finishes: Finish[] = [];
  private closes: bigint[] = [];
  /** Each card's lane, by card id. */
  private lanes = new Map<string, Lane>();
  private renewing?: Promise<void>;
  /** Jobs given back while their step is under way (a delay): never renewed again. */
  private released = new Set<bigint>();

  constructor(private readonly deps: AppDeps) {}

  async run(jobs: JobRow[]) {
    // The lease is renewed while the batch runs (rounds, or one slow e-mail, may outlast it).
    const lease = this.deps.config.automations.leaseSeconds;
    const timer = setInterval(
      () => {
        this.renewing ??= this.renew().finally(() => {
          this.renewing = undefined;
        });
      },
      (lease * 1000) / 3,
    );
    timer.unref();
    try {
      await this.take(jobs);
      for (;;) {
        // What a round's contexts looked up (rights, visibility, definitions) is read afresh each
        // round: a batch may outlast a card handed to someone else or a changed definition.
        for (const ctx of this.ctxs.values()) forgetRequest(ctx);
        const lanes = [...this.lanes.values()];
        // A job on its last action, a notification, lets the card's next job start beside it.
        for (const l of lanes)
          if (l.run && !l.finishing && l.at + 1 < l.jobs.length && l.run.actions[l.run.results.length]?.type === 'NOTIFY' && this.step(l.run).last) {
            l.finishing = l.run;
            l.run = undefined;
            l.at++;
          }
        await this.start(lanes);
        const steps: { lane: Lane; step: Step; finishing: boolean }[] = [];
        for (const lane of lanes) {
          if (lane.finishing) steps.push({ lane, step: this.step(lane.finishing), finishing: true });
          if (lane.run && (!lane.finishing || alongside(lane.run))) steps.push({ lane, step: this.step(lane.run), finishing: false });
        }
        if (steps.length) {
          try {
            await this.round(steps.map((x) => x.step));
          } catch (err) {
            this.undone(
              steps.map((x) => x.step),
              err,
            );
          }
        }
        for (const { lane, step, finishing } of steps) this.advance(lane, step, finishing);
        await this.flush();
        if (!steps.length) return;
      }
    } finally {
      clearInterval(timer);
      await this.renewing;
    }
  }

  /** Adds claimed jobs to their cards' lanes (a card's jobs run one after another, in event order), reading their automations and owners. */
  private async take(jobs: JobRow[]) {
    if (!jobs.length) return;
    const ids = [...new Set(jobs.map((j) => j.automationId))].filter((id) => !this.automations.has(id));
    if (ids.length) for (const a of await this.deps.db.automation.findMany({ where: { id: { in: ids } } })) this.automations.set(a.id, a);
    const owners = [...new Set([...this.automations.values()].map((a) => a.ownerId))].filter((id) => !this.viewers.has(id));
    await Promise.all(owners.map(async (id) => this.viewers.set(id, await viewerOfUser(this.deps.db, id))));
    for (const j of jobs.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const lane = this.lanes.get(j.event.cardId);
      if (lane) lane.jobs.push(j);
      else this.lanes.set(j.event.cardId, { jobs: [j], at: 0 });
    }
  }

  /** The jobs this batch still holds: each lane's current and later ones (ended or left ones are not held). */
  private held(): JobRow[] {
    return [...this.lanes.values()].flatMap((l) => [...(l.finishing ? [l.finishing.job] : []), ...l.jobs.slice(l.at)]).filter((j) => !this.released.has(j.id));
  }

  /**
   * Moves the lease of the jobs still held on, each only if no other worker claimed it since
   * (its attempts are still the ones this worker's claim made) and it is not waiting on a delay.
   */
  private async renew() {
    const held = this.held();
    if (!held.length) return;
    try {
      await this.deps.db.$executeRawUnsafe(
        RENEW_SQL,
        JSON.stringify(held.map((j) => ({ id: String(j.id), attempts: j.attempts }))),
        this.deps.config.automations.leaseSeconds,
      );
    } catch (err) {
      this.deps.log.error({ err }, 'automation jobs’ lease could not be renewed');
    }
  }

  /** Puts each lane's next job under way: ends those that cannot run, checks the conditions of new ones. */
  private async start(lanes: Lane[]) {
    for (;;) {
      const fresh: Lane[] = [];
      for (const lane of lanes) {
        while (!lane.run && lane.at < lane.jobs.length) {
          const job = lane.jobs[lane.at];
          const a = this.automations.get(job.automationId);
          // Beside the previous job's last action only if its own first one may go there.
          if (lane.finishing && (!a || !alongside({ job, actions: a.actions as unknown as Action[], results: job.progress }))) break;
          if (!a || !a.enabled || a.pausedAt) {
            this.closes.push(job.id);
            lane.at++;
            continue;
          }
          const base = { job, a, startedAt: new Date(), results: [], saved: job.progress.length };
          if (job.depth > MAX_DEPTH) {
            this.end({ ...base, status: 'DEPTH_LIMIT', error: render(AUTOMATIONS.depthLimit({ depth: MAX_DEPTH }), 'en') }, lane);
            continue;
          }
          const viewer = this.viewers.get(a.ownerId);
          if (!viewer) {
            this.end({ ...base, status: 'FAILED', error: render(AUTOMATIONS.ownerGone(), 'en') }, lane);
            continue;
          }
          const ctx = this.ctxOf(a, job.depth, viewer);
          lane.run = { job, a, ctx, actions: a.actions as unknown as Action[], results: [...job.progress], startedAt: base.startedAt, tries: 0 };
          // Conditions are read against the card as it is when the run starts (resumed runs already passed them).
          if (!job.progress.length && job.event.kind !== 'LEAD') fresh.push(lane);
        }
      }
      if (!fresh.length) return;
      const held = await this.conditionsHeld(fresh.map((l) => l.run!));
      for (const lane of fresh) {
        const run = lane.run!;
        const h = held.get(run.job.id);
        if (h === true) continue;
        const base = { job: run.job, a: run.a, startedAt: run.startedAt, results: [], saved: 0 };
        if (h === false) this.end({ ...base, status: 'SKIPPED' }, lane);
        else if (h instanceof AppError) this.end({ ...base, status: 'FAILED', error: message(h) }, lane);
        else {
          // The database failed us: the job is left to its lease, as a crash would leave it.
          lane.run = undefined;
          lane.at++;
        }
      }
    }
  }

  private end(f: Finish, lane: Lane, finishing = false) {
    this.finishes.push(f);
    this.leave(lane, finishing);
  }

  /** The lane's run (or its finishing one) is over here. */
  private leave(lane: Lane, finishing: boolean) {
    if (finishing) {
      lane.finishing = undefined;
      return;
    }
    lane.run = undefined;
    lane.at++;
  }

  private ctxOf(a: AutomationRow, depth: number, viewer: Viewer): ServiceCtx {
    const key = `${a.id}:${depth}`;
    let ctx = this.ctxs.get(key);
    if (!ctx) this.ctxs.set(key, (ctx = { db: this.deps.db, deps: this.deps, viewer, automation: { id: a.id, name: a.name, depth } }));
    return ctx;
  }

  /**
   * Whether each run's card is in its automation's conditions (one list query per automation),
   * or the error that kept them from being read (stored conditions no longer valid: the run fails).
   */
  private async conditionsHeld(runs: Run[]): Promise<Map<bigint, boolean | unknown>> {
    const held = new Map<bigint, boolean | unknown>();
    await Promise.all(
      [...group(runs, (r) => r.ctx).values()].map(async (list) => {
        const { a, ctx } = list[0];
        try {
          const ids = [...new Set(list.map((r) => r.job.event.cardId))];
          const cards = await cardsMatching(ctx, a.cardKind as CardKind, a.conditions as object | null, ids);
          for (const r of list) held.set(r.job.id, cards.has(r.job.event.cardId));
        } catch (err) {
          if (!(err instanceof AppError)) this.deps.log.error({ err }, 'automation conditions could not be read; the jobs are retried when their lease ends');
          for (const r of list) held.set(r.job.id, err);
        }
      }),
    );
    return held;
  }

  private step(run: Run): Step {
    const i = run.results.length;
    return { run, i, action: run.actions[i], last: i >= run.actions.length - 1, t0: performance.now() };
  }

  /** Moves a lane on once its step's outcome is known (`finishing`: the step of the lane's finishing run). */
  private advance(lane: Lane, step: Step, finishing: boolean) {
    const run = finishing ? lane.finishing! : lane.run!;
    const o = step.outcome ?? { kind: 'again', error: new Error('not run') };
    if (!step.action) {
      // Nothing left to do (the automation lost actions since): the run is done with what it did.
      this.end({ job: run.job, a: run.a, startedAt: run.startedAt, status: 'SUCCEEDED', results: run.results, saved: run.results.length }, lane, finishing);
      return;
    }
    if (o.kind === 'done') {
      run.results.push(o.r);
      run.tries = 0;
      if (step.last) this.leave(lane, finishing);
    } else if (o.kind === 'failed') {
      this.end(
        { job: run.job, a: run.a, startedAt: run.startedAt, status: 'FAILED', results: [...run.results, o.r], error: o.r.error, saved: step.i },
        lane,
        finishing,
      );
    } else if (o.kind === 'left') {
      this.leave(lane, finishing);
    } else if (++run.tries > RETRIES) {
      const r: ActionResult = { index: step.i, type: step.action.type, ok: false, error: message(o.error), durationMs: ms(step.t0) };
      this.end(
        { job: run.job, a: run.a, startedAt: run.startedAt, status: 'FAILED', results: [...run.results, r], error: r.error, saved: step.i },
        lane,
        finishing,
      );
    }
  }

  /** Writes the runs that ended this round (not with an action: skipped, failed, too deep) and closes jobs of disabled automations. */
  private async flush() {
    const finishes = this.finishes.splice(0);
    const closes = this.closes.splice(0);
    try {
      if (closes.length) await this.deps.db.automationJob.updateMany({ where: { id: { in: closes }, doneAt: null }, data: { doneAt: new Date() } });
      if (finishes.length) await this.deps.db.$transaction((tx) => finish(tx, finishes));
    } catch (err) {
      // Nothing of these runs changed a card: retried when their lease ends, they end the same way.
      this.deps.log.error({ err }, 'automation runs could not be logged; their jobs are retried when their lease ends');
    }
  }

  /** Runs one round: every lane's next action, the database ones committed together with their results. */
  private async round(steps: Step[]) {
    const runnable = steps.filter((s) => s.action);
    const kind = (s: Step) => s.run.job.event.kind;
    const updates = runnable.filter((s) => kind(s) !== 'LEAD' && CARD_UPDATES.has(s.action.type));
    const delays = runnable.filter((s) => s.action.type === 'DELAY');
    const mails = runnable.filter((s) => s.action.type === 'SEND_EMAIL');
    const others = runnable.filter((s) => !updates.includes(s) && !delays.includes(s) && !mails.includes(s));
    // First what is read or sent outside any transaction: the cards to update, the e-mails (an
    // e-mail is sent, then saved: a crash in between sends it again with the same Message-ID).
    const [writes] = await Promise.all([this.prepareUpdates(updates), ...mails.map((s) => this.mail(s)), ...delays.map((s) => this.delay(s))]);
    const ready = [...updates, ...mails].filter((s) => s.ready);
    await Promise.all([
      ...[...group([...writes], ([s]) => `${kind(s)}:${s.run.a.id}:${s.run.job.depth}`).values()].map((g) => this.write(g)),
      this.together([...others, ...ready]),
    ]);
  }

  /**
   * Reads the cards of the round's card updates (one statement per kind, tags with them) and
   * makes each one's write; an update that changes nothing is done already (its result is only
   * saved), one whose card is gone fails.
   */
  private async prepareUpdates(steps: Step[]): Promise<Map<Step, BatchWrite>> {
    const writes = new Map<Step, BatchWrite>();
    for (const [kind, list] of group(steps, (s) => s.run.job.event.kind as CardKind)) {
      const ids = list.map((s) => s.run.job.event.cardId);
      const cards = new Map((await cardTable(this.deps.db, kind).findMany({ where: { id: { in: ids } } })).map((c) => [c.id, c]));
      const tagged = list.filter((s) => s.action.type === 'ADD_TAG').map((s) => s.run.job.event.cardId);
      const tags = await tagsOf(this.deps.db, kind, tagged);
      for (const s of list) {
        const card = cards.get(s.run.job.event.cardId);
        if (!card || card.deletedAt || card.workspaceId !== s.run.a.workspaceId) {
          s.outcome = failed(s, new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND'));
          continue;
        }
        const write = cardWrite(s.action, card, tags.get(card.id) ?? []);
        if (write) writes.set(s, { id: card.id, version: card.version, write });
        else s.ready = { index: s.i, type: s.action.type, ok: true, durationMs: ms(s.t0), detail: 'unchanged' };
      }
    }
    return writes;
  }

  /**
   * One automation's card updates of a round, through `writeRecords`: one transaction with each
   * step's saved result (a write refused by a check is a failed action; one refused because the
   * card changed meanwhile is read again next round).
   */
  private async write(list: [Step, BatchWrite][]) {
    // Cards in id order, so two workers updating some of the same cards lock them in one order.
    list.sort(([, a], [, b]) => (a.id! < b.id! ? -1 : 1));
    const steps = list.map(([s]) => s);
    const pending = new Map<number, ActionResult>();
    const { ctx, job } = steps[0].run;
    try {
      await writeRecords(
        ctx,
        job.event.kind as CardKind,
        list.map(([, w]) => w),
        {
          refused: (index, error) => {
            steps[index].outcome = conflict(error) ? { kind: 'again', error } : failed(steps[index], error);
          },
          committing: async (tx, written) => {
            const saves = written.map((w) => {
              const s = steps[w.index];
              const r: ActionResult = { index: s.i, type: s.action.type, ok: true, durationMs: ms(s.t0) };
              pending.set(w.index, r);
              return { s, r };
            });
            await save(tx, saves);
          },
          committed: (written) => {
            for (const w of written) steps[w.index].outcome = { kind: 'done', r: pending.get(w.index)! };
          },
        },
      );
    } catch (err) {
      this.undone(steps, err);
    }
  }

  /** A transaction of steps was undone by what `save` found or by an error of our own: those overtaken leave, the others wait. */
  private undone(steps: Step[], err: unknown) {
    if (err instanceof Overtaken) {
      for (const s of steps) if (!s.outcome && err.jobs.has(s.run.job.id)) s.outcome = { kind: 'left' };
      return;
    }
    // Not an action's failure (those are refusals): the jobs are left to their lease, as a crash would leave them.
    this.deps.log.error({ err }, 'automation batch failed; its jobs are retried when their lease ends');
    for (const s of steps) if (!s.outcome) s.outcome = { kind: 'left' };
  }

  /**
   * The round's other database actions (tasks, notifications, webhook calls) and the results of
   * updates that changed nothing and of e-mails sent, in one transaction. If any action fails,
   * that transaction is undone and each runs alone in its own, so one failure takes no other
   * action with it.
   */
  private async together(steps: Step[]) {
    if (!steps.length) return;
    try {
      const cards = await readCards(
        this.deps.db,
        steps.filter((s) => !s.ready && ACTS_ON_CARD.has(s.action.type)),
      );
      // Round-robin turns move a counter on their automation's row: those rows are locked first,
      // in id order, so two workers whose rounds hold the same automations in other orders queue
      // instead of deadlocking.
      const turns = steps.filter((s) => !s.ready && s.action.type === 'CREATE_TASK' && s.action.responsible.mode === 'TEAM').map((s) => s.run.a.id);
      const saves = await inOneTransaction(steps[0].run.ctx, async (tctx, tx) => {
        if (turns.length) await lockRows(tx, 'Automation', [...new Set(turns)]);
        const inTx = new Map<ServiceCtx, ServiceCtx>();
        const notes: NotificationMessage[] = [];
        const out: { s: Step; r: ActionResult }[] = [];
        for (const s of steps) {
          if (s.ready) {
            out.push({ s, r: s.ready });
            continue;
          }
          let ctx = inTx.get(s.run.ctx);
          if (!ctx) inTx.set(s.run.ctx, (ctx = { ...s.run.ctx, db: tctx.db }));
          const detail = await perform(ctx, s.run, s.action, s.i, cards, notes);
          out.push({ s, r: { index: s.i, type: s.action.type, ok: true, durationMs: ms(s.t0), ...(detail ? { detail } : {}) } });
        }
        if (notes.length) await events.emit(tx, tctx, 'notification', notes);
        await save(tx, out);
        return out;
      });
      for (const { s, r } of saves) s.outcome = { kind: 'done', r };
    } catch (err) {
      if (steps.length > 1) {
        for (const s of steps) await this.together([s]);
        return;
      }
      const [s] = steps;
      s.outcome = err instanceof Overtaken ? { kind: 'left' } : failed(s, err);
    }
  }

  /** Sends a step's e-mail; its result is saved with the round's other results. */
  private async mail(s: Step) {
    try {
      const detail = await sendEmail(s.run, s.action as Extract<Action, { type: 'SEND_EMAIL' }>, s.i);
      s.ready = { index: s.i, type: s.action.type, ok: true, durationMs: ms(s.t0), ...(detail ? { detail } : {}) };
    } catch (err) {
      s.outcome = failed(s, err);
    }
  }

  /**
   * The run waits in the job table: the job falls due again when the delay is over, on
   * whichever instance claims it then (a restart in between changes nothing).
   */
  private async delay(s: Step) {
    const until = new Date(Date.now() + (s.action as Extract<Action, { type: 'DELAY' }>).minutes * 60_000);
    const r: ActionResult = { index: s.i, type: s.action.type, ok: true, durationMs: ms(s.t0), detail: `until ${until.toISOString()}` };
    const done = [...s.run.results, r];
    // Given back: a renewal from now on would hold it past its time (or past a move of its time).
    this.released.add(s.run.job.id);
    if (s.last) {
      const { job, a, startedAt } = s.run;
      await this.deps.db.$transaction((tx) => finish(tx, [{ job, a, startedAt, status: 'SUCCEEDED', results: done, saved: s.i }]));
    } else
      await this.deps.db.$executeRaw`update "AutomationJob" set "progress" = ${JSON.stringify(done)}::jsonb, "runAt" = ${until}, "lockedUntil" = null
                                     where "id" = ${s.run.job.id} and "doneAt" is null and jsonb_array_length("progress") = ${s.i}`;
    s.outcome = { kind: 'left' };
  }
}

/** Whether a run's next step may go beside the last action (a notification) of the card's job before it. */
const alongside = (run: Pick<Run, 'job' | 'actions' | 'results'>) =>
  run.results.length === 0 && run.job.event.kind !== 'LEAD' && !!run.actions[0] && ALONGSIDE.has(run.actions[0].type);

const failed = (s: Step, err: unknown): Outcome => ({
  kind: 'failed',
  r: { index: s.i, type: s.action.type, ok: false, error: message(err), durationMs: ms(s.t0) },
});

function group<T, K>(list: T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of list) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

// Saving results

/**
 * Saves steps' results in `tx`, each only if its job still holds the progress it was read with:
 * the run's record after its last action, the progress after any other. A job another worker
 * saved first makes the whole transaction undone (Overtaken), so no action is kept twice.
 */
async function save(tx: Tx, saves: { s: Step; r: ActionResult }[]) {
  const kept = new Set<bigint>();
  const progress = saves.filter(({ s }) => !s.last);
  if (progress.length) {
    const rows = await tx.$queryRawUnsafe<{ id: bigint }[]>(
      PROGRESS_SQL,
      JSON.stringify(progress.map(({ s, r }) => ({ id: String(s.run.job.id), saved: s.i, progress: [...s.run.results, r] }))),
    );
    for (const row of rows) kept.add(BigInt(row.id));
  }
  const last = saves.filter(({ s }) => s.last);
  if (last.length) {
    const done = await finish(
      tx,
      last.map(({ s, r }) => ({ job: s.run.job, a: s.run.a, startedAt: s.run.startedAt, status: 'SUCCEEDED', results: [...s.run.results, r], saved: s.i })),
    );
    for (const id of done) kept.add(id);
  }
  const lost = new Set(saves.map(({ s }) => s.run.job.id).filter((id) => !kept.has(id)));
  if (lost.size) throw new Overtaken(lost);
}

/**
 * Ends runs in `tx`: closes their jobs (each only if it still holds the progress it was read
 * with), logs the runs, tells the run log's live subscribers, and moves each automation's
 * counters once for all its runs here (a fifth failure in a row pauses it, and its
 * administrators hear of it). Answers the jobs it closed.
 */
async function finish(tx: Tx, list: Finish[]): Promise<Set<bigint>> {
  if (!list.length) return new Set();
  const rows = await tx.$queryRawUnsafe<{ id: bigint }[]>(
    FINISH_SQL,
    JSON.stringify(list.map((f) => ({ id: String(f.job.id), saved: f.saved, progress: f.results }))),
  );
  const closed = new Set(rows.map((r) => BigInt(r.id)));
  const ended = list.filter((f) => closed.has(f.job.id));
  if (!ended.length) return closed;
  const runs = ended.map((f) => ({
    workspaceId: f.a.workspaceId,
    automationId: f.a.id,
    jobId: String(f.job.id),
    topic: f.job.event.topic,
    cardKind: f.job.event.kind,
    cardId: f.job.event.cardId,
    status: f.status,
    actions: f.results,
    error: f.error ?? null,
    depth: f.job.depth,
    startedAt: f.startedAt,
  }));
  const ids = await insertRows(tx, 'AutomationRun', runs, { ids: true, now: ['finishedAt'] });
  const occurredAt = new Date().toISOString();
  // The run log's live subscribers (administrators) hear of each once it committed.
  await enqueue(
    tx,
    ended.map((f, i) => ({
      topic: 'automationRun' as const,
      workspaceId: f.a.workspaceId,
      payload: { workspaceId: f.a.workspaceId, automationId: f.a.id, runId: ids[i], status: f.status, occurredAt } satisfies AutomationRunMessage,
    })),
  );
  // Each automation's counters, its runs taken in order: the failure streak is the failures
  // after its last success here (added to the stored one if none succeeded).
  const counters = [...group(ended, (f) => f.a.id)].map(([id, fs]) => {
    const failedAt = fs.map((f) => f.status === 'FAILED' || f.status === 'DEPTH_LIMIT');
    const lastOk = failedAt.lastIndexOf(false);
    const lastFailed = failedAt.lastIndexOf(true);
    return {
      id,
      runs: fs.length,
      failures: failedAt.filter(Boolean).length,
      cleared: lastOk >= 0,
      streak: fs.length - 1 - lastOk,
      lastError: lastFailed >= 0 ? (fs[lastFailed].error ?? null) : null,
    };
  });
  counters.sort((x, y) => (x.id < y.id ? -1 : 1));
  // Automations locked in id order: two workers ending runs of the same automations never
  // deadlock (FOR NO KEY UPDATE, as the UPDATE below takes: FOR UPDATE also waited on the KEY
  // SHARE lock each worker's run INSERT above took, and two such workers deadlocked here).
  if (counters.length > 1)
    await lockRows(
      tx,
      'Automation',
      counters.map((c) => c.id),
    );
  const moved = await tx.$queryRawUnsafe<{ id: string; workspaceId: string; name: string; failureStreak: number; pausedAt: Date | null }[]>(
    `update "Automation" a set "runs" = a."runs" + x.runs, "lastRunAt" = now(), "failures" = a."failures" + x.failures,
            "failureStreak" = case when x.cleared then x.streak else a."failureStreak" + x.streak end,
            "lastError" = coalesce(x."lastError", a."lastError"),
            "pausedAt" = case when a."pausedAt" is null and (case when x.cleared then x.streak else a."failureStreak" + x.streak end) >= ${PAUSE_AFTER}
                              then now() else a."pausedAt" end
       from jsonb_to_recordset($1::jsonb) as x(id uuid, runs int, failures int, cleared boolean, streak int, "lastError" text)
      where a."id" = x.id
     returning a."id"::text as id, a."workspaceId"::text as "workspaceId", a."name", a."failureStreak", a."pausedAt"`,
    JSON.stringify(counters),
  );
  const byId = new Map(counters.map((c) => [c.id, c]));
  // Paused just now: the streak crossed the limit here (it was below it before these runs).
  const paused = moved.filter((m) => {
    const c = byId.get(m.id)!;
    const before = c.cleared ? 0 : m.failureStreak - c.streak;
    return m.pausedAt && m.failureStreak >= PAUSE_AFTER && before < PAUSE_AFTER;
  });
  // A paused automation queues no more runs: each instance drops the list it kept (ReadsAhead).
  await enqueue(tx, [...new Set(paused.map((a) => a.workspaceId))].map(settingsChangedEvent));
  for (const a of paused) {
    // Every administrator of the workspace hears of it.
    const admins = await tx.user.findMany({ where: { workspaceId: a.workspaceId, active: true, role: { isAdmin: true } }, select: { id: true } });
    await enqueue(
      tx,
      admins.map((u) => ({
        topic: 'notification' as const,
        workspaceId: a.workspaceId,
        payload: {
          workspaceId: a.workspaceId,
          userId: u.id,
          kind: 'AUTOMATION_PAUSED' as const,
          text: render(AUTOMATIONS.paused({ name: a.name, n: PAUSE_AFTER }), 'en'),
          occurredAt,
        },
      })),
    );
  }
  return closed;
}

// Actions

/** Actions that are an update of the card, run through `writeRecords`. */
const CARD_UPDATES = new Set<Action['type']>(['SET_FIELD', 'MOVE_TO_STAGE', 'SET_RESPONSIBLE', 'ADD_TAG']);
/** Actions that read the card (its responsible, placeholders, the webhook's payload). */
const ACTS_ON_CARD = new Set<Action['type']>(['CREATE_TASK', 'NOTIFY', 'CALL_WEBHOOK']);

/** The write a card update makes, or null when the card already holds what it would set. */
function cardWrite(action: Action, card: CardRow, tags: string[]): CardWrite | null {
  switch (action.type) {
    case 'SET_FIELD':
      return action.field
        ? { fields: { [action.field]: action.value ? (action.value.text ?? action.value.number ?? null) : null } }
        : { customFields: [{ fieldId: action.customFieldId!, value: action.value }] };
    case 'MOVE_TO_STAGE':
      return card.stageId === action.stageId ? null : { extra: { stageId: action.stageId, lossReasonId: action.lossReasonId } };
    case 'SET_RESPONSIBLE':
      return card.responsibleId === action.userId ? null : { responsibleId: action.userId };
    case 'ADD_TAG':
      return tags.some((t) => t.toLowerCase() === action.tag.toLowerCase()) ? null : { tags: [...tags, action.tag] };
    default:
      throw new Error(`${action.type} is not a card update`);
  }
}

/** The cards (and incoming leads) a round's actions read, with the names their placeholders may show. */
type Cards = {
  rows: Map<string, Record<string, unknown> & { responsibleId: string; deletedAt: Date | null; workspaceId: string }>;
  names: Map<string, string>;
};

/** Reads the cards of these steps: one statement per kind, plus one per kind of name the texts use. */
async function readCards(db: AppDeps['db'], steps: Step[]): Promise<Cards> {
  const cards: Cards = { rows: new Map(), names: new Map() };
  const used = new Set(steps.flatMap((s) => ('text' in s.action ? [...s.action.text.matchAll(PLACEHOLDER)].map((m) => m[1]) : [])));
  for (const [kind, list] of group(steps, (s) => s.run.job.event.kind)) {
    const ids = [...new Set(list.map((s) => s.run.job.event.cardId))];
    const rows =
      kind === 'LEAD'
        ? (await db.incomingLead.findMany({ where: { id: { in: ids } } })).map((l) => ({ ...l, deletedAt: null }))
        : await cardTable(db, kind).findMany({ where: { id: { in: ids } } });
    for (const r of rows) cards.rows.set(r.id, r as never);
  }
  const all = [...cards.rows.values()];
  const ids = (col: string) => [...new Set(all.map((r) => r[col] as string | null).filter((x): x is string => !!x))];
  if (used.has('responsible') && all.length)
    for (const u of await db.user.findMany({ where: { id: { in: ids('responsibleId') } }, select: { id: true, name: true } })) cards.names.set(u.id, u.name);
  if (used.has('stage') && ids('stageId').length)
    for (const x of await db.stage.findMany({ where: { id: { in: ids('stageId') } }, select: { id: true, name: true } })) cards.names.set(x.id, x.name);
  if (used.has('pipeline') && ids('pipelineId').length)
    for (const x of await db.pipeline.findMany({ where: { id: { in: ids('pipelineId') } }, select: { id: true, name: true } })) cards.names.set(x.id, x.name);
  return cards;
}

function cardOf(cards: Cards, run: Run) {
  const card = cards.rows.get(run.job.event.cardId);
  if (!card || card.deletedAt || card.workspaceId !== run.a.workspaceId) throw new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND');
  return card;
}

/** Fills [placeholders] from the card: its name, responsible, id, a deal's amount and stage, custom fields by name. */
async function fill(ctx: ServiceCtx, kind: CardKind | 'LEAD', card: Record<string, unknown>, cards: Cards, text: string) {
  if (text.search(PLACEHOLDER) < 0) return text;
  const id = card.id as string;
  const values: Record<string, string> = { name: String(card.name ?? ''), id, responsible: cards.names.get(card.responsibleId as string) ?? '' };
  if (kind === 'LEAD') return text.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
  const used = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]));
  const deal = kind === 'DEAL';
  const system = ['name', 'id', 'responsible', ...(deal ? ['amount', 'currency', 'stage', 'pipeline'] : [])];
  const defs = [...used].some((n) => !system.includes(n)) ? await visibleDefinitions(ctx, kind) : [];
  if (deal) {
    values.amount = card.amount === null || card.amount === undefined ? '' : (card.amount as { toFixed(n: number): string }).toFixed(2);
    values.currency = String(card.currency ?? '');
    values.stage = cards.names.get(card.stageId as string) ?? '';
    values.pipeline = cards.names.get(card.pipelineId as string) ?? '';
  }
  // What the owner's role may not see shows as nothing, as the API shows it to them: a hidden
  // system field (and the columns that go with it: a deal's currency with its amount) is empty,
  // and hidden custom fields (and formulas over them) are left out.
  for (const f of hiddenSystemFields(ctx.viewer, kind)) for (const name of [f, ...descriptor(kind).access[f]]) if (name in values) values[name] = '';
  const custom = (card.customFields ?? {}) as Record<string, unknown>;
  for (const d of defs) values[d.name] ??= displayValue(d, custom[d.key]) ?? '';
  return text.replace(PLACEHOLDER, (m, name: string) => values[name] ?? m);
}

async function pickResponsible(
  ctx: ServiceCtx,
  automationId: string,
  index: number,
  card: { responsibleId: string },
  r: Extract<Action, { type: 'CREATE_TASK' }>['responsible'],
) {
  if (r.mode === 'USER') return r.userId!;
  if (r.mode === 'CARD') return card.responsibleId;
  const members = await ctx.db.teamMember.findMany({
    where: { teamId: r.teamId!, user: { active: true } },
    select: { userId: true },
    orderBy: { userId: 'asc' },
  });
  if (!members.length) throw new AppError(AUTOMATIONS.emptyTeam(), 'VALIDATION_FAILED');
  // Round-robin: a counter per action, moved atomically, so concurrent runs take turns too.
  const key = String(index);
  const [row] = await ctx.db.$queryRaw<{ n: number }[]>`
    update "Automation" set "rotation" = jsonb_set("rotation", array[${key}], to_jsonb(coalesce(("rotation"->>${key})::int, -1) + 1))
    where "id" = ${automationId}::uuid returning ("rotation"->>${key})::int as n`;
  return members[row.n % members.length].userId;
}

/** One SMTP transport per URL, kept for the process (a pool of connections). */
const transports = new Map<string, Transporter>();

/**
 * Sends the e-mail of a "send an e-mail" action. Its Message-ID is made of the job and the action,
 * so a retry after a crash between sending and saving sends the same message, which mail
 * systems recognise as a duplicate.
 */
async function sendEmail(run: Run, action: Extract<Action, { type: 'SEND_EMAIL' }>, index: number) {
  const { ctx, job } = run;
  const { url, from } = ctx.deps.config.smtp;
  if (!url) throw new AppError(AUTOMATIONS.noSmtp(), 'VALIDATION_FAILED');
  const cards = await readCards(ctx.db, [{ run, i: index, action, last: false, t0: 0 }]);
  const card = cardOf(cards, run);
  let to = action.to;
  if (!to) {
    const user = await ctx.db.user.findUnique({ where: { id: card.responsibleId }, select: { email: true } });
    if (!user) throw new AppError(AUTOMATIONS.cardGone(), 'NOT_FOUND');
    to = user.email;
  }
  let transport = transports.get(url);
  if (!transport) {
    // Loaded on the first e-mail: an idle server does not need nodemailer in memory.
    const { createTransport } = await import('nodemailer');
    transport = transports.get(url) ?? createTransport(url);
    transports.set(url, transport);
  }
  const messageId = `<automation-${String(job.id)}-${index}@${new URL(url).hostname || 'crm'}>`;
  const info = await transport.sendMail({
    from,
    to,
    subject: await fill(ctx, job.event.kind, card, cards, action.subject),
    text: await fill(ctx, job.event.kind, card, cards, action.text),
    messageId,
  });
  return `to ${to}: ${info.response}`;
}

/** A database action other than a card update, in the round's transaction (`ctx.db`); notifications go to `notes`. */
async function perform(ctx: ServiceCtx, run: Run, action: Action, index: number, cards: Cards, notes: NotificationMessage[]): Promise<string | undefined> {
  const { kind, cardId } = run.job.event;
  const card = cardOf(cards, run);
  if (kind === 'LEAD' && action.type !== 'NOTIFY')
    // An incoming lead is not a card yet: it can be told about, mailed about and waited on.
    throw new AppError(AUTOMATIONS.notForLeads(), 'VALIDATION_FAILED');
  switch (action.type) {
    case 'NOTIFY':
      notes.push({
        workspaceId: ctx.viewer.workspaceId,
        userId: action.userId ?? card.responsibleId,
        kind: 'AUTOMATION',
        text: await fill(ctx, kind, card, cards, action.text),
        ...(kind === 'LEAD' ? {} : { card: { kind, id: cardId } }),
        occurredAt: new Date().toISOString(),
      });
      return undefined;
    case 'CALL_WEBHOOK': {
      // A delivery of the webhook, queued with this step: signed, retried and logged like every
      // delivery; its webhook-id is made of the job and the action, the same on every attempt.
      const hook = await ctx.db.webhook.findFirst({
        where: { id: action.webhookId, workspaceId: ctx.viewer.workspaceId },
        select: { id: true, enabled: true },
      });
      if (!hook?.enabled) throw new AppError(AUTOMATIONS.webhookOff(), 'NOT_FOUND');
      const delivery = await ctx.db.webhookDelivery.create({
        data: {
          workspaceId: ctx.viewer.workspaceId,
          webhookId: hook.id,
          eventType: 'AUTOMATION',
          messageId: `msg_automation_${String(run.job.id)}_${index}`,
          payload: {
            type: 'automation.called',
            timestamp: new Date().toISOString(),
            data: await webhookCard(ctx, hook.id, kind as CardKind, card, { id: run.a.id, name: run.a.name }),
          },
        },
        select: { id: true },
      });
      return `delivery ${delivery.id}`;
    }
    case 'CREATE_TASK': {
      const responsibleId = await pickResponsible(ctx, run.a.id, index, card, action.responsible);
      const text = await fill(ctx, kind, card, cards, action.text);
      const task = await createTask(
        ctx,
        { entityType: kind as CardKind, id: cardId },
        { type: action.taskType, text, dueAt: new Date(Date.now() + action.dueInMinutes * 60_000), responsibleId },
      );
      return `task ${task.id}`;
    }
    default:
      throw new Error(`${action.type} is not run in the round's transaction`);
  }
}
