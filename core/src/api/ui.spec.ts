import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { isUiRequest, serveUi, UI_CSP } from './ui';

/** An express server with only the dashboard's routes, on a free port. */
async function serve(dist: string | undefined): Promise<{ url: string; close: () => void }> {
  const app = express();
  serveUi({ getHttpAdapter: () => ({ getInstance: () => app }) } as unknown as NestExpressApplication, dist);
  app.use((_req, res) => res.status(418).send('past the dashboard'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('the dashboard’s static files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'export {}');
    writeFileSync(join(dir, 'assets', 'app-1a2b.css'), 'body{}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    writeFileSync(join(tmpdir(), 'lb-ui-outside.txt'), 'secret');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a browser’s GET / and the files under /ui through without a token, nothing else', () => {
    const req = (method: string, path: string, accept?: string) => ({ method, path, headers: accept ? { accept } : {} });
    expect(isUiRequest(req('GET', '/ui/'))).toBe(true);
    expect(isUiRequest(req('GET', '/ui'))).toBe(true);
    expect(isUiRequest(req('HEAD', '/ui/assets/a.js'))).toBe(true);
    expect(isUiRequest(req('GET', '/', 'text/html,application/xhtml+xml'))).toBe(true);
    expect(isUiRequest(req('GET', '/'))).toBe(false);
    expect(isUiRequest(req('GET', '/', 'application/json'))).toBe(false);
    expect(isUiRequest(req('POST', '/ui/'))).toBe(false);
    expect(isUiRequest(req('GET', '/uix'))).toBe(false);
    expect(isUiRequest(req('GET', '/namespace', 'text/html'))).toBe(false);
  });

  it('serves files with their type and cache rule, index.html for other paths, all under the CSP', async () => {
    const s = await serve(dir);
    try {
      const get = async (path: string, accept?: string) => {
        const r = await fetch(s.url + path, { redirect: 'manual', headers: accept ? { accept } : {} });
        return { status: r.status, type: r.headers.get('content-type'), cache: r.headers.get('cache-control'), csp: r.headers.get('content-security-policy'), location: r.headers.get('location'), body: await r.text() };
      };
      expect(await get('/', 'text/html')).toMatchObject({ status: 302, location: '/ui/' });
      expect(await get('/')).toMatchObject({ status: 418 });
      expect(await get('/ui')).toMatchObject({ status: 301, location: '/ui/', csp: UI_CSP });
      expect(await get('/ui/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache', csp: UI_CSP, body: '<!doctype html><title>x</title>' });
      expect(await get('/ui/namespaces/deep/link')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache' });
      expect(await get('/ui/assets/app-1a2b.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', cache: 'public, max-age=31536000, immutable', body: 'export {}' });
      expect(await get('/ui/assets/app-1a2b.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
      expect(await get('/ui/favicon.svg')).toMatchObject({ status: 200, type: 'image/svg+xml', cache: 'no-cache' });
      // Nothing outside the directory: an encoded ../ or a NUL is no file, so the page answers.
      for (const p of ['/ui/..%2flb-ui-outside.txt', '/ui/assets/..%2f..%2flb-ui-outside.txt', '/ui/%00', '/ui/%E0%A4%A'])
        expect(await get(p)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html><title>x</title>' });
      const head = await fetch(`${s.url}/ui/`, { method: 'HEAD' });
      expect([head.status, head.headers.get('x-content-type-options'), head.headers.get('referrer-policy')]).toEqual([200, 'nosniff', 'no-referrer']);
    } finally {
      s.close();
    }
  });

  it('says to build it when ui/dist is missing', async () => {
    for (const dist of [undefined, join(dir, 'nosuch')]) {
      const s = await serve(dist);
      try {
        const r = await fetch(`${s.url}/ui/`);
        expect([r.status, r.headers.get('content-security-policy'), await r.text()]).toEqual([404, UI_CSP, 'The dashboard is not built: run `npm run build` (it builds ui/dist), then restart lb server.\n']);
      } finally {
        s.close();
      }
    }
  });
});
