// Sign-in, tokens and sessions. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

export const AUTH = defineMessages('auth', {
  tokenInvalid: { en: 'The token is not valid; sign in again', ru: 'Токен недействителен; войдите снова' },
  sessionEnded: { en: 'The session was ended; sign in again', ru: 'Сеанс завершён; войдите снова' },
  sessionExpired: { en: 'The session has expired; sign in again', ru: 'Сеанс истёк; войдите снова' },
  userDeactivated: { en: 'This user has been deactivated', ru: 'Пользователь деактивирован' },
  keyInvalid: { en: 'The API key is not valid or was revoked', ru: 'API-ключ недействителен или отозван' },
  keyUserDeactivated: { en: "The API key's user has been deactivated", ru: 'Пользователь API-ключа деактивирован' },
  wrongLogin: { en: 'Wrong e-mail or password', ru: 'Неверный e-mail или пароль' },
  emailTaken: { en: 'is already registered', ru: 'уже зарегистрирован' },
  wrongPassword: { en: 'is wrong', ru: 'неверно' },
  noToken: { en: 'no token', ru: 'нет токена' },
  /** A live subscription whose viewer can no longer be read. */
  signedOut: withParams(
    (p: { problem: string }) => `Signed out: ${p.problem}`,
    (p) => `Вы вышли из системы: ${p.problem}`,
  ),
});
