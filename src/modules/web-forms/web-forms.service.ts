// Web forms: administrators set up a form (its public key, how its field names map onto card
// fields, whether a submission becomes an incoming lead or a deal in a given stage, who gets it,
// which sites may post it), and `submitForm` turns a visitor's submission into cards. A
// submission acts as the user who set the form up, through the same services as the GraphQL
// API (the lead inbox, the kernel's one write path), so rights, validation and events hold; a
// submission whose phone or e-mail matches a contact attaches to that contact.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppDeps, ServiceCtx } from '../../context.js';
import { IssueList, ValidationError, type FieldIssue } from '../../lib/errors.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { render, type Message } from '../../lib/i18n.js';
import * as v from '../../lib/validate.js';
import { checkDealPlace } from '../pipelines/pipelines.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { assertAdmin } from '../../kernel/access/viewer.js';
import { findDuplicates } from '../../kernel/duplicates.js';
import { definitions } from '../../kernel/fields/definitions.js';
import { envOf, type FieldValueInput } from '../../kernel/fields/card-values.js';
import { toStored, type FieldDef, type ValueInput } from '../../kernel/fields/values.js';
import { checkResponsible, createRecord, inOneTransaction } from '../../kernel/records.js';
import { record as recordTimeline } from '../timeline/timeline.service.js';
import { typeAllowed, uploadFile } from '../files/files.service.js';
import { viewerOfUser } from '../auth/auth.service.js';
import { receiveLead } from '../leads/leads.service.js';
import { LEADS } from '../leads/leads.messages.js';
import { FILES } from '../files/files.messages.js';
import { FORMS } from './web-forms.messages.js';

const MB = 1024 * 1024;

export type FieldTarget = 'NAME' | 'PHONE' | 'EMAIL' | 'COMPANY' | 'MESSAGE' | 'CUSTOM' | 'FILE';
export type MappingEntry = { name: string; target: FieldTarget; customFieldId?: string | null; required?: boolean | null };
type WebForm = Prisma.WebFormModel;

const FIELD_NAME = /^[A-Za-z0-9_.\-[\]]{1,64}$/;
/** The hidden field that may carry the idempotency key instead of the header. */
export const IDEMPOTENCY_FIELD = '_idempotency_key';

export type CreateWebFormInput = {
  name: string;
  fields: MappingEntry[];
  target: 'LEAD' | 'DEAL';
  pipelineId?: string | null;
  stageId?: string | null;
  responsibleId?: string | null;
  teamId?: string | null;
  allowedOrigins?: string[] | null;
  honeypot?: string | null;
};

function origin(s: string): string | null {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s.replace(/\/$/, '') ? u.origin : null;
  } catch {
    return null;
  }
}

