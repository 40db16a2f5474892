// The ingress against the real haproxy (Debian's 2.6): two backend HTTP servers on 127.0.0.1, the ingress on
// ephemeral loopback ports, a self-signed certificate made with openssl. No traffic leaves loopback.
import { execFile, execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { HaproxyIngress, type IngressRoute } from '../src';

jest.setTimeout(120000);

interface Reply {
  status: number;
  body: string;
  location?: string;
  peerCN?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function backend(name: string): Promise<{ server: http.Server; port: number }> {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${name} ${req.url}`);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}

/** One request on a fresh connection (no keep-alive: see the README of this test in the reload case). */
function get(port: number, host: string, urlPath = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false, timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function getTls(port: number, servername: string, ca: string, urlPath = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: urlPath, servername, headers: { host: servername }, ca, agent: false, timeout: 10000 },
      (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerCN: peer?.subject?.CN as string | undefined }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HaproxyIngress on real haproxy', () => {
  let tmp: string;
  let workDir: string;
  let cert: string;
  let key: string;
  let A: { server: http.Server; port: number };
  let B: { server: http.Server; port: number };
  let httpPort: number;
  let httpsPort: number;
  let ingress: HaproxyIngress;
  const logs: string[] = [];

  const to = (s: { port: number }) => [{ ip: '127.0.0.1', port: s.port }];
  const hostRoutes = (): IngressRoute[] => [
    { namespace: 'demo', name: 'a', hosts: ['a.test'], rules: [{ path: '/', backends: to(A) }] },
    { namespace: 'demo', name: 'b', hosts: ['B.Test'], rules: [{ path: '/', backends: to(B) }] },
    {
      namespace: 'demo',
      name: 'paths',
      hosts: ['p.test'],
      rules: [
        { path: '/', backends: to(A) },
        { path: '/api', backends: to(B) },
      ],
    },
    { namespace: 'demo', name: 'empty', hosts: ['empty.test'], rules: [{ path: '/', backends: [] }] },
  ];
  const secure = (redirect: boolean): IngressRoute => ({
    namespace: 'demo',
    name: 'secure',
    hosts: ['secure.test'],
    rules: [{ path: '/', backends: to(A) }],
    tls: { cert, key, redirect },
  });

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'lb-ingress-'));
    workDir = path.join(tmp, 'work');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test', '-days', '1',
        '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem')],
      { stdio: 'pipe' },
    );
    cert = readFileSync(path.join(tmp, 'cert.pem'), 'utf8');
    key = readFileSync(path.join(tmp, 'key.pem'), 'utf8');
    A = await backend('A');
    B = await backend('B');
    httpPort = await freePort();
    httpsPort = await freePort();
    const rec = (lvl: string) => (msg: string, meta?: Record<string, unknown>) => logs.push(`${lvl} ${msg} ${meta ? JSON.stringify(meta) : ''}`);
    ingress = new HaproxyIngress({
      workDir,
      http: { host: '127.0.0.1', port: httpPort },
      https: { host: '127.0.0.1', port: httpsPort },
      logger: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') },
    });
    await ingress.start();
  });

  afterAll(async () => {
    await ingress?.stop();
    A?.server.close();
    B?.server.close();
    // No haproxy (master or worker) of this workDir is left.
    const left = await new Promise<string>((resolve) =>
      execFile('pgrep', ['-af', workDir], (_e, stdout) => resolve(stdout.split('\n').filter((l) => l && !l.includes('pgrep')).join('\n'))),
    );
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    expect(left).toBe('');
  });

  it('starts with no routes: 404 for everything; workDir is 0700 with the master socket', async () => {
    expect((await get(httpPort, 'a.test')).status).toBe(404);
    expect((await fs.stat(workDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(workDir, 'master.sock'))).isSocket()).toBe(true);
  });

  it('routes by host and by longest path prefix; unknown host → 404; no backends → 503', async () => {
    const res = await ingress.apply(hostRoutes());
    expect(res).toEqual({ applied: ['demo/a', 'demo/b', 'demo/empty', 'demo/paths'], rejected: [] });
    expect(await get(httpPort, 'a.test', '/x')).toMatchObject({ status: 200, body: 'A /x' });
    expect(await get(httpPort, 'b.test', '/x')).toMatchObject({ status: 200, body: 'B /x' });
    expect(await get(httpPort, `A.TEST:${httpPort}`)).toMatchObject({ status: 200, body: 'A /' });
    expect(await get(httpPort, 'p.test', '/api/users')).toMatchObject({ status: 200, body: 'B /api/users' });
    expect(await get(httpPort, 'p.test', '/web')).toMatchObject({ status: 200, body: 'A /web' });
    expect((await get(httpPort, 'unknown.test')).status).toBe(404);
    expect((await get(httpPort, 'empty.test')).status).toBe(503);
  });

  it('serves a TLS route by SNI, and redirects http → https when asked', async () => {
    let res = await ingress.apply([...hostRoutes(), secure(false)]);
    expect(res.rejected).toEqual([]);
    expect(await getTls(httpsPort, 'secure.test', cert, '/s')).toEqual({ status: 200, body: 'A /s', peerCN: 'secure.test' });
    expect(await get(httpPort, 'secure.test', '/plain')).toMatchObject({ status: 200, body: 'A /plain' });

    res = await ingress.apply([...hostRoutes(), secure(true)]);
    expect(res.applied).toContain('demo/secure');
    const r = await get(httpPort, 'secure.test', '/x?y=1');
    expect(r.status).toBe(301);
    expect(r.location).toBe(`https://secure.test:${httpsPort}/x?y=1`);
    expect((await getTls(httpsPort, 'secure.test', cert, '/x?y=1')).body).toBe('A /x?y=1');
    // Plain routes are unaffected by the redirect and also reachable over https (default certificate).
    expect((await get(httpPort, 'a.test')).body).toBe('A /');
  });

  it('rejects a route haproxy refuses (garbage cert) and applies the rest; the running config keeps serving', async () => {
    const bad: IngressRoute = {
      namespace: 'demo',
      name: 'garbage',
      hosts: ['garbage.test'],
      rules: [{ path: '/', backends: to(B) }],
      tls: { cert: '-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n', key: 'junk', redirect: false },
    };
    const badHost: IngressRoute = { namespace: 'demo', name: 'badhost', hosts: ['bad host!'], rules: [{ path: '/', backends: to(B) }] };
    const res = await ingress.apply([...hostRoutes(), secure(true), bad, badHost]);
    expect(res.applied).toEqual(['demo/a', 'demo/b', 'demo/empty', 'demo/paths', 'demo/secure']);
    expect(res.rejected).toEqual([
      { route: 'demo/badhost', reason: expect.stringMatching(/DNS name/) },
      { route: 'demo/garbage', reason: expect.stringMatching(/haproxy refused it: .*certificate/) },
    ]);
    expect((await get(httpPort, 'garbage.test')).status).toBe(404);
    expect((await get(httpPort, 'b.test')).body).toBe('B /');
    expect((await getTls(httpsPort, 'secure.test', cert)).body).toBe('A /');
    // Nothing but the live generation is left behind.
    expect((await fs.readdir(workDir)).filter((e) => /^(gen|check)-/.test(e))).toHaveLength(1);
  });

  it('throws LbError when apply() is called before start()', async () => {
    const other = new HaproxyIngress({ workDir: path.join(tmp, 'unused'), http: { host: '127.0.0.1', port: httpPort } });
    await expect(other.apply([])).rejects.toBeInstanceOf(LbError);
  });

  it('drops no request over 20 reloads (apply alternating between two route sets)', async () => {
    const setX = hostRoutes();
    const setY: IngressRoute[] = [
      { namespace: 'demo', name: 'a', hosts: ['a.test'], rules: [{ path: '/', backends: to(A) }, { path: '/only-y', backends: to(B) }] },
      { namespace: 'demo', name: 'c', hosts: ['c.test'], rules: [{ path: '/', backends: to(B) }] },
      secure(false),
    ];
    await ingress.apply(setX);
    const TOTAL = 2000;
    const CONCURRENCY = 2;
    let sent = 0;
    let ok = 0;
    const failures: string[] = [];
    let reloadsDuringLoop = 0;
    let loopDone = false;
    const loop = async () => {
      while (sent < TOTAL) {
        sent++;
        try {
          const r = await get(httpPort, 'a.test', '/ping');
          if (r.status === 200 && r.body === 'A /ping') ok++;
          else failures.push(`${r.status} ${r.body}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
        await sleep(5); // paced so the 20 reloads (~0.2-0.3 s each: config check + reload) fall inside the loop
      }
    };
    const loops = Promise.all(Array.from({ length: CONCURRENCY }, loop)).then(() => (loopDone = true));
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      // Spread the reloads over the first ~80% of the requests.
      while (!loopDone && sent < ((i + 1) * TOTAL) / 25) await sleep(5);
      const res = await ingress.apply(i % 2 === 0 ? setY : setX);
      expect(res.rejected).toEqual([]);
      if (!loopDone) reloadsDuringLoop++;
    }
    const reloadMs = Date.now() - started;
    await loops;
    // eslint-disable-next-line no-console
    console.log(`reloads: 20 in ${reloadMs} ms, ${reloadsDuringLoop} while requests ran; requests ok ${ok}/${TOTAL}`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(ok).toBe(TOTAL);
    expect(reloadsDuringLoop).toBeGreaterThanOrEqual(15);
    // The last set applied is setX (i = 19): c.test is gone again.
    expect((await get(httpPort, 'c.test')).status).toBe(404);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});
