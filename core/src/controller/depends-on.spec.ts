// Start order: the cycle check and the gate as pure functions, the check as the API runs it on writes
// (a real level store), and the gate as the controller applies it, with an agent simulated by reports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { issuesToFields, LbError, ServiceManifest, type Pod, type PodStatus, type Service, type Task, type TaskState } from '@lastbackend/sdk';
import { ClusterState } from '../cluster/cluster';
import { createLogger } from '../kernel/logger';
import { Resources } from '../state/resources';
import { SecretBox } from '../state/secret-box';
import { keys } from '../store/keys';
import { Store } from '../store/store';
import { defaultScheduler } from '../scheduler/scheduler';
import type { EventInput } from '../events/recorder';
import { Controller } from './controller';
import { cycleReason, dependencyWait, findCycle, isCompletedJob, isReadyService, latestFinishedTask } from './depends-on';

const node = (name: string, ...deps: string[]) => ({ name, depends_on: deps.map((service) => ({ service })) });
type Status = Service['status'];
const svcState = (state: Status['state'], extra: Partial<Status> = {}, replicas = 1) => ({
  spec: { replicas } as Service['spec'],
  status: { state, message: '', generation: 1, network: { ports: [] }, replicas: { desired: replicas, ready: 0 }, ...extra } as Status,
});

describe('findCycle', () => {
  it('finds the cycle through a service, in dependency order, and says it', () => {
    const c = findCycle([node('web', 'api'), node('api', 'db', 'web'), node('db')], 'web');
    expect(c).toEqual(['web', 'api', 'web']);
    expect(cycleReason(c!)).toBe('cycle web → api → web');
    expect(findCycle([node('a', 'b'), node('b', 'c'), node('c', 'a')], 'b')).toEqual(['b', 'c', 'a', 'b']);
  });

  it('names a service that depends on itself', () => {
    const c = findCycle([node('web', 'web')], 'web');
    expect(c).toEqual(['web', 'web']);
    expect(cycleReason(c!)).toBe('service web depends on itself');
  });

  it('finds none in a diamond, through missing services, or in a cycle that does not pass through the service', () => {
    expect(findCycle([node('app', 'api', 'worker'), node('api', 'db'), node('worker', 'db'), node('db')], 'app')).toBeUndefined();
    expect(findCycle([node('app', 'db', 'cache')], 'app')).toBeUndefined();
    expect(findCycle([node('app', 'x'), node('x', 'y'), node('y', 'x')], 'app')).toBeUndefined();
  });

  it('takes a job as a leaf: a job named as a service is not the service', () => {
    // "web" the job is not "web" the service: no cycle through it.
    expect(findCycle([{ name: 'web', depends_on: [{ job: 'web' }] }], 'web')).toBeUndefined();
    expect(findCycle([{ name: 'web', depends_on: [{ job: 'migrate' }, { service: 'api' }] }, node('api', 'web')], 'web')).toEqual(['web', 'api', 'web']);
  });

  it('visits each service once on a wide graph', () => {
    // 200 layers of 2, each depending on both of the next: exponential paths, linear work.
    const nodes = Array.from({ length: 400 }, (_, i) => node(`s${i}`, ...(i < 398 ? [`s${(Math.floor(i / 2) + 1) * 2}`, `s${(Math.floor(i / 2) + 1) * 2 + 1}`] : [])));
    expect(findCycle(nodes, 's0')).toBeUndefined();
    nodes[399] = node('s399', 's0');
    expect(findCycle(nodes, 's0')?.at(-1)).toBe('s0');
  });
});

