// Imports and exports of cards. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({ Import: { en: 'import', ru: 'импорт' } });

export const IMPORTS = defineMessages('imports', {
  unmatchedColumn: withParams(
    (p: { column: string }) => `column "${p.column}" matches no field and is ignored`,
    (p) => `столбец «${p.column}» не соответствует ни одному полю и пропущен`,
  ),
  unknownField: withParams(
    (p: { field: string }) => `no field named "${p.field}"`,
    (p) => `нет поля «${p.field}»`,
  ),
  noHeader: { en: 'the file has no header row', ru: 'в файле нет строки заголовков' },
  unreadable: withParams(
    (p: { problem: string }) => `the file could not be read: ${p.problem}`,
    (p) => `файл не удалось прочитать: ${p.problem}`,
  ),
  filterOfOtherType: withParams(
    (p: { key: string }) => `filters another type of card: give filter.${p.key} for this entityType`,
    (p) => `фильтр для другого типа карточек: для этого entityType укажите filter.${p.key}`,
  ),
  badFormat: { en: 'only CSV and XLSX files can be imported', ru: 'импортировать можно только файлы CSV и XLSX' },
  number: { en: 'is not a number', ru: 'не число' },
  date: { en: 'is not a date (31.12.2026, 2026-12-31 or a spreadsheet date)', ru: 'не дата (31.12.2026, 2026-12-31 или дата таблицы)' },
  boolean: { en: 'is not yes or no', ru: 'не «да» и не «нет»' },
  option: withParams(
    (p: { label: string }) => `no option "${p.label}"`,
    (p) => `нет варианта «${p.label}»`,
  ),
  fileField: { en: 'files cannot be imported', ru: 'файлы не импортируются' },
  computed: { en: 'is computed and not imported', ru: 'вычисляется и не импортируется' },
  noUser: withParams(
    (p: { value: string }) => `no user named "${p.value}"`,
    (p) => `нет пользователя «${p.value}»`,
  ),
  manyUsers: withParams(
    (p: { value: string }) => `several users are named "${p.value}"; use the e-mail`,
    (p) => `пользователей с именем «${p.value}» несколько; укажите e-mail`,
  ),
  noPipeline: withParams(
    (p: { value: string }) => `no pipeline named "${p.value}"`,
    (p) => `нет воронки «${p.value}»`,
  ),
  noStage: withParams(
    (p: { value: string; pipeline: string }) => `no stage "${p.value}" in pipeline "${p.pipeline}"`,
    (p) => `в воронке «${p.pipeline}» нет этапа «${p.value}»`,
  ),
  rowFailed: withParams(
    (p: { problem: string }) => `the row could not be written: ${p.problem}`,
    (p) => `строку не удалось записать: ${p.problem}`,
  ),
  skippedDuplicate: { en: 'skipped: a matching card exists', ru: 'пропущено: такая карточка уже есть' },
  duplicateRow: withParams(
    (p: { row: number }) => `skipped: duplicates row ${p.row} of the file`,
    (p) => `пропущено: повторяет строку ${p.row} файла`,
  ),
  updatesRow: withParams(
    (p: { row: number }) => `matches row ${p.row} of the file: will update the card that row creates`,
    (p) => `совпадает со строкой ${p.row} файла: обновит карточку, созданную той строкой`,
  ),
  createsAnother: withParams(
    (p: { row: number }) => `matches row ${p.row} of the file: will be created as another card (policy CREATE)`,
    (p) => `совпадает со строкой ${p.row} файла: будет создана ещё одна карточка (политика CREATE)`,
  ),
  likelyDuplicates: withParams(
    (p: { count: number; name: string }) =>
      p.count === 1 ? `looks like the existing card "${p.name}"` : `looks like ${p.count} existing cards, the closest "${p.name}"`,
    (p) => (p.count === 1 ? `похоже на существующую карточку «${p.name}»` : `похоже на существующие карточки (${p.count}), ближе всех «${p.name}»`),
  ),
  notFinished: { en: 'the import has already finished', ru: 'импорт уже завершён' },
  export: { en: 'export cards', ru: 'выгружать карточки' },
});
