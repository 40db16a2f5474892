import { isPermanentPullError, type LbEvent, type Pod, type PodContainerStatus, type Service, type ServiceRollout, type WatchEvent } from '@lastbackend/sdk';
import { podProgress } from '@lastbackend/sdk';
import { RolloutTracker, controllerFailure } from './progress';
import { serviceLine } from './render';

const template = (image: string) => ({ containers: [{ name: 'c', image: { name: image } }] }) as unknown as Service['spec']['template'];

function service(name: string, opts: { image?: string; replicas?: number; active?: string; generation?: number; rollout?: ServiceRollout } = {}): Service {
  return {
    kind: 'Service',
    version: 'v1',
    meta: { name, namespace: 'ns', labels: {}, uid: name, created: '', updated: '', revision: 1 },
    spec: { replicas: opts.replicas ?? 1, template: template(opts.image ?? 'img:1') } as Service['spec'],
    status: {
      state: 'provisioning',
      message: '',
      generation: opts.generation ?? 0,
      replicas: { desired: opts.replicas ?? 1, ready: 0 },
      network: { ports: [] },
      ...(opts.active ? { deployment: opts.active } : {}),
      ...(opts.rollout ? { rollout: opts.rollout } : {}),
    },
  };
}

type C = Partial<PodContainerStatus>;
function pod(svc: string, name: string, version: string, opts: { node?: string; state?: Pod['status']['state']; message?: string; containers?: C[]; destroy?: boolean; image?: string } = {}): Pod {
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { name, namespace: 'ns', service: svc, deployment: version, node: opts.node ?? 'n1', labels: {}, uid: name, created: '', updated: '', revision: 1 },
    spec: { template: template(opts.image ?? 'img:1'), destroy: !!opts.destroy, resources: { cpu: 0, ram: 0 } },
    status: {
      state: opts.state ?? 'provisioning',
      running: false,
      message: opts.message ?? '',
      network: { host_ip: '', pod_ip: '' },
      containers: (opts.containers ?? []).map((c) => ({ name: 'c', image: 'img:1', state: 'pending', ready: false, restarts: 0, message: '', ...c })) as PodContainerStatus[],
    },
  };
}

const ready = (svc: string, name: string, version: string, image = 'img:1') => pod(svc, name, version, { state: 'ready', containers: [{ state: 'running', ready: true }], image });

function event(podName: string, svc: string, reason: string, message: string, count = 1, type: LbEvent['type'] = 'warning'): LbEvent {
  return {
    kind: 'Event',
    version: 'v1',
    meta: { name: `${podName}.${reason}`, namespace: 'ns', revision: 1 },
    object: { kind: 'Pod', namespace: 'ns', name: podName, service: svc },
    type,
    reason,
    message,
    count,
    first_seen: '2026-01-01T00:00:00Z',
    last_seen: '2026-01-01T00:00:00Z',
    component: 'agent/n1',
  };
}

const added = <T>(object: T): WatchEvent<T> => ({ type: 'ADDED', revision: 1, object });
const modified = <T>(object: T): WatchEvent<T> => ({ type: 'MODIFIED', revision: 2, object });
const deleted = <T>(object: T): WatchEvent<T> => ({ type: 'DELETED', revision: 3, object });

function tracker(names: string[], state: { services?: Service[]; pods?: Pod[]; events?: LbEvent[] }): RolloutTracker {
  const t = new RolloutTracker(names);
  for (const s of state.services ?? []) t.onService(added(s));
  for (const p of state.pods ?? []) t.onPod(added(p));
  for (const e of state.events ?? []) t.onEvent(e);
  return t;
}