/** Sets up a form (administrators only); answers it with its new public key. */
export async function createWebForm(ctx: ServiceCtx, input: CreateWebFormInput, issues = new IssueList()) {
  assertAdmin(ctx.viewer, FORMS.manage());
  const ws = ctx.viewer.workspaceId;
  const name = v.parseInput(z.object({ name: v.name(120) }), { name: input.name }, issues.issues).name;
  const seen = new Set<string>();
  const mapping: MappingEntry[] = [];
  for (const [i, f] of input.fields.entries()) {
    const at = `fields[${i}]`;
    if (!FIELD_NAME.test(f.name)) issues.add(`${at}.name`, FORMS.fieldName());
    else if (seen.has(f.name)) issues.add(`${at}.name`, FORMS.duplicateName());
    seen.add(f.name);
    if (f.target === 'CUSTOM') {
      const def = f.customFieldId ? await ctx.db.customField.findFirst({ where: { id: f.customFieldId, workspaceId: ws, archived: false } }) : null;
      if (!f.customFieldId) issues.add(`${at}.customFieldId`, FORMS.customFieldNeeded());
      else if (!def) issues.add(`${at}.customFieldId`, v.noSuch('CustomField'));
      else if (def.type === 'FORMULA' || def.type === 'FILE') issues.add(`${at}.customFieldId`, FORMS.customFieldType({ type: def.type }));
      else if (input.target === 'DEAL' && def.entityType === 'COMPANY') issues.add(`${at}.customFieldId`, FORMS.customFieldEntity());
    }
    mapping.push({ name: f.name, target: f.target, customFieldId: f.target === 'CUSTOM' ? f.customFieldId : null, required: !!f.required });
  }
  if (!mapping.some((m) => m.target === 'NAME' || m.target === 'PHONE' || m.target === 'EMAIL')) issues.add('fields', FORMS.noContactField());
  await checkDealPlace(ctx, issues, input);
  if (input.responsibleId && input.teamId) issues.add('teamId', FORMS.responsibleOrTeam());
  if (input.responsibleId) await checkResponsible(ctx, issues, input.responsibleId);
  if (input.teamId && !(await ctx.db.team.findFirst({ where: { id: input.teamId, workspaceId: ws } }))) issues.add('teamId', v.noSuch('Team'));
  const origins = (input.allowedOrigins ?? []).map((o, i) => {
    const clean = origin(o.trim());
    if (!clean) issues.add(`allowedOrigins[${i}]`, FORMS.origin());
    return clean ?? '';
  });
  const honeypot = input.honeypot?.trim() || 'website';
  if (!FIELD_NAME.test(honeypot)) issues.add('honeypot', FORMS.fieldName());
  issues.throwIfAny();
  return ctx.db.webForm.create({
    data: {
      workspaceId: ws,
      name,
      key: randomBytes(16).toString('base64url'),
      mapping: mapping as unknown as Prisma.InputJsonValue,
      target: input.target,
      pipelineId: input.pipelineId ?? null,
      stageId: input.stageId ?? null,
      responsibleId: input.responsibleId ?? null,
      teamId: input.teamId ?? null,
      allowedOrigins: [...new Set(origins)],
      honeypot,
      createdById: ctx.viewer.userId,
    },
  });
}

export function listWebForms(ctx: ServiceCtx, query: { include?: Prisma.WebFormInclude; select?: Prisma.WebFormSelect } = {}) {
  assertAdmin(ctx.viewer, FORMS.manage());
  return ctx.db.webForm.findMany({ ...query, where: { workspaceId: ctx.viewer.workspaceId }, orderBy: { createdAt: 'asc' } });
}

// Submissions

export type Submission = { values: Record<string, string[]>; files: Record<string, File[]> };
export type SubmitResult = { lead?: string; contact?: string; deal?: string; attachedToExisting?: boolean };

/** A form's submission could not be taken: the HTTP status and the message. */
export class FormRefusal extends Error {
  constructor(
    readonly status: number,
    readonly msg: Message,
    readonly fields: FieldIssue[] = [],
  ) {
    super(render(msg, 'en'));
  }
}

const TRUE = new Set(['true', '1', 'on', 'yes', 'да']);
const FALSE = new Set(['false', '0', 'off', 'no', 'нет', '']);

/** A form's text for a custom field, as the field's type takes it. */
function coerce(def: FieldDef, raw: string[]): { input: ValueInput } | { error: Message } {
  const s = raw[0].trim();
  switch (def.type) {
    case 'TEXT':
    case 'TEXTAREA':
      return { input: { text: s } };
    case 'NUMBER':
      return { input: { number: s.replace(',', '.') } };
    case 'MONEY':
      return { input: { money: { amount: s.replace(',', '.') } } };
    case 'DATE':
      return { input: { date: s } };
    case 'DATETIME': {
      const d = new Date(s);
      return Number.isNaN(d.getTime()) ? { error: FORMS.dateTime() } : { input: { dateTime: d } };
    }
    case 'BOOLEAN':
      return TRUE.has(s.toLowerCase()) ? { input: { boolean: true } } : FALSE.has(s.toLowerCase()) ? { input: { boolean: false } } : { error: FORMS.boolean() };
    case 'SELECT':
    case 'MULTISELECT': {
      const ids: string[] = [];
      for (const x of def.type === 'SELECT' ? [s] : raw.flatMap((r) => r.split(',')).map((r) => r.trim())) {
        const o = def.options.find((p) => p.label.toLowerCase() === x.toLowerCase() || p.id === x);
        if (!o) return { error: FORMS.noOption({ value: x }) };
        ids.push(o.id);
      }
      return def.type === 'SELECT' ? { input: { optionId: ids[0] } } : { input: { optionIds: ids } };
    }
    case 'URL':
      return { input: { url: s } };
    case 'EMAIL':
      return { input: { email: s } };
    case 'PHONE':
      return { input: { phone: s } };
    default:
      return { error: FORMS.customFieldType({ type: def.type }) };
  }
}

