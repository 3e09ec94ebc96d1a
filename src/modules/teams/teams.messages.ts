// Teams. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns } from '../../lib/i18n.js';

defineNouns({ Team: { en: 'team', ru: 'команда' } });

export const TEAMS = defineMessages('teams', {
  nameTaken: { en: 'a team with this name already exists', ru: 'команда с таким названием уже есть' },
  manage: { en: 'manage teams', ru: 'управлять командами' },
});
