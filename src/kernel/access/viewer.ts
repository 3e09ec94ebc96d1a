// Who is asking. Built once per request (or WebSocket operation) by the context factory and
// passed to every service, which checks rights against it.
import { ForbiddenError } from '../../lib/errors.js';
import type { Rights } from './rights.js';
import type { FieldAccessMap } from './field-access.js';
import type { Message } from '../../lib/i18n.js';
import { ACCESS } from './messages.js';

export type Viewer = {
  userId: string;
  workspaceId: string;
  isAdmin: boolean;
  roleId: string;
  teamIds: string[];
  /** How the caller signed in; API keys may be read-only; an automation acts for its owner. */
  via: 'session' | 'apiKey' | 'automation';
  sessionId?: string;
  /** When the session ends by itself (sessions only). */
  expiresAt?: Date;
  apiKeyId?: string;
  canWrite: boolean;
  /** The workspace's language for messages. */
  locale: 'ru' | 'en';
  /** The workspace's phone region and currency, as read with the token. */
  phoneRegion?: string;
  currency?: string;
  /** The role's record rights (administrators have every right whatever this holds). */
  rights?: Rights;
  /** The role's field access (administrators edit every field whatever this holds). */
  fieldAccess?: FieldAccessMap;
};

/** `what` is the action phrase, from the caller's catalogue ("manage teams"). */
export function assertAdmin(viewer: Viewer, what: Message = ACCESS.changeSettings()) {
  if (!viewer.isAdmin) throw new ForbiddenError(ACCESS.onlyAdmin({ what }));
}
