// Saved views. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const VIEWS = defineMessages('views', {
  nameEmpty: { en: 'give the view a name', ru: 'дайте представлению название' },
  nameTooLong: withParams(
    (p: { max: number }) => `at most ${p.max} characters`,
    (p) => `не длиннее ${p.max} символов`,
  ),
  unknownColumn: withParams(
    (p: { column: string }) => `no such column: ${p.column}`,
    (p) => `нет такой колонки: ${p.column}`,
  ),
  filterOfKind: withParams(
    (p: { kind: string }) => `give the filter of the view's kind (${p.kind})`,
    (p) => `укажите фильтр для вида карточек представления (${p.kind})`,
  ),
  share: { en: 'share a view with the workspace', ru: 'делиться представлением со всем аккаунтом' },
  changeShared: { en: 'change a shared view', ru: 'изменять общее представление' },
  builtIn: { en: 'a built-in view cannot be changed', ru: 'встроенное представление нельзя изменить' },
  myOpenDeals: { en: 'My open deals', ru: 'Мои открытые сделки' },
  noOpenTask: { en: 'Deals without an open task', ru: 'Сделки без открытых задач' },
  overdueTasks: { en: 'Deals with overdue tasks', ru: 'Сделки с просроченными задачами' },
  hotClient: { en: 'Tag = Hot client', ru: 'Тег = Горячий клиент' },
});
