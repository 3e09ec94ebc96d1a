// Global IDs are base64("Type:uuid"), as Relay clients expect. Malformed or foreign-typed ids
// become ValidationErrors that name the input field, never database errors.
import { IssueList, ValidationError } from './errors.js';
import { noun } from './i18n.js';
import { VALIDATE } from './validate.js';

const invalidId = (typename: string) => VALIDATE.invalidId({ typename, noun: noun(typename) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string) => UUID.test(s);

export function encodeGlobalId(typename: string, id: string | number | bigint) {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const raw = Buffer.from(String(globalId), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i <= 0) return { typename: '', id: '' };
  return { typename: raw.slice(0, i), id: raw.slice(i + 1) };
}

/** Decodes a global id of the given type, or returns null when it is not one. */
export function tryDecodeId(typename: string, globalId: string): string | null {
  const d = decodeGlobalId(globalId);
  return d.typename === typename && isUuid(d.id) ? d.id : null;
}

function decodeInto(issues: IssueList, field: string, typename: string, globalId: string) {
  const id = tryDecodeId(typename, globalId);
  if (!id) issues.add(field, invalidId(typename));
  return id ?? '';
}

/** Decodes one id; throws a ValidationError naming `field` when it is malformed. */
export function parseId(typename: string, globalId: string, field = 'id'): string {
  const id = tryDecodeId(typename, globalId);
  if (!id) throw ValidationError.field(field, invalidId(typename));
  return id;
}

/**
 * Decodes the id-valued members of an input at once, so a ValidationError lists every
 * malformed id. `undefined` stays undefined and `null` stays null (meaning "clear").
 */
export class IdParser {
  readonly issues = new IssueList();
  one<T extends string | null | undefined>(field: string, typename: string, value: T): T {
    if (value === null || value === undefined) return value;
    return decodeInto(this.issues, field, typename, value) as T;
  }
  many(field: string, typename: string, values: readonly string[] | null | undefined) {
    if (!values) return values ?? undefined;
    return values.map((v, i) => decodeInto(this.issues, `${field}[${i}]`, typename, v));
  }
  done() {
    this.issues.throwIfAny();
  }
}
