// Telephony. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const TELEPHONY = defineMessages('telephony', {
  signIn: { en: 'Send an API key with the WRITE scope as a Bearer token', ru: 'Передайте API-ключ с областью WRITE как Bearer-токен' },
  badBody: { en: 'Send the call event as a JSON object', ru: 'Отправьте событие звонка объектом JSON' },
  invalid: { en: 'The call event is not valid', ru: 'Неверное событие звонка' },
  inProgress: { en: 'This call event is still being taken; send it again later', ru: 'Это событие звонка ещё обрабатывается; отправьте его позже' },
  incomingCall: withParams(
    (p: { number: string; name: string }) => `Incoming call from ${p.name} (${p.number})`,
    (p) => `Входящий звонок: ${p.name} (${p.number})`,
  ),
  manage: { en: 'manage telephony settings', ru: 'управлять настройками телефонии' },
  placeForDeals: { en: 'is only for calls that become deals (DEAL)', ru: 'только для звонков, которые становятся сделками (DEAL)' },
  callBackNew: withParams(
    (p: { number: string }) => `Call back ${p.number} (new caller)`,
    (p) => `Перезвонить ${p.number} (новый абонент)`,
  ),
  callBack: withParams(
    (p: { number: string }) => `Call back ${p.number} (missed call)`,
    (p) => `Перезвонить ${p.number} (пропущенный звонок)`,
  ),
});
