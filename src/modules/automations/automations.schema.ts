// Automations (administrators): the Automation node with its trigger, conditions, actions and
// counters, its run log (`automationRuns`), and create / update / enable / delete.
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../../builder.js';
import { onceEach, type AutomationRunMessage } from '../../lib/pubsub.js';
import { liveViewer, startLive } from '../auth/live-viewer.js';
import { authed } from '../../context.js';
import { encodeGlobalId, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { CustomFieldValueInput } from '../custom-fields/custom-fields.schema.js';
import { DealFilter } from '../deals/deals.schema.js';
import { ContactFilter } from '../contacts/contacts.schema.js';
import { CompanyFilter } from '../companies/companies.schema.js';
import { TaskType } from '../tasks/tasks.schema.js';
import { registerNode, seenOrNowhere } from '../cards/cards.schema.js';
import type { ActionResult } from './automations.runner.js';
import * as automations from './automations.service.js';

registerNode('Automation');

const TYPENAME = { DEAL: 'Deal', CONTACT: 'Contact', COMPANY: 'Company' } as const;

const AutomationTriggerType = builder.enumType('AutomationTriggerType', {
  values: {
    CARD_CREATED: { description: 'A card of the kind was created (LEAD: an incoming lead arrived).' },
    STAGE_ENTERED: {},
    FIELD_CHANGED: {},
    TASK_COMPLETED: {},
    IN_STAGE_FOR: { description: 'A deal has stayed `hours` in its stage (in `stageId` when given); once per stay.' },
    TASK_OVERDUE: { description: 'A task of a card of the kind passed its due time uncompleted; once per due time.' },
  } as const,
});
const AutomationCardKind = builder.enumType('AutomationCardKind', {
  values: ['CONTACT', 'COMPANY', 'DEAL', 'LEAD'] as const,
  description: 'LEAD: incoming leads; the trigger fires once incoming leads exist.',
});
const ResponsibleMode = builder.enumType('AutomationResponsibleMode', {
  values: ['CARD', 'USER', 'TEAM'] as const,
  description: "CARD: the card's responsible; USER: a given user; TEAM: the team's active members in turn (round-robin).",
});
const AutomationActionType = builder.enumType('AutomationActionType', {
  values: ['CREATE_TASK', 'SET_FIELD', 'MOVE_TO_STAGE', 'SET_RESPONSIBLE', 'ADD_TAG', 'NOTIFY', 'DELAY', 'CALL_WEBHOOK', 'SEND_EMAIL'] as const,
});
const AutomationRunStatus = builder.enumType('AutomationRunStatus', {
  values: ['SKIPPED', 'SUCCEEDED', 'FAILED', 'DEPTH_LIMIT'] as const,
  description: 'SKIPPED: the conditions did not hold; DEPTH_LIMIT: automations triggered each other too deep, nothing ran.',
});

const TriggerInput = builder.inputType('AutomationTriggerInput', {
  fields: (t) => ({
    type: t.field({ type: AutomationTriggerType, required: true }),
    cardKind: t.field({ type: AutomationCardKind, description: 'Needed except for STAGE_ENTERED (deals).' }),
    stageId: t.id({ description: 'STAGE_ENTERED: the stage.' }),
    field: t.string({ description: 'FIELD_CHANGED: a system field (name, amount, responsibleId, stageId …); or customFieldId.' }),
    customFieldId: t.id(),
    toValue: t.string({ description: 'FIELD_CHANGED: only when the new value, as text, is this.' }),
    hours: t.int({ description: 'IN_STAGE_FOR: hours in the stage (1 to 8784).' }),
  }),
});

const ConditionsInput = builder.inputType('AutomationConditionsInput', {
  isOneOf: true,
  description: "The filter of the trigger's card kind, with the same keys and meaning as the list's `filter`.",
  fields: (t) => ({
    deal: t.field({ type: DealFilter }),
    contact: t.field({ type: ContactFilter }),
    company: t.field({ type: CompanyFilter }),
  }),
});

const ResponsibleInput = builder.inputType('AutomationResponsibleInput', {
  fields: (t) => ({ mode: t.field({ type: ResponsibleMode, required: true }), userId: t.id(), teamId: t.id() }),
});

const ActionInput = builder.inputType('AutomationActionInput', {
  isOneOf: true,
  description: 'One action.',
  fields: (t) => ({
    createTask: t.field({
      type: builder.inputType('CreateTaskActionInput', {
        fields: (f) => ({
          type: f.field({ type: TaskType, required: true }),
          text: f.string({ required: true, description: 'With [placeholders]: [name], [responsible], [amount], [stage], custom field names.' }),
          dueInMinutes: f.int({ defaultValue: 60 }),
          responsible: f.field({ type: ResponsibleInput, description: "The card's responsible when left out." }),
        }),
      }),
    }),
    setField: t.field({
      type: builder.inputType('SetFieldActionInput', {
        fields: (f) => ({
          field: f.string({ description: 'A system field (value as text or number).' }),
          customFieldId: f.id(),
          value: f.field({ type: CustomFieldValueInput, description: 'Null clears the field.' }),
        }),
      }),
    }),
    moveToStage: t.field({
      type: builder.inputType('MoveToStageActionInput', {
        fields: (f) => ({ stageId: f.id({ required: true }), lossReasonId: f.id() }),
      }),
    }),
    setResponsible: t.field({ type: builder.inputType('SetResponsibleActionInput', { fields: (f) => ({ userId: f.id({ required: true }) }) }) }),
    addTag: t.field({ type: builder.inputType('AddTagActionInput', { fields: (f) => ({ tag: f.string({ required: true }) }) }) }),
    notify: t.field({
      type: builder.inputType('NotifyActionInput', {
        fields: (f) => ({ userId: f.id({ description: "The card's responsible when left out." }), text: f.string({ required: true }) }),
      }),
    }),
    delay: t.field({
      type: builder.inputType('DelayActionInput', {
        description: 'Wait, then go on with the next action (kept in the job table: a restart does not lose it). Give minutes, hours or days.',
        fields: (f) => ({ minutes: f.int(), hours: f.int(), days: f.int() }),
      }),
    }),
    sendEmail: t.field({
      type: builder.inputType('SendEmailActionInput', {
        description: 'An e-mail through the SMTP server of SMTP_URL.',
        fields: (f) => ({
          to: f.string({ description: "An address; the card's responsible when left out." }),
          subject: f.string({ required: true, description: 'With [placeholders].' }),
          text: f.string({ required: true, description: 'With [placeholders].' }),
        }),
      }),
    }),
    callWebhook: t.field({
      type: builder.inputType('CallWebhookActionInput', {
        description: 'Sends the card to a webhook (type automation.called), signed, retried and logged like its other deliveries.',
        fields: (f) => ({ webhookId: f.id({ required: true }) }),
      }),
    }),
  }),
});

const AutomationInput = builder.inputType('AutomationInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    enabled: t.boolean({ description: 'True when left out on create.' }),
    trigger: t.field({ type: TriggerInput, required: true }),
    conditions: t.field({ type: ConditionsInput, description: 'Every card matches when left out.' }),
    actions: t.field({ type: [ActionInput], required: true, description: 'Run in order; the first that fails ends the run.' }),
  }),
});

