// Trust between machines, tried as an attacker would (issue 11): the API is TLS only; an agent checks
// the server's CA against its join token before it sends the token; the server reaches an agent only
// at the address the node registered at join, whatever endpoint the node reports; and --insecure-http
// is an explicit choice that still works end to end.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbClient } from '@lastbackend/sdk';
import { caHash } from '../core/src/tls/cert-info';
import { createCa, issue, newKeyPair } from '../core/src/tls/pki';
import { TEST_DEFAULTS, TestAgent, TestServer, lb, nodeFetch, readCredentials, readyPods, uniq, waitFor, webService } from './harness';

const listen = (srv: Server, host: string) => new Promise<number>((res) => srv.listen(0, host, () => res((srv.address() as { port: number }).port)));

describe('trust between machines', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await TestServer.start();
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it('serves the API over TLS only: plain HTTP to it gets no answer, curl --cacert works', async () => {
    expect(s.url).toMatch(/^https:/);
    const plain = s.url.replace('https:', 'http:');
    await expect(fetch(`${plain}/healthz`)).rejects.toThrow();
    const out = await new Promise<string>((res) =>
      execFile('curl', ['-s', '--cacert', s.caFile, '-H', `authorization: Bearer ${s.token}`, `${s.url}/namespace`], (_e, stdout) => res(stdout)),
    );
    expect(out).toContain('"default"');
  });

  it("refuses token reuse, a join under a taken name and a join as the server's node; the joined node keeps working", async () => {
    const ca = readFileSync(s.caFile, 'utf8');
    const joinWith = async (token: string, name: string) =>
      new LbClient({ server: s.url, token: token.split('.').slice(0, 3).join('.'), tls: { ca } }).join(name, { address: '127.0.0.1', public_key: (await newKeyPair()).publicKey });
    const keys = await newKeyPair();
    const { token } = await s.client.createToken({});
    const name = uniq('owner');
    const joined = await new LbClient({ server: s.url, token: token.split('.').slice(0, 3).join('.'), tls: { ca } }).join(name, { address: '127.0.0.1', public_key: keys.publicKey });
    const owner = { node: name, token: joined.token, cert: joined.certificate, key: keys.key };
    try {
      await expect(joinWith(token, uniq('second'))).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/used up, expired or revoked/) });
      await expect(joinWith((await s.client.createToken({})).token, name)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(new RegExp(`${name}.*has already joined.*lb delete node ${name}`)) });
      await expect(joinWith((await s.client.createToken({})).token, s.node)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/API server's own node/) });
      expect((await nodeFetch(s, owner, `/cluster/node/${name}/status`, { method: 'PUT', body: JSON.stringify({ capacity: { cpu: 1000, ram: 1 << 30, pods: 10 } }) })).status).toBe(200);
    } finally {
      await s.client.deleteNode(name).catch(() => undefined);
    }
  });

  it('an agent refuses a join token whose CA hash does not match the server, before it sends the token', async () => {
    // A server the attacker controls, with a certificate of another CA: it records what it receives.
    const fake = await createCa('not-the-cluster');
    const cert = await issue(fake, { role: 'server', name: 'fake', sans: ['127.0.0.1'], days: 1 });
    const seen: { path: string; auth?: string }[] = [];
    const trap = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      res.end(req.url === '/cacerts' ? fake.cert : '{}');
    });
    const port = await listen(trap as unknown as Server, '127.0.0.1');
    const { token } = await s.client.createToken({});
    const dir = mkdtempSync(join(tmpdir(), 'lb-pin-'));
    try {
      const r = await lb(['agent', '--server', `https://127.0.0.1:${port}`, '--token', token, '--name', uniq('pin'), '--data-dir', dir, '--listen', '127.0.0.1:0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/does not match the join token's hash/);
      expect(seen.map((x) => x.path)).toEqual(['/cacerts']);
      expect(seen.every((x) => !x.auth)).toBe(true);
      // The token was never spent: it still joins the real server.
      expect((await s.client.tokens()).find((t) => token.startsWith(`lbj.${t.id}.`))?.uses_left).toBe(1);
    } finally {
      trap.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(caHash(readFileSync(s.caFile, 'utf8'))).toBe(token.split('.')[3]);
  });

  it('never connects to an exec endpoint a node reports at another address than it registered', async () => {
    // A node that joined at 127.0.0.1 reports its agent endpoint at 127.0.0.9, where a trap listens.
    const connections: string[] = [];
    const trap = createNetServer((c) => {
      connections.push(c.remoteAddress ?? '');
      c.destroy();
    });
    const port = await listen(trap, '127.0.0.9');
    const name = uniq('forger');
    const { token } = await s.client.createToken({});
    const keys = await newKeyPair();
    const ca = readFileSync(s.caFile, 'utf8');
    const joined = await new LbClient({ server: s.url, token: token.split('.').slice(0, 3).join('.'), tls: { ca } }).join(name, { address: '127.0.0.1', public_key: keys.publicKey });
    const node = new LbClient({ server: s.url, token: joined.token, tls: { ca, cert: joined.certificate, key: keys.key } });
    try {
      await node.reportNode(name, { capacity: { cpu: 1000, ram: 1 << 30, pods: 10, storage: 0 }, endpoint: `https://127.0.0.9:${port}` } as never);
      const r = await s.lb(['driver', 'ls', '--node', name]);
      expect(r.code).not.toBe(0);
      // The server went to the registered address (nothing listens there on that port), not to the trap.
      expect(r.stderr).toContain(`https://127.0.0.1:${port}`);
      await new Promise((res) => setTimeout(res, 300));
      expect(connections).toEqual([]);
    } finally {
      trap.close();
      await s.client.deleteNode(name).catch(() => undefined);
    }
  });
});

