// The rollout verdict as a pure function: progressing, complete, failed (pull error, crash loop, deadline),
// rolled back with auto_rollback, and the same verdict whenever it is computed again (a restarted server).
import type { Deployment, Pod, PodContainerStatus, ServiceRollout } from '@lastbackend/sdk';
import { rolloutVerdict, type RolloutInput } from './rollout';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const dep = (version: number, created = T0): Deployment => ({
  kind: 'Deployment',
  version: 'v1',
  meta: { name: `v${version}`, namespace: 'ns', service: 'web', labels: {}, uid: `u${version}`, created: new Date(created).toISOString(), updated: '', revision: 1 },
  spec: { version, replicas: 2, template: { containers: [], volumes: [], termination: 10 }, hash: `h${version}` },
  status: { state: 'provisioning', message: '', replicas: { desired: 2, ready: 0, total: 0 } },
});
const container = (c: Partial<PodContainerStatus> = {}): PodContainerStatus => ({ name: 'app', image: 'img', state: 'running', ready: false, restarts: 0, message: '', ...c });
const pod = (name: string, state: Pod['status']['state'], containers: PodContainerStatus[] = [], extra: Partial<Pod['status']> = {}, node = 'n1'): Pod => ({
  kind: 'Pod',
  version: 'v1',
  meta: { name, namespace: 'ns', service: 'web', deployment: 'v2', node, labels: {}, uid: name, created: '', updated: '', revision: 1 },
  spec: { template: { containers: [], volumes: [], termination: 10 }, destroy: false, resources: { cpu: 0, ram: 0 } },
  status: { state, running: state === 'ready', message: '', network: { host_ip: '', pod_ip: '' }, containers, ...extra },
});

const v1 = dep(1, T0 - 3600_000);
const v2 = dep(2);
const input = (i: Partial<RolloutInput>): RolloutInput => ({ now: T0 + 5000, target: v2, active: v1, pods: [], replicas: 2, ...i });

