// Custom field definitions, their options and groups (the values on cards are the kernel's:
// kernel/fields/messages.ts). lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({ FieldGroup: { en: 'field group', ru: 'группа полей' } });

export const CUSTOM_FIELDS = defineMessages('customFields', {
  manage: { en: 'manage custom fields', ru: 'управлять дополнительными полями' },
  patternOnlyText: { en: 'only TEXT and TEXTAREA fields take a pattern', ru: 'шаблон задаётся только полям TEXT и TEXTAREA' },
  badRegex: {
    en: 'is not a valid regular expression (RE2 syntax: no look-around, no backreferences)',
    ru: 'неверное регулярное выражение (синтаксис RE2: без опережающих и ретроспективных проверок и обратных ссылок)',
  },
  maxLengthOnlyText: {
    en: 'only TEXT and TEXTAREA fields take a maximum length',
    ru: 'максимальная длина задаётся только полям TEXT и TEXTAREA',
  },
  between: withParams(
    (p: { max: number }) => `must be between 1 and ${p.max}`,
    (p) => `должно быть от 1 до ${p.max}`,
  ),
  boundsOnlyNumbers: { en: 'only NUMBER and MONEY fields take bounds', ru: 'границы задаются только полям NUMBER и MONEY' },
  maxBelowMin: { en: 'must be at least the minimum', ru: 'не может быть меньше минимума' },
  minAboveMax: { en: 'must be at most the maximum', ru: 'не может быть больше максимума' },
  formulaOnlyFormula: { en: 'only FORMULA fields take a formula', ru: 'формула задаётся только полям FORMULA' },
  stagesOnlyDeals: {
    en: 'only deal fields can be required to enter stages',
    ru: 'обязательными для перехода на этап могут быть только поля сделок',
  },
  groupOfOther: { en: 'this group belongs to another entity type', ru: 'группа относится к другому типу карточек' },
  notOfEntity: { en: 'no such field of this entity type', ru: 'у этого типа карточек нет такого поля' },
  selfCondition: { en: 'a field cannot depend on itself', ru: 'поле не может зависеть от самого себя' },
  nameValue: { en: 'name at least one value', ru: 'укажите хотя бы одно значение' },
  formulaUnreadable: withParams(
    (p: { reason: string }) => `cannot be read: ${p.reason}`,
    (p) => `не удаётся разобрать: ${p.reason}`,
  ),
  formulaUnreadableAny: { en: 'cannot be read', ru: 'не удаётся разобрать' },
  formulaUnknown: withParams(
    (p: { code: string }) => `names "${p.code}", which is not a field of this entity type`,
    (p) => `ссылается на «${p.code}», а такого поля у этого типа карточек нет`,
  ),
  formulaNotNumeric: withParams(
    (p: { code: string }) => `names "${p.code}", which is not a number, money or formula field`,
    (p) => `ссылается на «${p.code}», а это не поле с числом, суммой или формулой`,
  ),
  formulaCycle: { en: 'refers back to itself (a cycle)', ru: 'ссылается сама на себя (цикл)' },
  nameTaken: { en: 'another field of this entity type has this name', ru: 'у этого типа карточек уже есть поле с таким названием' },
  codeTaken: { en: 'another field of this entity type has this code', ru: 'у этого типа карточек уже есть поле с таким кодом' },
  nameOrCodeTaken: {
    en: 'another field of this entity type has this name or code',
    ru: 'у этого типа карточек уже есть поле с таким названием или кодом',
  },
  badCode: {
    en: 'must be lower-case latin letters, digits and _, starting with a letter (at most 64)',
    ru: 'только строчные латинские буквы, цифры и _, первой — буква (не более 64)',
  },
  needsOption: {
    en: 'a SELECT or MULTISELECT field needs at least one option',
    ru: 'у поля SELECT или MULTISELECT должен быть хотя бы один вариант',
  },
  optionsOnlyChoice: { en: 'only SELECT and MULTISELECT fields have options', ru: 'варианты есть только у полей SELECT и MULTISELECT' },
  needsFormula: { en: 'a FORMULA field needs a formula', ru: 'у поля FORMULA должна быть формула' },
  defaultAfterOptions: {
    en: 'set the default after the options exist, with updateCustomField',
    ru: 'значение по умолчанию задайте, когда варианты уже созданы, через updateCustomField',
  },
  noDefault: withParams(
    (p: { type: string }) => `a ${p.type} field takes no default`,
    (p) => `у поля типа ${p.type} не бывает значения по умолчанию`,
  ),
  changeOptions: {
    en: 'change options with addFieldOption, updateFieldOption and deleteFieldOption',
    ru: 'варианты меняются через addFieldOption, updateFieldOption и deleteFieldOption',
  },
  codeInFormula: {
    en: 'a formula uses this code; change the formula first',
    ru: 'этот код используется в формуле; сначала измените формулу',
  },
  optionTaken: { en: 'the field already has this option', ru: 'у поля уже есть такой вариант' },
  otherOption: { en: 'must be another option of the same field', ru: 'должен быть другим вариантом того же поля' },
  /** Why an option cannot be removed yet: cards holding it, the default, conditions naming it. */
  optionInUse: withParams(
    (p: { cards: number; inDefault: boolean; conditions: string[] }) =>
      `${[
        ...(p.cards ? [`${p.cards} card(s) hold this option`] : []),
        ...(p.inDefault ? ["it is the field's default value"] : []),
        ...p.conditions.map((n) => `the condition of field "${n}" names it`),
      ].join('; ')}; name moveToOptionId to move ${p.cards ? 'their values' : 'it'} first`,
    (p) =>
      `${[
        ...(p.cards ? [`вариант выбран в карточках (${p.cards})`] : []),
        ...(p.inDefault ? ['это значение поля по умолчанию'] : []),
        ...p.conditions.map((n) => `на него ссылается условие поля «${n}»`),
      ].join('; ')}; укажите moveToOptionId, чтобы сначала перенести ${p.cards ? 'значения' : 'его'}`,
  ),
  groupTaken: { en: 'a group with this name already exists', ru: 'группа с таким названием уже есть' },
});
