// Roles: record rights and field access. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({ Role: { en: 'role', ru: 'роль' } });

export const ROLES = defineMessages('roles', {
  rightTwice: withParams(
    (p: { entity: string; action: string }) => `${p.entity} ${p.action} is given twice`,
    (p) => `${p.entity} ${p.action} указано дважды`,
  ),
  nameTaken: { en: 'a role with this name already exists', ru: 'роль с таким названием уже есть' },
  adminHasAll: { en: 'the administrator role always has every right', ru: 'у роли администратора всегда есть все права' },
  adminUndeletable: { en: 'the administrator role cannot be deleted', ru: 'роль администратора нельзя удалить' },
  inUse: withParams(
    (p: { users: number }) => `${p.users} user(s) have this role; give them another role first`,
    (p) => `эта роль есть у пользователей (${p.users}); сначала дайте им другую роль`,
  ),
  adminEditsAll: { en: 'the administrator role edits every field', ru: 'роль администратора изменяет все поля' },
  giveOneField: { en: 'give either systemField or customFieldId', ru: 'укажите либо systemField, либо customFieldId' },
  noSuchSystemField: withParams(
    (p: { entity: string; field: string; allowed: string[] }) => `${p.entity} has no ${p.field} field; it has ${p.allowed.join(', ')}`,
    (p) => `у ${p.entity} нет поля ${p.field}; есть ${p.allowed.join(', ')}`,
  ),
  fieldOfOther: withParams(
    (p: { owner: string; entity: string }) => `this field belongs to ${p.owner}, not ${p.entity}`,
    (p) => `это поле относится к ${p.owner}, а не к ${p.entity}`,
  ),
  manage: { en: 'manage roles', ru: 'управлять ролями' },
  assign: { en: 'assign roles', ru: 'назначать роли' },
});
