// The live sales dashboard served at /dashboard: sign in, pick a pipeline, see the board (a
// column per stage with its count and sum, a card per deal), kept live by `dealChanged`; a report
// panel from `pipelineReport`; a deal's timeline beside the board, live by `timelineUpdated`.
// Dragging a card calls `moveDeal`; a StageRequirementsError opens a form for exactly the missing
// fields, a ConflictError reloads the card. One state object, rendered whole by lit-html.
import { html, nothing, render } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import { styleMap } from 'lit-html/directives/style-map.js';
import './style.css';
import { Api, ApiError } from './api.js';
import * as D from './documents.js';
import type {
  BoardDealFragment as Card,
  DashPipelinesQuery,
  DashReportQuery,
  EntryFragment as Entry,
  FigureFragment as Figure,
  ProblemFragment,
  CustomFieldInput,
} from './gql/graphql.js';
import { TEXTS, dateTime, initialLang, money, percent, saveLang, type Lang, type Texts } from './i18n.js';

type Pipeline = DashPipelinesQuery['pipelines'][number];
type Panel = Extract<DashReportQuery['panel'], { __typename: 'PipelineReportSuccess' }>['report'];
type Problem = ProblemFragment;
type Requirements = Extract<Problem, { __typename: 'StageRequirementsError' }>;
type MissingField = Requirements['missingFields'][number];

const SHOWN_PER_STAGE = 30;
const PERIODS = [30, 90, 365];
const TOKEN_KEY = 'dashboard.token';

const state = {
  lang: initialLang(),
  me: null as { name: string } | null,
  currency: 'RUB',
  loginError: '',
  pipelines: [] as Pipeline[],
  pipelineId: '',
  cards: new Map<string, Card>(),
  figures: new Map<string, Figure>(),
  amountHidden: false,
  panel: null as Panel | null,
  periodDays: 90,
  live: false,
  timeline: null as { deal: Card; entries: Entry[] } | null,
  form: null as { card: Card; stageId: string; problem: Requirements; errors: string[]; busy: boolean } | null,
  notice: null as { text: string; error: boolean } | null,
};

const api = new Api('/graphql', sessionStorage.getItem(TOKEN_KEY), state.lang);
api.onStatus((live) => {
  state.live = live;
  update();
});
let stopBoardFeed: (() => void) | null = null;
let stopTimelineFeed: (() => void) | null = null;

const t = (): Texts => TEXTS[state.lang];
const root = document.getElementById('app')!;
const update = () => render(view(), root);

// ---- actions ----------------------------------------------------------------------------------

function say(text: string, error = false) {
  state.notice = { text, error };
}

/** Runs an action; a failure outside the result unions (signed out, network) becomes a notice. */
async function guarded(action: () => Promise<void>) {
  try {
    await action();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'UNAUTHENTICATED') signedOut();
    else say(e instanceof Error ? e.message : String(e), true);
  }
  update();
}

async function signIn(form: HTMLFormElement) {
  const data = new FormData(form);
  try {
    const { login } = await api.request(D.Login, { input: { email: String(data.get('email')), password: String(data.get('password')) } });
    sessionStorage.setItem(TOKEN_KEY, login.token);
    api.setToken(login.token);
    state.loginError = '';
    await start();
  } catch (e) {
    state.loginError = e instanceof Error ? e.message : String(e);
  }
  update();
}

function signedOut() {
  stopBoardFeed?.();
  stopTimelineFeed?.();
  stopBoardFeed = stopTimelineFeed = null;
  sessionStorage.removeItem(TOKEN_KEY);
  api.setToken(null);
  Object.assign(state, { me: null, pipelines: [], pipelineId: '', timeline: null, form: null, notice: null, panel: null });
  state.cards.clear();
  state.figures.clear();
}

async function signOut() {
  await api.request(D.Logout, {}).catch(() => undefined);
  signedOut();
  update();
}

