// Uploaded files. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({ Attachment: { en: 'file', ru: 'файл' } });

export const FILES = defineMessages('files', {
  tooBig: withParams(
    (p: { size: string; max: string }) => `is ${p.size} MB; files may be at most ${p.max} MB`,
    (p) => `весит ${p.size} МБ; файл может весить не более ${p.max} МБ`,
  ),
  empty: { en: 'is empty', ru: 'пустой' },
  typeRefused: withParams(
    (p: { type: string }) => `files of type ${p.type} are not accepted`,
    (p) => `файлы типа ${p.type} не принимаются`,
  ),
  notFound: { en: 'File not found', ru: 'Файл не найден' },
});
