// Automations. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  Automation: { en: 'automation', ru: 'автоматизация' },
  AutomationRun: { en: 'automation run', ru: 'запуск автоматизации' },
});

export const AUTOMATIONS = defineMessages('automations', {
  manage: { en: 'manage automations', ru: 'управлять автоматизациями' },
  usedBy: withParams(
    (p: { name: string }) => `the automation «${p.name}» uses it: change, disable or delete the automation first`,
    (p) => `его использует автоматизация «${p.name}»: сначала измените, отключите или удалите её`,
  ),
  noCardKind: { en: 'this trigger needs a card kind', ru: 'для этого триггера нужен тип карточки' },
  dealsOnly: { en: 'this trigger is for deals only', ru: 'этот триггер только для сделок' },
  fieldOrCustom: { en: 'give either field or customFieldId', ru: 'укажите field или customFieldId' },
  unknownField: withParams(
    (p: { field: string }) => `no such field: ${p.field}`,
    (p) => `нет такого поля: ${p.field}`,
  ),
  conditionsKind: {
    en: 'the conditions must be for the kind of card the trigger listens to',
    ru: 'условия должны быть для того же типа карточки, что и триггер',
  },
  leadConditions: { en: 'incoming leads have no conditions yet', ru: 'для входящих заявок условия пока не поддерживаются' },
  oneAction: { en: 'give exactly one action per item', ru: 'в каждом элементе укажите ровно одно действие' },
  noActions: { en: 'an automation needs at least one action', ru: 'нужно хотя бы одно действие' },
  tooManyActions: { en: 'at most 20 actions', ru: 'не больше 20 действий' },
  unknownPlaceholder: withParams(
    (p: { name: string }) => `unknown placeholder [${p.name}]`,
    (p) => `неизвестная подстановка [${p.name}]`,
  ),
  responsibleMode: { en: 'USER needs userId, TEAM needs teamId', ru: 'для USER нужен userId, для TEAM — teamId' },
  emptyTeam: { en: 'the team has no active members', ru: 'в команде нет активных сотрудников' },
  valueMember: withParams(
    (p: { member: string }) => `this field takes the "${p.member}" member`,
    (p) => `для этого поля нужен элемент "${p.member}"`,
  ),
  systemValue: { en: 'a system field takes the "text" or "number" member', ru: 'для системного поля нужен элемент "text" или "number"' },
  notDeal: { en: 'only deals move between stages', ru: 'по этапам двигаются только сделки' },
  notForLeads: {
    en: 'incoming leads take only notify, send an e-mail and delay actions',
    ru: 'для входящих заявок доступны только уведомление, письмо и задержка',
  },
  hoursRange: { en: 'hours from 1 to 8784 (366 days)', ru: 'часов от 1 до 8784 (366 дней)' },
  noSmtp: { en: 'no SMTP server is configured (SMTP_URL)', ru: 'не настроен SMTP-сервер (SMTP_URL)' },
  webhookOff: { en: 'the webhook is deleted or disabled', ru: 'вебхук удалён или отключён' },
  badEmail: { en: 'not an e-mail address', ru: 'это не адрес электронной почты' },
  delayRange: { en: 'a delay is from 1 minute to 366 days', ru: 'задержка — от 1 минуты до 366 дней' },
  ownerGone: { en: "the automation's owner is deactivated", ru: 'владелец автоматизации деактивирован' },
  cardGone: { en: 'the card is gone or in the trash', ru: 'карточка удалена или в корзине' },
  depthLimit: withParams(
    (p: { depth: number }) => `stopped: automations triggered each other ${p.depth} levels deep`,
    (p) => `остановлено: автоматизации вызвали друг друга на глубину ${p.depth}`,
  ),
  paused: withParams(
    (p: { name: string; n: number }) => `Automation «${p.name}» was paused after ${p.n} failed runs in a row`,
    (p) => `Автоматизация «${p.name}» приостановлена после ${p.n} неудачных запусков подряд`,
  ),
});
