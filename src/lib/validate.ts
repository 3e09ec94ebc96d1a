// Input validation with zod. A failed parse becomes one ValidationError naming every bad field
// by its input path ("emails[1]", "stages[0].name").
//
// Messages: zod carries an issue's text as a string, so a validator's message is a keyed message
// (lib/i18n.ts) encoded as that string by `zmsg` ("i18n:" + JSON of key and params), and decoded
// in one place, `issueMessage` (used by issuesOf). A zod issue without such a text (a check
// written without a message) keeps zod's English and gets zod's own Russian.
import { z } from 'zod';
import parsePhoneNumber, { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError, type FieldIssue } from './errors.js';
import { defineMessages, noun, withParams, type Message } from './i18n.js';

/** The generic validation messages; a domain's own rules word theirs in its catalogue. */
export const VALIDATE = defineMessages('validate', {
  empty: { en: 'must not be empty', ru: 'не может быть пустым' },
  nul: {
    en: 'must not contain a NUL character (\\u0000) or an unpaired surrogate (\\ud800–\\udfff)',
    ru: 'не может содержать символ NUL (\\u0000) или непарный суррогат (\\ud800–\\udfff)',
  },
  httpUrl: { en: 'must be an http:// or https:// address', ru: 'должен быть адресом http:// или https://' },
  tooLong: withParams(
    (p: { max: number }) => `must be at most ${p.max} characters`,
    (p) => `не длиннее ${p.max} символов`,
  ),
  tooShort: withParams(
    (p: { min: number }) => `must be at least ${p.min} characters`,
    (p) => `не короче ${p.min} символов`,
  ),
  email: { en: 'is not a valid e-mail address', ru: 'неверный адрес e-mail' },
  currency: { en: 'is not an ISO 4217 currency code', ru: 'неизвестный код валюты ISO 4217' },
  timeZone: { en: 'is not an IANA time zone such as Europe/Moscow', ru: 'неизвестный часовой пояс (пример: Europe/Moscow)' },
  phoneRegion: { en: 'is not a supported ISO 3166 country code', ru: 'неизвестный код страны ISO 3166' },
  url: { en: 'is not a valid web address', ru: 'неверный веб-адрес' },
  phone: withParams(
    (p: { raw: string }) => `"${p.raw}" is not a valid phone number`,
    (p) => `«${p.raw}» — неверный номер телефона`,
  ),
  decimal: { en: 'must be a decimal number such as 1500.50', ru: 'должно быть десятичным числом, например 1500.50' },
  negative: { en: 'must not be negative', ru: 'не может быть отрицательным' },
  amountDigits: {
    en: 'must have at most 16 digits before the point and 2 after',
    ru: 'не более 16 цифр до точки и 2 после',
  },
  maxTags: withParams(
    (p: { max: number }) => `at most ${p.max} tags`,
    (p) => `не более ${p.max} тегов`,
  ),
  maxPhones: withParams(
    (p: { max: number }) => `at most ${p.max} phone numbers`,
    (p) => `не более ${p.max} номеров телефона`,
  ),
  maxEmails: withParams(
    (p: { max: number }) => `at most ${p.max} e-mail addresses`,
    (p) => `не более ${p.max} адресов e-mail`,
  ),
  invalidId: withParams(
    (p: { typename: string; noun: string }) => `is not a valid ${p.typename} id`,
    (p) => `неверный идентификатор (${p.noun})`,
  ),
  noSuch: withParams(
    (p: { noun: string }) => `no such ${p.noun}`,
    (p) => `не найдено: ${p.noun}`,
  ),
  givenTwice: { en: 'is given twice', ru: 'указано дважды' },
  /** A zod check without a keyed message: zod's own texts. */
  zod: withParams(
    (p: { en: string; ru: string }) => p.en,
    (p) => p.ru,
  ),
});

/** "no such <noun>" for a record type: `noSuch('LossReason')` is "no such loss reason". */
export const noSuch = (typename: string) => VALIDATE.noSuch({ noun: noun(typename) });

const ZOD_TAG = 'i18n:';

/** A message as the string zod carries for an issue (see the top of this file). */
export const zmsg = (m: Message): string => ZOD_TAG + JSON.stringify(m);

const zodRu = z.locales.ru();

/** The message of a zod issue: the keyed one zmsg encoded, else zod's own text in both languages. */
export function issueMessage(issue: z.core.$ZodIssue): Message {
  if (issue.message.startsWith(ZOD_TAG)) return JSON.parse(issue.message.slice(ZOD_TAG.length)) as Message;
  const ru = zodRu.localeError(issue as unknown as z.core.$ZodRawIssue);
  return VALIDATE.zod({ en: issue.message, ru: (typeof ru === 'string' ? ru : ru?.message) ?? issue.message });
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || 'input';
}

export function issuesOf(err: z.ZodError): FieldIssue[] {
  return err.issues.map((i) => ({ field: fieldPath(i.path), message: issueMessage(i) }));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, extra: FieldIssue[] = []): z.output<S> {
  const r = schema.safeParse(input);
  const issues = [...extra, ...(r.success ? [] : issuesOf(r.error))];
  if (issues.length) throw new ValidationError(issues);
  return r.data as z.output<S>;
}