type Config = automations.TriggerConfig;

const AutomationTrigger = builder.objectRef<{ trigger: string; cardKind: string; triggerConfig: unknown }>('AutomationTrigger').implement({
  fields: (t) => ({
    type: t.field({ type: AutomationTriggerType, resolve: (a) => a.trigger as 'CARD_CREATED' | 'IN_STAGE_FOR' }),
    cardKind: t.field({ type: AutomationCardKind, resolve: (a) => a.cardKind as 'DEAL' }),
    stageId: t.id({
      nullable: true,
      resolve: (a) => ((a.triggerConfig as Config).stageId ? encodeGlobalId('Stage', (a.triggerConfig as Config).stageId!) : null),
    }),
    field: t.string({ nullable: true, resolve: (a) => (a.triggerConfig as Config).field ?? null }),
    customFieldId: t.id({
      nullable: true,
      resolve: (a) => ((a.triggerConfig as Config).customFieldId ? encodeGlobalId('CustomField', (a.triggerConfig as Config).customFieldId!) : null),
    }),
    toValue: t.string({ nullable: true, resolve: (a) => (a.triggerConfig as Config).toValue ?? null }),
    hours: t.int({ nullable: true, resolve: (a) => (a.triggerConfig as Config).hours ?? null }),
  }),
});

builder.prismaNode('Automation', {
  id: { field: 'id' },
  // Only administrators find automations; others find nothing, as for a missing id.
  findUnique: (id, ctx) => seenOrNowhere(!!ctx.viewer?.isAdmin, id, ctx),
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    enabled: t.exposeBoolean('enabled'),
    paused: t.boolean({ description: 'Paused after failing too often in a row; enabling it again lifts the pause.', resolve: (a) => !!a.pausedAt }),
    owner: t.relation('owner', { description: 'The automation acts with this user’s rights.' }),
    trigger: t.field({ type: AutomationTrigger, resolve: (a) => a }),
    conditions: t.string({
      nullable: true,
      description: 'The conditions as given (JSON of the list filter).',
      resolve: (a) => (a.conditions ? JSON.stringify(a.conditions) : null),
    }),
    actionTypes: t.field({ type: [AutomationActionType], resolve: (a) => (a.actions as { type: 'ADD_TAG' }[]).map((x) => x.type) }),
    actions: t.string({ description: 'The actions as stored (JSON).', resolve: (a) => JSON.stringify(a.actions) }),
    runs: t.exposeInt('runs'),
    failures: t.exposeInt('failures'),
    failureStreak: t.exposeInt('failureStreak', { description: 'Failed runs in a row.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ActionResultRef = builder.objectRef<ActionResult>('AutomationActionResult').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    type: t.expose('type', { type: AutomationActionType }),
    ok: t.exposeBoolean('ok'),
    error: t.string({ nullable: true, resolve: (r) => r.error ?? null }),
    durationMs: t.exposeFloat('durationMs'),
  }),
});

