// Input validation with zod. A failed parse becomes one ValidationError naming every bad field
// by its input path ("emails[1]", "stages[0].name").
import { z } from 'zod';
import parsePhoneNumber, { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError, type FieldIssue } from './errors.js';

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || 'input';
}

export function issuesOf(err: z.ZodError): FieldIssue[] {
  return err.issues.map((i) => ({ field: fieldPath(i.path), message: i.message }));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, extra: FieldIssue[] = []): z.output<S> {
  const r = schema.safeParse(input);
  const issues = [...extra, ...(r.success ? [] : issuesOf(r.error))];
  if (issues.length) throw new ValidationError(issues);
  return r.data as z.output<S>;
}

/** Escapes LIKE's wildcards: what a user searches for is meant literally. */
export const likeLiteral = (t: string) => t.replace(/[\\%_]/g, (c) => `\\${c}`);

/** PostgreSQL text cannot hold a NUL character: it is refused as a field error, not a failed write. */
export const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';
export const hasNul = (s: string) => s.includes('\u0000');

/** Every free-text input starts here. */
export const text = () => z.string().refine((s) => !hasNul(s), NUL_MESSAGE);

/** A search string of a list filter: the issue when it cannot be searched for, else null. */
export function searchIssue(q: string | null | undefined, field = 'filter.search'): FieldIssue | null {
  return q && hasNul(q) ? { field, message: NUL_MESSAGE } : null;
}

/** Refuses a list filter's search that cannot be searched for, as a ValidationError naming it. */
export function assertSearchable(q: string | null | undefined, field = 'filter.search') {
  const issue = searchIssue(q, field);
  if (issue) throw new ValidationError([issue]);
}

/** A required, trimmed, single-line-ish name. */
export const name = (max = 255) =>
  text().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const optionalText = (max: number) =>
  text()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((s) => (s === '' ? null : s))
    .nullish();

export const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('is not a valid e-mail address'))
  .transform((s) => s.toLowerCase());

export const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters');

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
export const currency = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => CURRENCIES.has(s), 'is not an ISO 4217 currency code');

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone such as Europe/Moscow');

export const phoneRegion = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine((s) => isSupportedCountry(s as CountryCode), 'is not a supported ISO 3166 country code');

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
  .max(2048, 'must be at most 2048 characters')
  .transform((s) => (s === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`))
  .refine((s) => s === '' || isWebUrl(s), 'is not a valid web address')
  .transform((s) => (s === '' ? null : s));

/** An absolute http(s) address given by a program (a call recording), taken as is. */
export const webUrl = (max = 2048) =>
  text()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(isWebUrl, 'must be an http:// or https:// address');

/** Normalizes a phone number to E.164, reading numbers without a country code in `region`. */
export function normalizePhone(raw: string, region: string): string | null {
  const p = parsePhoneNumber(raw, { defaultCountry: region as CountryCode });
  return p && p.isValid() ? p.number : null;
}

export function phones(region: string) {
  return z
    .array(z.string().max(40, 'must be at most 40 characters'))
    .max(20, 'at most 20 phone numbers')
    .transform((list, ctx) => {
      const out: string[] = [];
      list.forEach((raw, i) => {
        const n = normalizePhone(raw, region);
        if (!n) ctx.addIssue({ code: 'custom', path: [i], message: `"${raw}" is not a valid phone number` });
        else if (!out.includes(n)) out.push(n);
      });
      return out;
    });
}

export const emails = z
  .array(email)
  .max(20, 'at most 20 e-mail addresses')
  .transform((l) => [...new Set(l)]);

/** Money: non-negative, at most 16 integer digits and 2 decimals. */
export const amount = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = !/^-?\d+(\.\d+)?$/.test(s)
      ? 'must be a decimal number such as 1500.50'
      : s.startsWith('-')
        ? 'must not be negative'
        : !/^\d{1,16}(\.\d{1,2})?$/.test(s)
          ? 'must have at most 16 digits before the point and 2 after'
          : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const tags = z
  .array(name(64))
  .max(50, 'at most 50 tags')
  .transform((l) => [...new Set(l)]);
