// API keys. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns } from '../../lib/i18n.js';

defineNouns({ ApiKey: { en: 'API key', ru: 'API-ключ' } });

export const API_KEYS = defineMessages('apiKeys', {
  oneScope: { en: 'name at least one scope', ru: 'укажите хотя бы одну область' },
  see: { en: 'see API keys', ru: 'просматривать API-ключи' },
  create: { en: 'create API keys', ru: 'создавать API-ключи' },
  revoke: { en: 'revoke API keys', ru: 'отзывать API-ключи' },
  notWithKey: {
    en: 'API keys are made from a signed-in session, not with another API key',
    ru: 'API-ключи создаются из сеанса пользователя, а не другим API-ключом',
  },
});
