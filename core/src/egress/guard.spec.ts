import * as http from 'node:http';
import * as https from 'node:https';
import { createCa, issue } from '../tls/pki';
import type { AddressInfo } from 'node:net';
import { EgressError, EgressGuard, type Resolver } from './guard';

/** A local server that records the Host header it was asked for and answers per path. */
function server(): Promise<{ port: number; hosts: string[]; close: () => Promise<void> }> {
  const hosts: string[] = [];
  const s = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    if (req.url === '/big') return void res.end(Buffer.alloc(4096, 'x'));
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () =>
      resolve({
        port: (s.address() as AddressInfo).port,
        hosts,
        close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }),
      }),
    ),
  );
}

const refusal = async (p: Promise<unknown>): Promise<EgressError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof EgressError)) throw new Error(`expected an EgressError, got ${String(e)}`);
  return e;
};

describe('EgressGuard against a local server on 127.0.0.1', () => {
  let srv: Awaited<ReturnType<typeof server>>;
  beforeAll(async () => { srv = await server(); });
  afterAll(() => srv.close());
  const guard = (allow: string[], resolve?: Resolver) => new EgressGuard({ allowOf: async () => allow, ...(resolve ? { resolve } : {}) });

  it('calls 127.0.0.1 when the namespace allows 127.0.0.1/32, or the literal host', async () => {
    const url = `http://127.0.0.1:${srv.port}/next?q=1`;
    for (const allow of [['127.0.0.1/32'], ['127.0.0.1'], [`http://127.0.0.1:${srv.port}/next`]]) {
      const r = await guard(allow).fetch('q', url, { method: 'POST', body: '{}' });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString())).toEqual({ path: '/next?q=1', method: 'POST' });
    }
  });

  it('refuses 127.0.0.1 otherwise, naming the URL and why, and connects nowhere', async () => {
    const before = srv.hosts.length;
    const url = `http://127.0.0.1:${srv.port}/next`;
    const e = await refusal(guard(['0.0.0.0/0', 'queue.example.com']).fetch('q', url));
    expect(e.message).toBe(`egress to ${url} refused: 127.0.0.1 is loopback and not allowed by namespace "q"'s egress`);
    expect(e.refused).toBe(true);
    expect(e.code).toBe('FORBIDDEN');
    expect((await refusal(guard([]).fetch('q', url))).message).toContain(`namespace "q" allows no egress`);
    expect((await refusal(guard(['127.0.0.1/32']).fetch('q', `file:///etc/passwd`))).message).toContain('scheme file is not allowed');
    // Other spellings of loopback are read as the address they are.
    for (const host of ['2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '[::1]']) {
      const u = `http://${host}:${srv.port}/next`;
      expect((await refusal(guard(['localhost', '0.0.0.0/0', '::/0']).fetch('q', u))).message).toMatch(/(127\.0\.0\.1|::1)\)? is loopback and not allowed/);
    }
    expect(srv.hosts.length).toBe(before);
  });

  it('connects to the address it checked, with the name as Host: a rebinding name cannot move the call', async () => {
    // The first answer is the allowed address; any later lookup would say 169.254.169.254.
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
    const r = await guard(['127.0.0.1/32'], rebinding).fetch('q', `http://queue.test:${srv.port}/x`);
    expect(r.status).toBe(200);
    expect(calls).toBe(1);
    expect(srv.hosts.at(-1)).toBe(`queue.test:${srv.port}`);
    // A name that resolves to the metadata address is refused even though the name is allowed.
    const meta: Resolver = async () => [{ address: '169.254.169.254', family: 4 }];
    const e = await refusal(guard(['queue.test'], meta).fetch('q', `http://queue.test:${srv.port}/x`));
    expect(e.message).toContain('queue.test (169.254.169.254) is link-local (the metadata range) and not allowed');
    // One bad address among several refuses the call.
    const mixed: Resolver = async () => [{ address: '127.0.0.1', family: 4 }, { address: '10.211.0.1', family: 4 }];
    const g = new EgressGuard({ allowOf: async () => ['127.0.0.1/32', 'queue.test'], resolve: mixed, cluster: async () => ({ nodes: [], pods: ['10.210.0.0/16'], services: ['10.211.0.0/16'], api: [] }) });
    expect((await refusal(g.fetch('q', `http://queue.test:${srv.port}/x`))).message).toContain('(10.211.0.1) is in the service network 10.211.0.0/16');
  });

  it('answers a redirect as is, bounds the size and the time', async () => {
    const g = guard(['127.0.0.1/32']);
    const r = await g.fetch('q', `http://127.0.0.1:${srv.port}/redirect`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('http://169.254.169.254/');
    const big = await refusal(g.fetch('q', `http://127.0.0.1:${srv.port}/big`, { maxBytes: 1000 }));
    expect([big.code, big.refused]).toEqual(['PAYLOAD_TOO_LARGE', false]);
    expect(big.message).toContain(`/big failed: the answer is larger than 1000 bytes`);
    const slow = await refusal(g.fetch('q', `http://127.0.0.1:${srv.port}/slow`, { timeoutMs: 200 }));
    expect(slow.code).toBe('TIMEOUT');
  });

  it('a host that does not resolve fails, naming it', async () => {
    const none: Resolver = async () => { throw new Error('getaddrinfo ENOTFOUND nowhere.test'); };
    const e = await refusal(guard(['nowhere.test'], none).fetch('q', 'http://nowhere.test/'));
    expect([e.code, e.refused]).toEqual(['UNAVAILABLE', false]);
    expect(e.message).toContain('cannot resolve nowhere.test');
  });
});

describe('EgressGuard over https', () => {
  it('connects to the checked address and verifies the certificate for the name (SNI)', async () => {
    const ca = await createCa('egress-test-ca');
    const leaf = await issue(ca, { role: 'server', name: 'queue.test', sans: ['queue.test'], days: 1 });
    const names: (string | undefined)[] = [];
    const s = https.createServer({ cert: leaf.cert, key: leaf.key, SNICallback: (name, cb) => { names.push(name); cb(null); } }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    try {
      const g = new EgressGuard({ allowOf: async () => ['127.0.0.1/32'], resolve: async () => [{ address: '127.0.0.1', family: 4 }], ca: ca.cert });
      const r = await g.fetch('q', `https://queue.test:${port}/`);
      expect([r.status, r.body.toString()]).toEqual([200, 'ok']);
      expect(names).toEqual(['queue.test']);
      // The certificate is checked against the name asked for: another name on the same address fails.
      const other = new EgressGuard({ allowOf: async () => ['127.0.0.1/32'], resolve: async () => [{ address: '127.0.0.1', family: 4 }], ca: ca.cert });
      const e = await refusal(other.fetch('q', `https://other.test:${port}/`));
      expect([e.code, e.refused]).toEqual(['UNAVAILABLE', false]);
      expect(e.message).toMatch(/other\.test/);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