async function start() {
  const [{ me, workspace }, { pipelines }] = await Promise.all([api.request(D.Me, {}), api.request(D.Pipelines, {})]);
  state.me = me;
  state.currency = workspace.currency;
  state.pipelines = pipelines;
  const saved = localStorage.getItem('dashboard.pipeline');
  await openPipeline(pipelines.find((p) => p.id === saved)?.id ?? pipelines[0]?.id ?? '');
}

const pipeline = () => state.pipelines.find((p) => p.id === state.pipelineId);
const stageName = (id: string) => pipeline()?.stages.find((s) => s.id === id)?.name ?? '';

async function openPipeline(id: string) {
  stopBoardFeed?.();
  closeTimeline();
  state.pipelineId = id;
  state.cards.clear();
  localStorage.setItem('dashboard.pipeline', id);
  const p = pipeline();
  if (!p) return;
  // Live first, then the lists: a change made while they load is not missed.
  stopBoardFeed = api.subscribe(
    D.DealChanged,
    { pipelineId: id },
    ({ dealChanged: e }) => {
      if (e.deal && e.deal.pipeline.id === state.pipelineId && e.kind !== 'DELETED' && e.kind !== 'REMOVED') state.cards.set(e.dealId, e.deal);
      else state.cards.delete(e.dealId);
      if (state.timeline?.deal.id === e.dealId && e.deal) state.timeline.deal = e.deal;
      refreshReportSoon();
      update();
    },
    onFeedError,
  );
  const lists = await Promise.all(p.stages.map((s) => api.request(D.StageDeals, { stageId: s.id, first: SHOWN_PER_STAGE })));
  for (const list of lists) for (const { node } of list.deals.edges) if (!state.cards.has(node.id)) state.cards.set(node.id, node);
  await refreshReport();
}

function onFeedError(e: ApiError) {
  if (e.code === 'UNAUTHENTICATED') signedOut();
  else say(e.message, true);
  update();
}

async function refreshReport() {
  if (!state.pipelineId) return;
  const now = Date.now();
  const day = 86_400_000;
  const r = await api.request(D.Report, {
    pipelineId: state.pipelineId,
    all: { from: '2000-01-01T00:00:00Z', to: new Date(now + day).toISOString() },
    period: { from: new Date(now - state.periodDays * day).toISOString(), to: new Date(now + 60_000).toISOString() },
  });
  state.figures.clear();
  if (r.board.__typename === 'PipelineReportSuccess') {
    state.amountHidden = r.board.report.amountHidden;
    for (const s of r.board.report.stages) state.figures.set(s.stage.id, s.deals);
  }
  state.panel = r.panel.__typename === 'PipelineReportSuccess' ? r.panel.report : null;
}

let reportTimer: ReturnType<typeof setTimeout> | undefined;
/** Figures follow live changes, a burst of them at once. */
function refreshReportSoon() {
  clearTimeout(reportTimer);
  reportTimer = setTimeout(() => void guarded(refreshReport), 300);
}

async function openTimeline(card: Card) {
  closeTimeline();
  state.timeline = { deal: card, entries: [] };
  update();
  stopTimelineFeed = api.subscribe(
    D.TimelineUpdated,
    { cardId: card.id },
    ({ timelineUpdated: entry }) => {
      if (state.timeline?.deal.id !== card.id || state.timeline.entries.some((x) => x.id === entry.id)) return;
      state.timeline.entries = [entry, ...state.timeline.entries];
      update();
    },
    onFeedError,
  );
  const { timeline } = await api.request(D.Timeline, { cardId: card.id, first: 50 });
  if (state.timeline?.deal.id !== card.id) return;
  const live = state.timeline.entries;
  state.timeline.entries = [...live, ...timeline.edges.map((e) => e.node).filter((n) => !live.some((x) => x.id === n.id))];
}

function closeTimeline() {
  stopTimelineFeed?.();
  stopTimelineFeed = null;
  state.timeline = null;
}

async function reloadCard(id: string) {
  const { node } = await api.request(D.DealCard, { id });
  if (node?.__typename === 'Deal' && node.pipeline.id === state.pipelineId) state.cards.set(id, node);
  else state.cards.delete(id);
  return node?.__typename === 'Deal' ? node : null;
}

