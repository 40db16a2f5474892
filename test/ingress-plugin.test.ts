// A third party's ingress, shipped the way a driver is: a package installed into <data dir>/drivers with
// the plugin manifest, named by `ingress.plugin`. `lb server` feeds it the routes of Route objects through
// the SDK's ingress contract, as it feeds haproxy by default, and records what the plugin refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_DEFAULTS, TestServer, freePort, readyPods, uniq, waitFor, webService } from './harness';

/**
 * A tiny ingress written without the SDK at hand: a node HTTP proxy by Host to a route's first backend
 * (rules and balancing left out), refusing routes whose name starts with "refuse".
 */
const TINY_INGRESS = `
const http = require('node:http');
module.exports = {
  [Symbol.for('io.lastbackend.plugin')]: true,
  name: 'tiny-ingress',
  ingress(opts) {
    let routes = new Map();
    let server;
    return {
      async start() {
        server = http.createServer((req, res) => {
          const b = routes.get(String(req.headers.host).split(':')[0].toLowerCase());
          if (!b) { res.statusCode = 404; return res.end('no route'); }
          const up = http.request({ host: b.ip, port: b.port, path: req.url, headers: req.headers }, (r) => {
            res.writeHead(r.statusCode, { 'x-ingress': 'tiny' });
            r.pipe(res);
          });
          up.on('error', () => { res.statusCode = 502; res.end(); });
          req.pipe(up);
        });
        await new Promise((resolve) => server.listen(opts.http.port, opts.http.host, resolve));
      },
      async apply(list) {
        const next = new Map(); const applied = []; const rejected = [];
        for (const r of list) {
          const id = r.namespace + '/' + r.name;
          if (r.name.startsWith('refuse')) { rejected.push({ route: id, reason: 'tiny refuses it' }); continue; }
          const b = r.rules[0] && r.rules[0].backends[0];
          if (b) for (const h of r.hosts) next.set(h, b);
          applied.push(id);
        }
        routes = next;
        return { applied, rejected };
      },
      async stop() { if (server) await new Promise((resolve) => server.close(resolve)); server = undefined; },
    };
  },
};`;

describe('a third-party ingress plugin', () => {
  const ns = uniq('ingp');
  let dir: string;
  let s: TestServer;
  let http: number;

  const get = (host: string) =>
    new Promise<{ status: number; body: string; via?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: http, path: '/', headers: { host }, timeout: 5000, agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, via: res.headers['x-ingress'] as string | undefined }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ingress-plugin-'));
    const pkg = join(dir, 'data', 'drivers', 'node_modules', 'lb-ingress-tiny');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'lb-ingress-tiny', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['plugin'], api: '1' } }));
    writeFileSync(join(pkg, 'index.js'), TINY_INGRESS);
    http = await freePort();
    const cfg = join(dir, 'server.yaml');
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, ingress: { enabled: true, plugin: 'lb-ingress-tiny', http: `127.0.0.1:${http}`, domain: 'apps.test' } }));
    s = await TestServer.start({ config: cfg, dataDir: join(dir, 'data') });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await s.client.createService(ns, webService('web', 1));
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready');
  });
  afterAll(async () => {
    await s?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the routes through the plugin the config names, and records the routes it refused', async () => {
    expect((await s.lb(['route', 'create', 'site', '--host', 'site.test', '--rule', '/=web:80', '-n', ns])).code).toBe(0);
    expect((await s.lb(['route', 'create', 'refuse-me', '--host', 'other.test', '--rule', '/=web:80', '-n', ns])).code).toBe(0);
    const r = await waitFor(() => get('site.test'), (x) => x.status === 200, 'site.test through the tiny ingress');
    expect(r.via).toBe('tiny');
    expect((await get('nobody.test')).status).toBe(404);
    const refused = await waitFor(() => s.client.get('route', ns, 'refuse-me'), (x) => x.status.state === 'error', 'refuse-me in error');
    expect(refused.status.message).toBe('tiny refuses it');
    expect(s.output()).toContain('ingress (lb-ingress-tiny)');
  });
});
