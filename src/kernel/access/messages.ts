// Messages of rights, field access, administrator-only actions and file access.
import { defineMessages, withParams } from '../../lib/i18n.js';

const THINGS = {
  en: { CONTACT: 'contacts', COMPANY: 'companies', DEAL: 'deals', LEAD: 'incoming leads', TASK: 'tasks' },
  ru: { CONTACT: 'контакты', COMPANY: 'компании', DEAL: 'сделки', LEAD: 'входящие заявки', TASK: 'задачи' },
} as const;
const VERBS = {
  en: { VIEW: 'see', CREATE: 'create', EDIT: 'change', DELETE: 'delete', EXPORT: 'export' },
  ru: { VIEW: 'просматривать', CREATE: 'создавать', EDIT: 'изменять', DELETE: 'удалять', EXPORT: 'экспортировать' },
} as const;
const WHOSE = {
  en: { NONE: '', OWN: ' other than your own', TEAM: " outside your teams'", ALL: '' },
  ru: { NONE: '', OWN: ', кроме своих', TEAM: ' вне ваших команд', ALL: '' },
} as const;
const FIELD_LABELS = {
  en: { amount: 'amount', responsible: 'responsible', phones: 'phones', emails: 'e-mails' },
  ru: { amount: 'сумму', responsible: 'ответственного', phones: 'телефоны', emails: 'адреса e-mail' },
} as const;
const OF_KIND = { CONTACT: 'у контактов', COMPANY: 'у компаний', DEAL: 'у сделок' } as const;

type Entity = keyof typeof THINGS.en;
type Action = keyof typeof VERBS.en;
type Scope = keyof typeof WHOSE.en;
type Label = keyof typeof FIELD_LABELS.en;
const labels = (lang: 'en' | 'ru', fields: string[]) => fields.map((f) => FIELD_LABELS[lang][f as Label] ?? f).join(', ');

export const ACCESS = defineMessages('access', {
  /** A record right the role lacks; entity, action and scope are rights.ts's codes. */
  forbidden: withParams(
    (p: { entity: string; action: string; scope: string }) =>
      `Your role does not let you ${VERBS.en[p.action as Action]} ${THINGS.en[p.entity as Entity]}${WHOSE.en[p.scope as Scope]}`,
    (p) => `Ваша роль не позволяет ${VERBS.ru[p.action as Action]} ${THINGS.ru[p.entity as Entity]}${WHOSE.ru[p.scope as Scope]}`,
  ),
  /** System fields (field-access.ts names) the role may not change on cards of a kind. */
  fieldsLocked: withParams(
    (p: { fields: string[]; kind: string; many: string }) => `Your role may not change ${labels('en', p.fields)} of ${p.many}`,
    (p) => `Ваша роль не может изменять ${labels('ru', p.fields)} ${OF_KIND[p.kind as keyof typeof OF_KIND] ?? p.many}`,
  ),
  /** `what` is an action phrase a domain defines ("manage teams"). */
  onlyAdmin: withParams(
    (p: { what: string }) => `Only an administrator may ${p.what}`,
    (p) => `Только администратор может ${p.what}`,
  ),
  changeSettings: { en: 'change workspace settings', ru: 'изменять настройки аккаунта' },
  noFile: {
    en: 'no such file; upload it with uploadFile first',
    ru: 'файл не найден; сначала загрузите его через uploadFile',
  },
});
