// Which field each column of an import file fills: an explicit mapping first, then custom
// fields by name or API code, then the system fields by their names and the synonyms that
// Kommo, Bitrix24, HubSpot and hand-made sheets use (case, spacing and punctuation ignored).
// The same labels head the columns of an export, so an export imports back as it was.
import type { CardKind } from '../../kernel/card-kinds.js';
import type { FieldDef } from '../../kernel/fields/values.js';
import { key } from './coerce.js';

/** What a column fills. */
export type Target =
  | { to: 'id' }
  | { to: 'system'; name: string }
  | { to: 'namePart'; part: 0 | 1 | 2 }
  | { to: 'responsible' }
  | { to: 'tags' }
  | { to: 'company' }
  | { to: 'contacts' }
  | { to: 'pipeline' }
  | { to: 'stage' }
  | { to: 'custom'; def: FieldDef };

export type Column = { index: number; header: string; target: Target | null };

type Special = Exclude<Target, { to: 'system' } | { to: 'custom' } | { to: 'namePart' }>['to'];

/** The export's labels (the first of each list) and their synonyms, per target. */
export const LABELS: Record<string, { en: string; ru: string; also: string[]; kinds?: CardKind[] }> = {
  id: { en: 'ID', ru: 'ID', also: ['идентификатор', 'ид', 'recordid'] },
  name: { en: 'Name', ru: 'Название', also: ['fullname', 'фио', 'полноеимя', 'наименование', 'title'] },
  position: { en: 'Position', ru: 'Должность', also: ['jobtitle', 'должностьконтакт'], kinds: ['CONTACT'] },
  phones: {
    en: 'Phones',
    ru: 'Телефоны',
    also: ['phone', 'телефон', 'рабочийтелефон', 'мобильныйтелефон', 'домашнийтелефон', 'другойтелефон', 'workphone', 'mobilephone', 'mobile', 'phonenumber'],
    kinds: ['CONTACT', 'COMPANY'],
  },
  emails: {
    en: 'Emails',
    ru: 'E-mail',
    also: ['email', 'почта', 'электроннаяпочта', 'рабочийemail', 'личныйemail', 'другойemail', 'emailaddress'],
    kinds: ['CONTACT', 'COMPANY'],
  },
  address: { en: 'Address', ru: 'Адрес', also: ['юридическийадрес', 'фактическийадрес'], kinds: ['COMPANY'] },
  website: { en: 'Website', ru: 'Сайт', also: ['site', 'web', 'url', 'вебсайт', 'корпоративныйсайт', 'companydomainname'], kinds: ['COMPANY'] },
  amount: { en: 'Amount', ru: 'Бюджет', also: ['budget', 'value', 'сумма', 'стоимость', 'dealamount'], kinds: ['DEAL'] },
  currency: { en: 'Currency', ru: 'Валюта', also: [], kinds: ['DEAL'] },
  responsible: {
    en: 'Responsible',
    ru: 'Ответственный',
    also: ['owner', 'assignedto', 'ответственныйпользователь', 'менеджер', 'contactowner', 'dealowner', 'companyowner'],
  },
  company: {
    en: 'Company',
    ru: 'Компания',
    also: ['companyname', 'компанияконтакта', 'названиекомпании', 'организация', 'associatedcompany'],
    kinds: ['CONTACT', 'DEAL'],
  },
  contacts: { en: 'Contacts', ru: 'Контакты', also: ['contact', 'контакт', 'полноеимяконтакта', 'основнойконтакт'], kinds: ['DEAL'] },
  pipeline: { en: 'Pipeline', ru: 'Воронка', also: ['направление'], kinds: ['DEAL'] },
  stage: { en: 'Stage', ru: 'Этап', also: ['status', 'статус', 'стадия', 'стадиясделки', 'этапсделки', 'dealstage'], kinds: ['DEAL'] },
  tags: { en: 'Tags', ru: 'Теги', also: ['tag', 'тег', 'метки'] },
};

