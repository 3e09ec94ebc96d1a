// Users of a workspace. lib/i18n.ts says how messages are used.
import { defineMessages } from '../../lib/i18n.js';

export const USERS = defineMessages('users', {
  emailTaken: { en: 'is already registered', ru: 'уже зарегистрирован' },
  lastAdmin: {
    en: 'the workspace must keep at least one active administrator',
    ru: 'в аккаунте должен остаться хотя бы один активный администратор',
  },
  // What only an administrator may do ("Only an administrator may …")
  create: { en: 'create users', ru: 'создавать пользователей' },
  reactivate: { en: 'reactivate users', ru: 'возвращать доступ пользователям' },
  deactivate: { en: 'deactivate users', ru: 'отключать пользователей' },
  changeOthers: { en: 'change other users, roles and teams', ru: 'изменять других пользователей, роли и команды' },
});
