// Incoming leads, duplicates and merges, web forms. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  IncomingLead: { en: 'incoming lead', ru: 'входящая заявка' },
  WebForm: { en: 'web form', ru: 'веб-форма' },
  ChatChannel: { en: 'chat channel', ru: 'канал чата' },
});

export const LEADS = defineMessages('leads', {
  noContactData: {
    en: 'give at least a name, a phone number or an e-mail address',
    ru: 'укажите хотя бы имя, телефон или e-mail',
  },
  decided: withParams(
    (p: { status: string }) => `the lead is already ${p.status === 'CONVERTED' ? 'converted' : 'declined'}`,
    (p) => `заявка уже ${p.status === 'CONVERTED' ? 'преобразована' : 'отклонена'}`,
  ),
  reasonRequired: { en: 'say why the lead is declined', ru: 'укажите причину отказа' },
  statusOpenOnly: {
    en: 'only NEW or IN_WORK; convertLead and declineLead decide a lead',
    ru: 'только NEW или IN_WORK; решение по заявке — convertLead или declineLead',
  },
  dealOrExisting: { en: 'give either dealId or deal, not both', ru: 'укажите dealId или deal, но не оба' },
  mergeSelf: { en: 'a contact cannot be merged into itself', ru: 'контакт нельзя объединить с самим собой' },
  dealName: withParams(
    (p: { name: string }) => `Lead: ${p.name}`,
    (p) => `Заявка: ${p.name}`,
  ),
});
