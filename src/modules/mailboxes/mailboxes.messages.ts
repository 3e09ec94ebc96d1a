// Mailboxes. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns } from '../../lib/i18n.js';

defineNouns({ Mailbox: { en: 'mailbox', ru: 'почтовый ящик' } });

export const MAILBOXES = defineMessages('mailboxes', {
  notEmail: { en: 'is not an e-mail address', ru: 'не адрес e-mail' },
  taken: { en: 'this mailbox is already registered', ru: 'этот почтовый ящик уже подключён' },
  onlyOwner: { en: 'Only its owner removes a personal mailbox', ru: 'Личный почтовый ящик удаляет только его владелец' },
  notSmtpUrl: { en: 'is not an smtp:// or smtps:// URL', ru: 'не адрес вида smtp:// или smtps://' },
  onlyOwnerSets: { en: 'Only its owner sets up a personal mailbox', ru: 'Личный почтовый ящик настраивает только его владелец' },
  // What only an administrator may do ("Only an administrator may …")
  registerShared: { en: 'register a shared mailbox', ru: 'подключать общий почтовый ящик' },
  removeShared: { en: 'remove a shared mailbox', ru: 'удалять общий почтовый ящик' },
  setUpShared: { en: 'set up a shared mailbox', ru: 'настраивать общий почтовый ящик' },
});
