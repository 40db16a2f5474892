// The audit trail against a real `lb server` (control plane only: no pods, no containers). A scripted
// run of 20 mixed calls — changes, sensitive reads, refusals (bad token, bad body, unknown objects) —
// is recorded exactly, in order, with ordinary reads left out; the trail holds no secret value and no
// token; `lb audit --who / --since / -f` filter and follow; a clean shutdown loses nothing.
// On the same server: `lb login` pins the CA by its hash (a wrong one stores nothing), and two contexts
// switch between identities. Then two servers on one etcd: one trail, no record overwritten, each
// server's records written by a clean shutdown.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '@lastbackend/sdk';
import { Etcd3 } from 'etcd3';
import { startLocalEtcd, type LocalEtcd } from '../core/src/ha/local-etcd';
import { LB, lb, TEST_DEFAULTS, TestServer, uniq, waitFor } from './harness';

const SECRET_VALUE = 's3cr3t-hunter2-value';
const OTHER_SECRET = 'another-secret-0xC0FFEE';

describe('audit trail', () => {
  let s: TestServer;
  const ns = uniq('audit');
  /** What the script expects in the trail, in order: who, method, path, status (as the caller saw it). */
  const expected: { who: string; method: string; path: string; status: number; reason?: string; objects?: string[]; name?: string }[] = [];
  let joinToken = '';
  let cut = 0;

  beforeAll(async () => {
    s = await TestServer.start({ agent: false });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  const json = (body: unknown, token = s.token) => ({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const auth = (token = s.token) => ({ headers: { authorization: `Bearer ${token}` } });
  /** One call of the script: made, and what the trail must say about it noted. */
  async function call(method: string, path: string, init: RequestInit, who: string, extra: { objects?: string[]; name?: string } = {}): Promise<Response> {
    const res = await s.fetch(path, { method, ...init });
    const body = res.status >= 400 ? ((await res.clone().json()) as { reason?: string }) : undefined;
    expected.push({ who, method, path: path.split('?')[0], status: res.status, ...(body?.reason ? { reason: body.reason } : {}), ...extra });
    return res;
  }
  /** A call the trail must not hold (an ordinary read). */
  const quiet = (path: string) => s.fetch(path, auth());

  const service = (replicas: number) => ({
    kind: 'Service',
    version: 'v1',
    meta: { name: 'web' },
    spec: { replicas, selector: { node: 'nowhere' }, template: { containers: [{ name: 'web', image: { name: 'lb-test/busybox:latest' }, env: [{ name: 'P', secret: { name: 'db', key: 'password' } }] }] } },
  });

  it('records a scripted run of 20 mixed calls exactly, in order, without a secret value or a token', async () => {
    await call('POST', '/namespace', json({ kind: 'Namespace', meta: { name: ns } }), 'admin', { name: ns }); // 1
    const secret = { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: SECRET_VALUE } } };
    const config = { kind: 'Config', meta: { name: 'app' }, spec: { data: { 'app.conf': 'x=1' } } };
    expect((await call('POST', `/namespace/${ns}/apply`, json({ manifests: [secret, config] }), 'admin', { objects: ['secret/db', 'config/app'] })).status).toBe(200); // 2
    expect((await call('POST', `/namespace/${ns}/apply`, json({ manifests: [service(1)] }), 'admin', { objects: ['service/web'] })).status).toBe(200); // 3
    await quiet(`/namespace/${ns}/service`);
    expect((await call('PUT', `/namespace/${ns}/service/web`, json({ spec: { replicas: 2 } }), 'admin', { name: 'web' })).status).toBe(200); // 4: scale
    expect((await call('GET', `/namespace/${ns}/secret/db`, auth(), 'admin', { name: 'db' })).status).toBe(200); // 5: a secret read
    expect((await call('POST', `/namespace/${ns}/secret`, json({ kind: 'Secret', meta: { name: 'api' }, spec: { data: { key: OTHER_SECRET } } }), 'admin', { name: 'api' })).status).toBe(201); // 6
    const created = await call('POST', '/cluster/token', json({ description: 'for audit' }), 'admin'); // 7
    const token = (await created.json()) as { id: string; token: string };
    joinToken = token.token;
    await quiet('/cluster/token');
    expect((await call('DELETE', `/cluster/token/${token.id}`, auth(), 'admin', { name: token.id })).status).toBe(204); // 8
    expect((await call('GET', `/namespace/${ns}/service/web/logs?tail=5`, auth(), 'admin', { name: 'web' })).status).toBe(200); // 9: a logs read
    // 10: a bad token (its body is never read: nothing of it is recorded)
    expect((await call('POST', `/namespace/${ns}/apply`, json({ manifests: [secret] }, 'not-the-token'), 'anonymous')).status).toBe(401);

    // `--since` below takes the records from here on.
    cut = Math.floor(Date.now() / 1000) + 1;
    await new Promise((r) => setTimeout(r, cut * 1000 - Date.now() + 20));

    expect((await call('POST', `/namespace/${ns}/apply`, json('{"manifests": [ {"kind": "Secret",'), 'admin')).status).toBe(400); // 11: bad body
    expect((await call('POST', `/namespace/${ns}/apply`, json({ manifests: [{ ...secret, meta: { name: 'Not A Name' } }] }), 'admin', { objects: ['secret/Not A Name'] })).status).toBe(400); // 12: invalid manifest
    // 13: Express routes any case: so is it recorded.
    expect((await call('DELETE', `/Namespace/${ns}/CONFIG/app`, auth(), 'admin', { name: 'app' })).status).toBe(204);
    // 14: the token in the query: the record has the path only.
    expect((await call('GET', `/namespace/${ns}/secret?x-lastbackend-token=${s.token}`, {}, 'admin')).status).toBe(200);
    expect((await call('DELETE', `/namespace/${ns}/service/nope`, auth(), 'admin', { name: 'nope' })).status).toBe(404); // 15
    expect((await call('POST', '/cluster/join', json({ name: 'n1', address: '10.0.0.1' }, 'lbj.abc.def'), 'anonymous')).status).toBe(401); // 16: unknown join token
    expect((await call('POST', `/namespace/${ns}/pod/nope/exec`, json({ command: ['cat', '/etc/passwd'] }), 'admin', { name: 'nope' })).status).toBe(404); // 17: exec
    await quiet('/healthz');
    // 18: a node delete, its request line in absolute form (as to a proxy): routed, so recorded, by its path.
    const absolute = await new Promise<number>((done, fail) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: s.port, method: 'DELETE', path: `${s.url}/cluster/node/ghost`, ca: readFileSync(s.caFile, 'utf8'), headers: { authorization: `Bearer ${s.token}` } },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      req.end();
    });
    expect(absolute).toBe(404);
    expected.push({ who: 'admin', method: 'DELETE', path: '/cluster/node/ghost', status: 404, reason: 'NOT_FOUND', name: 'ghost' });
    const swap = await call('PUT', '/cluster/driver/cri', json({ package: '@lastbackend/driver-docker' }), 'admin', { name: 'cri' }); // 19: driver swap (no local node: refused)
    expect(swap.status).toBeGreaterThanOrEqual(400);
    expect((await call('DELETE', `/namespace/${ns}/service/web`, auth(), 'admin', { name: 'web' })).status).toBe(204); // 20
    await quiet(`/namespace/${ns}`);
    expect(expected).toHaveLength(20);

    const trail: AuditRecord[] = [];
    for await (const r of s.client.audit()) trail.push(r);
    expect(trail.map((r) => ({ who: r.who, method: r.method, path: r.path, status: r.status, ...(r.reason ? { reason: r.reason } : {}), ...(r.objects ? { objects: r.objects } : {}), ...(r.name ? { name: r.name } : {}) }))).toEqual(expected);
    for (const r of trail) {
      expect(r).toMatchObject({ from: '127.0.0.1', server: s.node });
      expect(Date.parse(r.time)).toBeGreaterThan(Date.now() - 120_000);
    }
    expect(trail[1]).toMatchObject({ route: '/namespace/:ns/apply', namespace: ns });
    expect(trail.map((r) => r.reason).filter(Boolean)).toEqual(expect.arrayContaining(['UNAUTHORIZED', 'INVALID_ARGUMENT', 'NOT_FOUND']));
    const text = JSON.stringify(trail);
    for (const hidden of [SECRET_VALUE, OTHER_SECRET, s.token, joinToken, joinToken.split('.')[2]]) expect(text).not.toContain(hidden);

    // Only an admin reads it.
    const join = (await (await s.fetch('/cluster/token', { method: 'POST', ...json({}) })).json()) as { token: string };
    const bearer = join.token.split('.').slice(0, 3).join('.'); // without the CA hash it ends with
    expect((await s.fetch('/audit', auth(bearer))).status).toBe(403);
    expect((await s.fetch('/audit')).status).toBe(401);
    // Refused reads are recorded too.
    expected.push({ who: 'admin', method: 'POST', path: '/cluster/token', status: 201 });
    expected.push({ who: `join-token/${join.token.split('.')[1]}`, method: 'GET', path: '/audit', status: 403 });
    expected.push({ who: 'anonymous', method: 'GET', path: '/audit', status: 401 });
  });

  it('`lb audit` prints one line per record, filtered by --who and --since', async () => {
    const who = await s.lb(['audit', '--who', 'anonymous']);
    expect(who.stderr).toBe('');
    const lines = who.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z  anonymous  127\\.0\\.0\\.1  POST /namespace/${ns}/apply  401 UNAUTHORIZED$`));
    expect(lines[1]).toMatch(/ anonymous {2}127\.0\.0\.1 {2}POST \/cluster\/join {2}401 UNAUTHORIZED$/);
    expect(lines[2]).toMatch(/ anonymous {2}127\.0\.0\.1 {2}GET \/audit {2}401 UNAUTHORIZED$/);

    const since = await s.lb(['audit', '--since', String(cut), '-o', 'json']);
    const records = since.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => `${r.method} ${r.path}`)).toEqual(expected.slice(10, 20).map((e) => `${e.method} ${e.path}`).concat(['POST /cluster/token', 'GET /audit', 'GET /audit']));
    const hour = await s.lb(['audit', '--since', '1h']);
    expect(hour.stdout.trim().split('\n')).toHaveLength(23);
  });

  it('`lb login` pins the CA by its hash (a wrong hash or token stores nothing); contexts switch between identities', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lb-login-'));
    const config = join(home, 'cli.json');
    // Only the CLI config: no LB_SERVER / LB_TOKEN / LB_CA_FILE.
    const cli = (args: string[], env: Record<string, string> = {}, input?: string) => lb(args, { LB_CLI_CONFIG: config, ...env }, input);
    try {
      const hash = `sha256:${createHash('sha256').update(readFileSync(s.caFile, 'utf8')).digest('hex')}`;
      // Where the admin finds it: `lb ca hash`, and the server's start-up log.
      expect((await cli(['ca', 'hash', '--data-dir', s.dataDir])).stdout.trim()).toBe(hash);
      expect(s.output()).toContain(`cluster CA ${hash}`);

      const wrong = await cli(['login', 'ops', '--server', s.url, '--token', s.token, '--ca-hash', `sha256:${'0'.repeat(64)}`]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(`the CA served by ${s.url} has hash ${hash}, not the sha256:${'0'.repeat(64)} given: not logged in, nothing stored`);
      expect(existsSync(config)).toBe(false);
      // Without a hash, a certificate this machine does not trust is refused too.
      const unpinned = await cli(['login', 'ops', '--server', s.url, '--token', s.token]);
      expect(unpinned.stderr).toMatch(/not signed by a CA this machine trusts/);
      expect(existsSync(config)).toBe(false);

      const ok = await cli(['login', 'ops', '--server', s.url, '--token', s.token, '--ca-hash', hash]);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      expect(statSync(config).mode & 0o777).toBe(0o600);
      expect(readFileSync(config, 'utf8')).toContain('BEGIN CERTIFICATE');
      const asAdmin = await cli(['get', 'namespaces']);
      expect(asAdmin).toMatchObject({ code: 0, stderr: '' });
      expect(asAdmin.stdout).toContain(ns);
      expect((await cli(['ca', 'hash'])).stdout.trim()).toBe(hash); // the context's CA

      // A second identity on the same cluster, its token on stdin: a join token may only join.
      const join = (await (await s.fetch('/cluster/token', { method: 'POST', ...json({ uses: 5 }) })).json()) as { id: string; token: string };
      expected.push({ who: 'admin', method: 'POST', path: '/cluster/token', status: 201 });
      const bearer = join.token.split('.').slice(0, 3).join('.');
      expect(await cli(['login', 'joiner', '--server', s.url, '--ca-hash', hash], {}, `${bearer}\n`)).toMatchObject({ code: 0, stderr: '' });
      expected.push({ who: `join-token/${join.id}`, method: 'GET', path: '/namespace', status: 403 }); // the login's check: a known token
      const refused = await cli(['get', 'namespaces']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/join token may only join/);
      expected.push({ who: `join-token/${join.id}`, method: 'GET', path: '/namespace', status: 403 });
      expect((await cli(['--context', 'ops', 'get', 'namespaces'])).stdout).toContain(ns);
      expect((await cli(['get', 'namespaces'], { LB_CONTEXT: 'ops' })).stdout).toContain(ns);
      const ls = await cli(['context', 'ls']);
      expect(ls.stdout).toMatch(/^\*\s+joiner\s/m);
      expect(ls.stdout).toMatch(/^\s+ops\s/m);
      expect(ls.stdout).not.toContain(s.token);
      expect((await cli(['context', 'use', 'ops'])).code).toBe(0);
      expect((await cli(['get', 'namespaces'])).stdout).toContain(ns);

      // A token the server does not know is refused, and nothing is stored.
      const bad = await cli(['login', 'bad', '--server', s.url, '--token', 'not-a-token', '--ca-hash', hash]);
      expect(bad.stderr).toMatch(/refused the token: not logged in, nothing stored/);
      expected.push({ who: 'anonymous', method: 'GET', path: '/namespace', status: 401 });
      expect((await cli(['context', 'ls'])).stdout).not.toContain('bad');

      // The trail tells the identities apart.
      const trail = (await cli(['audit', '--who', `join-token/${join.id}`], { LB_CONTEXT: 'ops' })).stdout.trim().split('\n');
      expect(trail).toHaveLength(2);
      for (const line of trail) expect(line).toMatch(/GET \/namespace {2}403 FORBIDDEN$/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('`lb audit -f` follows new records; a clean shutdown has written every record to the data dir', async () => {
    const child = spawn(process.execPath, [LB, 'audit', '-f', '--who', 'admin', '--since', '0s'], { env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const res = await s.fetch(`/namespace/${ns}`, { method: 'DELETE', ...auth() });
      expect(res.status).toBe(204);
      await waitFor(async () => out, (o) => o.includes(`DELETE /namespace/${ns}  204`), 'the followed record', 15_000);
      expect(out.trim().split('\n')).toHaveLength(1);
    } finally {
      child.kill('SIGINT');
    }

    await s.stop();
    const dir = join(s.dataDir, 'audit');
    expect(readdirSync(dir)).toEqual(['audit.log']);
    const stored = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(stored.map((r) => `${r.who} ${r.method} ${r.path} ${r.status}`)).toEqual(
      [...expected, { who: 'admin', method: 'DELETE', path: `/namespace/${ns}`, status: 204 }].map((e) => `${e.who} ${e.method} ${e.path} ${e.status}`),
    );
    const raw = readFileSync(join(dir, 'audit.log'), 'utf8');
    for (const hidden of [SECRET_VALUE, OTHER_SECRET, s.token, joinToken]) expect(raw).not.toContain(hidden);
  });
});

describe('audit trail with etcd (two servers)', () => {
  let etcd: LocalEtcd;
  let dir: string;
  const servers: TestServer[] = [];
  const prefix = `/${uniq('audit')}/`;

  beforeAll(async () => {
    etcd = await startLocalEtcd();
    dir = mkdtempSync(join(tmpdir(), 'lb-audit-ha-'));
    const keyFile = join(dir, 'secret.key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const config = join(dir, 'server.json');
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, store: { backend: 'etcd', etcd: { endpoints: [etcd.endpoint], prefix }, secret_key_file: keyFile } }));
    // One after the other: the first makes the cluster CA in etcd, the second reads it. Both take the
    // first one's admin token (its own, from TestServer, is given first and overridden).
    servers.push(await TestServer.start({ agent: false, config }));
    servers.push(await TestServer.start({ agent: false, config, extraArgs: ['--token', servers[0].token] }));
  }, 90_000);
  afterAll(async () => {
    for (const s of servers) await s.cleanup();
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every server\'s records in one trail, in order, and writes them on a clean shutdown', async () => {
    const [a, b] = servers;
    const ns = uniq('ha');
    const post = (s: TestServer, path: string, body: unknown) =>
      s.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(a, '/namespace', { kind: 'Namespace', meta: { name: ns } })).status).toBe(201);
    expect((await post(b, `/namespace/${ns}/secret`, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { p: SECRET_VALUE } } })).status).toBe(201);
    expect((await b.fetch(`/namespace/${ns}/secret/db`, { method: 'DELETE' })).status).toBe(401);
    expect((await a.fetch(`/namespace/${ns}`, { method: 'DELETE', headers: { authorization: `Bearer ${a.token}` } })).status).toBe(204);

    // Read from a: b's records reach etcd within its flush interval (100 ms).
    const read = async () => {
      const out: AuditRecord[] = [];
      for await (const r of a.client.audit({ since: '1h' })) out.push(r);
      return out;
    };
    const seen = await waitFor(read, (rs) => rs.length >= 4, 'four records', 5000);
    const line = (r: { server: string; who: string; method: string; path: string; status: number }) => `${r.server} ${r.who} ${r.method} ${r.path} ${r.status}`;
    const want = [
      `${a.node} admin POST /namespace 201`,
      `${b.node} admin POST /namespace/${ns}/secret 201`,
      `${b.node} anonymous DELETE /namespace/${ns}/secret/db 401`,
      `${a.node} admin DELETE /namespace/${ns} 204`,
    ];
    expect(seen.map(line)).toEqual(want);
    expect(JSON.stringify(seen)).not.toContain(SECRET_VALUE);

    // A call right before a clean shutdown is in etcd afterwards, under the audit prefix (not the state's).
    expect((await post(a, '/namespace', { kind: 'Namespace', meta: { name: `${ns}-last` } })).status).toBe(201);
    await a.stop();
    await b.stop();
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      const stored = Object.values(await client.namespace(`${prefix}audit/`).getAll().strings()).map((v) => JSON.parse(v) as AuditRecord);
      expect(stored.map(line)).toEqual([...want, `${a.node} admin POST /namespace 201`]);
    } finally {
      client.close();
    }
  }, 60_000);
});