describe('isReadyService and dependencyWait', () => {
  it('a service is ready when the controller says so, or when its serving version has its replicas ready', () => {
    expect(isReadyService(svcState('ready'))).toBe(true);
    expect(isReadyService(svcState('provisioning'))).toBe(false);
    // A new version rolls out while v1 serves both replicas.
    expect(isReadyService(svcState('provisioning', { deployment: 'v1', replicas: { desired: 2, ready: 2 } }, 2))).toBe(true);
    expect(isReadyService(svcState('degraded', { deployment: 'v1', replicas: { desired: 2, ready: 1 } }, 2))).toBe(false);
    expect(isReadyService(svcState('destroying', { deployment: 'v1', replicas: { desired: 1, ready: 1 } }))).toBe(false);
  });

  it('waits for the dependencies not ready, in order, naming those that do not exist yet', () => {
    const found: Record<string, ReturnType<typeof svcState>> = { db: svcState('provisioning'), cache: svcState('ready') };
    const lookup = (n: string) => found[n];
    expect(dependencyWait(undefined, lookup)).toBeUndefined();
    expect(dependencyWait([{ service: 'cache' }], lookup)).toBeUndefined();
    expect(dependencyWait([{ service: 'cache' }, { service: 'db', condition: 'ready' }], lookup)).toEqual({ services: ['db'], jobs: [], message: 'waiting for service db to be ready' });
    expect(dependencyWait([{ service: 'db' }, { service: 'queue' }, { service: 'mail' }], lookup)).toEqual({
      services: ['db', 'queue', 'mail'],
      jobs: [],
      message: 'waiting for services db, queue and mail to be ready (queue, mail do not exist yet)',
    });
    expect(dependencyWait([{ service: 'queue' }], lookup)?.message).toBe('waiting for service queue to be ready (queue does not exist yet)');
  });

  const task = (name: string, state: TaskState, finished?: string, created = '2026-01-01T00:00:00.000Z') =>
    ({ meta: { name, created }, status: { state, finished } }) as Pick<Task, 'meta' | 'status'>;

  it("a job is completed when its latest finished task succeeded: a rerun running now does not undo it, a later failure does", () => {
    const ok = task('m-1', 'succeeded', '2026-01-01T00:01:00.000Z');
    const failed = task('m-2', 'failed', '2026-01-01T00:02:00.000Z');
    expect(isCompletedJob({ tasks: [] })).toBe(false);
    expect(isCompletedJob({ tasks: [task('m-0', 'running')] })).toBe(false);
    expect(isCompletedJob({ tasks: [ok, task('m-3', 'running')] })).toBe(true);
    expect(isCompletedJob({ tasks: [failed, ok] })).toBe(false);
    expect(latestFinishedTask([failed, ok])).toBe(failed);
    expect(isCompletedJob({ tasks: [ok, task('m-4', 'succeeded', '2026-01-01T00:03:00.000Z'), failed] })).toBe(true);
    expect(isCompletedJob({ tasks: [task('m-5', 'cancelled', '2026-01-01T00:04:00.000Z'), ok] })).toBe(false);
  });

  it('waits for jobs to complete beside services, naming a missing job and the failed task it looks at', () => {
    const jobs: Record<string, { tasks: Pick<Task, 'meta' | 'status'>[] }> = {
      done: { tasks: [task('done-1', 'succeeded', '2026-01-01T00:01:00.000Z')] },
      broken: { tasks: [task('broken-1', 'failed', '2026-01-01T00:01:00.000Z')] },
      fresh: { tasks: [task('fresh-1', 'running')] },
    };
    const services = (n: string) => (n === 'db' ? svcState('provisioning') : undefined);
    const wait = (deps: Parameters<typeof dependencyWait>[0]) => dependencyWait(deps, services, (j) => jobs[j]);
    expect(wait([{ job: 'done', condition: 'completed' }])).toBeUndefined();
    expect(wait([{ job: 'fresh' }])).toEqual({ services: [], jobs: ['fresh'], message: 'waiting for job fresh to complete' });
    expect(wait([{ job: 'broken' }])?.message).toBe('waiting for job broken to complete (the latest task of broken, broken-1, failed)');
    expect(wait([{ service: 'db' }, { job: 'done' }, { job: 'migrate' }, { job: 'fresh' }])).toEqual({
      services: ['db'],
      jobs: ['migrate', 'fresh'],
      message: 'waiting for service db to be ready and jobs migrate and fresh to complete (migrate does not exist yet)',
    });
  });
});

