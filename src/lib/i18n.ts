// Messages in the caller's language. Code never writes the text a client reads: it names a
// message by its key with the values it needs ({ key: 'card.inTrash', params: { type: 'Deal' } })
// and the text is rendered where the error reaches a client, in the request's locale (the
// Accept-Language header when it names Russian or English, else the workspace's locale).
// English is also what Error.message holds, for logs.
//
// Each domain keeps its own catalogue beside its code (`<domain>.messages.ts`) and registers it
// on import with `defineMessages(domain, { name: { en, ru } })`, which returns one typed factory
// per key: `M.nameTaken()`, `M.stillHolds({ deals: 3 })`. A text that needs values is written
// with `withParams((p: {...}) => en, (p) => ru)`; a param may itself be a message (a noun, a
// reason), rendered in the same locale before the text is built. Every key has both languages
// (test/i18n.test.ts fails on a missing or empty one).
export type Locale = 'ru' | 'en';
export const LOCALES: readonly Locale[] = ['en', 'ru'];

/** A message: a catalogue key and the values its texts fill in. */
export type Message = { readonly key: string; readonly params?: Readonly<Record<string, Param>> };
export type Param = string | number | boolean | Message | readonly Param[];

type Texts = { en: string | ((p: never) => string); ru: string | ((p: never) => string) };
export type Entry<P> = { en: string; ru: string } | { en: (p: P) => string; ru: (p: P) => string };

/** A text built from values; `P` names them (strings, numbers, lists of strings). */
export const withParams = <P extends object>(en: (p: P) => string, ru: (p: NoInfer<P>) => string): Entry<P> => ({ en, ru });

// A string (or list of strings) param may be given as a message: it is rendered first.
type Raw<T> = T extends string ? string | Message : T extends readonly (infer E)[] ? readonly Raw<E>[] : T;
type Factory<E> = E extends { en: (p: infer P) => string } ? (p: { [K in keyof P]: Raw<P[K]> }) => Message : () => Message;

const catalogue = new Map<string, Texts>();

/**
 * Registers a domain's messages under `<domain>.<name>` and returns a factory per name. A key
 * defined twice is a programming error (two domains, one name) and throws at import.
 */
export function defineMessages<D extends Record<string, Entry<never>>>(domain: string, entries: D): { [K in keyof D]: Factory<D[K]> } {
  const out: Record<string, (p?: Record<string, Param>) => Message> = {};
  for (const [name, texts] of Object.entries(entries)) {
    const key = `${domain}.${name}`;
    if (catalogue.has(key)) throw new Error(`message ${key} is defined twice`);
    catalogue.set(key, texts);
    out[name] = (params) => (params ? { key, params } : { key });
  }
  return out as { [K in keyof D]: Factory<D[K]> };
}

/**
 * The name of a record type (a GraphQL type name: 'Deal', 'LossReason') as a message, lower case
 * in both languages ("loss reason", "причина отказа"). Each domain defines its own with
 * `defineNouns`; test/i18n.test.ts checks that every Node type has one.
 */
export const noun = (typename: string): Message => ({ key: `noun.${typename}` });
export function defineNouns(entries: Record<string, { en: string; ru: string }>) {
  defineMessages('noun', entries);
}

/** The text of a message in a locale. An unknown key renders as itself (a noun as its type name). */
export function render(message: Message, locale: Locale): string {
  const texts = catalogue.get(message.key);
  if (!texts) return message.key.startsWith('noun.') ? message.key.slice(5) : message.key;
  const text = texts[locale];
  if (typeof text === 'string') return text;
  const params: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(message.params ?? {})) params[k] = renderParam(p, locale);
  return (text as (p: unknown) => string)(params);
}

function renderParam(p: Param, locale: Locale): unknown {
  if (typeof p !== 'object') return p;
  if (Array.isArray(p)) return p.map((x: Param) => renderParam(x, locale));
  return render(p as Message, locale);
}

/** Every registered key with its texts: for the test that each one speaks both languages. */
export function catalogueEntries(): [string, Texts][] {
  return [...catalogue];
}

/** First letter upper case: a noun that starts a sentence. */
export const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// The regular-expression translation of English texts, until every message has a key.
const NOUNS: Record<string, string> = {
  user: 'пользователь',
  role: 'роль',
  team: 'команда',
  contact: 'контакт',
  company: 'компания',
  deal: 'сделка',
  stage: 'этап',
  pipeline: 'воронка',
  'loss reason': 'причина отказа',
  Contact: 'Контакт',
  Company: 'Компания',
  Deal: 'Сделка',
  User: 'Пользователь',
  Team: 'Команда',
  Pipeline: 'Воронка',
  Stage: 'Этап',
  LossReason: 'Причина отказа',
  ApiKey: 'API-ключ',
  Role: 'Роль',
  Tag: 'Тег',
};
const ruNoun = (s: string) => NOUNS[s] ?? s;