const NAME_SYNONYMS: Record<CardKind, string[]> = {
  CONTACT: ['имяконтакта', 'contactname'],
  COMPANY: ['названиекомпании', 'companyname', 'компания', 'company', 'организация'],
  DEAL: ['названиесделки', 'dealname', 'сделка'],
};

const PARTS: [string[], 0 | 1 | 2][] = [
  [['firstname', 'имя', 'givenname'], 0],
  [['middlename', 'отчество', 'secondname'], 1],
  [['lastname', 'фамилия', 'surname', 'familyname'], 2],
];

const SPECIAL = new Set<string>(['id', 'responsible', 'tags', 'company', 'contacts', 'pipeline', 'stage']);

function systemTarget(name: string): Target {
  return SPECIAL.has(name) ? ({ to: name as Special } as Target) : { to: 'system', name };
}

/** The system targets of a kind, by matched key. */
function systemIndex(kind: CardKind, splitName: boolean): Map<string, Target> {
  const m = new Map<string, Target>();
  // Name synonyms of the kind win over the same words elsewhere ("Компания" is a company's name).
  for (const s of NAME_SYNONYMS[kind]) m.set(key(s), { to: 'system', name: 'name' });
  for (const [name, l] of Object.entries(LABELS)) {
    if (l.kinds && !l.kinds.includes(kind)) continue;
    for (const s of [name, l.en, l.ru, ...l.also]) if (!m.has(key(s))) m.set(key(s), systemTarget(name));
  }
  if (kind === 'CONTACT') {
    for (const [words, part] of PARTS) for (const w of words) if (splitName || w !== 'имя') m.set(key(w), { to: 'namePart', part });
    if (!splitName) m.set(key('имя'), { to: 'system', name: 'name' });
  }
  return m;
}

/** The target a field name in an explicit mapping names, or null. */
export function targetOf(kind: CardKind, defs: FieldDef[], field: string): Target | null {
  const k = key(field);
  const def = defs.find((d) => key(d.code) === k || key(d.name) === k || d.id === field);
  if (def) return { to: 'custom', def };
  return systemIndex(kind, true).get(k) ?? null;
}

/** Fields that take several values, so an empty header right of theirs (a merged header cell) takes them too. */
function multi(t: Target | null) {
  if (!t) return false;
  if (t.to === 'system') return t.name === 'phones' || t.name === 'emails';
  if (t.to === 'custom') return t.def.type === 'MULTISELECT';
  return t.to === 'tags' || t.to === 'contacts';
}

/** Matches a header row to fields; `mapping` (header → field name, "" to ignore) comes first. */
export function matchColumns(kind: CardKind, defs: FieldDef[], headers: (string | null)[], mapping: Map<string, string> = new Map()): Column[] {
  const keys = headers.map((h) => (h ? key(h) : ''));
  // "Имя" is a first name when the sheet also has a last name (Bitrix24), else the full name.
  const splitName = keys.some((k) => PARTS.some(([w, p]) => p === 2 && w.includes(k)));
  const system = systemIndex(kind, splitName);
  const live = defs.filter((d) => !d.archived);
  const out: Column[] = [];
  headers.forEach((h, index) => {
    const header = h?.trim() ?? '';
    if (!header) {
      const left = out[index - 1];
      out.push({ index, header: left?.header ?? '', target: left && multi(left.target) ? left.target : null });
      return;
    }
    const explicit = [...mapping.entries()].find(([col]) => key(col) === keys[index]);
    if (explicit) {
      out.push({ index, header, target: explicit[1] === '' ? null : targetOf(kind, defs, explicit[1]) });
      return;
    }
    const def = live.find((d) => key(d.name) === keys[index]) ?? live.find((d) => key(d.code) === keys[index]);
    out.push({ index, header, target: def ? { to: 'custom', def } : (system.get(keys[index]) ?? null) });
  });
  return out;
}

/** How a target is named in the mapping a client reads: a system field's name or a custom field's code. */
export function targetName(t: Target): string {
  if (t.to === 'custom') return t.def.code;
  if (t.to === 'system') return t.name;
  if (t.to === 'namePart') return ['firstName', 'middleName', 'lastName'][t.part];
  return t.to;
}
