// Outbound webhooks. lib/i18n.ts says how messages are used.
import { defineMessages, defineNouns, withParams } from '../../lib/i18n.js';

defineNouns({
  Webhook: { en: 'webhook', ru: 'вебхук' },
  WebhookDelivery: { en: 'webhook delivery', ru: 'доставка вебхука' },
});

export const WEBHOOKS = defineMessages('webhooks', {
  manage: { en: 'manage webhooks', ru: 'управлять вебхуками' },
  badUrl: { en: 'must be an absolute https:// URL', ru: 'должен быть абсолютным адресом https://' },
  privateTarget: withParams(
    (p: { address: string }) => `points inside the network (${p.address}); webhooks go to public addresses only`,
    (p) => `указывает во внутреннюю сеть (${p.address}); вебхуки отправляются только на публичные адреса`,
  ),
  unresolvable: { en: 'the host name does not resolve', ru: 'имя хоста не разрешается' },
  noEvents: { en: 'subscribe to at least one event type', ru: 'подпишитесь хотя бы на один тип событий' },
  disabled: withParams(
    (p: { url: string; n: number }) => `Webhook ${p.url} was disabled after ${p.n} deliveries failed in a row`,
    (p) => `Вебхук ${p.url} отключён после ${p.n} неудачных доставок подряд`,
  ),
});
