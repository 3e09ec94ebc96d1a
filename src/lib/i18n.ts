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
