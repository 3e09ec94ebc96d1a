// Web forms. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const FORMS = defineMessages('webForms', {
  manage: { en: 'manage web forms', ru: 'управлять веб-формами' },
  notFound: { en: 'There is no such form', ru: 'Такой формы нет' },
  unavailable: { en: 'The form is not accepting submissions', ru: 'Форма не принимает заявки' },
  originRefused: { en: 'This site may not submit the form', ru: 'Этому сайту нельзя отправлять форму' },
  badBody: {
    en: 'Send the form as application/x-www-form-urlencoded, multipart/form-data or a JSON object',
    ru: 'Отправьте форму как application/x-www-form-urlencoded, multipart/form-data или объект JSON',
  },
  tooLarge: { en: 'The submission is too large', ru: 'Слишком большая заявка' },
  invalid: { en: 'Some fields are not filled in correctly', ru: 'Некоторые поля заполнены неверно' },
  required: { en: 'is required', ru: 'обязательное поле' },
  unknownField: { en: 'is not a field of this form', ru: 'такого поля в форме нет' },
  tooMany: withParams(
    (p: { seconds: number }) => `Too many submissions; try again in ${p.seconds} s`,
    (p) => `Слишком много заявок; повторите через ${p.seconds} с`,
  ),
  inProgress: { en: 'This submission is still being processed', ru: 'Эта заявка ещё обрабатывается' },
  accepted: { en: 'Thank you! We will contact you soon.', ru: 'Спасибо! Мы скоро свяжемся с вами.' },
  duplicateName: { en: 'two form fields have this name', ru: 'два поля формы с таким именем' },
  fieldName: {
    en: 'use letters, digits, _ - . [ ] (at most 64)',
    ru: 'используйте буквы, цифры, _ - . [ ] (не более 64)',
  },
  customFieldNeeded: { en: 'name the custom field for a CUSTOM mapping', ru: 'укажите дополнительное поле для сопоставления CUSTOM' },
  customFieldType: withParams(
    (p: { type: string }) => `a ${p.type} field cannot be filled from a form`,
    (p) => `поле типа ${p.type} нельзя заполнить из формы`,
  ),
  customFieldEntity: { en: 'a deal form fills deal and contact fields only', ru: 'форма сделки заполняет только поля сделки и контакта' },
  noContactField: {
    en: 'map at least a NAME, PHONE or EMAIL field',
    ru: 'сопоставьте хотя бы поле NAME, PHONE или EMAIL',
  },
  origin: { en: 'is not a web origin such as https://example.com', ru: 'не адрес сайта вида https://example.com' },
  responsibleOrTeam: { en: 'give a responsible or a team, not both', ru: 'укажите ответственного или команду, но не оба' },
  emptyTeam: { en: 'the team has no active members', ru: 'в команде нет активных участников' },
  boolean: { en: 'is not yes or no', ru: 'не «да» и не «нет»' },
  dateTime: { en: 'is not a date and time', ru: 'не дата и время' },
  noOption: withParams(
    (p: { value: string }) => `"${p.value}" is not one of the choices`,
    (p) => `«${p.value}» нет среди вариантов`,
  ),
});
