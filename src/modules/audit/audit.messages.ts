// The audit log. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns } from '../../lib/i18n.js';

defineNouns({ AuditEntry: { en: 'audit entry', ru: 'запись журнала аудита' } });

export const AUDIT = defineMessages('audit', {
  read: { en: 'read the audit log', ru: 'читать журнал аудита' },
});
