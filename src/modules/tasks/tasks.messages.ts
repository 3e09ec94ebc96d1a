// Tasks. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns } from '../../lib/i18n.js';

defineNouns({ Task: { en: 'task', ru: 'задача' } });

export const TASKS = defineMessages('tasks', {
  alreadyCompleted: { en: 'the task is already completed', ru: 'задача уже выполнена' },
  notCompleted: { en: 'the task is not completed', ru: 'задача не выполнена' },
});
