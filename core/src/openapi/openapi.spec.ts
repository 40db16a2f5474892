// The OpenAPI document against what is served: every route Nest registered is in it with its method,
// every path in it is served, and the committed docs/openapi.json is what the definitions generate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../version';
import { startApiFixture, type ApiFixture } from './api-fixture';
import { buildOpenApi } from './spec';

const ROOT = join(__dirname, '../../..');

interface Layer {
  route?: { path: string | RegExp; methods: Record<string, boolean> };
}

/** What the express router under Nest actually serves: "GET /namespace/{ns}" for each route. */
function servedRoutes(f: ApiFixture): string[] {
  const express = f.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)!.stack;
  return stack
    .filter((l) => l.route)
    .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${String(l.route!.path).replace(/:([A-Za-z_]\w*)/g, '{$1}')}`));
}

const documented = (doc: { paths: Record<string, Record<string, unknown>> }) =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));

describe('OpenAPI document', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture();
  }, 60_000);
  afterAll(() => f.close(), 60_000);

  it('documents every route Nest serves, and serves every route it documents', () => {
    // Not the API: the document's own pages, and the dashboard's (api/ui.ts: /ui/… and a browser's GET /).
    const served = servedRoutes(f).filter((r) => !/^GET \/docs/.test(r) && r !== 'GET /' && r !== String.raw`GET /^\/ui(?:\/.*)?$/`);
    const doc = buildOpenApi(VERSION);
    expect(served.length).toBeGreaterThan(40);
    expect(served.filter((r) => !documented(doc).includes(r))).toEqual([]);
    expect(documented(doc).filter((r) => !served.includes(r))).toEqual([]);
  });

  it('gives every operation a typed answer, and every body a schema', () => {
    const doc = buildOpenApi(VERSION) as unknown as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: { $ref?: string; items?: { $ref?: string } } }> }> }>> };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const [status, ok] = Object.entries(op.responses)[0];
        // No content, or a switch to the stream of an upgrade route (which takes no body: the stream is it).
        if (status === '204' || status === '101') continue;
        const [type, media] = Object.entries(ok.content ?? {})[0] ?? [];
        const schema = media?.schema;
        // JSON answers name their schema; text ones (the CA bundle, metrics) are their media type.
        expect({ route: `${method} ${path}`, typed: !!(schema && (schema.$ref || schema.items?.$ref || !type.includes('json'))) }).toEqual({ route: `${method} ${path}`, typed: true });
        // The original's routes that answer 501 take no body here.
        if ((method === 'post' || method === 'put') && !op.responses['501']) expect({ route: `${method} ${path}`, body: !!op.requestBody }).toEqual({ route: `${method} ${path}`, body: true });
      }
    }
  });

  it('/docs opens in a browser without a token; the API behind it still needs one', async () => {
    const page = await fetch(`${f.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/swagger/i);
    expect((await fetch(`${f.url}/docs`, { redirect: 'manual' })).status).toBe(301);
    expect((await fetch(`${f.url}/docs/swagger-initializer.js`)).status).toBe(200);
    expect((await fetch(`${f.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    const json = await fetch(`${f.url}/docs-json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { paths: object }).paths).toHaveProperty(['/namespace/{ns}/service']);
    for (const path of ['/namespace', '/cluster', '/cluster/node', '/cluster/token', '/docsx', '/docs-json/x']) expect((await fetch(`${f.url}${path}`)).status).toBe(401);
    expect((await fetch(`${f.url}/docs-json`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${f.url}/namespace`, { headers: { authorization: `Bearer ${f.adminToken}` } })).status).toBe(200);
  }, 30_000);

  it('docs/openapi.json is what the route definitions generate (npm run openapi writes it)', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')) as object;
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApi(VERSION))));
  });
});
