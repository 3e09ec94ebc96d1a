// Reports and saved views. lib/i18n.ts says how messages are used.
import { defineMessages } from '../../lib/i18n.js';

export const REPORTS = defineMessages('reports', {
  periodOrder: { en: 'the end of the period comes before its start', ru: 'конец периода раньше его начала' },
  unknownPipeline: { en: 'no such pipeline', ru: 'такой воронки нет' },
});
