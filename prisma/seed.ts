// The demo workspace seeded on the embedded database's first run, so a newcomer can try what
// the CRM does on data that looks lived in: an administrator and four managers in two teams (the
// managers' role sees only their own cards and not the deals' margin), the example pipeline of
// the spec with two stages that require fields, custom fields of every type in groups on deals,
// contacts and companies, 120 deals with 80 contacts and 30 companies (a board that fills a
// screen, and a seed that takes seconds: every card costs the kernel's per-card checks, hooks and
// consumers), months of stage moves behind them (the pipeline report has conversions and stays
// to show), a timeline per deal with notes, calls, e-mails and tasks (some overdue), saved views, and an
// automation, a webhook (disabled, so nothing is ever sent) and a web form as examples.
//
// Cards, fields, people, rights, tasks and the examples are written through the services the API
// calls (the kernel's batch write path for cards, the modules' services for the rest), so every
// rule, event and consumer holds as for a user's writes; notes, calls and e-mails through the
// timeline's batch writer, as an import writes them. A deal is created in the stage
// it is in now, that stage's requirements checked. The kernel has no clock to move, so the past is
// written afterwards, in one transaction: each deal's path through the pipeline (its stage
// history rows and, through the timeline's own writer, its stage changes), the times of its
// creation, stage entry and closing, of its timeline entries and tasks; then the report
// aggregates are rebuilt from that history (`rebuildReportData`, the statements the migration
// and the write path use), so the report agrees with it as if it had been lived.
// Deterministic (a seeded generator), so every fresh start shows the same workspace.
import type { AppDeps, ServiceCtx } from '../src/context.js';
import type { FieldType } from '../src/generated/prisma/enums.js';
import { isUniqueViolation } from '../src/lib/errors.js';
import { encodeGlobalId } from '../src/lib/ids.js';
import { hashPassword } from '../src/lib/tokens.js';
import { TRANSLIT } from '../src/lib/translit.js';
import { writeRecords, type BatchResult } from '../src/kernel/records.js';
import type { CardKind } from '../src/kernel/card-kinds.js';
import type { ValueInput } from '../src/kernel/fields/values.js';
import { listQuery, type CommonFilter } from '../src/kernel/lists.js';
import { bootstrapWorkspace, MANAGER_ROLE } from '../src/modules/workspaces/workspace.service.js';
import { viewerOfUser } from '../src/modules/auth/auth.service.js';
import { createUser } from '../src/modules/users/users.service.js';
import { createTeam } from '../src/modules/teams/teams.service.js';
import { updateRole, setFieldAccess } from '../src/modules/roles/roles.service.js';
import { createGroup } from '../src/modules/custom-fields/groups.service.js';
import { createField, findField } from '../src/modules/custom-fields/definitions.service.js';
import { uploadFile } from '../src/modules/files/files.service.js';
import { recordMany, type EntryInput } from '../src/modules/timeline/timeline.service.js';
import { createTasks, completeTask, type CreateTaskInput } from '../src/modules/tasks/tasks.service.js';
import { createSavedView, type ViewInput } from '../src/modules/saved-views/saved-views.service.js';
import { cardListArgs } from '../src/modules/cards/cards.schema.js';
import { ID_FIELDS as DEAL_IDS } from '../src/modules/deals/deals.schema.js';
import { ID_FIELDS as CONTACT_IDS } from '../src/modules/contacts/contacts.schema.js';
import { ID_FIELDS as COMPANY_IDS } from '../src/modules/companies/companies.schema.js';
import { createAutomation } from '../src/modules/automations/automations.service.js';
import { createWebhook } from '../src/modules/webhooks/webhooks.service.js';
import { createWebForm } from '../src/modules/web-forms/web-forms.service.js';
import { rebuildReportData } from '../src/modules/reports/reports.aggregates.js';

export type DemoLogin = { email: string; password: string };
export type DemoLogins = { admin: DemoLogin; manager: DemoLogin };

const PASSWORD = 'demo12345';
export const DEMO_LOGIN: DemoLogin = { email: 'admin@demo.crm', password: PASSWORD };
/** A manager: sees only the cards they are responsible for, and not the deals' margin. */
export const DEMO_MANAGER_LOGIN: DemoLogin = { email: 'ivan.petrov@demo.crm', password: PASSWORD };

export const DEMO_PIPELINE = {
  name: 'Основная воронка',
  stages: [
    ['Заявка', 'OPEN'],
    ['Переговоры', 'OPEN'],
    ['Коммерческое предложение', 'OPEN'],
    ['Согласование условий', 'OPEN'],
    ['Договор', 'OPEN'],
    ['Предоплата', 'OPEN'],
    ['Проект', 'OPEN'],
    ['Оплата', 'OPEN'],
    ['Результат', 'OPEN'],
    ['Успешно реализовано', 'WON'],
    ['Закрыто и не реализовано', 'LOST'],
  ] as [string, 'OPEN' | 'WON' | 'LOST'][],
  lossReasons: ['Дорого', 'Выбрали конкурента', 'Нет бюджета', 'Не выходит на связь'],
};
/** Stage indexes: the offer needs its products, the contract its number and date. */
const OFFER = 2;
const CONTRACT = 4;
const LAST_OPEN = 8;
const WON = 9;
const LOST = 10;

