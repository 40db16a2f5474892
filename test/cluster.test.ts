// Several nodes: agents join with a join token, replicas spread across them, a lost node's pods are
// placed elsewhere and its stale containers go when it returns. The agents share this machine's Docker
// engine (each finds its own containers by its node label); the overlay network is not part of this.
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Pod } from '@lastbackend/sdk';
import { TEST_DEFAULTS, TestAgent, TestServer, docker, lb, nodeFetch, readCredentials, readyPods, uniq, waitFor, webService } from './harness';

const GRACE = { node_not_ready_after: 2, node_offline_after: 4, resync: 1 };

describe('several nodes', () => {
  let s: TestServer;
  let cfgDir: string;
  let joinToken: string;
  const agents: TestAgent[] = [];
  const ns = uniq('multi');
  const work = { pool: 'work' };

  beforeAll(async () => {
    cfgDir = mkdtempSync(join(tmpdir(), 'lb-multi-'));
    const cfg = join(cfgDir, 'server.yaml');
    writeFileSync(cfg, stringify({ ...TEST_DEFAULTS, controller: GRACE, node: { labels: { pool: 'control' }, heartbeat: 0.5 } }));
    s = await TestServer.start({ config: cfg });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['token', 'create', '--role', 'node', '--uses', '3', '--description', 'test agents']);
    expect(r.code).toBe(0);
    joinToken = r.stdout.trim();
  });
  afterAll(async () => {
    for (const a of agents) await a.cleanup();
    await s?.cleanup();
    rmSync(cfgDir, { recursive: true, force: true });
  });

  const placement = (pods: Pod[]) => readyPods(pods).map((p) => p.meta.node).sort();

  it('refuses a join with a wrong token and leaves no node behind', async () => {
    const name = uniq('intruder');
    const dir = mkdtempSync(join(tmpdir(), 'lb-intruder-'));
    // The right cluster's CA hash (so the agent trusts the server), a made-up secret.
    const wrong = `lbj.0000.not-a-token.${joinToken.split('.')[3]}`;
    const r = await lb(['agent', '--server', s.url, '--token', wrong, '--name', name, '--data-dir', dir, '--listen', '127.0.0.1:0']);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/join refused.*invalid token/);
    const res = await s.fetch('/cluster/join', { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    expect(res.status).toBe(401);
    expect((await s.client.nodes()).map((n) => n.meta.name)).not.toContain(name);
  });

  it('joins three agents; lb get nodes shows them ready with capacity', async () => {
    for (let i = 0; i < 3; i++) agents.push(await TestAgent.start({ server: s, joinToken, labels: work }));
    const r = await s.lb(['get', 'nodes']);
    expect(r.code).toBe(0);
    for (const a of agents) expect(r.stdout).toMatch(new RegExp(`${a.node}\\s+\\S+\\s+ready`));
    const nodes = await s.client.nodes();
    for (const a of agents) {
      const n = nodes.find((x) => x.meta.name === a.node)!;
      expect(n.status.capacity.cpu).toBeGreaterThan(0);
      expect(n.status.capacity.storage).toBeGreaterThan(0);
      expect(n.status.drivers.map((d) => d.kind).sort()).toEqual(['cii', 'cri']);
      expect(n.meta.labels).toEqual(work);
    }
  });

  it("scopes a node's credential to its own node", async () => {
    const [a, b] = agents;
    const cred = readCredentials(a.dataDir);
    const get = (path: string) => nodeFetch(s, cred, path);
    expect((await get(`/cluster/node/${a.node}`)).status).toBe(200);
    expect((await get(`/cluster/node/${b.node}`)).status).toBe(403);
    expect((await get(`/cluster/node/${b.node}/stream`)).status).toBe(403);
    expect((await get('/namespace')).status).toBe(403);
    const put = await nodeFetch(s, cred, `/cluster/node/${b.node}/pod`, { method: 'PUT', body: '{"pods":[]}' });
    expect(put.status).toBe(403);
    // Over TLS the bearer credential alone is not enough: the node's certificate must come with it.
    expect((await nodeFetch(s, cred, `/cluster/node/${a.node}`, {}, false)).status).toBe(403);
  });

  it('spreads a 3-replica service over the three nodes; exec and logs reach remote agents', async () => {
    const m = webService('web', 3);
    (m.spec as Record<string, unknown>).selector = { labels: work };
    await s.client.createService(ns, m);
    const pods = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, '3 ready pods');
    expect(placement(pods)).toEqual(agents.map((a) => a.node).sort());
    for (const p of pods) {
      const ex = await s.lb(['exec', p.meta.name, '-n', ns, '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
      expect(ex.stdout).toBe('hello from lb-test\n');
      await s.client.exec(ns, p.meta.name, ['sh', '-c', `echo marker-${p.meta.name} > /proc/1/fd/1`]);
    }
    const logs = await waitFor(() => s.lb(['logs', 'web', '-n', ns]), (r) => pods.every((p) => r.stdout.includes(`marker-${p.meta.name}`)), 'log lines from all three nodes');
    expect(logs.code).toBe(0);
  });

  it('places the pods of a lost node elsewhere, and removes its stale containers when it returns', async () => {
    const lost = agents[1];
    const before = await s.pods(ns, 'web');
    const lostPod = before.find((p) => p.meta.node === lost.node)!;
    await lost.kill9();
    const t0 = Date.now();
    const after = await waitFor(
      () => s.pods(ns, 'web'),
      (p) => readyPods(p).length === 3 && !p.some((x) => x.meta.node === lost.node),
      'replacement pod ready elsewhere',
      (GRACE.node_offline_after + 20) * 1000,
    );
    const took = (Date.now() - t0) / 1000;
    expect(took).toBeLessThan(GRACE.node_offline_after + 20);
    expect(after.map((p) => p.meta.name)).not.toContain(lostPod.meta.name);
    expect((await s.client.node(lost.node)).status.state).toBe('offline');
    // The lost node's container still runs (the engine is shared): the returning agent removes it.
    expect(lost.containers({ 'io.lastbackend.pod': lostPod.meta.name })).toHaveLength(1);
    await lost.launch();
    await waitFor(async () => lost.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 0, 'stale containers removed');
    const all = docker(['ps', '-q', '--filter', `label=io.lastbackend.namespace=${ns}`]).split('\n').filter(Boolean);
    expect(all).toHaveLength(3);
  });

  it('restarts an agent without restarting its containers', async () => {
    const a = agents[0];
    const ids = a.containers({ 'io.lastbackend.namespace': ns });
    expect(ids.length).toBeGreaterThan(0);
    const started = ids.map((id) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]));
    await a.stop();
    await a.launch();
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'still ready');
    await new Promise((r) => setTimeout(r, 2000));
    expect(a.containers({ 'io.lastbackend.namespace': ns })).toEqual(ids);
    expect(ids.map((id) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]))).toEqual(started);
  });

  it('forgets a deleted node and revokes its credential', async () => {
    const c = agents[2];
    await c.stop();
    expect((await s.lb(['delete', 'node', c.node])).code).toBe(0);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3 && !p.some((x) => x.meta.node === c.node), 'pods placed elsewhere');
    expect((await nodeFetch(s, readCredentials(c.dataDir), `/cluster/node/${c.node}`)).status).toBe(401);
  });
});
