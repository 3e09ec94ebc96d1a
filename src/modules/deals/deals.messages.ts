// Deals: their stage, loss reason and stage requirements. lib/i18n.ts says how messages are used.
import { defineMessages, withParams } from '../../lib/i18n.js';

type Requirements = { names: string[]; hidden: number; lossReason: boolean };

export const DEALS = defineMessages('deals', {
  stageOfOther: { en: 'this stage belongs to another pipeline', ru: 'этап относится к другой воронке' },
  noOpenStage: { en: 'the pipeline has no open stage', ru: 'в воронке нет открытых этапов' },
  pipelineArchived: { en: 'the pipeline is archived', ru: 'воронка в архиве' },
  lossReasonOnlyLost: {
    en: 'a loss reason goes only with a LOST stage',
    ru: 'причина отказа указывается только для этапа «проиграно»',
  },
  lossReasonOfOther: {
    en: 'this loss reason belongs to another pipeline',
    ru: 'причина отказа относится к другой воронке',
  },
  /** What a deal needs before it enters a stage: named fields, fields the role hides, a loss reason. */
  stageRequirements: withParams(
    (p: Requirements) =>
      [
        ...(p.names.length ? [`fill in ${p.names.map((n) => `"${n}"`).join(', ')}`] : []),
        ...(p.hidden ? [`have ${p.hidden} field(s) your role cannot see filled in (ask an administrator)`] : []),
        ...(p.lossReason ? ['choose a loss reason'] : []),
      ]
        .join(' and ')
        .replace(/^./, (c) => `To enter this stage, ${c}`),
    (p) =>
      'Чтобы перейти на этот этап, ' +
      [
        ...(p.names.length ? [`заполните ${p.names.map((n) => `«${n}»`).join(', ')}`] : []),
        ...(p.hidden ? [`попросите администратора заполнить поля, которые ваша роль не видит (${p.hidden})`] : []),
        ...(p.lossReason ? ['выберите причину отказа'] : []),
      ].join(' и '),
  ),
  /** A dealChanged subscription to a pipeline the viewer cannot see (the id as the client sent it). */
  pipelineNotFound: withParams(
    (p: { id: string }) => `Pipeline ${p.id} was not found`,
    () => 'Воронка не найдена',
  ),
});
