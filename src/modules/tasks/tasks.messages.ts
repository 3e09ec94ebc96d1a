// Tasks. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({ Task: { en: 'task', ru: 'задача' } });

export const TASKS = defineMessages('tasks', {
  alreadyCompleted: { en: 'the task is already completed', ru: 'задача уже выполнена' },
  notCompleted: { en: 'the task is not completed', ru: 'задача не выполнена' },
  leadDecided: withParams(
    (p: { status: string }) => `the lead is already ${p.status === 'CONVERTED' ? 'converted: add the task to its cards' : 'declined'}`,
    (p) => `заявка уже ${p.status === 'CONVERTED' ? 'преобразована: добавьте задачу в её карточки' : 'отклонена'}`,
  ),
  notASubject: { en: 'is not a deal, contact, company or incoming lead id', ru: 'не идентификатор сделки, контакта, компании или входящей заявки' },
});