/** Escapes LIKE's wildcards: what a user searches for is meant literally. */
export const likeLiteral = (t: string) => t.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The same text, case aside: Prisma writes `equals` with `mode: 'insensitive'` as ILIKE, so a name holding `%`, `_` or `\\` matched other names
 * (or failed the statement); `in` is written LOWER(col) IN (LOWER($1)), an exact comparison.
 */
export const sameText = (t: string) => ({ in: [t], mode: 'insensitive' as const });

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text PostgreSQL cannot store, refused as a field error rather than a failed write: a NUL character, or an unpaired UTF-16 surrogate (JSON may carry
 * "\ud800"; text columns would store a replacement character, jsonb refuses it outright).
 */
export const hasNul = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

/** Every free-text input starts here. */
export const text = () => z.string().refine((s) => !hasNul(s), zmsg(VALIDATE.nul()));

/** A search string of a list filter: the issue when it cannot be searched for, else null. */
export function searchIssue(q: string | null | undefined, field = 'filter.search'): FieldIssue | null {
  return q && hasNul(q) ? { field, message: VALIDATE.nul() } : null;
}

/** Refuses a list filter's search that cannot be searched for, as a ValidationError naming it. */
export function assertSearchable(q: string | null | undefined, field = 'filter.search') {
  const issue = searchIssue(q, field);
  if (issue) throw new ValidationError([issue]);
}

/** A required, trimmed, single-line-ish name. */
export const name = (max = 255) =>
  text()
    .trim()
    .min(1, zmsg(VALIDATE.empty()))
    .max(max, zmsg(VALIDATE.tooLong({ max })));

export const optionalText = (max: number) =>
  text()
    .trim()
    .max(max, zmsg(VALIDATE.tooLong({ max })))
    .transform((s) => (s === '' ? null : s))
    .nullish();

export const email = z
  .string()
  .trim()
  .max(254, zmsg(VALIDATE.tooLong({ max: 254 })))
  .pipe(z.email(zmsg(VALIDATE.email())))
  .transform((s) => s.toLowerCase());

export const password = z
  .string()
  .min(8, zmsg(VALIDATE.tooShort({ min: 8 })))
  .max(200, zmsg(VALIDATE.tooLong({ max: 200 })));

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
export const currency = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => CURRENCIES.has(s), zmsg(VALIDATE.currency()));

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, zmsg(VALIDATE.timeZone()));

export const phoneRegion = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => isSupportedCountry(s as CountryCode), zmsg(VALIDATE.phoneRegion()));

/**
 * Whether a string is an absolute http(s) address with a dotted host. Every URL a client may
 * render as a link goes through here: javascript:, data: and the like are stored XSS.
 */
export function isWebUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.includes('.');
  } catch {
    return false;
  }
}

/** A web address typed by a person: "acme.ru" is read as https://acme.ru; "" clears. */
export const url = text()
  .trim()
  .max(2048, zmsg(VALIDATE.tooLong({ max: 2048 })))
  .transform((s) => (s === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`))
  .refine((s) => s === '' || isWebUrl(s), zmsg(VALIDATE.url()))
  .transform((s) => (s === '' ? null : s));

/** An absolute http(s) address given by a program (a call recording), taken as is. */
export const webUrl = (max = 2048) =>
  text()
    .trim()
    .max(max, zmsg(VALIDATE.tooLong({ max })))
    .refine(isWebUrl, zmsg(VALIDATE.httpUrl()));

/** Normalizes a phone number to E.164, reading numbers without a country code in `region`. */
export function normalizePhone(raw: string, region: string): string | null {
  const key = `${region}\u0000${raw}`;
  const known = phoneCache.get(key);
  if (known !== undefined) return known;
  const p = parsePhoneNumber(raw, { defaultCountry: region as CountryCode });
  const n = p && p.isValid() ? p.number : null;
  // An import normalizes each phone twice (matching, then the write's checks): libphonenumber
  // costs ~10 µs a number, the second time is a lookup. Bounded: cleared when full.
  if (phoneCache.size >= 4096) phoneCache.clear();
  phoneCache.set(key, n);
  return n;
}
const phoneCache = new Map<string, string | null>();

export function phones(region: string) {
  return z
    .array(z.string().max(40, zmsg(VALIDATE.tooLong({ max: 40 }))))
    .max(20, zmsg(VALIDATE.maxPhones({ max: 20 })))
    .transform((list, ctx) => {
      const out: string[] = [];
      list.forEach((raw, i) => {
        const n = normalizePhone(raw, region);
        if (!n) ctx.addIssue({ code: 'custom', path: [i], message: zmsg(VALIDATE.phone({ raw })) });
        else if (!out.includes(n)) out.push(n);
      });
      return out;
    });
}

export const emails = z
  .array(email)
  .max(20, zmsg(VALIDATE.maxEmails({ max: 20 })))
  .transform((l) => [...new Set(l)]);

/** Money: non-negative, at most 16 integer digits and 2 decimals. */
export const amount = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = !/^-?\d+(\.\d+)?$/.test(s)
      ? VALIDATE.decimal()
      : s.startsWith('-')
        ? VALIDATE.negative()
        : !/^\d{1,16}(\.\d{1,2})?$/.test(s)
          ? VALIDATE.amountDigits()
          : null;
    if (problem) ctx.addIssue({ code: 'custom', message: zmsg(problem) });
  });

export const tags = z
  .array(name(64))
  .max(50, zmsg(VALIDATE.maxTags({ max: 50 })))
  .transform((l) => [...new Set(l)]);
