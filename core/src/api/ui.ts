// The web dashboard (ui/, the @lastbackend/ui package) served at /ui/ as the static files `npm run build`
// wrote to ui/dist, found through the installed package as drivers are, so a checkout and a packaged
// install both find it. No token is needed for the files: the page signs in itself and every API call it
// makes carries the token. Every answer under /ui/ carries a strict Content-Security-Policy (the page's
// own scripts and styles only; it connects to its own API, and reads other http(s) origins for one thing:
// the Deploy page's manifest URL, which the browser fetches, never the server, as `lb apply -f URL` does). Paths under /ui/ that are no file answer index.html, so that a deep
// link opens its page. A browser's GET / (Accept: text/html) is sent to /ui/; API clients get what
// they got before.
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https: http:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** A GET the auth middleware lets through without a token: the page's files, and a browser's GET /. */
export function isUiRequest(req: Pick<Request, 'method' | 'path' | 'headers'>): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.path === '/ui' || req.path.startsWith('/ui/') || (req.path === '/' && wantsHtml(req.headers.accept));
}

const wantsHtml = (accept: string | undefined): boolean => /\btext\/html\b/.test(accept ?? '');

/** Where the built dashboard is, or undefined when the ui package is not installed. */
export function uiDist(): string | undefined {
  try {
    return join(dirname(require.resolve('@lastbackend/ui/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

function secure(res: Response): void {
  res.setHeader('content-security-policy', UI_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}

/** Registers /ui/ and the browser redirect of / on the app's HTTP server (dist: the built files). */
export function serveUi(app: NestExpressApplication, dist: string | undefined): void {
  const http = app.getHttpAdapter().getInstance() as { get(path: string | RegExp, h: (req: Request, res: Response, next: NextFunction) => void): void };
  http.get('/', (req, res, next) => (wantsHtml(req.headers.accept) ? res.redirect(302, '/ui/') : next()));
  http.get(/^\/ui(?:\/.*)?$/, (req, res) => {
    secure(res);
    if (req.path === '/ui') return res.redirect(301, '/ui/');
    const index = dist && join(dist, 'index.html');
    if (!index || !existsSync(index)) {
      res.status(404).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build` (it builds ui/dist), then restart lb server.\n');
      return;
    }
    const file = fileFor(dist, req.path.slice('/ui/'.length));
    if (!file) {
      // A deep link (/ui/namespaces): the page routes it. Never cached, so a new build is picked up.
      res.setHeader('cache-control', 'no-cache');
      return res.type(TYPES['.html']).sendFile(index);
    }
    // Vite names assets by their content's hash: they never change under one name.
    res.setHeader('cache-control', file.startsWith(join(dist, 'assets') + sep) ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.type(TYPES[extname(file)] ?? 'application/octet-stream').sendFile(file);
  });
}

/** The file under dist a request path names, or undefined (no such file, a directory, or outside dist). */
function fileFor(dist: string, rel: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded === '' || decoded.includes('\0')) return undefined;
  const file = join(dist, decoded);
  const inside = relative(dist, file);
  if (inside.startsWith('..') || inside === '' || inside.split(sep).includes('..')) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}