const FIRST = [
  'Алексей',
  'Ольга',
  'Сергей',
  'Наталья',
  'Андрей',
  'Татьяна',
  'Павел',
  'Юлия',
  'Михаил',
  'Ирина',
  'Николай',
  'Светлана',
  'Артём',
  'Екатерина',
  'Владимир',
  'Анастасия',
];
const LAST = [
  'Волков',
  'Новиков',
  'Морозов',
  'Лебедев',
  'Козлов',
  'Попов',
  'Васильев',
  'Зайцев',
  'Павлов',
  'Семёнов',
  'Голубев',
  'Виноградов',
  'Богданов',
  'Воробьёв',
  'Фёдоров',
  'Михайлов',
];
const FEMALE = new Set(['Ольга', 'Наталья', 'Татьяна', 'Юлия', 'Ирина', 'Светлана', 'Екатерина', 'Анастасия']);
// The shared table, plus the signs an e-mail address drops.
const LAT: Record<string, string> = { ...TRANSLIT, ь: '', ъ: '' };
const translit = (s: string) => [...s.toLowerCase()].map((c) => LAT[c] ?? c).join('');
const COMPANY_WORDS = [
  'Ромашка',
  'Вектор',
  'Гранит',
  'Меридиан',
  'Альфа',
  'Северсталь',
  'Техносфера',
  'Орион',
  'Квант',
  'Полюс',
  'Стройинвест',
  'Аврора',
  'Лидер',
  'Прогресс',
  'Сфера',
  'Импульс',
  'Восток',
  'Эталон',
  'Горизонт',
  'Фаворит',
];
const CITIES = ['Москва', 'Санкт-Петербург', 'Казань', 'Екатеринбург', 'Новосибирск', 'Нижний Новгород'];
const POSITIONS = ['Генеральный директор', 'Коммерческий директор', 'Менеджер по закупкам', 'Главный инженер', 'Финансовый директор', 'Руководитель отдела'];
const PRODUCTS = [
  'Поставка оборудования',
  'Внедрение CRM',
  'Монтаж вентиляции',
  'Аренда техники',
  'Разработка сайта',
  'Обслуживание серверов',
  'Поставка стройматериалов',
  'Обучение персонала',
];
const TAGS = ['Горячий клиент', 'VIP', 'Повторная продажа', 'Тендер', 'Опт'];
const NOTES = [
  'Клиент просит прислать обновлённое КП с учётом скидки за объём.',
  'Созвонились с ЛПР, бюджет согласован, ждём подписанный договор.',
  'Обсудили сроки поставки: клиенту критично успеть до конца квартала.',
  'Конкурент предложил цену ниже на 7%, готовим ответ.',
  'Отправили образцы, клиент доволен качеством.',
  'Юристы клиента прислали правки к договору, передали в наш юротдел.',
  'Встреча перенесена на следующую неделю по просьбе клиента.',
];
const CALL_RESULTS = ['Договорились о встрече', 'Не дозвонились, перезвонить', 'Уточнили объём заказа', 'Клиент думает, перезвонит сам', 'Согласовали скидку'];
const EMAIL_SUBJECTS = ['Коммерческое предложение', 'Счёт на предоплату', 'Проект договора', 'Вопросы по спецификации', 'Акт выполненных работ'];
const TASK_TEXTS: [string, 'CALL' | 'MEETING' | 'FOLLOW_UP' | 'CUSTOM'][] = [
  ['Перезвонить клиенту', 'CALL'],
  ['Подготовить КП', 'FOLLOW_UP'],
  ['Встреча в офисе клиента', 'MEETING'],
  ['Отправить договор на подпись', 'FOLLOW_UP'],
  ['Проверить оплату счёта', 'CUSTOM'],
];