async function move(card: Card, stageId: string) {
  if (card.stage.id === stageId) return;
  state.notice = null;
  const { moveDeal } = await api.request(D.MoveDeal, { input: { id: card.id, version: card.version, stageId } });
  await settle(card, stageId, moveDeal);
}

/** What a move (or a fill-and-move) answered. */
async function settle(card: Card, stageId: string, r: Problem | { __typename: 'MoveDealSuccess' | 'UpdateDealSuccess'; deal: Card }) {
  switch (r.__typename) {
    case 'MoveDealSuccess':
    case 'UpdateDealSuccess':
      state.cards.set(r.deal.id, r.deal);
      state.form = null;
      say(t().moved(r.deal.name, stageName(stageId)));
      refreshReportSoon();
      return;
    case 'StageRequirementsError':
      state.form = { card, stageId, problem: r, errors: [], busy: false };
      return;
    case 'ConflictError': {
      state.form = null;
      const fresh = await reloadCard(card.id);
      say(t().conflict(fresh?.name ?? card.name), true);
      return;
    }
    case 'ValidationError':
      if (state.form) state.form = { ...state.form, errors: [r.message, ...r.fields.map((f) => f.message)], busy: false };
      else say([r.message, ...r.fields.map((f) => f.message)].join(' '), true);
      return;
    default:
      state.form = null;
      say(r.message, true);
  }
}

/** The form's inputs as custom field values, by the field's type; a FILE is uploaded first. */
async function valueOf(field: MissingField, form: HTMLFormElement, cardId: string): Promise<CustomFieldInput['value']> {
  const el = form.elements.namedItem(field.id);
  if (el instanceof HTMLSelectElement && el.multiple) return { optionIds: [...el.selectedOptions].map((o) => o.value) };
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) return null;
  const v = el.value.trim();
  switch (field.type) {
    case 'BOOLEAN':
      return { boolean: (el as HTMLInputElement).checked };
    case 'NUMBER':
      return v ? { number: v } : null;
    case 'MONEY':
      return v ? { money: { amount: v } } : null;
    case 'DATE':
      return v ? { date: v } : null;
    case 'DATETIME':
      return v ? { dateTime: new Date(v).toISOString() } : null;
    case 'EMAIL':
      return v ? { email: v } : null;
    case 'PHONE':
      return v ? { phone: v } : null;
    case 'URL':
      return v ? { url: v } : null;
    case 'SELECT':
      return v ? { optionId: v } : null;
    case 'FILE': {
      const file = (el as HTMLInputElement).files?.[0];
      if (!file) return null;
      const { uploadFile } = await api.upload(D.UploadFile, { cardId, file }, 'file', file);
      if (uploadFile.__typename !== 'UploadFileSuccess') throw new Error(uploadFile.message);
      return { fileId: uploadFile.attachment.id };
    }
    default:
      return v ? { text: v } : null;
  }
}

async function fillAndMove(form: HTMLFormElement) {
  const f = state.form;
  if (!f) return;
  state.form = { ...f, busy: true };
  update();
  const card = state.cards.get(f.card.id) ?? f.card;
  const customFields: CustomFieldInput[] = [];
  for (const field of f.problem.missingFields) {
    const value = await valueOf(field, form, card.id);
    if (value !== null) customFields.push({ fieldId: field.id, value });
  }
  const reason = form.elements.namedItem('lossReasonId');
  const lossReasonId = reason instanceof HTMLSelectElement && reason.value ? reason.value : undefined;
  // The values and the move in one write: either both happen or neither.
  const { updateDeal } = await api.request(D.FillAndMove, { input: { id: card.id, version: card.version, stageId: f.stageId, customFields, lossReasonId } });
  await settle(card, f.stageId, updateDeal);
}

