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
  mergeSelf: { en: 'a card cannot be merged into itself', ru: 'карточку нельзя объединить с самой собой' },
  mergeNone: { en: 'name at least one card to merge', ru: 'укажите хотя бы одну карточку для объединения' },
  mergeTooMany: withParams(
    (p: { max: number }) => `at most ${p.max} cards at once`,
    (p) => `не больше ${p.max} карточек за раз`,
  ),
  mergeRepeated: { en: 'is named twice', ru: 'указана дважды' },
  mergeChoiceCard: { en: 'is not one of the cards merged', ru: 'не из объединяемых карточек' },
  mergeChoiceOne: { en: 'give either field or customFieldId', ru: 'укажите field или customFieldId, но не оба' },
  mergeNotChosen: withParams(
    (p: { field: string }) => `${p.field}: not a field of this kind of card`,
    (p) => `${p.field}: нет такого поля у карточек этого типа`,
  ),
  mergeJoined: withParams(
    (p: { field: string }) => `${p.field}: the values of every card are joined, there is nothing to choose`,
    (p) => `${p.field}: значения всех карточек объединяются, выбирать нечего`,
  ),
  mergeHidden: withParams(
    (p: { field: string }) => `${p.field}: hidden from your role`,
    (p) => `${p.field}: поле скрыто для вашей роли`,
  ),
  mergeReadOnly: withParams(
    (p: { field: string }) => `${p.field}: your role may only read it`,
    (p) => `${p.field}: ваша роль может только читать это поле`,
  ),
  mergeNotWritten: withParams(
    (p: { field: string }) => `${p.field}: archived or computed, it is not written`,
    (p) => `${p.field}: поле в архиве или вычисляется, его не записывают`,
  ),
  mergeChosenTwice: { en: 'this field is chosen twice', ru: 'это поле выбрано дважды' },
  dealName: withParams(
    (p: { name: string }) => `Lead: ${p.name}`,
    (p) => `Заявка: ${p.name}`,
  ),
});
