// Messages of custom field values on cards: value checks (values.ts), writes (card-values.ts,
// slots.ts), filters and sorts (filters.ts) and formulas (formula.ts).
import { cap, defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  CustomField: { en: 'field', ru: 'поле' },
  CustomFieldOption: { en: 'option', ru: 'вариант' },
});

export const FIELDS = defineMessages('fields', {
  /** A problem with a named field's value: `problem` is one of the texts below. */
  named: withParams(
    (p: { name: string; problem: string }) => `field "${p.name}" ${p.problem}`,
    (p) => `поле «${p.name}»: ${p.problem}`,
  ),
  computed: { en: 'is computed by its formula and cannot be written', ru: 'вычисляется по формуле, записать его нельзя' },
  archived: { en: 'is archived', ru: 'в архиве' },
  required: { en: 'is required', ru: 'обязательно' },
  hiddenRequired: {
    en: 'a field your role cannot see is required; ask an administrator',
    ru: 'обязательно поле, которое ваша роль не видит; обратитесь к администратору',
  },
  readOnly: withParams(
    (p: { names: string[] }) => `Your role may only read ${p.names.map((n) => `"${n}"`).join(', ')}`,
    (p) => `Ваша роль может только просматривать ${p.names.map((n) => `«${n}»`).join(', ')}`,
  ),
  wrongMember: withParams(
    (p: { type: string; member: string }) => `is a ${p.type} field: give its value as \`${p.member}\``,
    (p) => `поле типа ${p.type}: передайте значение в \`${p.member}\``,
  ),
  pattern: withParams(
    (p: { pattern: string }) => `does not match the pattern ${p.pattern}`,
    (p) => `не соответствует шаблону ${p.pattern}`,
  ),
  number: { en: 'must be a number such as 12.5', ru: 'должно быть числом, например 12.5' },
  atLeast: withParams(
    (p: { min: string }) => `must be at least ${p.min}`,
    (p) => `не меньше ${p.min}`,
  ),
  atMost: withParams(
    (p: { max: string }) => `must be at most ${p.max}`,
    (p) => `не больше ${p.max}`,
  ),
  currency: withParams(
    (p: { problem: string }) => `currency ${p.problem}`,
    (p) => `валюта: ${p.problem}`,
  ),
  date: { en: 'must be a date such as 2026-11-23', ru: 'должно быть датой, например 2026-11-23' },
  fileId: { en: 'is not a valid file id', ru: 'неверный идентификатор файла' },
  hiddenOne: { en: 'a field your role cannot see', ru: 'поле, которое ваша роль не видит' },
  fieldName: withParams(
    (p: { name: string }) => `field "${p.name}"`,
    (p) => `поле «${p.name}»`,
  ),
  optionRemoved: withParams(
    (p: { which: string }) => `${p.which}: an option was just removed; reload the field and try again`,
    (p) => `${cap(p.which)}: вариант только что удалён; обновите поле и повторите`,
  ),
  // Filters and sorts
  noSlot: withParams(
    (p: { name: string; slots: number }) =>
      `field "${p.name}" cannot be filtered or sorted by: it was created after all ${p.slots} indexed slots for its kind of value were taken`,
    (p) => `по полю «${p.name}» нельзя фильтровать и сортировать: оно создано, когда все ${p.slots} индексируемых слотов для его вида значений были заняты`,
  ),
  notOfKind: { en: 'no such field for this kind of card', ru: 'у карточек этого вида нет такого поля' },
  unsortable: withParams(
    (p: { type: string }) => `a ${p.type} field has no single value to sort by`,
    (p) => `у поля типа ${p.type} нет одного значения для сортировки`,
  ),
  giveOperator: { en: 'give at least one operator', ru: 'укажите хотя бы один оператор' },
  operators: withParams(
    (p: { type: string; allowed: string[] }) => `a ${p.type} field takes ${p.allowed.join(', ')}`,
    (p) => `поле типа ${p.type} принимает ${p.allowed.join(', ')}`,
  ),
  giveDigits: { en: 'give some digits of the number', ru: 'укажите хотя бы несколько цифр номера' },
  giveBounds: { en: 'give from, to or both', ru: 'укажите from, to или оба' },
  notNumber: {
    en: 'is not a number (digits, optional "-" and up to 10 decimals)',
    ru: 'не число (цифры, необязательный «-» и до 10 знаков после точки)',
  },
  notDate: { en: 'is not a date (YYYY-MM-DD)', ru: 'не дата (ГГГГ-ММ-ДД)' },
  notDateTime: {
    en: 'is not a date and time with an offset (e.g. 2026-05-01T09:30:00+03:00)',
    ru: 'не дата и время со смещением (например, 2026-05-01T09:30:00+03:00)',
  },
  notBoolean: { en: 'must be "true" or "false"', ru: 'должно быть "true" или "false"' },
  notOption: withParams(
    (p: { name: string }) => `is not an option of field "${p.name}"`,
    (p) => `не вариант поля «${p.name}»`,
  ),
  notPhone: { en: 'is not a phone number', ru: 'не номер телефона' },
  // Formulas
  formulaEmpty: { en: 'the formula is empty', ru: 'формула пуста' },
  formulaEnds: { en: 'the formula ends too early', ru: 'формула обрывается раньше времени' },
  formulaBracket: { en: 'a bracket is not closed', ru: 'скобка не закрыта' },
  formulaUnexpected: withParams(
    (p: { token: string }) => `unexpected "${p.token}"`,
    (p) => `неожиданное «${p.token}»`,
  ),
});