function setLang(lang: Lang) {
  state.lang = lang;
  saveLang(lang);
  api.setLang(lang);
  document.documentElement.lang = lang;
  void guarded(async () => {
    if (state.me) await refreshReport();
  });
}

// ---- views ------------------------------------------------------------------------------------

function view() {
  return html`
    <header>
      <h1>${t().title}</h1>
      ${
        state.me
          ? html`<label
              >${t().pipeline}
              <select name="pipeline" @change=${(e: Event) => guarded(() => openPipeline((e.target as HTMLSelectElement).value))}>
                ${state.pipelines.map((p) => html`<option value=${p.id} ?selected=${p.id === state.pipelineId}>${p.name}</option>`)}
              </select></label
            >
            <span class="live ${state.live ? 'on' : ''}">${state.live ? t().live : t().offline}</span>
            <span class="me">${state.me.name}</span>
            <button @click=${() => signOut()}>${t().signOut}</button>`
          : nothing
      }
      <span class="langs"
        >${(['en', 'ru'] as const).map(
          (l) => html`<button class="lang ${l === state.lang ? 'active' : ''}" data-lang=${l} @click=${() => setLang(l)}>${l.toUpperCase()}</button>`,
        )}</span
      >
    </header>
    ${state.notice ? html`<p class="notice ${state.notice.error ? 'error' : ''}" role="status" data-testid="notice">${state.notice.text}</p>` : nothing}
    ${state.me ? boardView() : loginView()} ${state.form ? formView(state.form) : nothing}
  `;
}

function loginView() {
  return html`<form
    class="login"
    @submit=${(e: Event) => {
      e.preventDefault();
      void signIn(e.target as HTMLFormElement);
    }}
  >
    <label>${t().email}<input name="email" type="email" autocomplete="username" required /></label>
    <label>${t().password}<input name="password" type="password" autocomplete="current-password" required /></label>
    ${state.loginError ? html`<p class="error" role="alert">${state.loginError}</p>` : nothing}
    <button type="submit">${t().signIn}</button>
  </form>`;
}

function boardView() {
  const p = pipeline();
  if (!p) return html`<p>${t().empty}</p>`;
  return html`<main>
    <section class="board">${p.stages.map((s) => columnView(s))}</section>
    ${state.timeline ? timelineView(state.timeline) : nothing} ${reportView()}
  </main>`;
}

function figureText(f: Figure | undefined) {
  if (!f) return '';
  const sums = [
    f.sum !== null && f.sum !== undefined ? money(state.lang, f.sum, state.currency) : '',
    ...(f.otherCurrencies ?? []).map((o) => money(state.lang, o.sum, o.currency)),
  ];
  return sums.filter(Boolean).join(' + ');
}

function columnView(stage: Pipeline['stages'][number]) {
  const cards = [...state.cards.values()].filter((c) => c.stage.id === stage.id);
  const figure = state.figures.get(stage.id);
  const more = figure ? figure.count - cards.length : 0;
  return html`<div
    class="column ${stage.kind.toLowerCase()}"
    data-stage-id=${stage.id}
    @dragover=${(e: DragEvent) => {
      e.preventDefault();
      (e.currentTarget as HTMLElement).classList.add('over');
    }}
    @dragleave=${(e: DragEvent) => (e.currentTarget as HTMLElement).classList.remove('over')}
    @drop=${(e: DragEvent) => {
      e.preventDefault();
      (e.currentTarget as HTMLElement).classList.remove('over');
      const card = state.cards.get(e.dataTransfer?.getData('text/x-deal-id') ?? '');
      if (card) void guarded(() => move(card, stage.id));
    }}
  >
    <h2 style=${styleMap(stage.color ? { borderColor: stage.color } : {})}>
      <span class="name">${stage.name}</span>
      <span class="count">${t().deals(figure?.count ?? cards.length)}</span>
      <span class="sum">${figureText(figure)}</span>
    </h2>
    <ul>
      ${repeat(
        cards,
        (c) => c.id,
        (c) => cardView(c),
      )}
    </ul>
    ${more > 0 ? html`<p class="more">${t().more(more)}</p>` : nothing}
  </div>`;
}

