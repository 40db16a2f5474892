// The controller's logic against a real level store on disk, with agents simulated by status reports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, Endpoint, Pod, PodStatus, Service, Volume } from '@lastbackend/sdk';
import { ClusterState } from '../cluster/cluster';
import { createLogger } from '../kernel/logger';
import { Resources } from '../state/resources';
import { keys } from '../store/keys';
import { Store } from '../store/store';
import { Controller } from './controller';
import { defaultScheduler, type Scheduler } from '../scheduler/scheduler';
import { SecretBox } from '../state/secret-box';
import { deployDuration, reconcileDuration, schedulerPlacements } from '../metrics/metrics';
import { randomBytes } from 'node:crypto';
import type { EventInput } from '../events/recorder';

const manifest = (replicas: number, cmd = 'a') => ({
  kind: 'Service',
  meta: { name: 'web' },
  spec: { replicas, template: { containers: [{ name: 'web', image: { name: 'img:1' }, command: [cmd] }] } },
});

const nodeReport = { capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 } };

describe('Controller', () => {
  let dir: string;
  let store: Store;
  let ctl: Controller;
  let r: Resources;
  let cluster: ClusterState;
  /** The events the controller recorded (after each pass committed). */
  const recorded: EventInput[] = [];
  const events = { record: (e: EventInput) => void recorded.push(e) };
  const said = (kind: string) => recorded.filter((e) => e.object.kind === kind).map((e) => `${e.reason}: ${e.message}`);

  beforeEach(async () => {
    recorded.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'lb-ctl-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)));
    cluster = new ClusterState(store, 'test');
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
    await cluster.reportNode('n1', nodeReport);
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60 }, defaultScheduler, events);
    await ctl.start();
  });

  afterEach(async () => {
    await ctl.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pods = async () => (await store.list<Pod>(keys.pod('ns'))).filter((p) => !p.spec.destroy);
  const all = () => store.list<Pod>(keys.pod('ns'));
  const svc = () => store.get<Service>(keys.service('ns', 'web')) as Promise<Service>;
  const deps = () => store.list<Deployment>(keys.deployment('ns', 'web'));

  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await fn();
      if (ok(v)) return v;
      await new Promise((res) => setTimeout(res, 10));
    }
    const brief = (await all()).map((p) => `${p.meta.name}:${p.meta.deployment}:${p.spec.destroy}:${p.status.state}`);
    throw new Error(`timed out waiting for ${what}: pods ${brief.join(' ')}; deployments ${(await deps()).map((d) => `${d.meta.name}:${d.spec.replicas}:${d.status.state}`)}`);
  }

  /** What an agent does: reports pods of a deployment ready, and marked ones destroyed. */
  async function agentPass(readyDeployment?: string) {
    const status = (state: PodStatus['state'], ip = '10.0.0.1'): PodStatus => ({
      state,
      running: state === 'ready',
      message: '',
      network: { host_ip: '1.1.1.1', pod_ip: state === 'ready' ? ip : '' },
      containers: [],
    });
    const reports = (await all())
      .filter((p) => p.meta.node === 'n1' && (p.spec.destroy || p.meta.deployment === readyDeployment))
      .map((p, i) => ({ namespace: 'ns', name: p.meta.name, status: status(p.spec.destroy ? 'destroyed' : 'ready', `10.0.0.${i + 2}`) }));
    await cluster.reportPods('n1', { pods: reports });
  }

  it('passes over queued services in one transaction, each placement counting the pods placed before it', async () => {
    await ctl.stop();
    // n2 takes 4 pods: spreading puts one replica of each service there, until it is full.
    await cluster.reportNode('n2', { capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 4 } });
    for (let i = 0; i < 10; i++) await r.createService('ns', { ...manifest(2), meta: { name: `s${i}` } });
    const revision = store.revision;
    let commits = 0;
    const unwatch = store.watch('', (ev) => void (ev.revision > revision && ev.key.startsWith(keys.pod('ns')) && commits++));
    const seen = new Set<number>();
    const unwatch2 = store.watch(keys.pod('ns'), (ev) => void seen.add(ev.revision));
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60 }, defaultScheduler, events);
    await ctl.start();
    const placed = await until(pods, (p) => p.length === 20 && p.every((x) => x.meta.node), '20 placed pods');
    unwatch();
    unwatch2();
    expect(commits).toBe(20);
    // The 10 services were passed over together: their 20 pods were written by fewer commits than services.
    expect(seen.size).toBeLessThan(10);
    expect(placed.filter((p) => p.meta.node === 'n2')).toHaveLength(4);
    for (let i = 0; i < 10; i++) expect(new Set(placed.filter((p) => p.meta.service === `s${i}`).map((p) => p.meta.node)).size).toBeGreaterThanOrEqual(i < 4 ? 2 : 1);
  });

  it('rolls out a rolling service a pod at a time: within replicas + surge, never under replicas − unavailable ready, old and new both serving', async () => {
    await ctl.stop();
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60, endpointDrainMs: 0 }, defaultScheduler, events);
    await ctl.start();
    const strategy = { type: 'rolling', max_surge: 0, max_unavailable: 1 };
    await r.createService('ns', { ...manifest(4), spec: { ...manifest(4).spec, strategy } });
    await until(pods, (p) => p.length === 4 && p.every((x) => x.meta.node === 'n1'), '4 placed pods');
    await agentPass('v1');
    await until(svc, (s) => s.status.state === 'ready' && s.status.deployment === 'v1', 'service ready on v1');
    await r.updateService('ns', 'web', { spec: { template: manifest(4, 'b').spec.template } });
    // One v1 pod stops first (no surge): no v2 pod until it is gone, and no v1 pod replaces it.
    let ps = await until(all, (p) => p.some((x) => x.spec.destroy), 'a v1 pod stopping');
    expect(ps.filter((x) => x.meta.deployment === 'v2')).toHaveLength(0);
    expect(ps.filter((x) => !x.spec.destroy && x.meta.deployment === 'v1')).toHaveLength(3);
    let mixed = false;
    for (let step = 0; step < 12 && (await svc()).status.deployment !== 'v2'; step++) {
      // The agent: stopped pods gone, every other pod (v1 and v2) ready, in one report.
      const mine = (await all()).filter((x) => x.meta.node === 'n1');
      await cluster.reportPods('n1', {
        pods: mine.map((x, i) => ({
          namespace: 'ns',
          name: x.meta.name,
          status: { state: x.spec.destroy ? 'destroyed' : 'ready', running: !x.spec.destroy, message: '', network: { host_ip: '1.1.1.1', pod_ip: x.spec.destroy ? '' : `10.0.0.${i + 2}` }, containers: [] },
        })),
      });
      await new Promise((res) => setTimeout(res, 50));
      ps = await all();
      if (ps.length > 4) throw new Error(ps.map((x) => `${x.meta.name}:${x.meta.deployment}:${x.spec.destroy}:${x.status.state}`).join(' '));
      const ready = ps.filter((x) => !x.spec.destroy && x.status.state === 'ready');
      expect(ready.length).toBeGreaterThanOrEqual(3);
      if (new Set(ready.map((x) => x.meta.deployment)).size === 2) {
        // Both versions' ready pods are the endpoint's upstreams (once the pass after the report ran).
        mixed = true;
        const ep = () => store.get<Endpoint>(keys.endpoint('ns', 'web'));
        const serving = await until(ep, (e) => new Set(e?.spec.upstreams.map((u) => u.pod.length && ps.find((x) => x.meta.name === u.pod)?.meta.deployment)).size === 2, 'both versions serving');
        expect(serving?.spec.upstreams.length).toBeGreaterThanOrEqual(3);
      }
    }
    expect(mixed).toBe(true);
    await until(svc, (s) => s.status.deployment === 'v2' && s.status.rollout?.state === 'complete', 'v2 serves');
    await agentPass('v2');
    await until(all, (p) => p.length === 4 && p.every((x) => x.meta.deployment === 'v2'), 'only v2 pods');
  });

  it('creates, places, scales in place and rolls out blue/green', async () => {
    const deploys = deployDuration.labels();
    const [deploysBefore, placedBefore, passesBefore] = [deploys.count, schedulerPlacements.labels('placed').value, reconcileDuration.labels('service', 'ok').count];
    await r.createService('ns', manifest(3));
    let ps = await until(pods, (p) => p.length === 3 && p.every((x) => x.meta.node === 'n1'), '3 placed pods');
    expect(new Set(ps.map((p) => p.meta.deployment))).toEqual(new Set(['v1']));

    await agentPass('v1');
    await until(svc, (s) => s.status.state === 'ready' && s.status.deployment === 'v1', 'service ready on v1');

    // scale in place: no new deployment
    await r.updateService('ns', 'web', { spec: { replicas: 5 } });
    await until(pods, (p) => p.length === 5, '5 pods');
    await r.updateService('ns', 'web', { spec: { replicas: 2 } });
    ps = await until(pods, (p) => p.length === 2, '2 pods');
    expect((await deps()).map((d) => d.meta.name)).toEqual(['v1']);
    await agentPass('v1');
    await until(all, (p) => p.length === 2, 'surplus pods reaped');

    // template change: v2 comes up beside v1; v1 stays until v2 is ready
    await r.updateService('ns', 'web', { spec: { template: manifest(2, 'b').spec.template } });
    ps = await until(pods, (p) => p.filter((x) => x.meta.deployment === 'v2').length === 2, 'v2 pods');
    expect(ps.filter((p) => p.meta.deployment === 'v1')).toHaveLength(2);
    expect((await svc()).status.deployment).toBe('v1');

    await agentPass('v2');
    await until(svc, (s) => s.status.deployment === 'v2', 'switch to v2');
    await until(pods, (p) => p.every((x) => x.meta.deployment === 'v2'), 'v1 pods marked for deletion');
    await agentPass('v2');
    await until(all, (p) => p.length === 2, 'v1 pods reaped');
    const ds = await deps();
    expect(ds.map((d) => [d.meta.name, d.status.state])).toEqual([
      ['v1', 'superseded'],
      ['v2', 'active'],
    ]);
    const ep = await store.get<Endpoint>(keys.endpoint('ns', 'web'));
    expect(ep?.spec.upstreams).toHaveLength(2);
    // apply → ready is observed once per version that came up (v1, v2), not for scaling in place
    expect(deploys.count - deploysBefore).toBe(2);
    // 3 pods of v1, 2 more when scaled to 5, 2 of v2
    expect(schedulerPlacements.labels('placed').value - placedBefore).toBe(7);
    expect(reconcileDuration.labels('service', 'ok').count).toBeGreaterThan(passesBefore);
    // The versions' story, on the service, from the controller.
    expect(said('Service')).toEqual([
      'NewVersion: created v1 (3 replicas)',
      'ActiveVersion: v1 serves now',
      'ScaledVersion: scaled v1 from 3 to 5',
      'ScaledVersion: scaled v1 from 5 to 2',
      'NewVersion: created v2 (2 replicas)',
      'ActiveVersion: v2 serves now, replacing v1',
      'ScaledVersion: scaled v1 from 2 to 0',
    ]);
    expect(recorded.filter((e) => e.reason === 'Scheduled')).toHaveLength(3 + 2 + 2);
    expect(recorded.find((e) => e.reason === 'Scheduled')).toMatchObject({ component: 'scheduler', type: 'normal', object: { kind: 'Pod', namespace: 'ns', service: 'web' } });
  });

  it('rolls back to an earlier template as a new version', async () => {
    await r.createService('ns', manifest(1, 'a'));
    await until(pods, (p) => p.length === 1, 'pod');
    await agentPass('v1');
    await until(svc, (s) => s.status.deployment === 'v1', 'v1 active');
    await r.updateService('ns', 'web', { spec: { template: manifest(1, 'b').spec.template } });
    await until(pods, (p) => p.some((x) => x.meta.deployment === 'v2'), 'v2 pod');
    await agentPass('v2');
    await until(svc, (s) => s.status.deployment === 'v2', 'v2 active');

    await r.rollback('ns', 'web', {});
    await until(deps, (d) => d.length === 3, 'v3');
    const v3 = (await deps()).find((d) => d.meta.name === 'v3')!;
    expect(v3.spec.template.containers[0].command).toEqual(['a']);
    expect(said('Service')).toContain('RolledBack: v3 brings back the template of v1');
    await expect(r.rollback('ns', 'web', { to: 'v9' })).rejects.toThrow(/v9 .*not kept/);
  });

  /** What an agent reports for the pods of a version whose image cannot be pulled. */
  async function pullFails(version: string) {
    const reports = (await pods())
      .filter((p) => p.meta.deployment === version)
      .map((p) => ({
        namespace: 'ns',
        name: p.meta.name,
        status: {
          state: 'error' as const,
          running: false,
          message: 'web: pull img:404: not found',
          network: { host_ip: '1.1.1.1', pod_ip: '' },
          containers: [{ name: 'web', image: 'img:404', state: 'error' as const, ready: false, restarts: 0, message: 'pull img:404: not found' }],
        },
      }));
    await cluster.reportPods('n1', { pods: reports });
  }

  it('rolls a failed version back by itself with auto_rollback: the serving template returns, no version is issued', async () => {
    await r.createService('ns', manifest(2, 'a'));
    await until(pods, (p) => p.length === 2 && p.every((x) => !!x.meta.node), 'v1 pods');
    await agentPass('v1');
    await until(svc, (s) => s.status.deployment === 'v1' && s.status.rollout?.state === 'complete', 'v1 serves');
    const v1Pods = (await pods()).map((p) => p.meta.name).sort();

    // A strategy change alone is no new version.
    await r.updateService('ns', 'web', { spec: { strategy: { auto_rollback: true, deadline: '5m' } } });
    expect((await svc()).spec.strategy).toEqual({ auto_rollback: true, deadline: '5m' });
    await r.updateService('ns', 'web', { spec: { template: manifest(2, 'b').spec.template } });
    await until(pods, (p) => p.filter((x) => x.meta.deployment === 'v2' && !!x.meta.node).length === 2, 'v2 pods');
    await until(svc, (s) => s.status.rollout?.version === 2 && s.status.rollout.state === 'progressing', 'v2 progressing');
    await pullFails('v2');

    const s = await until(svc, (x) => x.status.rollout?.state === 'rolled-back', 'rolled back');
    expect(s.status.rollout).toMatchObject({ version: 2, message: expect.stringMatching(/^v2 failed, rolled back to v1: pod web-[0-9a-f]{10}: cannot pull image img:404 for container web: pull img:404: not found$/) });
    expect(s.spec.template.containers[0].command).toEqual(['a']);
    expect(s.status.deployment).toBe('v1');
    await until(pods, (p) => p.every((x) => x.meta.deployment === 'v1'), 'v2 pods marked for deletion');
    // v1 was never touched: the same pods serve.
    expect((await pods()).map((p) => p.meta.name).sort()).toEqual(v1Pods);
    expect((await deps()).map((d) => [d.meta.name, d.spec.replicas, d.status.state])).toEqual([
      ['v1', 2, 'active'],
      ['v2', 0, 'superseded'],
    ]);
    expect(recorded.find((e) => e.reason === 'RolledBack')).toMatchObject({ type: 'warning', object: { kind: 'Service', name: 'web' }, message: s.status.rollout!.message });
    // Passes after that keep the verdict (and issue nothing).
    await ctl.resyncAll();
    await agentPass('v1');
    await until(all, (p) => p.length === 2, 'v2 pods reaped');
    expect((await svc()).status.rollout).toEqual(s.status.rollout);

    // Asking for the failed template again is a new rollout, with a fresh deadline and fresh pods.
    await r.updateService('ns', 'web', { spec: { template: manifest(2, 'b').spec.template } });
    await until(svc, (x) => x.status.rollout?.version === 3 && x.status.rollout.state === 'progressing', 'v3 progressing');
    expect((await deps()).map((d) => d.meta.name)).toEqual(['v1', 'v2', 'v3']);
  });

  it('without auto_rollback a failed rollout stays failed, v1 serving; a restarted controller fails a late one by its deadline', async () => {
    await r.createService('ns', manifest(1, 'a'));
    await until(pods, (p) => p.length === 1 && !!p[0].meta.node, 'v1 pod');
    await agentPass('v1');
    await until(svc, (s) => s.status.deployment === 'v1', 'v1 serves');
    await r.updateService('ns', 'web', { spec: { template: manifest(1, 'b').spec.template } });
    await until(pods, (p) => p.some((x) => x.meta.deployment === 'v2' && !!x.meta.node), 'v2 pod');
    await pullFails('v2');
    const s = await until(svc, (x) => x.status.rollout?.state === 'failed', 'failed');
    expect(s.status.rollout?.message).toMatch(/^v2 failed: pod web-[0-9a-f]{10}: cannot pull image img:404 for container web: pull img:404: not found$/);
    expect(s.status.deployment).toBe('v1');
    expect(s.spec.template.containers[0].command).toEqual(['b']);

    // Another service whose new version was made long ago (a server down meanwhile): a new controller fails it by
    // its deadline, from the stored creation time alone.
    await ctl.stop();
    await r.createService('ns', { ...manifest(1, 'a'), meta: { name: 'late' } });
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60 }, defaultScheduler, events);
    await ctl.start();
    const late = () => store.get<Service>(keys.service('ns', 'late')) as Promise<Service>;
    await until(late, (x) => x.status.rollout?.state === 'progressing', 'late progressing');
    await ctl.stop();
    await store.txn(async (tx) => {
      const d = (await tx.get<Deployment>(keys.deployment('ns', 'late', 'v1')))!;
      d.meta.created = new Date(Date.now() - 11 * 60_000).toISOString();
      tx.put(keys.deployment('ns', 'late', 'v1'), d);
    });
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60 }, defaultScheduler, events);
    await ctl.start();
    const failed = await until(late, (x) => x.status.rollout?.state === 'failed', 'late failed');
    expect(failed.status.rollout?.message).toMatch(/^v1 failed: not ready after 10m \(0\/1 pods ready\): pod late-[0-9a-f]{10}: provisioning$/);
  });

  it("reserves a container's request, else its limit, else its namespace's default request", async () => {
    await r.updateNamespace('ns', { kind: 'Namespace', meta: { name: 'ns' }, spec: { resources: { defaults: { cpu: '100m', ram: '64mib' } } } });
    const containers = [
      { name: 'bare', image: { name: 'img:1' } },
      { name: 'mixed', image: { name: 'img:1' }, resources: { requests: { cpu: '250m' }, limits: { ram: '32mib' } } },
    ];
    await r.createService('ns', { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 1, template: { containers } } });
    const [pod] = await until(pods, (p) => p.length === 1, 'a pod');
    expect(pod.spec.resources).toEqual({ cpu: 350, ram: 96 * 1024 ** 2 });
  });

  it('deletes a service with everything it made', async () => {
    await r.createService('ns', manifest(2));
    await until(pods, (p) => p.length === 2, 'pods');
    await r.deleteService('ns', 'web');
    await until(all, (p) => p.every((x) => x.spec.destroy), 'pods marked');
    await agentPass();
    await until(async () => (await store.list<{ kind?: string } & Pod>('')).filter((o) => o.kind && !/Namespace|Node/.test(o.kind)).length, (n) => n === 0, 'everything gone');
  });

  /** An agent on `node`: its pods ready, those marked to go destroyed. */
  async function agentOn(node: string) {
    const reports = (await all())
      .filter((p) => p.meta.node === node)
      .map((p, i) => ({
        namespace: 'ns',
        name: p.meta.name,
        status: { state: p.spec.destroy ? ('destroyed' as const) : ('ready' as const), running: !p.spec.destroy, message: '', network: { host_ip: '1.1.1.1', pod_ip: p.spec.destroy ? '' : `10.0.${node.slice(1)}.${i + 2}` }, containers: [] },
      }));
    await cluster.reportPods(node, { pods: reports });
  }

  it('drains a node: each replacement is ready elsewhere before the pod it replaces stops', async () => {
    await r.createService('ns', manifest(2));
    await until(pods, (p) => p.length === 2 && p.every((x) => x.meta.node === 'n1'), 'placed on n1');
    await agentOn('n1');
    await until(svc, (s) => s.status.state === 'ready', 'ready');
    await cluster.reportNode('n2', nodeReport);

    const first = await cluster.drainNode('n1');
    expect(first.cordoned).toBe(true);
    expect(first.pods.map((p) => p.state)).toEqual(['moving', 'moving']);
    // Replacements go to n2; nothing on n1 stops while they are not ready, and nothing new goes to n1.
    let ps = await until(pods, (p) => p.filter((x) => x.meta.node === 'n2').length === 2, 'replacements placed on n2');
    expect(ps.filter((p) => p.meta.node === 'n1').every((p) => p.spec.evict === 'node n1 is draining' && !p.spec.destroy)).toBe(true);
    expect((await svc()).status.replicas.ready).toBe(2);

    await agentOn('n2');
    await until(all, (p) => p.filter((x) => x.meta.node === 'n1').every((x) => x.spec.destroy), 'old pods stopping');
    expect((await cluster.drainStatus('n1')).pods.map((p) => p.state)).toEqual(['stopping', 'stopping']);
    await agentOn('n1');
    const done = await until(() => cluster.drainStatus('n1'), (d) => d.done, 'drained');
    expect(done.pods).toEqual([]);
    ps = await pods();
    expect(ps.map((p) => p.meta.node)).toEqual(['n2', 'n2']);
    expect((await svc()).status.state).toBe('ready');
    // Cordoned until uncordoned: a scale-up goes to n2 only.
    await r.updateService('ns', 'web', { spec: { replicas: 3 } });
    ps = await until(pods, (p) => p.length === 3 && p.every((x) => x.meta.node), '3 placed');
    expect(ps.every((p) => p.meta.node === 'n2')).toBe(true);
    expect((await cluster.cordonNode('n1', false)).spec.unschedulable).toBe(false);
  });

  it('names the pods a drain cannot move: a volume pinned to the node, no other node fitting', async () => {
    await r.createObject('volume', 'ns', { kind: 'Volume', meta: { name: 'data' }, spec: {} });
    const m = manifest(1);
    const tpl = { ...m.spec.template, volumes: [{ name: 'd', volume: { name: 'data' } }], containers: [{ ...m.spec.template.containers[0], volumes: [{ name: 'd', path: '/data' }] }] };
    await r.createService('ns', { ...m, meta: { name: 'db' }, spec: { ...m.spec, template: tpl } });
    await r.createService('ns', manifest(1));
    await until(pods, (p) => p.length === 2 && p.every((x) => x.meta.node === 'n1'), 'placed on n1');
    await agentOn('n1');

    // No other node: the web pod's replacement waits, and says why; the db pod never moves.
    await cluster.drainNode('n1');
    const report = await until(() => cluster.drainStatus('n1'), (d) => d.pods.every((p) => p.state === 'blocked'), 'both blocked');
    const byOwner = Object.fromEntries(report.pods.map((p) => [p.owner, p]));
    expect(byOwner.db).toMatchObject({ state: 'blocked', permanent: true, reason: 'volume "data" is pinned to node n1' });
    expect(byOwner.web).toMatchObject({ state: 'blocked', permanent: false });
    expect(byOwner.web.reason).toMatch(/^no other node fits: node n1 is cordoned/);
    expect((await all()).find((p) => p.meta.service === 'db')?.spec.evict).toBeUndefined();

    // Uncordoned: the drain stops, the pods stay, the waiting replacement goes.
    await cluster.cordonNode('n1', false);
    const left = await until(all, (p) => p.filter((x) => !x.spec.destroy).length === 2, 'surplus replacement removed');
    expect(left.filter((p) => !p.spec.destroy).every((p) => p.meta.node === 'n1' && !p.spec.evict)).toBe(true);
  });

  it('pins pods that claim a volume to the node that holds it, and leases it on first use', async () => {
    await cluster.reportNode('n2', nodeReport);
    await r.createObject('volume', 'ns', { kind: 'Volume', meta: { name: 'data' }, spec: {} });
    const m = manifest(3);
    const tpl = { ...m.spec.template, volumes: [{ name: 'd', volume: { name: 'data' } }], containers: [{ ...m.spec.template.containers[0], volumes: [{ name: 'd', path: '/data' }] }] };
    await r.createService('ns', { ...m, spec: { ...m.spec, template: tpl } });
    const ps = await until(pods, (p) => p.length === 3 && p.every((x) => x.meta.node), 'placed');
    expect(new Set(ps.map((p) => p.meta.node)).size).toBe(1);
    const vol = await store.get<Volume>(keys.object('volume', 'ns', 'data'));
    expect(vol?.status).toMatchObject({ state: 'ready', node: ps[0].meta.node });
    await expect(r.deleteObject('volume', 'ns', 'data')).rejects.toThrow(/used by service "web"/);
  });

  it('explains a claim on a volume that does not exist', async () => {
    const m = manifest(1);
    const tpl = { ...m.spec.template, volumes: [{ name: 'd', volume: { name: 'ghost' } }], containers: [{ ...m.spec.template.containers[0], volumes: [{ name: 'd', path: '/data' }] }] };
    await r.createService('ns', { ...m, spec: { ...m.spec, template: tpl } });
    const [p] = await until(pods, (ps) => ps.length === 1 && !!ps[0].status.message, 'a reason');
    expect(p.status.message).toBe('unschedulable: volume "ghost" not found in namespace "ns"');
  });

  it('explains unschedulable pods', async () => {
    await r.createService('ns', { ...manifest(1), spec: { ...manifest(1).spec, selector: { labels: { zone: 'b' } } } });
    const [p] = await until(pods, (ps) => ps.length === 1 && !!ps[0].status.message, 'a reason');
    expect(p.meta.node).toBe('');
    expect(p.status.message).toBe('unschedulable: node n1 lacks label zone=b');
    await until(svc, (s) => s.status.state === 'degraded', 'service degraded');
    expect(recorded.find((e) => e.reason === 'FailedScheduling')).toMatchObject({
      object: { kind: 'Pod', namespace: 'ns', name: p.meta.name, service: 'web' },
      type: 'warning',
      message: 'no node fits: node n1 lacks label zone=b',
      component: 'scheduler',
    });
  });
  it('places pods with the scheduler it is given (the SchedulerModule seam)', async () => {
    await ctl.stop();
    const asked: string[] = [];
    const scheduler: Scheduler = {
      nodeLoads: defaultScheduler.nodeLoads,
      place: (pod, loads) => (asked.push(pod.meta.name), { reason: `unschedulable: policy says no to ${loads.size} node(s)` }),
    };
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 60 }, scheduler);
    await ctl.start();
    await r.createService('ns', manifest(2));
    const held = await until(pods, (ps) => ps.length === 2 && ps.every((p) => p.status.message === 'unschedulable: policy says no to 1 node(s)'), 'pods held back by the policy');
    expect(held.every((p) => !p.meta.node)).toBe(true);
    expect(asked.length).toBeGreaterThanOrEqual(2);
  });
});

