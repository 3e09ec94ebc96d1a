// Field access: per role, entity type and field, HIDDEN, READ or EDIT. A field a role does not
// name is EDIT, and administrators edit every field. A hidden field is absent everywhere for the
// role: its values, filters, sorting, search, timeline field-change entries and subscription
// payloads. A READ field is shown but refused on write. Custom fields are named by their id,
// system fields by the names below.
import { z } from 'zod';
import { ForbiddenError } from '../../lib/errors.js';
import type { Viewer } from './viewer.js';
import { CARD_KINDS, DESCRIPTORS, type CardKind } from '../card-kinds.js';
import { ACCESS } from './messages.js';

export const FIELD_LEVELS = ['HIDDEN', 'READ', 'EDIT'] as const;
export type FieldLevel = (typeof FIELD_LEVELS)[number];
export type CardEntity = CardKind;

/** The system fields access can be set on, per card kind (from its descriptor; a deal's currency goes with its amount). */
export const SYSTEM_FIELDS = Object.fromEntries(CARD_KINDS.map((k) => [k, Object.keys(DESCRIPTORS[k].access)])) as unknown as Record<
  CardEntity,
  readonly string[]
>;
export type SystemField = 'amount' | 'responsible' | 'phones' | 'emails';

export type FieldAccessMap = Partial<Record<CardEntity, Record<string, FieldLevel>>>;

export const fieldAccessSchema = z.record(z.enum(CARD_KINDS), z.record(z.string(), z.enum(FIELD_LEVELS)).optional());

export function fieldLevel(viewer: Viewer, entity: CardEntity, field: string): FieldLevel {
  if (viewer.isAdmin) return 'EDIT';
  return viewer.fieldAccess?.[entity]?.[field] ?? 'EDIT';
}

export const canRead = (viewer: Viewer, entity: CardEntity, field: string) => fieldLevel(viewer, entity, field) !== 'HIDDEN';

/** The value when the viewer may read the field, else `hidden` (null, an empty list). */
export function shown<T, H>(viewer: Viewer | null | undefined, entity: CardEntity, field: SystemField, value: T, hidden: H): T | H {
  return viewer && !canRead(viewer, entity, field) ? hidden : value;
}

/** Whether the role hides the phones of contacts or companies: call entries then hide their number too. */
export const hidesPhones = (viewer: Viewer) => !canRead(viewer, 'CONTACT', 'phones') || !canRead(viewer, 'COMPANY', 'phones');

/** Whether any field of the entity is hidden from the viewer (the search then narrows). */
export function hidesAny(viewer: Viewer, entity: CardEntity, fields: readonly string[]) {
  return fields.some((f) => !canRead(viewer, entity, f));
}

/**
 * A write naming system fields the viewer may not edit is refused as a whole. `given` holds the
 * fields the input sets (a key present with undefined is not given).
 */
export function assertEditable(viewer: Viewer, entity: CardEntity, given: Partial<Record<SystemField, unknown>>) {
  const locked = (Object.keys(given) as SystemField[]).filter(
    (f) => given[f] !== undefined && SYSTEM_FIELDS[entity].includes(f) && fieldLevel(viewer, entity, f) !== 'EDIT',
  );
  if (locked.length) {
    throw new ForbiddenError(ACCESS.fieldsLocked({ fields: locked, kind: entity, many: DESCRIPTORS[entity].label.many }));
  }
}