function cardView(c: Card) {
  return html`<li
    class="card ${state.timeline?.deal.id === c.id ? 'selected' : ''}"
    draggable="true"
    data-deal-id=${c.id}
    @dragstart=${(e: DragEvent) => e.dataTransfer?.setData('text/x-deal-id', c.id)}
    @click=${() => guarded(() => openTimeline(c))}
  >
    <strong class="deal-name">${c.name}</strong>
    ${c.amount !== null ? html`<span class="amount">${money(state.lang, c.amount, c.currency)}</span>` : nothing}
    <span class="responsible">${c.responsible?.name ?? t().noResponsible}</span>
    <span class="task ${c.openTask?.overdue ? 'overdue' : ''}"
      >${c.openTask ? html`${c.openTask.text} · ${dateTime(state.lang, c.openTask.dueAt)}${c.openTask.overdue ? html` · ${t().overdue}` : nothing}` : t().noTask}</span
    >
  </li>`;
}

function entryDetail(e: Entry) {
  if (e.stageChange) return `${e.stageChange.from?.name ?? '—'} → ${e.stageChange.to?.name ?? '—'}`;
  if (e.fieldChange) return `${e.fieldChange.field}: ${e.fieldChange.oldValue ?? '—'} → ${e.fieldChange.newValue ?? '—'}`;
  if (e.responsibleChange) return `${e.responsibleChange.from?.name ?? '—'} → ${e.responsibleChange.to?.name ?? '—'}`;
  if (e.email) return e.email.subject;
  if (e.meeting) return e.meeting.subject;
  if (e.attachment) return e.attachment.name;
  if (e.call) return [e.call.result, e.call.durationSeconds ? `${Math.round(e.call.durationSeconds / 60)} min` : ''].filter(Boolean).join(' · ');
  return e.text ?? '';
}

function timelineView(tl: { deal: Card; entries: Entry[] }) {
  return html`<aside class="timeline" data-deal-id=${tl.deal.id}>
    <h2>${t().timeline}: ${tl.deal.name} <button class="close" @click=${() => (closeTimeline(), update())}>${t().close}</button></h2>
    <ol>
      ${
        tl.entries.length
          ? repeat(
              tl.entries,
              (e) => e.id,
              (e) =>
                html`<li class="entry" data-kind=${e.kind}>
                <span class="kind">${t().kinds[e.kind]}</span>
                <span class="when">${dateTime(state.lang, e.createdAt)}${e.author ? ` · ${e.author.name}` : ''}</span>
                <span class="what">${entryDetail(e)}</span>
              </li>`,
            )
          : html`<li>${t().empty}</li>`
      }
    </ol>
  </aside>`;
}