describe('RolloutTracker', () => {
  it('a new service: waits for its version, then for every replica, and is ready once it serves', () => {
    const t = tracker(['web'], { services: [service('web', { replicas: 2 })] });
    expect(t.progress('web')).toMatchObject({ note: 'waiting for the new version', done: false });
    t.onService(modified(service('web', { replicas: 2, generation: 1 })));
    t.onPod(added(pod('web', 'web-a', 'v1', { node: '' , message: '' })));
    t.onPod(added(ready('web', 'web-b', 'v1')));
    expect(t.progress('web')).toMatchObject({ version: 'v1', desired: 2, updated: 2, ready: 1, done: false });
    expect(t.progress('web').pods.map((p) => p.phase)).toEqual(['pending', 'ready']);
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onPod(modified(ready('web', 'web-a', 'v1')));
    // Every pod ready, but the controller has not switched to v1 yet.
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onService(modified(service('web', { replicas: 2, active: 'v1', generation: 1 })));
    expect(t.verdict()).toEqual({ state: 'ready' });
    expect(t.progress('web')).toMatchObject({ updated: 2, ready: 2, done: true });
  });

  it('a pull error that cannot heal fails at once, naming the pod and the error', () => {
    const msg = 'pull reg:5000/app:1: manifest for reg:5000/app:1 not found: manifest unknown: manifest unknown';
    const t = tracker(['app'], {
      services: [service('app', { image: 'reg:5000/app:1', generation: 1 })],
      pods: [pod('app', 'app-a', 'v1', { image: 'reg:5000/app:1', state: 'error', message: `c: ${msg}`, containers: [{ state: 'error', message: msg, image: 'reg:5000/app:1' }] })],
    });
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'app', pod: 'app-a', reason: `cannot pull image reg:5000/app:1 for container c: ${msg}` } });
  });

  it('a pull error that may heal (the registry is unreachable) waits, and is named at the timeout', () => {
    const msg = 'pull reg:5000/app:1: Get "http://reg:5000/v2/": dial tcp: connection refused';
    expect(isPermanentPullError(msg)).toBe(false);
    expect(isPermanentPullError('pull x: pull access denied for x, repository does not exist or may require docker login')).toBe(true);
    expect(isPermanentPullError('pull x: unauthorized: authentication required')).toBe(true);
    const t = tracker(['app'], {
      services: [service('app', { generation: 1 })],
      pods: [pod('app', 'app-a', 'v1', { state: 'error', message: `c: ${msg}`, containers: [{ state: 'error', message: msg }] })],
    });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    expect(t.timedOut('60s')).toEqual({ service: 'app', ended: 'timed out after 60s (v1: 0/1 ready)', pod: 'app-a', reason: msg });
  });

  it('a crash loop fails once a container restarted 3 times (the rule the controller uses), and asks for its logs', () => {
    const base = { services: [service('job', { generation: 1 })] };
    const backoff = (count: number) => event('job-a', 'job', 'BackOff', 'back-off restarting container c: it exited with code 1', count);
    // Two restarts may be a dependency not up yet, or a liveness probe on a busy node: not a verdict, BackOff or not.
    const twice = tracker(['job'], { ...base, pods: [pod('job', 'job-a', 'v1', { state: 'error', containers: [{ state: 'exited', exit_code: 1, restarts: 2 }] })], events: [backoff(5)] });
    expect(twice.verdict()).toEqual({ state: 'progressing' });
    expect(twice.progress('job').pods[0]).toMatchObject({ phase: 'crash-looping', detail: 'container c exited with code 1, restarted 2 times' });
    const thrice = tracker(['job'], { ...base, pods: [pod('job', 'job-a', 'v1', { state: 'error', containers: [{ state: 'exited', exit_code: 1, restarts: 3 }] })] });
    expect(thrice.verdict()).toEqual({
      state: 'failed',
      failure: { service: 'job', pod: 'job-a', reason: 'container c is crash-looping: it exited with code 1 and was restarted 3 times', logs: { pod: 'job-a', container: 'c' } },
    });
  });

  it('a container its restart policy leaves down fails at once, with its logs', () => {
    const p = pod('job', 'job-a', 'v1', { state: 'error', containers: [{ state: 'exited', exit_code: 4 }] });
    const svc = service('job', { generation: 1 });
    svc.spec.template = p.spec.template = { containers: [{ name: 'c', image: { name: 'img:1' }, restart: { policy: 'never' } }] } as unknown as Pod['spec']['template'];
    const t = tracker(['job'], { services: [svc], pods: [p] });
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'job', pod: 'job-a', reason: 'container c exited with code 4 and its restart policy leaves it down', logs: { pod: 'job-a', container: 'c' } } });
    // on-failure with attempts left: it comes back.
    svc.spec.template = p.spec.template = { containers: [{ name: 'c', image: { name: 'img:1' }, restart: { policy: 'on-failure', attempts: 2 } }] } as unknown as Pod['spec']['template'];
    t.onService(modified(svc));
    t.onPod(modified(p));
    expect(t.progress('job').version).toBe('v1');
    expect(t.verdict()).toEqual({ state: 'progressing' });
  });

  it('no node that fits: fails once the scheduler tried again, with its reasons per node', () => {
    const why = 'no node fits: node n1 lacks label disk=ssd; node n2 has 10MiB ram free, needs 64MiB';
    const p = pod('big', 'big-a', 'v1', { node: '', message: 'unschedulable: node n1 lacks label disk=ssd' });
    const t = tracker(['big'], { services: [service('big', { generation: 1 })], pods: [p], events: [event('big-a', 'big', 'FailedScheduling', why, 1)] });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    expect(t.progress('big').pods[0]).toMatchObject({ phase: 'pending', detail: 'unschedulable: node n1 lacks label disk=ssd' });
    t.onEvent(event('big-a', 'big', 'FailedScheduling', why, 2));
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'big', pod: 'big-a', reason: why } });
  });

  it('a readiness probe that keeps failing: named at the timeout, failed once it repeats', () => {
    const msg = 'readiness probe of container c failed 3 time(s) in a row';
    const p = pod('web', 'web-a', 'v1', { state: 'not-ready', containers: [{ state: 'running', ready: false, message: 'readiness probe failing' }] });
    const t = tracker(['web'], { services: [service('web', { generation: 1 })], pods: [p], events: [event('web-a', 'web', 'Unhealthy', msg, 1)] });
    expect(t.progress('web').pods[0]).toMatchObject({ phase: 'running', detail: 'readiness probe failing' });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    expect(t.timedOut('5m')).toEqual({ service: 'web', ended: 'timed out after 5m (v1: 0/1 ready)', pod: 'web-a', reason: `Unhealthy: ${msg}` });
    t.onEvent(event('web-a', 'web', 'Unhealthy', msg, 3));
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'web', pod: 'web-a', reason: msg } });
  });

  it('scale down to 0: ready once the pods are marked for removal', () => {
    const t = tracker(['web'], {
      services: [service('web', { replicas: 0, active: 'v1', generation: 1 })],
      pods: [ready('web', 'web-a', 'v1')],
    });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onPod(modified({ ...ready('web', 'web-a', 'v1'), spec: { ...ready('web', 'web-a', 'v1').spec, destroy: true } }));
    expect(t.progress('web')).toMatchObject({ version: 'v1', desired: 0, updated: 0, ready: 0, done: true });
    expect(t.verdict()).toEqual({ state: 'ready' });
  });

  it('a scale that makes no new version: the serving version with the new count', () => {
    const t = tracker(['web'], {
      services: [service('web', { replicas: 3, active: 'v1', generation: 1 })],
      pods: [ready('web', 'web-a', 'v1')],
    });
    expect(t.progress('web')).toMatchObject({ version: 'v1', desired: 3, updated: 1, ready: 1, done: false });
    t.onPod(added(ready('web', 'web-b', 'v1')));
    t.onPod(added(pod('web', 'web-c', 'v1', { containers: [{ state: 'pulling', pull: { current: 25_000_000, total: 100_000_000 } }] })));
    expect(t.progress('web').pods[2]).toMatchObject({ phase: 'pulling', detail: 'pulling 25.0 MB of 100.0 MB (25%)' });
    t.onPod(modified(ready('web', 'web-c', 'v1')));
    expect(t.verdict()).toEqual({ state: 'ready' });
  });

  it('a template change: the old version serving all ready is not done; the new one is, once it serves', () => {
    const t = tracker(['web'], {
      // The service as stored by the apply: a new image, before the controller made v2.
      services: [service('web', { image: 'img:2', active: 'v1', generation: 1 })],
      pods: [ready('web', 'web-a', 'v1')],
    });
    expect(t.progress('web')).toMatchObject({ note: 'waiting for the new version', done: false });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onPod(added(ready('web', 'web-b', 'v2', 'img:2')));
    t.onService(modified(service('web', { image: 'img:2', active: 'v1', generation: 2 })));
    expect(t.progress('web')).toMatchObject({ version: 'v2', updated: 1, ready: 1, done: false });
    t.onService(modified(service('web', { image: 'img:2', active: 'v2', generation: 2 })));
    expect(t.verdict()).toEqual({ state: 'ready' });
  });

  it('an apply of several services, one unchanged: waits for the changed one only as long as it is not ready', () => {
    const t = tracker(['db', 'web'], {
      services: [service('db', { active: 'v1', generation: 1 }), service('web', { image: 'img:2', active: 'v1', generation: 1 })],
      pods: [ready('db', 'db-a', 'v1'), ready('web', 'web-a', 'v1')],
    });
    expect(t.progress('db')).toMatchObject({ version: 'v1', done: true });
    expect(t.progress('web')).toMatchObject({ done: false });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onPod(added(ready('web', 'web-b', 'v2', 'img:2')));
    t.onService(modified(service('web', { image: 'img:2', active: 'v2', generation: 2 })));
    expect(t.verdict()).toEqual({ state: 'ready' });
    expect(t.timedOut('1m').service).toBe('db'); // none is left undone: the first is named
  });

  it('a rollback: the earlier template comes back as a new version, not as the old deployment', () => {
    const t = tracker(['web'], {
      services: [service('web', { image: 'img:1', active: 'v2', generation: 2 })],
      pods: [ready('web', 'web-a', 'v1'), ready('web', 'web-b', 'v2', 'img:2')],
    });
    // v1 had the template, but v2 is the newest: the controller has yet to make v3.
    expect(t.progress('web')).toMatchObject({ note: 'waiting for the new version' });
    t.onPod(added(ready('web', 'web-c', 'v3')));
    t.onService(modified(service('web', { image: 'img:1', active: 'v2', generation: 3 })));
    expect(t.progress('web')).toMatchObject({ version: 'v3', ready: 1, done: false });
    expect(t.verdict()).toEqual({ state: 'progressing' });
    t.onService(modified(service('web', { image: 'img:1', active: 'v3', generation: 3 })));
    expect(t.verdict()).toEqual({ state: 'ready' });
  });

  it("the controller's rollout record of the new version: failed or rolled back ends the wait", () => {
    const t = tracker(['web'], {
      services: [service('web', { image: 'img:2', active: 'v1', generation: 2, rollout: { version: 2, state: 'rolled-back', message: 'v2 not ready within 90s; v1 serves again', since: '' } })],
    });
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'web', reason: 'v2 rolled-back: v2 not ready within 90s; v1 serves again' } });
    // The controller's own wording reads as the wait's: the version is named once.
    expect(controllerFailure('web', 'v2', { state: 'failed', message: 'v2 failed: pod web-a: vetoed: no' })).toEqual({ service: 'web', reason: 'pod web-a: vetoed: no' });
    expect(controllerFailure('web', 'v2', { state: 'rolled-back', message: 'v2 failed, rolled back to v1: not ready after 90s (0/1 pods ready)' })).toEqual({
      service: 'web',
      ended: 'rolled back to v1',
      reason: 'not ready after 90s (0/1 pods ready)',
    });
  });

  it('a service deleted while waited for fails; a RESYNC forgets what was listed', () => {
    const t = tracker(['web'], { services: [service('web', { generation: 1 })], pods: [ready('web', 'web-a', 'v1')] });
    t.onPod({ type: 'RESYNC', revision: 0 });
    expect(t.progress('web').updated).toBe(0);
    t.onService(deleted(service('web')));
    expect(t.verdict()).toEqual({ state: 'failed', failure: { service: 'web', reason: 'service web was deleted' } });
  });

  it('a version waiting for a dependency says so in its progress line, and names it at the timeout', () => {
    const rollout = (message: string): ServiceRollout => ({ version: 1, state: 'progressing', message, since: '' });
    const t = tracker(['app'], { services: [service('app', { generation: 1, rollout: rollout('v1: waiting for service db to be ready') })] });
    expect(t.progress('app')).toMatchObject({ version: 'v1', updated: 0, note: 'waiting for service db to be ready' });
    expect(serviceLine(t.progress('app'))).toBe('service/app v1: 0/1 updated, 0/1 ready; waiting for service db to be ready');
    expect(t.verdict()).toEqual({ state: 'progressing' });
    expect(t.timedOut('30s')).toEqual({ service: 'app', ended: 'timed out after 30s (v1: 0/1 ready)', reason: 'waiting for service db to be ready' });
    // Once its pods are made they tell; a count is no note.
    t.onPod(added(pod('app', 'app-a', 'v1')));
    expect(t.progress('app').note).toBeUndefined();
    const counted = tracker(['app'], { services: [service('app', { generation: 1, rollout: rollout('v1: 0/1 pods ready') })] });
    expect(counted.progress('app').note).toBeUndefined();
  });

  it("pods of other services and the new version's old pods being removed do not count", () => {
    const t = tracker(['web'], {
      services: [service('web', { active: 'v1', generation: 1 })],
      pods: [ready('web', 'web-a', 'v1'), { ...ready('web', 'web-z', 'v1'), spec: { ...ready('web', 'web-z', 'v1').spec, destroy: true } }, ready('other', 'other-a', 'v1')],
    });
    expect(t.progress('web')).toMatchObject({ updated: 1, ready: 1, done: true });
  });
});

describe('podProgress', () => {
  it('names the phase: scheduled, starting, pulling without byte counts, error', () => {
    expect(podProgress(pod('w', 'w-a', 'v1'))).toMatchObject({ phase: 'scheduled', detail: 'on node n1' });
    expect(podProgress(pod('w', 'w-a', 'v1', { containers: [{ state: 'created' }] }))).toMatchObject({ phase: 'starting' });
    expect(podProgress(pod('w', 'w-a', 'v1', { containers: [{ state: 'pulling' }] }))).toMatchObject({ phase: 'pulling', detail: 'pulling the image' });
    expect(podProgress(pod('w', 'w-a', 'v1', { state: 'error', containers: [{ state: 'error', message: 'env X: secret "s" has no key "k"' }] }))).toMatchObject({ phase: 'error', detail: 'env X: secret "s" has no key "k"' });
  });
});
