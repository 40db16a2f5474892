// Metrics, health and JSON logs, end to end: a real `lb server` on etcd (this file's own, on loopback)
// with its local agent, and a joined `lb agent`, on Docker. The server logs JSON (--log-format json).
// Fails (never skips) when etcd or promtool (Debian's prometheus package) is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@lastbackend/sdk';
import { startLocalEtcd, type LocalEtcd } from '../core/src/ha/local-etcd';
import { TEST_DEFAULTS, TestAgent, TestServer, uniq, waitFor, webService } from './harness';

/** `promtool check metrics` on the text: its exit code and what it said. */
function promtool(text: string): { code: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is not installed (apt-get install prometheus): ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const SERVER_FAMILIES = [
  'lb_http_request_duration_seconds',
  'lb_deploy_duration_seconds',
  'lb_pods',
  'lb_scheduler_placements_total',
  'lb_scheduler_placement_duration_seconds',
  'lb_reconcile_duration_seconds',
  'lb_reconcile_queue_depth',
  'lb_store_operation_duration_seconds',
  'lb_node_capacity',
  'lb_node_allocated',
];
const AGENT_FAMILIES = ['lb_driver_call_duration_seconds', 'lb_driver_up', 'lb_container_restarts_total', 'lb_agent_pods', 'lb_container_cpu_seconds_total', 'lb_container_memory_bytes'];
const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
/** The value of one sample line, e.g. `lb_deploy_duration_seconds_count`. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics, health and JSON logs', () => {
  let etcd: LocalEtcd | undefined;
  let s: TestServer;
  let agent: TestAgent | undefined;
  let dir: string;
  let viewer: string;
  const ns = uniq('obs');

  beforeAll(async () => {
    etcd = await startLocalEtcd();
    dir = mkdtempSync(join(tmpdir(), 'lb-obs-'));
    const config = join(dir, 'server.json');
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, store: { backend: 'etcd', etcd: { endpoints: [etcd.endpoint], prefix: `/${ns}/`, lease_ttl: 5 } } }));
    s = await TestServer.start({ config, extraArgs: ['--log-format', 'json'] });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    viewer = (await s.client.createToken({ role: 'viewer', namespaces: [ns] })).token;
    const joinToken = await s.client.createToken({ role: 'node' });
    agent = await TestAgent.start({ server: s, joinToken: joinToken.token });
  }, 90_000);

  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const metrics = async (path = '/metrics', token = viewer) => {
    const res = await s.fetch(path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('counts exactly the deploys made in the apply → ready histogram', async () => {
    const svc = () => s.client.service(ns, 'web') as Promise<Service>;
    await s.client.createService(ns, { ...webService('web', 2), spec: { ...webService('web', 2).spec, selector: { node: s.node } } });
    await waitFor(svc, (x) => x.status.state === 'ready' && x.status.deployment === 'v1', 'v1 ready');
    // scaling makes no new version: not a deploy
    await s.client.scale(ns, 'web', 3);
    await waitFor(svc, (x) => x.status.state === 'ready' && x.status.replicas.ready === 3, '3 ready');
    await s.client.updateService(ns, 'web', { spec: { template: webService('web', 3, { env: { V: '2' } }).spec.template } });
    await waitFor(svc, (x) => x.status.state === 'ready' && x.status.deployment === 'v2', 'v2 ready');
    // v1's pods hold their node's resources until they are gone
    await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 3, "v1's pods gone");

    const m = await metrics();
    expect(m.status).toBe(200);
    expect(sample(m.text, 'lb_deploy_duration_seconds_count')).toBe(2);
    expect(sample(m.text, 'lb_deploy_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(m.text, 'lb_pods{phase="ready"}')).toBe(3);
    expect(sample(m.text, 'lb_scheduler_placements_total{outcome="placed"}')).toBeGreaterThanOrEqual(6);
    expect(sample(m.text, `lb_node_capacity{node="${s.node}",resource="pods"}`)).toBeGreaterThan(0);
    expect(sample(m.text, `lb_node_allocated{node="${s.node}",resource="pods"}`)).toBe(3);
  }, 120_000);

  it("serves the server's and a joined agent's metrics (through the server) that promtool accepts, with every family", async () => {
    const server = await metrics();
    expect(server.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(promtool(server.text)).toEqual({ code: 0, out: '' });
    for (const f of [...SERVER_FAMILIES, ...AGENT_FAMILIES]) expect(families(server.text)).toContain(f);
    // route templates, not paths: the namespace's name is in no label (but the per-container series, one per running container)
    expect(server.text).toMatch(/lb_http_request_duration_seconds_count\{method="POST",route="\/namespace\/:ns\/service",code="\d+"\} 1/);
    expect(server.text.split('\n').filter((l) => !l.startsWith('lb_container_')).join('\n')).not.toContain(ns);
    expect(server.text).toMatch(/lb_store_operation_duration_seconds_count\{op="txn",outcome="ok"\} [1-9]/);
    expect(server.text).toMatch(/lb_driver_call_duration_seconds_count\{kind="cri",method="create",outcome="ok"\} [1-9]/);

    // the joined agent's, from the agent over mutual TLS
    const remote = await metrics(`/cluster/node/${agent!.node}/metrics`);
    expect(remote.status).toBe(200);
    expect(promtool(remote.text)).toEqual({ code: 0, out: '' });
    expect([...families(remote.text)].sort()).toEqual([...AGENT_FAMILIES].sort());
    expect(remote.text).toMatch(/lb_driver_up\{kind="cri",package="@lastbackend\/driver-docker"\} 1/);
    expect(remote.text).toMatch(/lb_driver_call_duration_seconds_count\{kind="cri",method="\w+",outcome="ok"\} [1-9]/);
    // the local agent's too
    const local = await metrics(`/cluster/node/${s.node}/metrics`);
    expect(local.status).toBe(200);
    expect(sample(local.text, 'lb_agent_pods{phase="ready"}')).toBe(3);

    // a token with cluster read access is needed
    expect((await s.fetch('/metrics')).status).toBe(401);
    expect((await metrics('/metrics', 'not-a-token')).status).toBe(401);
    // a join token is no API caller
    const join = await s.client.createToken({ role: 'node' });
    expect([401, 403]).toContain((await metrics('/metrics', join.token)).status);
  }, 60_000);

  it('answers /livez, /healthz and /readyz without a token; /readyz is 503 naming the store while etcd is down, and ready again after', async () => {
    const get = async (path: string) => {
      const res = await s.fetch(path);
      return { status: res.status, body: (await res.json()) as { status: string; checks?: { name: string; ok: boolean; message?: string }[] } };
    };
    expect(await get('/livez')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'leader', ok: true }, { name: 'drivers', ok: true }] } });

    const down = etcd!.restart(8000);
    const notReady = await waitFor(() => get('/readyz'), (r) => r.status === 503, 'readyz 503', 8000);
    expect(notReady.body.status).toBe('not ready');
    expect(notReady.body.checks?.find((c) => c.name === 'store')).toMatchObject({ ok: false, message: expect.any(String) });
    // the process still answers
    expect((await get('/livez')).status).toBe(200);
    await down;
    const ready = await waitFor(() => get('/readyz'), (r) => r.status === 200, 'readyz 200 again', 60_000);
    expect(ready.body.checks?.every((c) => c.ok)).toBe(true);
  }, 120_000);

  it('--log-format json: every line is JSON, with an access log of API calls that names the caller and no token', async () => {
    await metrics();
    const lines = s.output().split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(5);
    const bad = lines.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(bad).toEqual([]);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.every((e) => typeof e.time === 'string' && typeof e.level === 'string' && typeof e.msg === 'string')).toBe(true);
    const access = entries.filter((e) => e.scope === 'lb:api:access' && e.route === '/metrics' && e.status === 200);
    expect(access.length).toBeGreaterThan(0);
    expect(access[0]).toMatchObject({ method: 'GET', route: '/metrics', status: 200, who: expect.stringMatching(/^token\//), duration_ms: expect.any(Number) });
    expect(entries.some((e) => e.scope === 'lb:api:access' && e.status === 401 && e.who === 'anonymous')).toBe(true);
    const out = s.output();
    for (const secret of [s.token, viewer]) expect(out).not.toContain(secret);
  });
});