builder.prismaObject('AutomationRun', {
  fields: (t) => ({
    id: t.id({ resolve: (r) => encodeGlobalId('AutomationRun', r.id) }),
    trigger: t.exposeString('topic', { description: 'The event: record.created, record.updated, task.completed.' }),
    cardId: t.id({ resolve: (r) => encodeGlobalId(TYPENAME[r.cardKind as 'DEAL'], r.cardId) }),
    status: t.field({ type: AutomationRunStatus, resolve: (r) => r.status as 'SKIPPED' }),
    conditionsHeld: t.boolean({ resolve: (r) => r.status !== 'SKIPPED' && r.status !== 'DEPTH_LIMIT' }),
    depth: t.exposeInt('depth', { description: '1 for a change by a person; one more for each automation in between.' }),
    actions: t.field({ type: [ActionResultRef], resolve: (r) => r.actions as unknown as ActionResult[] }),
    error: t.exposeString('error', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('automations', (t) =>
  t.prismaField({ type: ['Automation'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => automations.listAutomations(authed(ctx), q) }),
);

builder.queryField('automationRuns', (t) =>
  t.prismaField({
    type: ['AutomationRun'],
    authScopes: { member: true },
    description: 'The run log of an automation, newest first (administrators).',
    args: { automationId: t.arg.id({ required: true }), first: t.arg.int({ defaultValue: 50 }) },
    resolve: (_q, _r, a, ctx) => automations.automationRuns(authed(ctx), parseId('Automation', a.automationId, 'automationId'), a.first ?? 50),
  }),
);

type RawInput = typeof AutomationInput.$inferInput;
const toInput = (i: RawInput) => i as unknown as automations.AutomationInput;

builder.mutationField('createAutomation', (t) =>
  t.prismaField({
    type: 'Automation',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'automation' } },
    args: { input: t.arg({ type: AutomationInput, required: true }) },
    resolve: (q, _r, { input }, ctx) => automations.createAutomation(authed(ctx), toInput(input), q),
  }),
);

builder.mutationField('updateAutomation', (t) =>
  t.prismaField({
    type: 'Automation',
    authScopes: { writer: true },
    description: 'Replaces the definition; the caller becomes its owner.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'automation' } },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: AutomationInput, required: true }) },
    resolve: (q, _r, a, ctx) => automations.updateAutomation(authed(ctx), parseId('Automation', a.id), toInput(a.input), q),
  }),
);

builder.mutationField('setAutomationEnabled', (t) =>
  t.prismaField({
    type: 'Automation',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'automation' } },
    args: { id: t.arg.id({ required: true }), enabled: t.arg.boolean({ required: true }) },
    resolve: (q, _r, a, ctx) => automations.setAutomationEnabled(authed(ctx), parseId('Automation', a.id), a.enabled, q),
  }),
);

builder.mutationField('deleteAutomation', (t) =>
  t.field({
    type: 'ID',
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'deletedId' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => encodeGlobalId('Automation', await automations.deleteAutomation(authed(ctx), parseId('Automation', a.id))),
  }),
);

builder.subscriptionField('automationRunLogged', (t) =>
  t.prismaField({
    type: 'AutomationRun',
    authScopes: { member: true },
    description: "An automation's runs as they are logged (administrators).",
    args: { automationId: t.arg.id({ required: true }) },
    subscribe: async (_r, a, ctx) => {
      const id = parseId('Automation', a.automationId, 'automationId');
      // The run log is the administrators': anyone else, or another workspace's id, finds nothing.
      await automations.automationRuns(startLive(ctx), id, 1);
      const fresh = onceEach((m: AutomationRunMessage) => m.runId);
      return pipe(
        ctx.deps.pubsub.subscribe('automationRun', id),
        filter(async (m: AutomationRunMessage) => m.automationId === id && fresh(m) && !!(await liveViewer(ctx))?.viewer.isAdmin),
      );
    },
    resolve: (query, m: AutomationRunMessage, _a, ctx) => ctx.db.automationRun.findUniqueOrThrow({ ...query, where: { id: m.runId } }),
  }),
);
