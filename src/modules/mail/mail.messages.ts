// E-mail: the inbound endpoint and sendEmail. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const MAIL = defineMessages('mail', {
  signIn: { en: 'Send an API key with the WRITE scope as a Bearer token', ru: 'Передайте API-ключ с областью WRITE как Bearer-токен' },
  noMailbox: { en: 'There is no such mailbox', ru: 'Такого почтового ящика нет' },
  notOwner: {
    en: "This is another user's personal mailbox; only its owner's or an administrator's API key posts its e-mails",
    ru: 'Это личный почтовый ящик другого пользователя; его письма передаёт только API-ключ владельца или администратора',
  },
  badType: { en: 'Send the message as message/rfc822 (the raw e-mail)', ru: 'Отправьте письмо как message/rfc822 (исходный текст письма)' },
  tooLarge: withParams(
    (p: { max: string }) => `The message is larger than ${p.max} MB`,
    (p) => `Письмо больше ${p.max} МБ`,
  ),
  invalid: { en: 'The message is not a valid e-mail', ru: 'Это не корректное письмо' },
  empty: { en: 'The message is empty', ru: 'Письмо пустое' },
  missingHeader: { en: 'is missing', ru: 'отсутствует' },
  noAddress: { en: 'has no e-mail address', ru: 'не содержит адреса e-mail' },
  attachmentRefused: { en: 'An attachment cannot be stored', ru: 'Вложение нельзя сохранить' },
  // sendEmail
  noSmtp: {
    en: 'the mailbox has no SMTP server set up (updateMailbox smtpUrl)',
    ru: 'для почтового ящика не настроен SMTP-сервер (updateMailbox smtpUrl)',
  },
  noRecipient: { en: 'give at least one address, or send from a card with an e-mail', ru: 'укажите хотя бы один адрес или отправляйте из карточки с e-mail' },
  tooManyRecipients: { en: 'at most 50 addresses', ru: 'не больше 50 адресов' },
  notAnEmail: { en: 'is not an e-mail of this card', ru: 'не письмо этой карточки' },
  sendFailed: withParams(
    (p: { reason: string }) => `The SMTP server did not take the e-mail: ${p.reason}`,
    (p) => `SMTP-сервер не принял письмо: ${p.reason}`,
  ),
});