describe('spec.depends_on in the schema', () => {
  const parse = (depends_on: unknown) => {
    const r = ServiceManifest.safeParse({ kind: 'Service', meta: { name: 'app' }, spec: { depends_on, template: { containers: [{ name: 'c', image: { name: 'busybox' } }] } } });
    return r.success ? { ok: r.data.spec.depends_on } : { fields: issuesToFields(r.error.issues) };
  };

  it('takes services with the ready condition and jobs with the completed one, as written', () => {
    expect(parse([{ service: 'db', condition: 'ready' }, { service: 'cache' }])).toEqual({ ok: [{ service: 'db', condition: 'ready' }, { service: 'cache' }] });
    expect(parse([{ job: 'migrate', condition: 'completed' }, { job: 'seed' }, { service: 'migrate' }])).toEqual({
      ok: [{ job: 'migrate', condition: 'completed' }, { job: 'seed' }, { service: 'migrate' }],
    });
  });

  it.each([
    [[{ service: 'Bad_Name' }], 'spec.depends_on.0.service', /DNS label/],
    [[{ service: 'db', condition: 'healthy' }], 'spec.depends_on.0.condition', /must be ready/],
    [[{ service: 'db', condition: 'completed' }], 'spec.depends_on.0.condition', /must be ready \(the only condition of a service\)/],
    [[{ job: 'migrate', condition: 'ready' }], 'spec.depends_on.0.condition', /must be completed \(the only condition of a job\)/],
    [[{ job: 'Bad_Name' }], 'spec.depends_on.0.job', /DNS label/],
    [[{ service: 'db', job: 'migrate' }], 'spec.depends_on.0.job', /a service or a job, not both/],
    [[{}], 'spec.depends_on.0.service', /names the service \(or job\)/],
    [[{ condition: 'completed' }], 'spec.depends_on.0.service', /names the service \(or job\)/],
    [[{ service: 'db' }, { service: 'db' }], 'spec.depends_on.1.service', /service db is named twice/],
    [[{ job: 'm' }, { service: 'm' }, { job: 'm', condition: 'completed' }], 'spec.depends_on.2.job', /job m is named twice/],
    [[{ service: 'db', after: 'x' }], 'spec.depends_on.0.after', /unknown field/i],
    [Array.from({ length: 33 }, (_, i) => ({ service: `s${i}` })), 'spec.depends_on', /at most 32/],
  ])('refuses %j naming the field', (deps, field, reason) => {
    const r = parse(deps);
    expect(r.fields?.[0]).toMatchObject({ field });
    expect(r.fields?.[0].reason).toMatch(reason);
  });
});

const svc = (name: string, depends?: string[], cmd = 'a') => ({
  kind: 'Service',
  meta: { name },
  spec: { replicas: 1, ...(depends ? { depends_on: depends.map((service) => ({ service })) } : {}), template: { containers: [{ name: 'c', image: { name: 'img:1' }, command: [cmd] }] } },
});