function reportView() {
  const r = state.panel;
  if (!r) return nothing;
  const days = (s: number | null | undefined) => (s === null || s === undefined ? '—' : t().days_short(s / 86_400));
  const open = r.stages.filter((s) => s.stage.kind === 'OPEN');
  return html`<section class="report">
    <h2>
      ${t().report}
      <select
        name="period"
        aria-label=${t().period}
        @change=${(e: Event) => {
          state.periodDays = Number((e.target as HTMLSelectElement).value);
          void guarded(refreshReport);
        }}
      >
        ${PERIODS.map((d) => html`<option value=${d} ?selected=${d === state.periodDays}>${t().days(d)}</option>`)}
      </select>
    </h2>
    <dl class="kpis">
      <div><dt>${t().won}</dt><dd>${r.won}</dd></div>
      <div><dt>${t().lost}</dt><dd>${r.lost}</dd></div>
      <div><dt>${t().winRate}</dt><dd>${percent(state.lang, r.winRate)}</dd></div>
    </dl>
    <table>
      <thead>
        <tr><th>${t().stage}</th><th>${t().entered}</th><th>${t().toNext}</th><th>${t().avgTime}</th></tr>
      </thead>
      <tbody>
        ${open.map((s, i) => {
          const next = r.stages[r.stages.indexOf(s) + 1];
          const conv = s.conversions.find((c) => c.stage.id === (open[i + 1] ?? next)?.stage.id);
          return html`<tr><td>${s.stage.name}</td><td>${s.entered}</td><td>${percent(state.lang, conv?.rate)}</td><td>${days(s.averageSeconds)}</td></tr>`;
        })}
      </tbody>
    </table>
    <table>
      <thead>
        <tr><th>${t().responsible}</th><th>${t().won}</th>${r.amountHidden ? nothing : html`<th>${t().wonSum}</th>`}<th>${t().lost}</th><th>${t().open}</th></tr>
      </thead>
      <tbody>
        ${r.byResponsible.map(
          (x) =>
            html`<tr>
              <td>${x.responsible.name}</td>
              <td>${x.won.count}</td>
              ${r.amountHidden ? nothing : html`<td>${figureText(x.won)}</td>`}
              <td>${x.lost}</td>
              <td>${x.open.count}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function inputFor(field: MissingField) {
  const name = field.id;
  switch (field.type) {
    case 'TEXTAREA':
      return html`<textarea name=${name} data-field-type="TEXTAREA" required></textarea>`;
    case 'BOOLEAN':
      return html`<input type="checkbox" name=${name} data-field-type="BOOLEAN" />`;
    case 'SELECT':
      return html`<select name=${name} data-field-type="SELECT" required>
        <option value="">${t().choose}</option>
        ${field.options.map((o) => html`<option value=${o.id}>${o.label}</option>`)}
      </select>`;
    case 'MULTISELECT':
      return html`<select name=${name} data-field-type="MULTISELECT" multiple required>
        ${field.options.map((o) => html`<option value=${o.id}>${o.label}</option>`)}
      </select>`;
    case 'FILE':
      return html`<input type="file" name=${name} data-field-type="FILE" required />`;
    default: {
      const type =
        { NUMBER: 'number', MONEY: 'number', DATE: 'date', DATETIME: 'datetime-local', EMAIL: 'email', PHONE: 'tel', URL: 'url' }[field.type as string] ??
        'text';
      const step = field.type === 'MONEY' ? '0.01' : field.type === 'NUMBER' ? 'any' : undefined;
      return html`<input type=${type} name=${name} data-field-type=${field.type} step=${step ?? nothing} required />${
        field.type === 'MONEY' ? html`<span class="unit">${state.currency}</span>` : nothing
      }`;
    }
  }
}

function formView(f: NonNullable<typeof state.form>) {
  const p = pipeline();
  return html`<div class="backdrop">
    <form
      class="requirements"
      data-deal-id=${f.card.id}
      @submit=${(e: Event) => {
        e.preventDefault();
        void guarded(() => fillAndMove(e.target as HTMLFormElement));
      }}
    >
      <p>${f.card.name}: ${t().fillToMove(stageName(f.stageId))}</p>
      ${f.problem.missingFields.map((field) => html`<label class="field">${field.name} ${inputFor(field)}</label>`)}
      ${
        f.problem.lossReasonRequired
          ? html`<label class="field"
            >${t().lossReason}
            <select name="lossReasonId" required>
              <option value="">${t().choose}</option>
              ${p?.lossReasons.map((r) => html`<option value=${r.id}>${r.name}</option>`)}
            </select></label
          >`
          : nothing
      }
      ${f.problem.hiddenMissingCount ? html`<p class="error">${t().hiddenMissing(f.problem.hiddenMissingCount)}</p>` : nothing}
      ${f.errors.map((e) => html`<p class="error" role="alert">${e}</p>`)}
      <div class="buttons">
        <button type="button" @click=${() => ((state.form = null), update())}>${t().cancel}</button>
        <button type="submit" ?disabled=${f.busy}>${t().saveAndMove}</button>
      </div>
    </form>
  </div>`;
}

// ---- start ------------------------------------------------------------------------------------

document.documentElement.lang = state.lang;
update();
if (api.signedIn) void guarded(start);