describe('--insecure-http', () => {
  let s: TestServer;
  let agent: TestAgent | undefined;
  beforeAll(async () => {
    s = await TestServer.start({ extraArgs: ['--insecure-http'] });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  it('serves plain HTTP with a warning; an agent joins without a CA and the server reaches it with the derived agent key', async () => {
    expect(s.url).toMatch(/^http:/);
    expect(s.output()).toMatch(/TLS is off \(--insecure-http\)/);
    const { token } = await s.client.createToken({});
    expect(token.split('.')).toHaveLength(3);
    agent = await TestAgent.start({ server: s, joinToken: token });
    const r = await s.lb(['driver', 'ls', '--node', agent.node]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/cri\s+@lastbackend\/driver-docker/);
    await waitFor(() => s.client.node(agent!.node), (n) => n.status.state === 'ready', 'agent ready');
  });
});

describe('moving a cluster from plain HTTP to TLS', () => {
  let s: TestServer;
  let agent: TestAgent | undefined;
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  it('an agent that joined over plain HTTP moves to TLS with one command; its node and containers stay', async () => {
    s = await TestServer.start({ extraArgs: ['--insecure-http'] });
    agent = await TestAgent.start({ server: s, joinToken: (await s.client.createToken({})).token });
    const ns = uniq('upgrade');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const m = webService('web', 1);
    (m.spec as Record<string, unknown>).selector = { node: agent.node };
    await s.client.createService(ns, m);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'a pod on the agent');
    const ids = agent.containers({ 'io.lastbackend.namespace': ns });
    expect(ids).toHaveLength(1);

    await agent.stop();
    await s.stop();
    s.reconfigure([]);
    await s.launch();
    // The documented command: the same agent, the https:// URL and a join token that pins the CA.
    await agent.launch((await s.client.createToken({})).token);
    expect(agent.output()).toMatch(/moved to TLS/);
    expect(readCredentials(agent.dataDir).cert).toContain('BEGIN CERTIFICATE');
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1 && p[0].meta.node === agent!.node, 'the same pod ready over TLS');
    expect(agent.containers({ 'io.lastbackend.namespace': ns })).toEqual(ids);
    const r = await s.lb(['exec', (await s.pods(ns, 'web'))[0].meta.name, '-n', ns, '--', 'echo', 'over-mtls']);
    expect(r.stdout).toBe('over-mtls\n');
  });
});

describe('node certificates', () => {
  let s: TestServer;
  let agent: TestAgent | undefined;
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-renew-'));
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renew themselves when a third of their life is left, and the node keeps working', async () => {
    // Certificates of 30 s here (a year by default): renewed after about 20 s.
    const cfg = join(dir, 'server.json');
    writeFileSync(cfg, JSON.stringify({ ...TEST_DEFAULTS, tls: { node_cert_days: 30 / 86400 } }));
    s = await TestServer.start({ config: cfg });
    agent = await TestAgent.start({ server: s, joinToken: (await s.client.createToken({})).token });
    const before = readCredentials(agent.dataDir);
    await waitFor(async () => readCredentials(agent!.dataDir).cert, (c) => c !== before.cert, 'a renewed certificate', 40_000);
    // The file is written before the agent takes the certificate into use and says so: waited for, not assumed.
    await waitFor(async () => agent!.output(), (o) => /certificate renewed/.test(o), 'the renewal logged', 10_000);
    // The old certificate no longer counts; the agent uses the new one (its heartbeats go on).
    const since = Date.now();
    await waitFor(() => s.client.node(agent!.node), (n) => Date.parse(n.status.heartbeat) > since + 1000, 'heartbeats with the new certificate');
    expect((await nodeFetch(s, before, `/cluster/node/${agent.node}`)).status).toBe(403);
    const r = await s.lb(['driver', 'ls', '--node', agent.node]);
    expect(r.stderr).toBe('');
  });
});