describe('start order on a real store', () => {
  let dir: string;
  let store: Store;
  let r: Resources;
  let cluster: ClusterState;
  let ctl: Controller | undefined;
  const recorded: EventInput[] = [];

  beforeEach(async () => {
    recorded.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'lb-order-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)));
    cluster = new ClusterState(store, 'test');
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
  });

  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(LbError);
    return e as LbError;
  };
  const stored = async () => (await store.list<Service>(keys.service('ns'))).map((s) => s.meta.name).sort();

  it('refuses a cycle at write time, naming it, and stores nothing of the write', async () => {
    // In one apply: nothing of it is stored.
    let e = await refusal(r.apply('ns', { manifests: [svc('web', ['api']), svc('api', ['web']), svc('db')] }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details.fields).toEqual([{ field: 'manifests.0.spec.depends_on', reason: 'cycle web → api → web' }]);
    expect(e.message).toBe('invalid manifest: manifests.0.spec.depends_on: cycle web → api → web');
    expect(await stored()).toEqual([]);

    // A dependency on a service that does not exist yet is taken.
    await r.apply('ns', { manifests: [svc('web', ['api']), svc('api', ['db'])] });
    // Closed by a new service, by an update (PUT), by an apply of an existing one: refused, the stored one unchanged.
    e = await refusal(r.createService('ns', svc('db', ['web'])));
    expect(e.details.fields).toEqual([{ field: 'spec.depends_on', reason: 'cycle db → web → api → db' }]);
    expect(await stored()).toEqual(['api', 'web']);
    e = await refusal(r.updateService('ns', 'api', { spec: { depends_on: [{ service: 'web' }] } }));
    expect(e.details.fields).toEqual([{ field: 'spec.depends_on', reason: 'cycle api → web → api' }]);
    e = await refusal(r.apply('ns', { manifests: [svc('api', ['api'])] }));
    expect(e.details.fields).toEqual([{ field: 'manifests.0.spec.depends_on', reason: 'service api depends on itself' }]);
    expect((await r.getService('ns', 'api')).spec.depends_on).toEqual([{ service: 'db' }]);

    // Reversing an edge in one apply is no cycle: the check sees the services as they will be.
    await r.apply('ns', { manifests: [svc('web'), svc('api', ['web'])] });
    expect((await r.getService('ns', 'api')).spec.depends_on).toEqual([{ service: 'web' }]);
  });

  async function agentReady(service: string) {
    const status: PodStatus = { state: 'ready', running: true, message: '', network: { host_ip: '1.1.1.1', pod_ip: '10.0.0.9' }, containers: [] };
    const pods = (await store.list<Pod>(keys.pod('ns'))).filter((p) => p.meta.service === service && p.meta.node === 'n1' && !p.spec.destroy);
    await cluster.reportPods('n1', { pods: pods.map((p) => ({ namespace: 'ns', name: p.meta.name, status })) });
  }
  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
    for (let i = 0; i < 300; i++) {
      const v = await fn();
      if (ok(v)) return v;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const podsOf = async (service: string) => (await store.list<Pod>(keys.pod('ns'))).filter((p) => p.meta.service === service && !p.spec.destroy);
  const get = (name: string) => store.get<Service>(keys.service('ns', name)) as Promise<Service>;
  const waits = () => recorded.filter((e) => e.reason === 'WaitingForDependency').map((e) => `${e.object.name} ${e.type}: ${e.message}`);

  it('gates each rollout on its dependencies being ready, says why once, and goes on by itself; scaling is not gated', async () => {
    await cluster.reportNode('n1', { capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 } });
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 600 }, defaultScheduler, {
      record: (e: EventInput) => void recorded.push(e),
    });
    await ctl.start();

    // app first, depending on a db that does not exist yet: its first version makes no pod.
    await r.apply('ns', { manifests: [svc('app', ['db'])] });
    let app = await until(() => get('app'), (s) => s.status.generation === 1 && s.status.rollout?.version === 1, 'app v1');
    expect(app.status.rollout).toMatchObject({ state: 'progressing', message: 'v1: waiting for service db to be ready (db does not exist yet)' });
    expect(app.status.message).toBe('rolling out v1: waiting for service db to be ready (db does not exist yet)');
    expect(await podsOf('app')).toEqual([]);

    await r.apply('ns', { manifests: [svc('db')] });
    await until(() => podsOf('db'), (p) => p.length === 1 && !!p[0].meta.node, 'db pod placed');
    app = await until(() => get('app'), (s) => s.status.rollout?.message === 'v1: waiting for service db to be ready', 'app waits for db');
    expect(await podsOf('app')).toEqual([]);
    // Passes while it waits (a resync) say nothing more: one event per wait.
    await ctl.resyncAll();
    await until(() => get('db'), (s) => s.status.state === 'provisioning', 'db provisioning');
    // The same wait, now for a db that exists: said once.
    expect(waits()).toEqual(['app normal: v1: waiting for service db to be ready (db does not exist yet)']);

    // db ready: app's pods are made without anything else happening to app.
    await agentReady('db');
    await until(() => podsOf('app'), (p) => p.length === 1, 'app pod once db is ready');
    await agentReady('app');
    app = await until(() => get('app'), (s) => s.status.state === 'ready', 'app ready');
    expect(app.status.message).toBe('');

    // db goes down (its new version does not come up and v1 is gone): scaling app's serving version is not gated…
    await r.updateService('ns', 'db', { spec: { replicas: 2 } });
    await until(() => get('db'), (s) => s.status.state !== 'ready', 'db not ready at 2 replicas');
    await r.updateService('ns', 'app', { spec: { replicas: 2 } });
    await until(() => podsOf('app'), (p) => p.length === 2, 'app scaled while db is not ready');
    // …but a new version of app is: it waits, and the old one keeps serving.
    await r.updateService('ns', 'app', { spec: { template: svc('app', [], 'b').spec.template } });
    app = await until(() => get('app'), (s) => s.status.rollout?.version === 2, 'app v2');
    expect(app.status.rollout?.message).toBe('v2: waiting for service db to be ready');
    expect((await podsOf('app')).map((p) => p.meta.deployment)).toEqual(['v1', 'v1']);
    expect(app.status.deployment).toBe('v1');
    expect(waits()).toEqual(['app normal: v1: waiting for service db to be ready (db does not exist yet)', 'app normal: v2: waiting for service db to be ready']);
    await agentReady('db');
    await until(() => podsOf('app'), (p) => p.filter((x) => x.meta.deployment === 'v2').length === 2, 'app v2 pods once db is ready again');
  });
  it("gates a rollout on a job's latest finished task succeeding, woken by the task's changes", async () => {
    await cluster.reportNode('n1', { capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 } });
    ctl = new Controller(store, createLogger('silent'), { history: 10, nodeNotReadyAfter: 20, nodeOfflineAfter: 60, resyncInterval: 600 }, defaultScheduler, {
      record: (e: EventInput) => void recorded.push(e),
    });
    await ctl.start();
    const app = { ...svc('app'), spec: { ...svc('app').spec, depends_on: [{ job: 'migrate', condition: 'completed' }] } };
    await r.apply('ns', { manifests: [app] });
    await until(() => get('app'), (s) => s.status.rollout?.message === 'v1: waiting for job migrate to complete (migrate does not exist yet)', 'app waits for a job not there');

    // The job appears; a task of it (as the job controller writes them) runs, then fails: still waiting, saying so.
    await r.apply('ns', { manifests: [{ kind: 'Job', meta: { name: 'migrate' }, spec: { task: { template: { containers: [{ name: 'c', image: { name: 'img:1' } }] } } } }] });
    await until(() => get('app'), (s) => s.status.rollout?.message === 'v1: waiting for job migrate to complete', 'app waits for the job');
    const put = (name: string, state: TaskState, finished?: string) =>
      store.txn(async (tx) =>
        tx.put(keys.task('ns', name), {
          kind: 'Task',
          version: 'v1',
          meta: { name, namespace: 'ns', job: 'migrate', created: new Date().toISOString(), updated: new Date().toISOString(), labels: {} },
          spec: { template: { containers: [] } },
          status: { state, attempt: 1, containers: [], message: '', ...(finished ? { finished } : {}) },
        } as unknown as Task),
      );
    await put('migrate-1', 'running');
    await put('migrate-1', 'failed', '2026-01-01T00:01:00.000Z');
    await until(() => get('app'), (s) => s.status.rollout?.message === 'v1: waiting for job migrate to complete (the latest task of migrate, migrate-1, failed)', 'app names the failed task');
    expect(await podsOf('app')).toEqual([]);
    // A new run succeeds: app's pods are made without anything else happening to app.
    await put('migrate-2', 'running');
    expect(await podsOf('app')).toEqual([]);
    await put('migrate-2', 'succeeded', '2026-01-01T00:02:00.000Z');
    await until(() => podsOf('app'), (p) => p.length === 1, 'app pod once the task succeeded');
    // The job appearing is the same wait (said once, as for a service); the failed task is news.
    expect(waits()).toEqual([
      'app normal: v1: waiting for job migrate to complete (migrate does not exist yet)',
      'app normal: v1: waiting for job migrate to complete (the latest task of migrate, migrate-1, failed)',
    ]);
  });
});
