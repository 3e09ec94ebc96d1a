// Chat channels. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const CHATS = defineMessages('chats', {
  manage: { en: 'manage chat channels', ru: 'управлять каналами чатов' },
  notFound: { en: 'There is no such chat channel', ru: 'Такого канала чата нет' },
  signIn: { en: 'Send an API key with the WRITE scope as a Bearer token', ru: 'Передайте API-ключ с областью WRITE как Bearer-токен' },
  telegramToken: {
    en: 'Send the secret token of this channel in X-Telegram-Bot-Api-Secret-Token',
    ru: 'Передайте секретный токен этого канала в X-Telegram-Bot-Api-Secret-Token',
  },
  badBody: { en: 'Send the message as a JSON object', ru: 'Отправьте сообщение объектом JSON' },
  tooLarge: { en: 'The message is too large', ru: 'Слишком большое сообщение' },
  inProgress: { en: 'This message is still being taken; send it again later', ru: 'Это сообщение ещё обрабатывается; отправьте его позже' },
  invalid: { en: 'The message is not valid', ru: 'Неверное сообщение' },
  empty: { en: 'send a text or an attachment', ru: 'передайте текст или вложение' },
  badBase64: { en: 'is not base64', ru: 'не base64' },
  noConversation: {
    en: 'nobody has written to this card through a chat channel',
    ru: 'в эту карточку никто не писал через канал чата',
  },
  noOutbound: {
    en: 'the channel has no enabled webhook to hand replies to',
    ru: 'у канала нет включённого вебхука, которому передавать ответы',
  },
  newMessage: withParams(
    (p: { name: string; text: string }) => `${p.name}: ${p.text}`,
    (p) => `${p.name}: ${p.text}`,
  ),
});
