import { JobSpec, type Pod, type PodContainerStatus, type Task } from '@lastbackend/sdk';
import { LINGER_MS, planJob, retryDelaySeconds, runRefusal, type JobPassInput } from './lifecycle';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const template = { containers: [{ name: 'main', image: { name: 'busybox' } }] };
const spec = (extra: Record<string, unknown> = {}, task: Record<string, unknown> = {}) => JobSpec.parse({ task: { template, ...task }, ...extra });

let seq = 0;
function task(name: string, status: Partial<Task['status']> = {}, created = T0 + seq++): Task {
  return {
    kind: 'Task',
    version: 'v1',
    meta: { name, namespace: 'ns', job: 'j', labels: {}, uid: name, created: new Date(created).toISOString(), updated: '', revision: 0 },
    spec: { template: JobSpec.parse({ task: { template } }).task.template },
    status: { state: 'queued', attempt: 0, containers: [], message: '', ...status },
  };
}
function pod(name: string, containers: Partial<PodContainerStatus>[] = [], o: { node?: string; destroy?: boolean; state?: Pod['status']['state'] } = {}): Pod {
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { name, namespace: 'ns', service: '', deployment: '', node: o.node ?? 'n1', task: name.replace(/-\d+$/, ''), job: 'j', labels: {}, uid: name, created: '', updated: '', revision: 0 },
    spec: { template: JobSpec.parse({ task: { template } }).task.template, destroy: o.destroy ?? false, resources: { cpu: 0, ram: 0 } },
    status: {
      state: o.state ?? 'provisioning',
      running: false,
      message: '',
      network: { host_ip: '', pod_ip: '' },
      containers: containers.map((c) => ({ name: 'main', image: 'busybox', state: 'running', ready: true, restarts: 0, message: '', ...c })),
    },
  };
}
/** A task that runs attempt n with pod <name>-n. */
const started = (name: string, attempt = 1, extra: Partial<Task['status']> = {}) =>
  task(name, { state: 'running', attempt, pod: `${name}-${attempt}`, pods: Array.from({ length: attempt }, (_, i) => `${name}-${i + 1}`), started: new Date(T0).toISOString(), ...extra });
const run = (i: Partial<JobPassInput> & { job?: JobPassInput['job'] }) => planJob({ tasks: [], pods: new Map(), now: T0, ...i });
const pods = (...ps: Pod[]) => new Map(ps.map((p) => [p.meta.name, p]));
const put = (plan: ReturnType<typeof planJob>, name: string) => plan.put.find((t) => t.meta.name === name)!;

describe('concurrency', () => {
  it('queue: starts the oldest queued tasks up to the limit, the others wait', () => {
    const plan = run({ job: { spec: spec({ concurrency: { limit: 2 } }) }, tasks: [task('a'), task('b'), task('c')] });
    expect(plan.create.map((t) => t.status.pod)).toEqual(['a-1', 'b-1']);
    expect(put(plan, 'c').status).toMatchObject({ state: 'queued', message: 'waiting: 2 of 2 tasks run' });
    expect(put(plan, 'a').status).toMatchObject({ attempt: 1, pods: ['a-1'], started: new Date(T0).toISOString() });
  });

  it('queue: a queued task starts when a running one ends', () => {
    const plan = run({ job: { spec: spec() }, tasks: [started('a', 1, { state: 'succeeded', finished: new Date(T0).toISOString() }), task('b')] });
    expect(plan.create.map((t) => t.meta.name)).toEqual(['b']);
  });

  it('skip: a run is refused while the job is at its limit; queue and replace take it', () => {
    const running = [started('a')];
    expect(runRefusal(spec({ concurrency: { limit: 1, strategy: 'skip' } }), running)).toMatch(/limit 1, and its strategy is skip/);
    expect(runRefusal(spec({ concurrency: { limit: 2, strategy: 'skip' } }), running)).toBeUndefined();
    expect(runRefusal(spec({ concurrency: { limit: 1, strategy: 'queue' } }), running)).toBeUndefined();
    expect(runRefusal(spec({ concurrency: { limit: 1, strategy: 'skip' } }), [started('a', 1, { state: 'failed' })])).toBeUndefined();
  });

  it('a disabled job refuses every run', () => {
    expect(runRefusal(spec({ enabled: false }), [])).toMatch(/disabled/);
  });

  it('replace: the oldest running task is cancelled and its pod stopped for the new one', () => {
    const plan = run({ job: { spec: spec({ concurrency: { limit: 1, strategy: 'replace' } }) }, tasks: [started('a'), task('b')], pods: pods(pod('a-1', [{}])) });
    expect(put(plan, 'a').status).toMatchObject({ state: 'cancelled', message: 'replaced by task b (concurrency strategy replace)' });
    expect(plan.destroy).toEqual(['a-1']);
    expect(plan.create.map((t) => t.meta.name)).toEqual(['b']);
  });
});

