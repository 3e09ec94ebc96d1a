// `POST /integrations/telephony/events`: a phone system's call events, with an API key (WRITE
// scope) as the Bearer token. Answers JSON: 200 with what the event made (`replayed` for an event
// already taken), 400 with every bad field, 401 without a valid key, 403 for a read-only one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps, ServiceCtx } from '../../context.js';
import * as v from '../../lib/validate.js';
import { apiKeyViewer, guarded, jsonReplies, readJsonObject } from '../common/integration-http.js';
import { callEvent, takeCallEvent } from './telephony.service.js';
import { TELEPHONY } from './telephony.messages.js';

export function handleTelephonyRequest(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
  const { send, fail, useLocale, failWith } = jsonReplies(req, res);
  return guarded(deps, res, 'telephony event failed', async () => {
    if (req.method !== 'POST') return fail(405, TELEPHONY.badBody());
    const viewer = await apiKeyViewer(deps, req);
    if (!viewer) return fail(401, TELEPHONY.signIn());
    useLocale(viewer.locale);
    if (!viewer.canWrite) return fail(403, TELEPHONY.signIn());
    const read = await readJsonObject(req, 64 * 1024);
    if ('refused' in read) return fail(400, TELEPHONY.badBody());
    const parsed = callEvent.safeParse(read.body);
    if (!parsed.success) return fail(400, TELEPHONY.invalid(), v.issuesOf(parsed.error));
    const ctx: ServiceCtx = { db: deps.db, deps, viewer };
    try {
      const taken = await takeCallEvent(ctx, parsed.data);
      if ('pending' in taken) return fail(409, TELEPHONY.inProgress());
      return send(200, { ok: true, ...taken.result, ...(taken.replayed ? { replayed: true } : {}) });
    } catch (err) {
      if (!failWith(err, TELEPHONY.invalid())) throw err;
    }
  });
}
