// Timeline entries (notes, calls, e-mails, meetings) and note templates. lib/i18n.ts says how
// messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  NoteTemplate: { en: 'note template', ru: 'шаблон заметки' },
  TimelineEntry: { en: 'timeline entry', ru: 'запись ленты' },
});

export const TIMELINE = defineMessages('timeline', {
  noPlaceholder: withParams(
    (p: { name: string }) => `the template has no placeholder [${p.name}]`,
    (p) => `в шаблоне нет поля [${p.name}]`,
  ),
  fillPlaceholder: withParams(
    (p: { name: string }) => `fill in the placeholder [${p.name}]`,
    (p) => `заполните поле [${p.name}]`,
  ),
  textOrTemplate: { en: 'give either text or templateId', ru: 'укажите либо text, либо templateId' },
  valuesNeedTemplate: { en: 'values go with a templateId', ru: 'values указываются только вместе с templateId' },
  notPhone: { en: 'is not a phone number', ru: 'не номер телефона' },
  atMostDay: { en: 'must be at most a day', ru: 'не больше суток' },
  notUrl: { en: 'is not a URL', ru: 'не URL' },
  otherMailbox: {
    en: "This is another user's personal mailbox; only its owner logs its e-mails",
    ru: 'Это личный почтовый ящик другого пользователя; письма через него записывает только владелец',
  },
  endsBeforeStart: { en: 'must not be before startsAt', ru: 'не может быть раньше startsAt' },
  templateTaken: { en: 'a template with this name already exists', ru: 'шаблон с таким названием уже есть' },
  manageTemplates: { en: 'manage note templates', ru: 'управлять шаблонами заметок' },
  notACard: { en: 'is not a deal, contact or company id', ru: 'не идентификатор сделки, контакта или компании' },
  /** A timelineUpdated subscription to a card the viewer cannot see (the id as the client sent it). */
  cardNotFound: withParams(
    (p: { id: string }) => `Card ${p.id} was not found`,
    () => 'Карточка не найдена',
  ),
});