describe('a task run', () => {
  it('goes scheduled, running, then succeeded with exit codes and times', () => {
    const j = { spec: spec() };
    expect(put(run({ job: j, tasks: [started('a', 1, { state: 'queued' })], pods: pods(pod('a-1', [{ state: 'pulling' }])) }), 'a').status.state).toBe('scheduled');
    expect(put(run({ job: j, tasks: [started('a', 1, { state: 'scheduled' })], pods: pods(pod('a-1', [{ state: 'running', started: 's' }])) }), 'a').status.state).toBe('running');
    const done = run({ job: j, tasks: [started('a')], pods: pods(pod('a-1', [{ state: 'exited', exit_code: 0, started: 's', finished: 'f' }])) });
    expect(put(done, 'a').status).toMatchObject({ state: 'succeeded', containers: [{ name: 'main', exit_code: 0, started: 's', finished: 'f' }], finished: new Date(T0).toISOString() });
    // Its pod stays a moment for the last log lines, then goes.
    expect(done.destroy).toEqual([]);
    const later = run({ job: j, tasks: [put(done, 'a')], pods: pods(pod('a-1', [{ state: 'exited', exit_code: 0 }])), now: T0 + LINGER_MS });
    expect(later.destroy).toEqual(['a-1']);
    // An exit reported without its time finishes when the controller sees it.
    const untimed = run({ job: j, tasks: [started('a')], pods: pods(pod('a-1', [{ state: 'exited', exit_code: 0 }])) });
    expect(put(untimed, 'a').status.containers).toEqual([{ name: 'main', exit_code: 0, finished: new Date(T0).toISOString() }]);
  });

  it('cancel: the pod goes and the task is cancelled', () => {
    const t = started('a');
    t.spec.cancel = true;
    const plan = run({ job: { spec: spec() }, tasks: [t], pods: pods(pod('a-1', [{}])) });
    expect(put(plan, 'a').status.state).toBe('cancelled');
    expect(plan.destroy).toEqual(['a-1']);
  });
});

describe('retries', () => {
  const j = { spec: spec({}, { retries: 2, backoff: '10s' }) };
  it('a failed attempt waits its back-off, doubling, then runs as a new pod once the old one is gone', () => {
    const failed = run({ job: j, tasks: [started('a')], pods: pods(pod('a-1', [{ state: 'exited', exit_code: 3 }])) });
    expect(put(failed, 'a').status).toMatchObject({ state: 'queued', retry_at: new Date(T0 + 10_000).toISOString() });
    expect(put(failed, 'a').status.message).toMatch(/attempt 1 failed \(container main exited with code 3\); retry 1 of 2 in 10s/);
    // Its pod stays a moment for the last log lines, then is stopped.
    expect(failed.destroy).toEqual([]);
    expect(run({ job: j, tasks: [put(failed, 'a')], pods: pods(pod('a-1', [{ state: 'exited', exit_code: 3 }])), now: T0 + LINGER_MS }).destroy).toEqual(['a-1']);
    // The back-off passed but the first pod is still stopping: no second pod.
    const waiting = run({ job: j, tasks: [put(failed, 'a')], pods: pods(pod('a-1', [], { destroy: true })), now: T0 + 11_000 });
    expect(waiting.create).toEqual([]);
    const next = run({ job: j, tasks: [put(failed, 'a')], now: T0 + 11_000 });
    expect(next.create.map((t) => t.status.pod)).toEqual(['a-2']);
    expect(put(next, 'a').status).toMatchObject({ attempt: 2, pods: ['a-1', 'a-2'] });
    expect(retryDelaySeconds('10s', 2)).toBe(20);
  });

  it('the last attempt failing fails the task', () => {
    const plan = run({ job: j, tasks: [started('a', 3)], pods: pods(pod('a-3', [{ state: 'exited', exit_code: 1 }])) });
    expect(put(plan, 'a').status).toMatchObject({ state: 'failed', message: 'container main exited with code 1' });
  });

  it('a pod lost with its node (evicted) counts as a failed attempt', () => {
    const plan = run({ job: j, tasks: [started('a', 1, { node: 'n1' })] });
    expect(put(plan, 'a').status.message).toMatch(/attempt 1 failed \(its pod a-1 was lost with node n1\); retry 1 of 2/);
  });

  it("a pod its agent stopped by itself (self-fencing) counts as a failed attempt", () => {
    const plan = run({ job: { spec: spec() }, tasks: [started('a')], pods: pods(pod('a-1', [], { state: 'destroyed' })) });
    expect(put(plan, 'a').status).toMatchObject({ state: 'failed' });
  });
});

describe('deadline', () => {
  it('a task running longer than its deadline is killed and failed, without retries', () => {
    const j = { spec: spec({}, { deadline: '30s', retries: 3 }) };
    expect(run({ job: j, tasks: [started('a')], pods: pods(pod('a-1', [{}])), now: T0 + 30_000 }).destroy).toEqual([]);
    const plan = run({ job: j, tasks: [started('a')], pods: pods(pod('a-1', [{}])), now: T0 + 31_000 });
    expect(put(plan, 'a').status).toMatchObject({ state: 'failed', message: 'deadline 30s exceeded' });
    expect(plan.destroy).toEqual(['a-1']);
  });
});

describe('history', () => {
  it('keeps the newest N succeeded and N failed tasks; older ones go once their pods are gone', () => {
    const done = (name: string, state: 'succeeded' | 'failed' | 'cancelled', at: number) => started(name, 1, { state, finished: new Date(T0 + at).toISOString() });
    const tasks = [done('s1', 'succeeded', 1), done('s2', 'succeeded', 2), done('s3', 'succeeded', 3), done('f1', 'failed', 1), done('c1', 'cancelled', 2)];
    const plan = run({ job: { spec: spec({ history: { succeeded: 2, failed: 1 } }) }, tasks, pods: pods(pod('f1-1', [], { destroy: true })) });
    expect(plan.remove.sort()).toEqual(['s1']);
    const later = run({ job: { spec: spec({ history: { succeeded: 2, failed: 1 } }) }, tasks });
    expect(later.remove.sort()).toEqual(['f1', 's1']);
  });

  it("a deleted job's tasks are cancelled, their pods stopped, and removed once the pods are gone", () => {
    const plan = run({ tasks: [started('a')], pods: pods(pod('a-1', [{}])) });
    expect(put(plan, 'a').status.state).toBe('cancelled');
    expect(plan.destroy).toEqual(['a-1']);
    expect(run({ tasks: [started('a')] }).remove).toEqual(['a']);
  });
});
