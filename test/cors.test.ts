// CORS: by default any page may call the API, but its browser sends no credentials of its own
// (tokens travel in the Authorization header); with CORS_ORIGINS only the listed origins are
// allowed, with credentials.
import { describe, expect, test } from './kit/fixtures.js';
import { testConfig } from './kit/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import type { TestApp } from './kit/app.js';

const listed = test.extend('app', { scope: 'file' }, async ({ server }, { onCleanup }) => {
  const app: TestApp = await server.variant({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' });
  onCleanup(() => app.stop());
  return app;
});

/** The CORS answer to a browser's preflight of a POST from `origin`. */
async function preflight(app: TestApp, origin: string) {
  const res = await app.yoga.fetch('http://localhost/graphql', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  return { origin: res.headers.get('access-control-allow-origin'), credentials: res.headers.get('access-control-allow-credentials') };
}

describe('CORS', () => {
  test('by default answers any origin, without letting the browser send credentials', async ({ app }) => {
    expect(await preflight(app, 'https://evil.example')).toEqual({ origin: 'https://evil.example', credentials: null });
  });

  listed('with CORS_ORIGINS, allows the listed origins with credentials and no other', async ({ app }) => {
    expect(await preflight(app, 'https://app.example.com')).toEqual({ origin: 'https://app.example.com', credentials: 'true' });
    expect(await preflight(app, 'https://admin.example.com')).toEqual({ origin: 'https://admin.example.com', credentials: 'true' });
    expect((await preflight(app, 'https://evil.example')).origin).toBe('null');
  });

  test('refuses a CORS_ORIGINS that is not a list of http(s) origins, naming the variable', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/CORS_ORIGINS/);
    expect(testConfig({ CORS_ORIGINS: 'https://a.example/x' }).corsOrigins).toEqual(['https://a.example']);
  });
});
