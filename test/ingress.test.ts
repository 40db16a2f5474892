// Ingress: two services behind one haproxy on 127.0.0.1, host and path rules, TLS with a certificate
// the test makes, and route changes under a bounded request loop without a failed request.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { IMAGE, TEST_DEFAULTS, TestServer, freePort, readyPods, uniq, waitFor } from './harness';

const site = (name: string) => ({
  kind: 'Service',
  meta: { name },
  spec: {
    replicas: 2,
    network: { ports: ['80:8080/tcp'] },
    template: {
      containers: [
        {
          name: 'web',
          image: { name: IMAGE },
          command: ['sh', '-c', `mkdir -p /w/api && echo ${name} > /w/index.html && echo ${name}-api > /w/api/index.html && exec httpd -f -p 8080 -h /w`],
          readiness: { http: { path: '/', port: 8080 }, period: 1 },
        },
      ],
    },
  },
});

describe('ingress on haproxy', () => {
  let s: TestServer;
  let dir: string;
  let http: number;
  let https: number;
  const ns = uniq('ing');

  // node:http rather than fetch: fetch does not let a request choose its Host header.
  const get = (host: string, path = '/') =>
    new Promise<{ status: number; body: string; location?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: http, path, headers: { host }, timeout: 5000, agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b.trim(), location: res.headers.location }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ingress-'));
    http = await freePort();
    https = await freePort();
    const cfg = join(dir, 'server.yaml');
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, ingress: { enabled: true, http: `127.0.0.1:${http}`, https: `127.0.0.1:${https}`, domain: 'apps.test' } }));
    s = await TestServer.start({ config: cfg });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    for (const n of ['alpha', 'beta']) await s.client.createService(ns, site(n));
    for (const n of ['alpha', 'beta']) await waitFor(() => s.pods(ns, n), (p) => readyPods(p).length === 2, `${n} ready`);
  });
  afterAll(async () => {
    await s?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes by host and by path, with lb route and lb apply', async () => {
    expect((await s.lb(['route', 'create', 'a', '--host', 'a.test', '--rule', '/=alpha:80', '-n', ns])).code).toBe(0);
    const multi = { kind: 'Route', meta: { name: 'mix' }, spec: { domain: 'mix.test', rules: [{ path: '/', service: 'alpha', port: 80 }, { path: '/api', service: 'beta', port: 80 }] } };
    expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify(multi))).code).toBe(0);
    await waitFor(() => get('a.test'), (r) => r.body === 'alpha', 'a.test → alpha');
    await waitFor(() => get('mix.test', '/api/'), (r) => r.body === 'beta-api', 'mix.test/api → beta');
    expect((await get('mix.test', '/')).body).toBe('alpha');
    expect((await get('nobody.test')).status).toBe(404);
    // the default host of a route without a domain
    expect((await s.lb(['route', 'create', 'b', '--rule', '/=beta:80', '-n', ns])).code).toBe(0);
    await waitFor(() => get(`b.${ns}.apps.test`), (r) => r.body === 'beta', 'default host');
    const ls = await s.lb(['route', 'ls', '-n', ns]);
    expect(ls.stdout).toMatch(/mix\s+mix\.test\s+\/→alpha:80 \/api→beta:80\s+no\s+ready/);
  });

  it('terminates TLS with a certificate from a Secret, and redirects http to https', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    await s.client.create('secret', ns, { kind: 'Secret', meta: { name: 'secure-tls' }, spec: { type: 'tls', data: { 'tls.crt': cert, 'tls.key': readFileSync(join(dir, 'key.pem'), 'utf8') } } });
    expect((await s.lb(['route', 'create', 'secure', '--host', 'secure.test', '--rule', '/=beta:80', '--tls-secret', 'secure-tls', '--redirect', '-n', ns])).code).toBe(0);
    const body = await waitFor(
      () =>
        new Promise<string>((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port: https, path: '/', servername: 'secure.test', headers: { host: 'secure.test' }, ca: cert, timeout: 5000 }, (res) => {
            let b = '';
            res.on('data', (d: Buffer) => (b += d.toString()));
            res.on('end', () => resolve(b.trim()));
          });
          req.on('error', reject);
          req.end();
        }),
      (b) => b === 'beta',
      'https://secure.test → beta',
    );
    expect(body).toBe('beta');
    const plain = await get('secure.test');
    expect(plain.status).toBe(301);
    expect(plain.location).toMatch(/^https:\/\/secure\.test/);
  });

  it('keeps serving through 20 route changes: a bounded request loop sees no failure', async () => {
    const other = { kind: 'Route', meta: { name: 'flip' }, spec: { domain: 'flip.test', rules: [{ path: '/', service: 'alpha', port: 80 }] } };
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3000 && !stop; i++) {
        try {
          const r = await get('a.test');
          if (r.status === 200 && r.body === 'alpha') ok++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    })();
    for (let i = 0; i < 20; i++) {
      other.spec.rules[0].service = i % 2 ? 'alpha' : 'beta';
      expect((await s.lb(['apply', '-f', '-', '-n', ns], stringify(other))).code).toBe(0);
      await waitFor(() => get('flip.test'), (r) => r.body === other.spec.rules[0].service, `flip ${i}`, 10_000);
    }
    stop = true;
    await loop;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  });

  it('refuses a route with a bad certificate and keeps the others serving', async () => {
    await s.client.create('secret', ns, { kind: 'Secret', meta: { name: 'junk-tls' }, spec: { type: 'tls', data: { 'tls.crt': 'not a cert', 'tls.key': 'nor a key' } } });
    expect((await s.lb(['route', 'create', 'junk', '--host', 'junk.test', '--rule', '/=alpha:80', '--tls-secret', 'junk-tls', '-n', ns])).code).toBe(0);
    const r = await waitFor(() => s.client.get('route', ns, 'junk'), (x) => x.status.state === 'error', 'junk route refused');
    expect(r.status.message.length).toBeGreaterThan(0);
    expect((await get('a.test')).body).toBe('alpha');
    expect((await s.lb(['route', 'delete', 'junk', '-n', ns])).code).toBe(0);
  });
});