type Rand = () => number;
function rng(seed: number): Rand {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A custom field of the demo: its definition, how often cards hold a value, and the value. */
type FieldSpec = {
  code: string;
  name: string;
  type: FieldType;
  group: number;
  rate: number;
  options?: string[];
  formula?: string;
  min?: string;
  max?: string;
  pattern?: string;
  requiredAt?: number[];
  /** Applies only when this BOOLEAN field of the same card is true. */
  when?: string;
  value?: (c: Gen) => ValueInput | null;
};
/** What a value generator gets: the generator, the option ids of its field by label, and the card's facts. */
type Gen = { r: Rand; pick: <T>(a: readonly T[]) => T; option: (label: string) => string; options: string[]; card: Record<string, unknown>; now: number };

const phone = (r: Rand) => `+79${['15', '16', '03', '05', '25', '26', '77', '85', '99'][Math.floor(r() * 9)]}${String(Math.floor(r() * 1e7)).padStart(7, '0')}`;
const someOptions = (g: Gen, max: number) => {
  const chosen = g.options.filter(() => g.r() < 0.35).slice(0, max);
  return chosen.length ? chosen : [g.pick(g.options)];
};

const DEAL_GROUPS = ['Условия сделки', 'Документы', 'Источник'];
const DEAL_FIELDS: FieldSpec[] = [
  { code: 'source', name: 'Источник', type: 'SELECT', group: 2, rate: 0.9, options: ['Сайт', 'Звонок', 'Рекомендация', 'Выставка', 'Тендерная площадка'] },
  {
    code: 'products',
    name: 'Продукты',
    type: 'MULTISELECT',
    group: 0,
    rate: 0.5,
    options: ['Оборудование', 'Монтаж', 'Сервис', 'Обучение', 'Лицензии'],
    requiredAt: [OFFER],
  },
  {
    code: 'probability',
    name: 'Вероятность, %',
    type: 'NUMBER',
    group: 0,
    rate: 0.75,
    min: '0',
    max: '100',
    value: (g) => ({ number: String(10 * (1 + Math.floor(g.r() * 9))) }),
  },
  {
    code: 'margin',
    name: 'Маржа',
    type: 'MONEY',
    group: 0,
    rate: 0.7,
    value: (g) => ({ money: { amount: String(Math.round(Number(g.card.amount) * (0.1 + g.r() * 0.25))), currency: 'RUB' } }),
  },
  {
    code: 'licenses',
    name: 'Количество лицензий',
    type: 'NUMBER',
    group: 0,
    rate: 0.3,
    min: '0',
    value: (g) => ({ number: String(5 + Math.floor(g.r() * 95)) }),
  },
  {
    code: 'license_price',
    name: 'Цена лицензии',
    type: 'MONEY',
    group: 0,
    rate: 0.3,
    value: (g) => ({ money: { amount: String(1000 * (2 + Math.floor(g.r() * 18))), currency: 'RUB' } }),
  },
  { code: 'licenses_total', name: 'Стоимость лицензий', type: 'FORMULA', group: 0, rate: 0, formula: 'licenses * license_price' },
  {
    code: 'contract_number',
    name: 'Номер договора',
    type: 'TEXT',
    group: 1,
    rate: 0,
    requiredAt: [CONTRACT],
    value: (g) => ({ text: `Д-${2026}/${String(g.card.number)}` }),
  },
  {
    code: 'contract_date',
    name: 'Дата подписания договора',
    type: 'DATE',
    group: 1,
    rate: 0,
    requiredAt: [CONTRACT],
    value: (g) => ({ date: isoDate(g.now - Math.floor(g.r() * 90) * DAY) }),
  },
  { code: 'contract_scan', name: 'Скан договора', type: 'FILE', group: 1, rate: 0 },
  {
    code: 'next_contact',
    name: 'Следующий контакт',
    type: 'DATETIME',
    group: 0,
    rate: 0.4,
    value: (g) => ({ dateTime: new Date(g.now + Math.floor(1 + g.r() * 20) * DAY + 10 * 3_600_000) }),
  },
  { code: 'tender', name: 'Тендер', type: 'BOOLEAN', group: 2, rate: 0.8, value: (g) => ({ boolean: g.r() < 0.2 }) },
  {
    code: 'tender_url',
    name: 'Ссылка на тендер',
    type: 'URL',
    group: 2,
    rate: 0.9,
    when: 'tender',
    value: (g) => ({
      url: `https://zakupki.gov.ru/epz/order/notice/ea20/view/common-info.html?regNumber=03${String(Math.floor(g.r() * 1e17)).padStart(17, '0')}`,
    }),
  },
  {
    code: 'billing_email',
    name: 'E-mail для счетов',
    type: 'EMAIL',
    group: 1,
    rate: 0.5,
    value: (g) => ({ email: `buh${Number(g.card.number) % 97}@${String(g.card.domain)}` }),
  },
  { code: 'decision_maker_phone', name: 'Телефон ЛПР', type: 'PHONE', group: 0, rate: 0.4, value: (g) => ({ phone: phone(g.r) }) },
  {
    code: 'manager_comment',
    name: 'Комментарий руководителя',
    type: 'TEXTAREA',
    group: 0,
    rate: 0.25,
    value: (g) => ({
      text: g.pick([
        'Держать на контроле, клиент стратегический.',
        'Скидку больше 10% не давать.',
        'Подключить технического специалиста к переговорам.',
        'Клиент платит с задержкой, работать по предоплате.',
      ]),
    }),
  },
];

const CONTACT_GROUPS = ['Личное', 'Маркетинг'];
const CONTACT_FIELDS: FieldSpec[] = [
  {
    code: 'birthday',
    name: 'День рождения',
    type: 'DATE',
    group: 0,
    rate: 0.35,
    value: (g) => ({
      date: `${1965 + Math.floor(g.r() * 35)}-${String(1 + Math.floor(g.r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(g.r() * 28)).padStart(2, '0')}`,
    }),
  },
  {
    code: 'telegram',
    name: 'Telegram',
    type: 'TEXT',
    group: 0,
    rate: 0.3,
    pattern: '^@[A-Za-z0-9_]{5,32}$',
    value: (g) => ({ text: `@${translit(String(g.card.first))}_${translit(String(g.card.last)).slice(0, 8)}`.replace(/[^@A-Za-z0-9_]/g, '') }),
  },
  { code: 'mobile', name: 'Мобильный', type: 'PHONE', group: 0, rate: 0.4, value: (g) => ({ phone: phone(g.r) }) },
  {
    code: 'personal_email',
    name: 'Личный e-mail',
    type: 'EMAIL',
    group: 0,
    rate: 0.25,
    value: (g) => ({ email: `${translit(String(g.card.first))}${Number(g.card.number)}@gmail.com` }),
  },
  {
    code: 'profile',
    name: 'Профиль в соцсети',
    type: 'URL',
    group: 0,
    rate: 0.2,
    value: (g) => ({ url: `https://vk.com/id${100000 + Number(g.card.number) * 37}` }),
  },
  {
    code: 'about',
    name: 'О клиенте',
    type: 'TEXTAREA',
    group: 0,
    rate: 0.2,
    value: (g) => ({
      text: g.pick([
        'Предпочитает общение в мессенджерах.',
        'Решения принимает быстро, ценит конкретику.',
        'Любит подробные спецификации и сравнения.',
        'Звонить после 11:00.',
      ]),
    }),
  },
  {
    code: 'last_meeting',
    name: 'Последняя встреча',
    type: 'DATETIME',
    group: 0,
    rate: 0.3,
    value: (g) => ({ dateTime: new Date(g.now - Math.floor(1 + g.r() * 120) * DAY + 14 * 3_600_000) }),
  },
  { code: 'channel', name: 'Канал привлечения', type: 'SELECT', group: 1, rate: 0.8, options: ['Реклама', 'Сайт', 'Рекомендация', 'Выставка', 'Соцсети'] },
  { code: 'interests', name: 'Интересы', type: 'MULTISELECT', group: 1, rate: 0.5, options: ['Новинки', 'Скидки', 'Вебинары', 'Сервис'] },
  { code: 'newsletter', name: 'Подписан на рассылку', type: 'BOOLEAN', group: 1, rate: 0.9, value: (g) => ({ boolean: g.r() < 0.6 }) },
  {
    code: 'nps',
    name: 'Оценка NPS',
    type: 'NUMBER',
    group: 1,
    rate: 0.45,
    min: '0',
    max: '10',
    value: (g) => ({ number: String(Math.min(10, 4 + Math.floor(g.r() * 7))) }),
  },
  {
    code: 'avg_check',
    name: 'Средний чек',
    type: 'MONEY',
    group: 1,
    rate: 0.3,
    value: (g) => ({ money: { amount: String(1000 * (20 + Math.floor(g.r() * 480))), currency: 'RUB' } }),
  },
  { code: 'loyalty_points', name: 'Баллы лояльности', type: 'FORMULA', group: 1, rate: 0, formula: 'nps * 10' },
  { code: 'business_card', name: 'Визитка', type: 'FILE', group: 0, rate: 0 },
];

const COMPANY_GROUPS = ['Реквизиты', 'Профиль'];
const COMPANY_FIELDS: FieldSpec[] = [
  {
    code: 'inn',
    name: 'ИНН',
    type: 'TEXT',
    group: 0,
    rate: 0.85,
    pattern: '^\\d{10}(\\d{2})?$',
    value: (g) => ({ text: String(7700000000 + Math.floor(g.r() * 99999999)) }),
  },
  {
    code: 'legal_address',
    name: 'Юридический адрес',
    type: 'TEXTAREA',
    group: 0,
    rate: 0.6,
    value: (g) => ({ text: `${100000 + Math.floor(g.r() * 99999)}, ${String(g.card.address)}` }),
  },
  { code: 'accounting_email', name: 'E-mail бухгалтерии', type: 'EMAIL', group: 0, rate: 0.55, value: (g) => ({ email: `buh@${String(g.card.domain)}` }) },
  { code: 'accounting_phone', name: 'Телефон бухгалтерии', type: 'PHONE', group: 0, rate: 0.45, value: (g) => ({ phone: phone(g.r) }) },
  { code: 'charter', name: 'Устав', type: 'FILE', group: 0, rate: 0 },
  {
    code: 'industry',
    name: 'Отрасль',
    type: 'SELECT',
    group: 1,
    rate: 0.9,
    options: ['Строительство', 'Производство', 'Торговля', 'IT', 'Логистика', 'Госсектор'],
  },
  { code: 'regions', name: 'Регионы присутствия', type: 'MULTISELECT', group: 1, rate: 0.6, options: CITIES },
  {
    code: 'staff',
    name: 'Сотрудников',
    type: 'NUMBER',
    group: 1,
    rate: 0.7,
    min: '1',
    value: (g) => ({ number: String(5 + Math.floor(Math.pow(g.r(), 3) * 3000)) }),
  },
  {
    code: 'turnover',
    name: 'Годовой оборот',
    type: 'MONEY',
    group: 1,
    rate: 0.5,
    value: (g) => ({ money: { amount: String(1_000_000 * (5 + Math.floor(Math.pow(g.r(), 2) * 2000))), currency: 'RUB' } }),
  },
  { code: 'turnover_per_employee', name: 'Оборот на сотрудника', type: 'FORMULA', group: 1, rate: 0, formula: 'turnover / staff' },
  {
    code: 'founded',
    name: 'Дата основания',
    type: 'DATE',
    group: 1,
    rate: 0.5,
    value: (g) => ({ date: `${1992 + Math.floor(g.r() * 32)}-${String(1 + Math.floor(g.r() * 12)).padStart(2, '0')}-01` }),
  },
  {
    code: 'last_audit',
    name: 'Последний аудит',
    type: 'DATETIME',
    group: 1,
    rate: 0.2,
    value: (g) => ({ dateTime: new Date(g.now - Math.floor(30 + g.r() * 300) * DAY) }),
  },
  { code: 'key_account', name: 'Ключевой клиент', type: 'BOOLEAN', group: 1, rate: 0.7, value: (g) => ({ boolean: g.r() < 0.25 }) },
  {
    code: 'profile_2gis',
    name: 'Страница в 2ГИС',
    type: 'URL',
    group: 1,
    rate: 0.4,
    value: (g) => ({ url: `https://2gis.ru/firm/${70000001000000 + Number(g.card.number) * 7919}` }),
  },
];

type Field = { id: string; spec: FieldSpec; options: Map<string, string> };

/** Creates a kind's groups and fields through the custom fields module; answers them by code. */
async function defineFields(ctx: ServiceCtx, kind: CardKind, groups: string[], specs: FieldSpec[], stageIds: string[]) {
  const groupIds: string[] = [];
  for (const g of groups) groupIds.push((await createGroup(ctx, kind, g)).id);
  const fields = new Map<string, Field>();
  for (const spec of specs) {
    const cond = spec.when ? fields.get(spec.when)! : null;
    const created = await createField(ctx, {
      entityType: kind,
      type: spec.type,
      name: spec.name,
      code: spec.code,
      groupId: groupIds[spec.group],
      options: spec.options,
      formula: spec.formula,
      min: spec.min,
      max: spec.max,
      pattern: spec.pattern,
      requiredStageIds: spec.requiredAt?.map((i) => stageIds[i]),
      condition: cond ? { fieldId: cond.id, values: [{ boolean: true }] } : undefined,
    });
    const options = spec.options ? new Map((await findField(ctx, created.id)).options.map((o) => [o.label, o.id])) : new Map<string, string>();
    fields.set(spec.code, { id: created.id, spec, options });
  }
  return fields;
}

/** A card's custom field values at the specs' rates; `force` fills the codes named whatever the rate. */
function valuesFor(fields: Map<string, Field>, r: Rand, card: Record<string, unknown>, now: number, force: string[] = []) {
  const out: { fieldId: string; value: ValueInput }[] = [];
  const held = new Map<string, ValueInput>();
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  for (const f of fields.values()) {
    const { spec } = f;
    if (spec.type === 'FORMULA' || spec.type === 'FILE') continue;
    if (spec.when && !held.get(spec.when)?.boolean) continue;
    if (!force.includes(spec.code) && !(r() < spec.rate)) continue;
    const labels = [...f.options.keys()];
    const g: Gen = { r, pick, option: (l) => f.options.get(l)!, options: [...f.options.values()], card, now };
    const value =
      spec.type === 'SELECT' ? { optionId: f.options.get(pick(labels))! } : spec.type === 'MULTISELECT' ? { optionIds: someOptions(g, 3) } : spec.value!(g);
    if (!value) continue;
    held.set(spec.code, value);
    out.push({ fieldId: f.id, value });
  }
  return out;
}

/** Uploads a small text file as a FILE field's value (the files module keeps it like any upload). */
async function demoFile(ctx: ServiceCtx, name: string, text: string) {
  const file = await uploadFile(ctx, new File([text], name, { type: 'text/plain' }));
  return file.id;
}

function rowsOf(results: BatchResult[], what: string) {
  return results.map((x, i) => {
    if (!x.ok) throw new Error(`demo seed: ${what} ${i} refused: ${x.error instanceof Error ? x.error.message : String(x.error)}`);
    return x.row;
  });
}

async function saveView(ctx: ServiceCtx, kind: CardKind, input: ViewInput) {
  const ids = { DEAL: DEAL_IDS, CONTACT: CONTACT_IDS, COMPANY: COMPANY_IDS }[kind];
  // The filter and sort are checked by the list's own rules, as the API's createSavedView does.
  const check = async () => {
    const args = cardListArgs({ filter: input.filter as never, orderBy: input.sort as never }, ids);
    await listQuery(ctx, kind, { filter: (args.filter ?? null) as CommonFilter<never> | null, orderBy: args.orderBy as never });
  };
  return createSavedView(ctx, kind, input, check);
}

/** A deal's plan: the stages it goes through (indexes) and when it entered each. */
type Plan = { path: number[]; times: number[]; created: number };

function planDeal(r: Rand, now: number): Plan {
  const roll = r();
  let reach: number;
  let closing: number | null = null;
  if (roll < 0.55) reach = Math.min(LAST_OPEN, Math.floor(Math.pow(r(), 1.5) * (LAST_OPEN + 1)));
  else if (roll < 0.8) {
    reach = 5 + Math.floor(r() * 4);
    closing = WON;
  } else {
    reach = Math.floor(Math.pow(r(), 1.3) * 6);
    closing = LOST;
  }
  const path = [0];
  // Real deals skip stages now and then; the offer and the contract stages are never skipped.
  for (let i = 1; i <= reach; i++) if (i === OFFER || i === CONTRACT || r() < 0.8) path.push(i);
  if (closing !== null) path.push(closing);
  // Stays of 1–12 days, fitted into the deal's life: closed deals are older and closed a while ago.
  const stays = path.slice(1).map(() => (0.5 + r() * 11.5) * DAY);
  const total = stays.reduce((a, b) => a + b, 0);
  const age = (closing !== null ? 30 + r() * 210 : 3 + r() * 150) * DAY;
  const created = now - age;
  const end = closing !== null ? now - r() * Math.min(25, age / DAY / 3) * DAY : now - 3_600_000;
  const scale = Math.min(1, (end - created) / Math.max(total, 1));
  const times = [created];
  for (const s of stays) times.push(times[times.length - 1] + s * scale);
  return { path, times, created };
}

/** Seeds the demo workspace into an empty database; returns the demo logins while they exist. */
export async function seedDemo(deps: AppDeps): Promise<DemoLogins | null> {
  const db = deps.db;
  const logins = { admin: DEMO_LOGIN, manager: DEMO_MANAGER_LOGIN };
  if ((await db.workspace.count()) > 0) {
    const admin = await db.user.findUnique({ where: { email: DEMO_LOGIN.email } });
    return admin ? logins : null;
  }
  const started = performance.now();
  const rand = rng(20261123);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const now = Date.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string) => {
    const t = performance.now();
    phases[name] = Math.round(t - mark);
    mark = t;
  };

  let boot;
  try {
    boot = await db.$transaction(async (tx) =>
      bootstrapWorkspace(tx, {
        workspace: { name: 'Демо: ООО «Ромашка»', locale: 'ru', timeZone: 'Europe/Moscow', currency: 'RUB', phoneRegion: 'RU' },
        admin: { name: 'Анна Смирнова', email: DEMO_LOGIN.email, passwordHash: await hashPassword(PASSWORD) },
        pipeline: DEMO_PIPELINE,
      }),
    );
  } catch (err) {
    // Another instance started on the same empty database and is seeding it.
    if (isUniqueViolation(err)) return logins;
    throw err;
  }
  const { workspace, user: adminUser, pipeline } = boot;
  const ws = workspace.id;
  const ctxOf = async (userId: string): Promise<ServiceCtx> => ({ db, deps, viewer: (await viewerOfUser(db, userId, 'session'))! });
  const admin = await ctxOf(adminUser.id);

  phase('boot');
  // People and rights: managers see and change only their own cards, and never the margin.
  const managerRole = await db.role.findFirstOrThrow({ where: { workspaceId: ws, name: MANAGER_ROLE.ru } });
  const own = (entityType: 'CONTACT' | 'COMPANY' | 'DEAL' | 'TASK' | 'LEAD') =>
    (['VIEW', 'CREATE', 'EDIT', 'DELETE'] as const).map((action) => ({ entityType, action, scope: 'OWN' as const }));
  await updateRole(admin, managerRole.id, {
    rights: [
      ...own('DEAL'),
      ...own('CONTACT'),
      ...own('COMPANY'),
      ...own('TASK'),
      { entityType: 'LEAD', action: 'VIEW', scope: 'ALL' },
      { entityType: 'LEAD', action: 'EDIT', scope: 'ALL' },
    ],
  });
  const people = [
    ['Иван Петров', DEMO_MANAGER_LOGIN.email],
    ['Мария Иванова', 'maria.ivanova@demo.crm'],
    ['Дмитрий Кузнецов', 'dmitry.kuznetsov@demo.crm'],
    ['Елена Соколова', 'elena.sokolova@demo.crm'],
  ];
  const managers = [];
  for (const [name, email] of people) managers.push(await createUser(admin, { name, email, password: PASSWORD, roleId: managerRole.id }));
  const moscow = await createTeam(admin, { name: 'Отдел продаж Москва', memberIds: managers.slice(0, 2).map((u) => u.id) });
  await createTeam(admin, { name: 'Отдел продаж Санкт-Петербург', memberIds: managers.slice(2).map((u) => u.id) });
  const owners = [adminUser, ...managers];
  const ctxByUser = new Map<string, ServiceCtx>([[adminUser.id, admin]]);
  for (const m of managers) ctxByUser.set(m.id, await ctxOf(m.id));

  phase('people');
  const stages = await db.stage.findMany({ where: { pipelineId: pipeline.id }, orderBy: { sortOrder: 'asc' } });
  const stageIds = stages.map((s) => s.id);
  const reasons = await db.lossReason.findMany({ where: { pipelineId: pipeline.id }, orderBy: { sortOrder: 'asc' } });
  const dealFields = await defineFields(admin, 'DEAL', DEAL_GROUPS, DEAL_FIELDS, stageIds);
  const contactFields = await defineFields(admin, 'CONTACT', CONTACT_GROUPS, CONTACT_FIELDS, stageIds);
  const companyFields = await defineFields(admin, 'COMPANY', COMPANY_GROUPS, COMPANY_FIELDS, stageIds);
  const margin = dealFields.get('margin')!;
  await setFieldAccess(admin, { roleId: managerRole.id, entityType: 'DEAL', customFieldId: margin.id, access: 'HIDDEN' });

  phase('fields');
  // Companies and contacts, through the kernel's batch write.
  const companyPlans = Array.from({ length: 30 }, (_, i) => {
    const word = COMPANY_WORDS[i % COMPANY_WORDS.length];
    const n = Math.floor(i / COMPANY_WORDS.length);
    const domain = `${translit(word)}${n ? i : ''}.ru`;
    const address = `г. ${pick(CITIES)}, ул. Ленина, д. ${1 + Math.floor(rand() * 120)}`;
    const card = { number: i, domain, address };
    const custom = valuesFor(companyFields, rand, card, now);
    return {
      domain,
      responsibleId: pick(owners).id,
      created: now - Math.floor(rand() * 365) * DAY,
      write: {
        fields: {
          name: `${pick(['ООО', 'АО', 'ИП', 'ПАО'])} «${word}${n ? `-${n + 1}` : ''}»`,
          address,
          website: `https://${domain}`,
          phones: [phone(rand)],
          emails: [`info@${domain}`],
        },
        customFields: custom,
      },
    };
  });
  for (const i of [0, 3, 7]) {
    const fileId = await demoFile(admin, `Устав ${companyPlans[i].write.fields.name}.txt`, 'Устав общества (демо-файл).');
    companyPlans[i].write.customFields.push({ fieldId: companyFields.get('charter')!.id, value: { fileId } });
  }
  const companies = rowsOf(
    await writeRecords(
      admin,
      'COMPANY',
      companyPlans.map((p) => ({ write: { ...p.write, responsibleId: p.responsibleId } })),
    ),
    'company',
  ).map((row, i) => ({ id: row.id, ...companyPlans[i] }));

  phase('companies');
  const contactPlans = Array.from({ length: 80 }, (_, i) => {
    const first = FIRST[i % FIRST.length];
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] + (FEMALE.has(first) ? 'а' : '');
    const company = rand() < 0.8 ? pick(companies) : null;
    const custom = valuesFor(contactFields, rand, { first, last, number: i }, now);
    return {
      companyId: company?.id ?? null,
      domain: company?.domain ?? 'mail.ru',
      responsibleId: company?.responsibleId ?? pick(owners).id,
      created: now - Math.floor(rand() * 300) * DAY,
      write: {
        fields: {
          name: `${first} ${last}`,
          position: company ? pick(POSITIONS) : null,
          phones: rand() < 0.3 ? [phone(rand), phone(rand)] : [phone(rand)],
          emails: [`${translit(first)}.${translit(last)}${i}@${company?.domain ?? 'mail.ru'}`],
        },
        customFields: custom,
      },
    };
  });
  for (const i of [1, 5]) {
    const fileId = await demoFile(admin, `Визитка ${contactPlans[i].write.fields.name}.txt`, 'Скан визитки (демо-файл).');
    contactPlans[i].write.customFields.push({ fieldId: contactFields.get('business_card')!.id, value: { fileId } });
  }
  const contacts = rowsOf(
    await writeRecords(
      admin,
      'CONTACT',
      contactPlans.map((p) => ({ write: { ...p.write, companyId: p.companyId, responsibleId: p.responsibleId } })),
    ),
    'contact',
  ).map((row, i) => ({ id: row.id, ...contactPlans[i] }));

  phase('contacts');
  // Deals: created in the stage they are in now (the stage's requirements checked as for any
  // write); the path that led there is history, written with the times below.
  const deals = Array.from({ length: 120 }, (_, i) => {
    const plan = planDeal(rand, now);
    const contact = pick(contacts);
    const companyId = contact.companyId ?? (rand() < 0.3 ? pick(companies).id : null);
    const amount = String(Math.round(10 + Math.pow(rand(), 2) * 3000) * 1000);
    const reached = Math.max(...plan.path.filter((s) => s <= LAST_OPEN));
    const force = [...(reached >= OFFER ? ['products'] : []), ...(reached >= CONTRACT ? ['contract_number', 'contract_date'] : [])];
    const custom = valuesFor(dealFields, rand, { amount, number: 1000 + i, domain: contact.domain }, now, force);
    const contactIds = [contact.id];
    if (rand() < 0.25) {
      const other = pick(contacts);
      if (other.id !== contact.id) contactIds.push(other.id);
    }
    const final = plan.path.at(-1)!;
    return {
      plan,
      responsibleId: contact.responsibleId,
      write: {
        fields: { name: `${pick(PRODUCTS)} №${1000 + i}`, amount, currency: 'RUB' },
        responsibleId: contact.responsibleId,
        companyId,
        tags: rand() < 0.4 ? [pick(TAGS)] : [],
        customFields: custom,
        extra: { pipelineId: pipeline.id, stageId: stageIds[final], contactIds, ...(final === LOST ? { lossReasonId: pick(reasons).id } : {}) },
      },
    };
  });
  const scans = deals.filter((d) => d.plan.path.includes(CONTRACT)).slice(0, 8);
  for (const d of scans) {
    const fileId = await demoFile(admin, `Договор ${d.write.fields.name}.txt`, `Скан договора по сделке «${d.write.fields.name}» (демо-файл).`);
    d.write.customFields.push({ fieldId: dealFields.get('contract_scan')!.id, value: { fileId } });
  }
  const dealIds = rowsOf(
    await writeRecords(
      admin,
      'DEAL',
      deals.map((d) => ({ write: d.write })),
    ),
    'deal',
  ).map((r) => r.id);
  phase('deals');
  // A timeline per deal, by its responsible: notes, calls, e-mails and tasks (open deals keep
  // some open tasks, a few of them overdue; closed deals' tasks are done).
  // The notes, calls and e-mails are written as an import writes them, by the timeline's batch
  // writer (`recordMany`, with their outbox events) in one transaction per author, in the shape
  // addNote, logCall and logEmail give them; tasks through the tasks service in one batch per responsible.
  const overdue: string[] = [];
  const talk = new Map<string, { card: { entityType: 'DEAL'; id: string }; entries: EntryInput[] }[]>();
  const todo = new Map<string, { card: { entityType: 'DEAL'; id: string }; input: CreateTaskInput; closed: boolean }[]>();
  for (const [i, d] of deals.entries()) {
    const card = { entityType: 'DEAL' as const, id: dealIds[i] };
    const closed = d.plan.path.at(-1)! >= WON;
    const entries: EntryInput[] = [];
    if (rand() < 0.6) entries.push({ kind: 'NOTE', text: pick(NOTES) });
    if (rand() < 0.5) {
      const number = phone(rand);
      const result = pick(CALL_RESULTS);
      const data = { direction: rand() < 0.6 ? 'OUTBOUND' : 'INBOUND', number, durationSeconds: 30 + Math.floor(rand() * 900), recordingUrl: null, result };
      entries.push({ kind: 'CALL', text: `${number.replace(/\D/g, '')} ${result}`, data });
    }
    if (rand() < 0.3) {
      const subject = pick(EMAIL_SUBJECTS);
      const body = `Добрый день!\n\n${subject}: во вложении. Будем рады ответить на вопросы.\n\nС уважением,\n${String(d.write.fields.name)}`;
      const data = { direction: rand() < 0.5 ? 'OUTBOUND' : 'INBOUND', subject, body, mailbox: 'sales@romashka.demo' };
      entries.push({ kind: 'EMAIL', text: `${subject}\n${body}`, data });
    }
    if (entries.length) talk.set(d.responsibleId, [...(talk.get(d.responsibleId) ?? []), { card, entries }]);
    if (closed ? rand() < 0.2 : rand() < 0.65) {
      const [text, type] = pick(TASK_TEXTS);
      const dueAt = closed
        ? new Date(d.plan.times.at(-1)! - DAY)
        : new Date(now + (rand() < 0.3 ? -(1 + Math.floor(rand() * 10)) : 1 + Math.floor(rand() * 14)) * DAY);
      const mine = todo.get(d.responsibleId) ?? [];
      todo.set(d.responsibleId, [...mine, { card, input: { type, text, dueAt, responsibleId: d.responsibleId }, closed }]);
    }
  }
  // Tasks in one batch per responsible (`createTasks`: createTask's checks, one transaction);
  // the closed deals' tasks are then completed one by one.
  for (const [userId, items] of todo) {
    const ctx = ctxByUser.get(userId)!;
    const tasks = new Map((await createTasks(ctx, items)).map((t) => [t.dealId, t]));
    for (const { card, input, closed } of items) {
      const task = tasks.get(card.id)!;
      if (closed) await completeTask(ctx, task.id, task.version, 'Сделано');
      else if (input.dueAt.getTime() < now) overdue.push(task.id);
    }
  }
  for (const [userId, items] of talk) await db.$transaction((tx) => recordMany(tx, ctxByUser.get(userId)!, items));

  phase('timelines');
  // Examples of the rest, made once the cards exist (nothing runs for the cards above).
  const g = (type: string, id: string) => encodeGlobalId(type, id);
  const source = dealFields.get('source')!;
  await saveView(admin, 'DEAL', {
    name: 'Крупные сделки в работе',
    shared: true,
    filter: { stageKinds: ['OPEN'], amount: { min: '1000000' } },
    sort: [{ field: 'AMOUNT', direction: 'DESC' }],
    columns: ['name', 'amount', 'stage', 'responsible', g('CustomField', source.id), g('CustomField', dealFields.get('probability')!.id)],
  });
  await saveView(admin, 'DEAL', {
    name: 'Тендеры',
    shared: true,
    filter: { customFields: [{ fieldId: g('CustomField', dealFields.get('tender')!.id), eq: 'true' }] },
    sort: [{ field: 'CREATED_AT', direction: 'DESC' }],
    columns: ['name', 'amount', 'stage', g('CustomField', dealFields.get('tender_url')!.id)],
  });
  await saveView(admin, 'CONTACT', {
    name: 'Подписаны на рассылку',
    shared: true,
    filter: { customFields: [{ fieldId: g('CustomField', contactFields.get('newsletter')!.id), eq: 'true' }] },
    columns: ['name', 'emails', g('CustomField', contactFields.get('interests')!.id)],
  });
  await saveView(admin, 'COMPANY', {
    name: 'Ключевые клиенты',
    shared: true,
    filter: { customFields: [{ fieldId: g('CustomField', companyFields.get('key_account')!.id), eq: 'true' }] },
    columns: ['name', 'responsible', g('CustomField', companyFields.get('industry')!.id), g('CustomField', companyFields.get('turnover')!.id)],
  });
  await createAutomation(admin, {
    name: 'Договор: задача проверить подписание',
    trigger: { type: 'STAGE_ENTERED', cardKind: 'DEAL', stageId: g('Stage', stageIds[CONTRACT]) },
    actions: [
      { createTask: { type: 'FOLLOW_UP', text: 'Проверить, что договор по сделке «[name]» подписан', dueInMinutes: 24 * 60, responsible: { mode: 'CARD' } } },
    ],
  });
  // Disabled, at a documentation address (TEST-NET-3): an example to edit, never called.
  await createWebhook(admin, { url: 'https://203.0.113.10/crm-webhook', eventTypes: ['DEAL_STAGE_CHANGED', 'CARD_CREATED'], enabled: false });
  await createWebForm(admin, {
    name: 'Заявка с сайта',
    target: 'DEAL',
    pipelineId: pipeline.id,
    stageId: stageIds[0],
    teamId: moscow.id,
    fields: [
      { name: 'name', target: 'NAME', required: true },
      { name: 'phone', target: 'PHONE', required: true },
      { name: 'email', target: 'EMAIL' },
      { name: 'company', target: 'COMPANY' },
      { name: 'message', target: 'MESSAGE' },
      { name: 'source', target: 'CUSTOM', customFieldId: source.id },
    ],
  });

  phase('examples');
  await backdate(deps, ws, { deals, dealIds, companies, contacts, now, rand, ctxByUser, stageIds, pipelineId: pipeline.id });
  phase('history');
  deps.log.info({ ms: Math.round(performance.now() - started), phases, overdueTasks: overdue.length }, 'demo workspace seeded');
  return logins;
}