describe('rolloutVerdict', () => {
  it('is progressing while the new version is not ready, naming a pod that waits and why', () => {
    const v = rolloutVerdict(input({ pods: [pod('web-a', 'ready'), pod('web-b', 'provisioning', [container({ state: 'pulling', message: 'pulling img: 1.0 MB of 2.0 MB (50%)' })])] }));
    expect(v.rollback).toBeUndefined();
    expect(v.rollout).toEqual({ version: 2, state: 'progressing', message: 'v2: 1/2 pods ready; pod web-b: container app: pulling img: 1.0 MB of 2.0 MB (50%)', since: new Date(T0 + 5000).toISOString() });
    const unplaced = rolloutVerdict(input({ pods: [pod('web-c', 'pending', [], { message: 'unschedulable: no node has 8 cpu free' }, '')] }));
    expect(unplaced.rollout.message).toBe('v2: 0/2 pods ready; pod web-c: unschedulable: no node has 8 cpu free');
  });

  it('a version waiting for a dependency (spec.depends_on) says what it waits for, and the deadline names it', () => {
    const waiting = 'waiting for service db to be ready';
    expect(rolloutVerdict(input({ waiting })).rollout).toMatchObject({ state: 'progressing', message: 'v2: waiting for service db to be ready' });
    // Pods made before the dependency stopped being ready: counted, then the wait.
    expect(rolloutVerdict(input({ waiting, pods: [pod('web-a', 'ready')] })).rollout.message).toBe('v2: 1/2 pods ready; waiting for service db to be ready');
    const late = rolloutVerdict(input({ waiting, now: T0 + 601_000 }));
    expect(late.rollout).toMatchObject({ state: 'failed', message: 'v2 failed: not ready after 10m (0/2 pods ready): waiting for service db to be ready' });
  });

  it('is complete once every replica of the new version is ready, and while that version serves', () => {
    expect(rolloutVerdict(input({ pods: [pod('a', 'ready'), pod('b', 'ready')] })).rollout).toMatchObject({ version: 2, state: 'complete', message: 'v2 serves' });
    expect(rolloutVerdict(input({ target: v1, active: v1 })).rollout).toMatchObject({ version: 1, state: 'complete' });
    // The first version of a service, before any serves.
    expect(rolloutVerdict(input({ active: undefined, pods: [pod('a', 'ready'), pod('b', 'ready')] })).rollout.state).toBe('complete');
  });

  it('fails on a pull error, naming the pod and the error; a bad rollout without auto_rollback stays failed', () => {
    const pulled = pod('web-b', 'error', [container({ state: 'error', message: 'pull nope:1: manifest unknown' })]);
    const v = rolloutVerdict(input({ pods: [pod('web-a', 'provisioning'), pulled] }));
    expect(v.rollback).toBeUndefined();
    expect(v.rollout).toMatchObject({ version: 2, state: 'failed', message: 'v2 failed: pod web-b: cannot pull image img for container app: pull nope:1: manifest unknown' });
  });

  it('a pull error that may heal (the registry does not answer) is no failure: the deadline names it', () => {
    const down = pod('web-b', 'error', [container({ state: 'error', message: 'pull 127.0.0.1:1/x:1: connect ECONNREFUSED 127.0.0.1:1' })]);
    expect(rolloutVerdict(input({ pods: [down] })).rollout.state).toBe('progressing');
  });

  it('fails on a crash loop of 3 restarts, not before', () => {
    const looping = (restarts: number) => pod('web-b', 'error', [container({ state: 'exited', exit_code: 3, restarts, message: 'back-off restarting: exited with code 3' })]);
    expect(rolloutVerdict(input({ pods: [looping(2)] })).rollout.state).toBe('progressing');
    expect(rolloutVerdict(input({ pods: [looping(3)] })).rollout.message).toBe('v2 failed: pod web-b: container app is crash-looping: it exited with code 3 and was restarted 3 times');
  });

  it('fails once the deadline (10m by default) passed since the new deployment was made', () => {
    const waiting = [pod('web-a', 'not-ready', [container({ message: 'readiness probe failing: HTTP 503' })])];
    expect(rolloutVerdict(input({ now: T0 + 600_000, pods: waiting })).rollout.state).toBe('progressing');
    expect(rolloutVerdict(input({ now: T0 + 601_000, pods: waiting })).rollout.message).toBe(
      'v2 failed: not ready after 10m (0/2 pods ready): pod web-a: container app: readiness probe failing: HTTP 503',
    );
    const strategy = { deadline: '90s' };
    expect(rolloutVerdict(input({ now: T0 + 89_000, pods: waiting, strategy })).rollout.state).toBe('progressing');
    expect(rolloutVerdict(input({ now: T0 + 91_000, pods: waiting, strategy })).rollout.message).toMatch(/^v2 failed: not ready after 90s/);
  });

  it('with auto_rollback, a failed rollout returns to the version that serves', () => {
    const pulled = pod('web-b', 'error', [container({ state: 'error', message: 'pull nope:1: not found' })]);
    const v = rolloutVerdict(input({ strategy: { auto_rollback: true }, pods: [pulled] }));
    expect(v.rollback).toEqual({ to: v1, reason: 'pod web-b: cannot pull image img for container app: pull nope:1: not found' });
    expect(v.rollout).toMatchObject({ version: 2, state: 'rolled-back', message: 'v2 failed, rolled back to v1: pod web-b: cannot pull image img for container app: pull nope:1: not found' });
    // Once back on v1, the verdict stays rolled-back (for v2) until a newer version is issued.
    expect(rolloutVerdict(input({ target: v1, active: v1, prev: v.rollout })).rollout).toBe(v.rollout);
    expect(rolloutVerdict(input({ target: dep(3), active: v1, prev: v.rollout, pods: [] })).rollout).toMatchObject({ version: 3, state: 'progressing' });
    // Nothing serves yet: nothing to roll back to, the rollout fails.
    const first = rolloutVerdict(input({ strategy: { auto_rollback: true }, active: undefined, pods: [pulled] }));
    expect(first.rollback).toBeUndefined();
    expect(first.rollout.message).toMatch(/nothing to roll back to\)$/);
  });

  it('reaches the same verdict when computed again (a restarted server), keeping when the state began', () => {
    const pods = [pod('web-b', 'error', [container({ state: 'error', message: 'pull x: denied' })])];
    const first = rolloutVerdict(input({ pods }));
    const again = rolloutVerdict(input({ pods, now: T0 + 60_000, prev: first.rollout }));
    expect(again.rollout).toEqual(first.rollout);
    const changed = rolloutVerdict(input({ pods: [pod('a', 'ready'), pod('b', 'ready')], now: T0 + 70_000, prev: first.rollout as ServiceRollout }));
    expect(changed.rollout.since).toBe(new Date(T0 + 70_000).toISOString());
  });
});
