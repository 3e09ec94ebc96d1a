// The card write path's and card lists' messages (records.ts, lists.ts), and the nouns of the
// card kinds and of the records the kernel names (users, tags). lib/i18n.ts says how they are used.
import { cap, defineMessages, defineNouns, withParams } from '../lib/i18n.js';

defineNouns({
  Contact: { en: 'contact', ru: 'контакт' },
  Company: { en: 'company', ru: 'компания' },
  Deal: { en: 'deal', ru: 'сделка' },
  User: { en: 'user', ru: 'пользователь' },
  Tag: { en: 'tag', ru: 'тег' },
});

export const CARD = defineMessages('card', {
  inTrash: withParams(
    (p: { type: string; noun: string }) => `${p.type} is in the trash; restore it first`,
    (p) => `${cap(p.noun)} в корзине; сначала восстановите`,
  ),
  linkedInTrash: withParams(
    (p: { noun: string }) => `this ${p.noun} is in the trash`,
    (p) => `${p.noun} в корзине`,
  ),
  userDeactivated: {
    en: 'this user is deactivated; choose an active user',
    ru: 'пользователь деактивирован; выберите активного',
  },
  emptyTrash: { en: 'empty the trash', ru: 'очищать корзину' },
  hiddenField: {
    en: 'your role cannot see this field, so it cannot filter or sort by it',
    ru: 'ваша роль не видит это поле, поэтому не может фильтровать или сортировать по нему',
  },
  sortEither: { en: 'give either field or customFieldId', ru: 'укажите либо field, либо customFieldId' },
});