describe('Controller node liveness', () => {
  it('marks a node not-ready, then offline, when its heartbeats stop; back to ready on the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-ctl-'));
    const store = new Store(dir);
    await store.open();
    const cluster = new ClusterState(store, 'test');
    await cluster.reportNode('n1', nodeReport);
    const recorded: EventInput[] = [];
    const ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 0.3, nodeOfflineAfter: 0.8, resyncInterval: 0.1 }, defaultScheduler, {
      record: (e) => void recorded.push(e),
    });
    await ctl.start();
    const state = async () => (await cluster.node('n1')).status;
    const until = async (want: string) => {
      for (let i = 0; i < 300 && (await state()).state !== want; i++) await new Promise((r) => setTimeout(r, 10));
      return state();
    };
    try {
      expect((await until('not-ready')).state).toBe('not-ready');
      const off = await until('offline');
      expect(off.state).toBe('offline');
      expect(off.online).toBe(false);
      await cluster.reportNode('n1', nodeReport);
      expect((await state()).state).toBe('ready');
      for (let i = 0; i < 100 && recorded.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(recorded.map((e) => `${e.type} ${e.reason}`)).toEqual(['warning NodeNotReady', 'warning NodeOffline', 'normal NodeReady']);
      expect(recorded.every((e) => e.object.kind === 'Node' && e.object.name === 'n1' && e.component === 'controller')).toBe(true);
    } finally {
      await ctl.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Controller eviction of an offline node', () => {
  it("lets a task's pod go only after the agent's fence_after and the pod's termination grace; a service's at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-ctl-'));
    const store = new Store(dir);
    await store.open();
    const cluster = new ClusterState(store, 'test');
    await cluster.reportNode('n1', { ...nodeReport, fence_after: 1 });
    const template = { containers: [{ name: 'main', image: { name: 'busybox', policy: 'if-not-present' as const }, env: [], volumes: [], restart: { policy: 'never' as const } }], volumes: [], termination: 0 };
    const pod = (name: string, task?: string): Pod => ({
      kind: 'Pod',
      version: 'v1',
      meta: { name, namespace: 'ns', service: task ? '' : 'web', deployment: task ? '' : 'web-v1', node: 'n1', ...(task ? { task, job: 'j' } : {}), labels: {}, uid: name, created: '', updated: '', revision: 0 },
      spec: { template, destroy: false, resources: { cpu: 0, ram: 0 } },
      status: { state: 'ready', running: true, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
    });
    await store.txn(async (tx) => {
      tx.put(keys.pod('ns', 'web-1'), pod('web-1'));
      tx.put(keys.pod('ns', 'j-abc-1'), pod('j-abc-1', 'j-abc'));
    });
    const ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 0.3, nodeOfflineAfter: 0.8, resyncInterval: 0.1 }, defaultScheduler);
    const t0 = Date.now();
    await ctl.start();
    const has = async (name: string) => !!(await store.get(keys.pod('ns', name)));
    try {
      for (let i = 0; i < 300 && (await has('web-1')); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await has('web-1')).toBe(false);
      expect(await has('j-abc-1')).toBe(true); // offline, but the agent may not have fenced yet (1 s + its check)
      for (let i = 0; i < 400 && (await has('j-abc-1')); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await has('j-abc-1')).toBe(false);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000); // fence_after 1 + 1 s check + termination 0 + 1 s margin
    } finally {
      await ctl.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
