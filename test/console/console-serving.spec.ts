import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApi, TestApi } from '../support/test-api';
import { consoleRoot } from '../../libs/platform/src/http/console-static';

/** The console as the API serves it under /console: files, the SPA fallback, and the headers that keep it safe. */
describe('the console served under /console', () => {
  let api: TestApi;

  beforeAll(async () => {
    if (readdirSync(consoleRoot()).length === 0) throw new Error('the console is not built: run `npm run build:console`');
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('answers index.html with a CSP that allows no inline script, no eval and no other origin', async () => {
    const response = await api.request('/console/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/assets\/[^"]+\.js"/);
      expect(body.trim()).toBe('');
    }
  });

  it('answers index.html for any page of the app (a deep link or a reload), and redirects /console to /console/', async () => {
    const deep = await api.request('/console/customers/0b1c4a4e-3b7a-4c53-9d0e-2f1b7f0c9a11');
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const bare = await api.request('/console', { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('serves the hashed assets for a browser to keep, under the same CSP', async () => {
    const [asset] = readdirSync(join(consoleRoot(), 'assets')).filter((name) => name.endsWith('.js'));
    const response = await api.request(`/console/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('serves nothing outside the built console, and refuses other methods as problem+json', async () => {
    const traversal = await api.request('/console/..%2f..%2fpackage.json');
    expect(await traversal.text()).not.toContain('"devDependencies"');
    const post = await api.request('/console/anything', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // the API keeps its own, stricter policy
    const health = await api.request('/health/live');
    expect(health.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
  });
});