type Parsed = {
  name: string | null;
  companyName: string | null;
  message: string | null;
  phones: string[];
  emails: string[];
  custom: { entityType: FieldDef['entityType']; formName: string; value: FieldValueInput; shown: string }[];
  files: File[];
};

/** Reads a submission against the form's mapping: every bad field at once, keyed by its form name. */
async function parseSubmission(ctx: ServiceCtx, form: WebForm, sub: Submission): Promise<Parsed> {
  const mapping = form.mapping as unknown as MappingEntry[];
  const known = new Set([...mapping.map((m) => m.name), form.honeypot, IDEMPOTENCY_FIELD]);
  const issues = new IssueList();
  for (const name of [...Object.keys(sub.values), ...Object.keys(sub.files)]) if (!known.has(name)) issues.add(name, FORMS.unknownField());
  const env = await envOf(ctx);
  const out: Parsed = { name: null, companyName: null, message: null, phones: [], emails: [], custom: [], files: [] };
  const { fileMaxBytes, fileTypes } = ctx.deps.config;
  for (const m of mapping) {
    const raw = (sub.values[m.name] ?? []).filter((x) => x.trim() !== '');
    const files = sub.files[m.name] ?? [];
    if (m.target === 'FILE') {
      if (m.required && !files.length) issues.add(m.name, FORMS.required());
      for (const f of files) {
        if (f.size > fileMaxBytes) issues.add(m.name, FILES.tooBig({ size: (f.size / MB).toFixed(1), max: (fileMaxBytes / MB).toFixed(0) }));
        else if (!typeAllowed(f.type || 'application/octet-stream', fileTypes)) issues.add(m.name, FILES.typeRefused({ type: f.type }));
        else if (f.size > 0) out.files.push(f);
      }
      continue;
    }
    if (!raw.length) {
      if (m.required) issues.add(m.name, FORMS.required());
      continue;
    }
    const first = raw[0].trim();
    switch (m.target) {
      case 'NAME':
      case 'COMPANY':
      case 'MESSAGE': {
        const max = m.target === 'MESSAGE' ? 10_000 : 255;
        if (first.length > max || v.hasNul(first)) issues.add(m.name, v.VALIDATE.tooLong({ max }));
        else out[m.target === 'NAME' ? 'name' : m.target === 'COMPANY' ? 'companyName' : 'message'] = first;
        break;
      }
      case 'PHONE':
        for (const p of raw) {
          const n = v.normalizePhone(p, env.region);
          if (n) out.phones.push(n);
          else issues.add(m.name, v.VALIDATE.phone({ raw: p }));
        }
        break;
      case 'EMAIL':
        for (const e of raw) {
          const r = v.email.safeParse(e);
          if (r.success) out.emails.push(r.data);
          else issues.add(m.name, v.issueMessage(r.error.issues[0]));
        }
        break;
      case 'CUSTOM': {
        const row = await ctx.db.customField.findFirst({ where: { id: m.customFieldId!, workspaceId: form.workspaceId }, select: { entityType: true } });
        const def = row && (await definitions(ctx, row.entityType)).find((d) => d.id === m.customFieldId);
        if (!def) {
          issues.add(m.name, FORMS.unavailable());
          break;
        }
        const c = coerce(def, raw);
        const stored = 'input' in c ? toStored(def, c.input, env) : c;
        if ('error' in stored) issues.add(m.name, stored.error);
        else if ('input' in c)
          out.custom.push({ entityType: def.entityType, formName: m.name, value: { fieldId: def.id, value: c.input }, shown: raw.join(', ') });
        break;
      }
    }
  }
  if (issues.empty && !out.name && !out.phones.length && !out.emails.length) issues.add(mapping[0].name, LEADS.noContactData());
  if (!issues.empty) throw new FormRefusal(400, FORMS.invalid(), issues.issues);
  return out;
}

