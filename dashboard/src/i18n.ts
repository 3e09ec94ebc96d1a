// The dashboard's texts in English and Russian. The language is navigator.language's unless the
// switch in the header chose one (kept in localStorage). Texts from the server (error messages)
// come in the same language: requests carry it as Accept-Language.
export type Lang = 'en' | 'ru';

const en = {
  title: 'Sales dashboard',
  email: 'E-mail',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  pipeline: 'Pipeline',
  deals: (n: number) => `${n} ${n === 1 ? 'deal' : 'deals'}`,
  more: (n: number) => `and ${n} more`,
  noResponsible: 'no responsible',
  noTask: 'no open task',
  overdue: 'overdue',
  live: 'live',
  offline: 'reconnecting…',
  report: 'Report',
  period: 'Period',
  days: (n: number) => `last ${n} days`,
  won: 'Won',
  lost: 'Lost',
  winRate: 'Win rate',
  stage: 'Stage',
  entered: 'Entered',
  toNext: 'To next stage',
  avgTime: 'Avg. time',
  responsible: 'Responsible',
  wonSum: 'Won, sum',
  open: 'Open',
  timeline: 'Timeline',
  close: 'Close',
  empty: 'Nothing yet',
  fillToMove: (stage: string) => `To move the deal to “${stage}”, fill in:`,
  hiddenMissing: (n: number) => `${n} more required ${n === 1 ? 'field is' : 'fields are'} hidden from your role: ask a colleague who can see them.`,
  lossReason: 'Loss reason',
  yes: 'Yes',
  choose: 'Choose…',
  saveAndMove: 'Save and move',
  cancel: 'Cancel',
  conflict: (name: string) => `“${name}” was changed by someone else meanwhile: the card is reloaded, move it again if you still want to.`,
  moved: (name: string, stage: string) => `“${name}” moved to “${stage}”.`,
  days_short: (d: number) => `${d.toFixed(1)} d`,
  kinds: {
    CARD_CREATED: 'Created',
    STAGE_CHANGED: 'Stage',
    FIELD_CHANGED: 'Changed',
    RESPONSIBLE_CHANGED: 'Responsible',
    NOTE: 'Note',
    CALL: 'Call',
    EMAIL: 'E-mail',
    MEETING: 'Meeting',
    CHAT: 'Chat',
    ATTACHMENT: 'File',
    TASK_CREATED: 'Task',
    TASK_COMPLETED: 'Task done',
    IMPORTED: 'Imported',
    MERGED: 'Merged',
  },
};

export type Texts = typeof en;

const ru: Texts = {
  title: 'Продажи',
  email: 'Эл. почта',
  password: 'Пароль',
  signIn: 'Войти',
  signOut: 'Выйти',
  pipeline: 'Воронка',
  deals: (n: number) => `${n} ${plural(n, 'сделка', 'сделки', 'сделок')}`,
  more: (n: number) => `и ещё ${n}`,
  noResponsible: 'без ответственного',
  noTask: 'нет открытой задачи',
  overdue: 'просрочена',
  live: 'в реальном времени',
  offline: 'переподключение…',
  report: 'Отчёт',
  period: 'Период',
  days: (n: number) => `последние ${n} дней`,
  won: 'Выиграно',
  lost: 'Проиграно',
  winRate: 'Доля выигранных',
  stage: 'Этап',
  entered: 'Вошло',
  toNext: 'В следующий этап',
  avgTime: 'Среднее время',
  responsible: 'Ответственный',
  wonSum: 'Выиграно, сумма',
  open: 'В работе',
  timeline: 'Лента',
  close: 'Закрыть',
  empty: 'Пока пусто',
  fillToMove: (stage: string) => `Чтобы перевести сделку в этап «${stage}», заполните:`,
  hiddenMissing: (n: number) =>
    `Ещё ${n} ${plural(n, 'обязательное поле скрыто', 'обязательных поля скрыты', 'обязательных полей скрыто')} от вашей роли: попросите коллегу, который их видит.`,
  lossReason: 'Причина отказа',
  yes: 'Да',
  choose: 'Выберите…',
  saveAndMove: 'Сохранить и перевести',
  cancel: 'Отмена',
  conflict: (name: string) => `«${name}» тем временем изменил кто-то другой: карточка обновлена, переведите её ещё раз, если нужно.`,
  moved: (name: string, stage: string) => `«${name}» переведена в этап «${stage}».`,
  days_short: (d: number) => `${d.toFixed(1)} дн.`,
  kinds: {
    CARD_CREATED: 'Создана',
    STAGE_CHANGED: 'Этап',
    FIELD_CHANGED: 'Изменение',
    RESPONSIBLE_CHANGED: 'Ответственный',
    NOTE: 'Заметка',
    CALL: 'Звонок',
    EMAIL: 'Письмо',
    MEETING: 'Встреча',
    CHAT: 'Чат',
    ATTACHMENT: 'Файл',
    TASK_CREATED: 'Задача',
    TASK_COMPLETED: 'Задача выполнена',
    IMPORTED: 'Импортирована',
    MERGED: 'Объединены',
  },
};

function plural(n: number, one: string, few: string, many: string) {
  const m10 = n % 10;
  const m100 = n % 100;
  if (m10 === 1 && m100 !== 11) return one;
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
  return many;
}

export const TEXTS: Record<Lang, Texts> = { en, ru };

export function initialLang(): Lang {
  const saved = localStorage.getItem('dashboard.lang');
  if (saved === 'en' || saved === 'ru') return saved;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function saveLang(lang: Lang) {
  localStorage.setItem('dashboard.lang', lang);
}

/** Money as the language writes it; a Decimal string in, nothing for nothing. */
export function money(lang: Lang, amount: string | null | undefined, currency: string | null | undefined) {
  if (amount === null || amount === undefined) return '';
  const n = Number(amount);
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency: currency ?? 'RUB', maximumFractionDigits: 0 }).format(n);
  } catch {
    return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n)} ${currency ?? ''}`;
  }
}

export function dateTime(lang: Lang, iso: string) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

export function percent(lang: Lang, rate: number | null | undefined) {
  return rate === null || rate === undefined ? '—' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(rate);
}
