// Pipelines, their stages and loss reasons. lib/i18n.ts says how messages are used.
import { cap, defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  Pipeline: { en: 'pipeline', ru: 'воронка' },
  Stage: { en: 'stage', ru: 'этап' },
  LossReason: { en: 'loss reason', ru: 'причина отказа' },
});

const ONE_OF_KIND = {
  OPEN: 'хотя бы один открытый этап',
  WON: 'хотя бы один этап «успешно»',
  LOST: 'хотя бы один этап «проиграно»',
} as const;

export const PIPELINES = defineMessages('pipelines', {
  colour: { en: 'must be a colour such as #99ccff', ru: 'должно быть цветом, например #99ccff' },
  needsStage: { en: 'a pipeline needs at least one stage', ru: 'в воронке должен быть хотя бы один этап' },
  /** kind: OPEN, WON or LOST. */
  needsKind: withParams(
    (p: { kind: string }) => `a pipeline needs at least one ${p.kind} stage`,
    (p) => `в воронке должен быть ${ONE_OF_KIND[p.kind as keyof typeof ONE_OF_KIND] ?? p.kind}`,
  ),
  stageNameUsed: { en: 'is used by another stage', ru: 'уже занято другим этапом' },
  stageNameUsedHere: { en: 'is used by another stage of this pipeline', ru: 'уже занято другим этапом этой воронки' },
  nameTaken: { en: 'a pipeline with this name already exists', ru: 'воронка с таким названием уже есть' },
  /** what: the noun of the pipeline or the stage. */
  stillHolds: withParams(
    (p: { what: string; deals: number }) => `the ${p.what} still holds ${p.deals} deal(s), trash included; move them first`,
    (p) => `${cap(p.what)}: ещё сделок — ${p.deals} (включая корзину); сначала перенесите их`,
  ),
  notAStage: { en: 'is not a stage of this pipeline', ru: 'это не этап этой воронки' },
  listEveryStage: {
    en: 'must list every stage of the pipeline exactly once',
    ru: 'нужно перечислить каждый этап воронки ровно один раз',
  },
  lossReasonTaken: { en: 'this loss reason already exists', ru: 'такая причина отказа уже есть' },
  manage: { en: 'manage pipelines', ru: 'управлять воронками' },
});