type History = {
  deals: { plan: Plan; responsibleId: string }[];
  ctxByUser: Map<string, ServiceCtx>;
  stageIds: string[];
  pipelineId: string;
  dealIds: string[];
  companies: { id: string; created: number }[];
  contacts: { id: string; created: number }[];
  now: number;
  rand: Rand;
};

/**
 * Spreads what was just written over the past months: each deal's stage transitions get its
 * plan's times (and the deal its creation, stage entry and closing), its timeline entries follow
 * in the order they were written, cards get their creation time, tasks theirs; then the report
 * aggregates are rebuilt from that history, so they agree with it as if it had been written then.
 */
async function backdate(deps: AppDeps, ws: string, h: History) {
  const db = deps.db;
  const entries = await db.timelineEntry.findMany({
    where: { workspaceId: ws },
    orderBy: [{ cardId: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, cardId: true, kind: true },
  });
  const tasks = await db.task.findMany({ where: { workspaceId: ws }, select: { id: true, dealId: true, dueAt: true, completedAt: true } });
  const planOf = new Map(h.dealIds.map((id, i) => [id, h.deals[i].plan]));
  const createdOf = new Map<string, number>([...h.companies, ...h.contacts].map((c) => [c.id, c.created]));
  for (const [id, p] of planOf) createdOf.set(id, p.created);

  // Timeline entries: the card's creation and stage changes at their moments; the rest spread
  // between its creation and now (or its closing), in the order written.
  const eIds: string[] = [];
  const eAt: Date[] = [];
  const byCard = new Map<string, typeof entries>();
  for (const e of entries) byCard.set(e.cardId, [...(byCard.get(e.cardId) ?? []), e]);
  for (const [cardId, list] of byCard) {
    const plan = planOf.get(cardId);
    const created = createdOf.get(cardId) ?? h.now;
    const others = list.filter((e) => e.kind !== 'CARD_CREATED');
    const end = plan ? Math.min(h.now - 60_000, plan.times.at(-1)! + (plan.path.at(-1)! >= WON ? 0 : 30 * DAY)) : h.now - 60_000;
    const spread = others.map(() => created + h.rand() * (end - created)).sort((a, b) => a - b);
    let k = 0;
    for (const e of list) {
      eIds.push(e.id);
      eAt.push(new Date(e.kind === 'CARD_CREATED' ? created : spread[k++]));
    }
  }
  await db.$transaction(
    async (tx) => {
      // The path each deal took: its history rows, and the stage changes on its timeline (by
      // its responsible, through the timeline's own writer), at the plan's times.
      await tx.stageTransition.deleteMany({ where: { workspaceId: ws } });
      await tx.stageTransition.createMany({
        data: h.deals.flatMap((d, i) =>
          d.plan.path.map((to, n) => ({
            workspaceId: ws,
            dealId: h.dealIds[i],
            pipelineId: h.pipelineId,
            fromStageId: n ? h.stageIds[d.plan.path[n - 1]] : null,
            toStageId: h.stageIds[to],
            at: new Date(d.plan.times[n]),
            sinceAt: n ? new Date(d.plan.times[n - 1]) : null,
            byId: d.responsibleId,
          })),
        ),
      });
      for (const [userId, ctx] of h.ctxByUser) {
        const mine = h.deals.flatMap((d, i) => (d.responsibleId === userId ? [{ d, id: h.dealIds[i] }] : []));
        const items = mine.map(({ d, id }) => ({
          card: { entityType: 'DEAL' as const, id },
          entries: d.plan.path.slice(1).map((to, n) => ({
            kind: 'STAGE_CHANGED' as const,
            data: { fromStageId: h.stageIds[d.plan.path[n]], toStageId: h.stageIds[to], fromPipelineId: h.pipelineId, toPipelineId: h.pipelineId },
          })),
        }));
        const written = await recordMany(tx, ctx, items);
        const times = mine.flatMap(({ d }) => d.plan.times.slice(1));
        eIds.push(...written.map((w) => w.id));
        eAt.push(...times.map((t) => new Date(t)));
      }
      await tx.$executeRawUnsafe(
        `update "TimelineEntry" e set "createdAt" = x.at from unnest($1::uuid[], $2::timestamptz[]) x(id, at) where e.id = x.id`,
        eIds,
        eAt,
      );
      const dIds = h.dealIds;
      const created = dIds.map((id) => new Date(planOf.get(id)!.created));
      const entered = dIds.map((id) => new Date(planOf.get(id)!.times.at(-1)!));
      await tx.$executeRawUnsafe(
        `update "Deal" d set "createdAt" = x.created, "stageEnteredAt" = x.entered, "updatedAt" = x.entered, "lastActivityAt" = greatest(x.entered, coalesce((select max(e."createdAt") from "TimelineEntry" e where e."cardId" = d.id), x.entered)),
                "closedAt" = case when d."closedAt" is null then null else x.entered end
           from unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) x(id, created, entered) where d.id = x.id`,
        dIds,
        created,
        entered,
      );
      for (const table of ['Contact', 'Company']) {
        const ids = (table === 'Contact' ? h.contacts : h.companies).map((c) => c.id);
        const at = (table === 'Contact' ? h.contacts : h.companies).map((c) => new Date(c.created));
        await tx.$executeRawUnsafe(
          `update "${table}" c set "createdAt" = x.at, "updatedAt" = x.at, "lastActivityAt" = x.at from unnest($1::uuid[], $2::timestamptz[]) x(id, at) where c.id = x.id`,
          ids,
          at,
        );
      }
      // A task was set a few days before it fell due (not before its deal), and done by then.
      const taskIds = tasks.map((t) => t.id);
      const taskCreated = tasks.map((t) => new Date(Math.max(createdOf.get(t.dealId ?? '') ?? 0, Math.min(h.now - 3_600_000, t.dueAt.getTime() - 3 * DAY))));
      await tx.$executeRawUnsafe(
        `update "Task" t set "createdAt" = x.at, "updatedAt" = coalesce(case when t."completedAt" is not null then t."dueAt" end, x.at),
                "completedAt" = case when t."completedAt" is not null then t."dueAt" end
           from unnest($1::uuid[], $2::timestamptz[]) x(id, at) where t.id = x.id`,
        taskIds,
        taskCreated,
      );
      await rebuildReportData(tx, ws);
    },
    { timeout: 120_000 },
  );
}