const RU: [RegExp, (...m: string[]) => string][] = [
  [/^must not be empty$/, () => 'не может быть пустым'],
  [/^must be at most (\d+) characters$/, (n) => `не длиннее ${n} символов`],
  [/^must be at least (\d+) characters$/, (n) => `не короче ${n} символов`],
  [/^is not a valid e-mail address$/, () => 'неверный адрес e-mail'],
  [/^is not an ISO 4217 currency code$/, () => 'неизвестный код валюты ISO 4217'],
  [/^is not an IANA time zone such as Europe\/Moscow$/, () => 'неизвестный часовой пояс (пример: Europe/Moscow)'],
  [/^is not a supported ISO 3166 country code$/, () => 'неизвестный код страны ISO 3166'],
  [/^is not a valid web address$/, () => 'неверный веб-адрес'],
  [/^"(.*)" is not a valid phone number$/s, (p) => `«${p}» — неверный номер телефона`],
  [/^must be a decimal number such as 1500\.50$/, () => 'должно быть десятичным числом, например 1500.50'],
  [/^must not be negative$/, () => 'не может быть отрицательным'],
  [/^must have at most 16 digits before the point and 2 after$/, () => 'не более 16 цифр до точки и 2 после'],
  [/^at most (\d+) tags$/, (n) => `не более ${n} тегов`],
  [/^at most (\d+) phone numbers$/, (n) => `не более ${n} номеров телефона`],
  [/^at most (\d+) e-mail addresses$/, (n) => `не более ${n} адресов e-mail`],
  [/^is not a valid (\w+) id$/, (t) => `неверный идентификатор (${ruNoun(t)})`],
  [/^no such (.+)$/, (t) => `не найдено: ${ruNoun(t)}`],
  [/^this (\w+) is in the trash$/, (t) => `${ruNoun(t)} в корзине`],
  [/^this user is deactivated; choose an active user$/, () => 'пользователь деактивирован; выберите активного'],
  [/^this stage belongs to another pipeline$/, () => 'этап относится к другой воронке'],
  [/^this loss reason belongs to another pipeline$/, () => 'причина отказа относится к другой воронке'],
  [/^the pipeline is archived$/, () => 'воронка в архиве'],
  [/^the pipeline has no open stage$/, () => 'в воронке нет открытых этапов'],
  [/^a loss reason goes only with a LOST stage$/, () => 'причина отказа указывается только для этапа «проиграно»'],
  [/^is already registered$/, () => 'уже зарегистрирован'],
  [/^is wrong$/, () => 'неверно'],
  [/^a (team|pipeline) with this name already exists$/, (t) => `${ruNoun(t)} с таким названием уже есть`],
  [/^is used by another stage( of this pipeline)?$/, () => 'уже занято другим этапом'],
  [/^this loss reason already exists$/, () => 'такая причина отказа уже есть'],
  [/^the workspace must keep at least one active administrator$/, () => 'в аккаунте должен остаться хотя бы один активный администратор'],
  [/^a pipeline needs at least one (OPEN )?stage$/, () => 'в воронке должен быть хотя бы один открытый этап'],
  [/^a pipeline needs at least one (WON|LOST) stage$/, (k) => `в воронке должен быть хотя бы один этап ${k === 'WON' ? '«успешно»' : '«проиграно»'}`],
  [/^must list every stage of the pipeline exactly once$/, () => 'нужно перечислить каждый этап воронки ровно один раз'],
  [/^is not a stage of this pipeline$/, () => 'это не этап этой воронки'],
  [/^the (stage|pipeline) still holds (\d+) deal\(s\), trash included; move them first$/, (t, n) => `${ruNoun(t)}: ещё ${n} сделок (включая корзину); сначала перенесите их`],
  [/^(\w+) was not found$/, (t) => `${ruNoun(t)}: не найдено`],
  [/^Pipeline (\S+) was not found$/, () => 'Воронка не найдена'],
  [/^(\w+) is in the trash; restore it first$/, (t) => `${ruNoun(t)} в корзине; сначала восстановите`],
  [/^(\w+) was changed by someone else \(now at version (\d+)\); reload it and try again$/, (t, v) => `${ruNoun(t)}: запись изменил кто-то другой (версия ${v}); обновите и повторите`],
  [/^Only an administrator may .+$/, () => 'Это может сделать только администратор'],
  [/^You do not have the right to do this$/, () => 'Недостаточно прав'],
  [/^Wrong e-mail or password$/, () => 'Неверный e-mail или пароль'],
  [/^Sign in first: send a valid token$/, () => 'Войдите в систему: передайте действительный токен'],
  [/^The token is not valid; sign in again$/, () => 'Токен недействителен; войдите снова'],
  [/^The session was ended; sign in again$/, () => 'Сеанс завершён; войдите снова'],
  [/^The session has expired; sign in again$/, () => 'Сеанс истёк; войдите снова'],
  [/^This user has been deactivated$/, () => 'Пользователь деактивирован'],
  [/^The API key is not valid or was revoked$/, () => 'API-ключ недействителен или отозван'],
  [/^The API key's user has been deactivated$/, () => 'Пользователь API-ключа деактивирован'],
  [/^This API key may only read; it needs the WRITE scope$/, () => 'Этот API-ключ только для чтения; нужна область WRITE'],
  [/^Too many attempts; try again in (\d+) s$/, (n) => `Слишком много попыток; повторите через ${n} с`],
];

export function translate(message: string, locale: Locale): string {
  if (locale === 'en') return message;
  if (message.startsWith('Invalid input: ')) return message; // rebuilt by the caller from its fields
  for (const [re, ru] of RU) {
    const m = re.exec(message);
    if (m) return ru(...m.slice(1));
  }
  return message;
}

/** The language a client asked for with Accept-Language, when it is one we speak. */
export function requestedLocale(acceptLanguage: string | null | undefined): Locale | undefined {
  if (!acceptLanguage) return undefined;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean);
      return { lang: tag.toLowerCase().slice(0, 2), q: q ? Number(q[1]) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  return ranked.find((r) => r.lang === 'ru' || r.lang === 'en')?.lang as Locale | undefined;
}
