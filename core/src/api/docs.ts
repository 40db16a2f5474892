// /docs (Swagger UI) and /docs-json (the OpenAPI document built from the route definitions), served
// without a token so that a browser opens them: the document describes the API, it holds no data. The
// calls made from the page need the token, entered with its "Authorize" button. The UI is
// swagger-ui-dist's static files with an initializer pointing at /docs-json; @nestjs/swagger is not
// loaded at run time (it cost an idle server about 4 MB).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

interface Res {
  type(t: string): Res;
  send(body: string): void;
  sendFile(path: string): void;
  redirect(status: number, url: string): void;
}
interface Req {
  params: Record<string, string>;
  originalUrl: string;
}
type Handler = (req: Req, res: Res, next: () => void) => void;

const INITIALIZER = `window.onload = () => {
  window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
};
`;

/** The document and its page: what the auth middleware lets through without a token. */
export const isDocsPath = (path: string): boolean => path === '/docs-json' || path === '/docs' || path.startsWith('/docs/');

/** `spec` is called on the first request for the document: building it costs ~100 ms and some MB an idle server need not hold. */
export function serveDocs(app: NestExpressApplication, spec: () => object): void {
  let json: string | undefined;
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const files = new Set(readdirSync(dist).filter((f) => /\.(html|css|js|png)$/.test(f)));
  const http = app.getHttpAdapter().getInstance() as { get(path: string, h: Handler): void };
  http.get('/docs-json', (_req, res) => res.type('application/json').send((json ??= JSON.stringify(spec()))));
  // The page's assets are relative, so the page is /docs/ (express matches /docs and /docs/ alike).
  http.get('/docs', (req, res) => (req.originalUrl.split('?')[0].endsWith('/') ? res.sendFile(join(dist, 'index.html')) : res.redirect(301, '/docs/')));
  http.get('/docs/swagger-initializer.js', (_req, res) => res.type('application/javascript').send(INITIALIZER));
  http.get('/docs/:file', (req, res, next) => (files.has(req.params.file) ? res.sendFile(join(dist, req.params.file)) : next()));
}
