// GET /dashboard: the live sales dashboard, a static page whose client (dashboard/src, bundled by
// `npm run build:dashboard` into dist/dashboard/) talks to /graphql like any other client. Only
// the page and its bundle's few files are served; the page may load nothing from elsewhere.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT } from '../../lib/root.js';

const PAGE = join(ROOT, 'dashboard', 'index.html');
const BUNDLE = join(ROOT, 'dist', 'dashboard');
const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json',
  'app.css.map': 'application/json',
};
const POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The paths this handler answers: /dashboard, /dashboard/ and /dashboard/<bundle file>. */
export function isDashboardPath(url: string | undefined) {
  const path = url?.split('?')[0] ?? '';
  return path === '/dashboard' || path.startsWith('/dashboard/');
}

export async function handleDashboardRequest(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed', { allow: 'GET, HEAD' });
  const name = path === '/dashboard' || path === '/dashboard/' ? 'index.html' : path.slice('/dashboard/'.length);
  const type = name === 'index.html' ? 'text/html; charset=utf-8' : TYPES[name];
  if (!type) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  try {
    const body = await readFile(name === 'index.html' ? PAGE : join(BUNDLE, name));
    send(res, 200, type, req.method === 'HEAD' ? '' : body, {
      'content-security-policy': POLICY,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  } catch {
    send(res, 503, 'text/plain; charset=utf-8', 'The dashboard is not built: run `npm run build:dashboard`.');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
}