/** Who gets a submission: the form's responsible, else the next active member of its team in turn, else its creator. */
async function responsibleFor(ctx: ServiceCtx, form: WebForm): Promise<string> {
  if (form.responsibleId) return form.responsibleId;
  if (!form.teamId) return form.createdById;
  const members = await ctx.db.teamMember.findMany({
    where: { teamId: form.teamId, user: { active: true } },
    orderBy: { userId: 'asc' },
    select: { userId: true },
  });
  if (!members.length) return form.createdById;
  const [{ handedOut }] = await ctx.db.$queryRaw<{ handedOut: number }[]>`
    update "WebForm" set "handedOut" = "handedOut" + 1 where "id" = ${form.id}::uuid returning "handedOut"`;
  return members[(handedOut - 1) % members.length].userId;
}

/**
 * Takes a submission: checked against the mapping (400 with every bad field), then an incoming
 * lead, or a contact (the one with the same phone or e-mail, if any) with its company and a deal
 * in the form's stage, all in one transaction; uploaded files go on the new card's timeline.
 */
export async function submitForm(deps: AppDeps, form: WebForm, sub: Submission): Promise<SubmitResult> {
  const viewer = await viewerOfUser(deps.db, form.createdById, 'session');
  if (!viewer) throw new FormRefusal(404, FORMS.unavailable());
  const ctx: ServiceCtx = { db: deps.db, deps, viewer };
  const p = await parseSubmission(ctx, form, sub);
  const responsibleId = await responsibleFor(ctx, form);
  // One search serves both: the contact to attach to (same phone or e-mail) and, for a lead, the
  // contacts that look like the same person (its name too).
  const dups = await findDuplicates(ctx, 'CONTACT', { name: form.target === 'LEAD' ? p.name : null, phones: p.phones, emails: p.emails });
  const match = dups.find((d) => d.reasons.includes('PHONE') || d.reasons.includes('EMAIL'));
  if (form.target === 'LEAD') {
    const fileIds: string[] = [];
    for (const f of p.files) fileIds.push((await uploadFile(ctx, f, null)).id);
    const data = Object.fromEntries(p.custom.map((c) => [c.formName, c.shown]));
    const lead = await receiveLead(ctx, {
      source: 'FORM',
      channel: form.name,
      name: p.name,
      phones: p.phones,
      emails: p.emails,
      companyName: p.companyName,
      message: p.message,
      responsibleId,
      data,
      fileIds,
      contactId: match?.id ?? null,
      duplicateContactIds: dups.map((d) => d.id),
    });
    return { lead: encodeGlobalId('IncomingLead', lead.id), ...(match ? { contact: encodeGlobalId('Contact', match.id), attachedToExisting: true } : {}) };
  }
  const custom = (kind: FieldDef['entityType']) => p.custom.filter((c) => c.entityType === kind).map((c) => c.value);
  const made = await inOneTransaction(ctx, async (t, tx) => {
    let contactId = match?.id;
    let companyId: string | null = null;
    if (!contactId) {
      if (p.companyName) companyId = (await createRecord(t, 'COMPANY', { fields: { name: p.companyName }, responsibleId })).id;
      const name = p.name || p.emails[0] || p.phones[0];
      contactId = (
        await createRecord(t, 'CONTACT', { fields: { name, phones: p.phones, emails: p.emails }, companyId, responsibleId, customFields: custom('CONTACT') })
      ).id;
    }
    const deal = await createRecord(t, 'DEAL', {
      fields: { name: render(LEADS.dealName({ name: p.name || p.companyName || p.emails[0] || p.phones[0] }), viewer.locale) },
      companyId,
      responsibleId,
      customFields: custom('DEAL'),
      extra: { pipelineId: form.pipelineId ?? undefined, stageId: form.stageId ?? undefined, contactIds: [contactId] },
    });
    if (p.message) await recordTimeline(tx, t, { entityType: 'DEAL', id: deal.id }, [{ kind: 'NOTE', text: p.message, data: { formId: form.id } }]);
    return { contactId, dealId: deal.id };
  });
  for (const f of p.files) await uploadFile(ctx, f, { entityType: 'DEAL', id: made.dealId });
  return { deal: encodeGlobalId('Deal', made.dealId), contact: encodeGlobalId('Contact', made.contactId), ...(match ? { attachedToExisting: true } : {}) };
}

/** A kernel ValidationError from a submission (a required custom field, say), as form field problems. */
export function refusalOf(err: ValidationError): FormRefusal {
  return new FormRefusal(400, FORMS.invalid(), err.fields);
}
