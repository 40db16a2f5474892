// Jobs and tasks on one real server with its local agent on Docker: a manual run with an env override,
// its logs and exit code read after its containers are gone; retries then failure; a deadline; the
// concurrency strategies skip (409) and queue; cancel. The lifecycle's rules are unit specs
// (core/src/jobs/lifecycle.spec.ts); this checks they hold with real pods.
import { LbError, type Task } from '@lastbackend/sdk';
import { docker, IMAGE, TestServer, uniq, waitFor } from './harness';

const job = (name: string, script: string, extra: { task?: Record<string, unknown>; spec?: Record<string, unknown> } = {}) => ({
  kind: 'Job',
  version: 'v1',
  meta: { name },
  spec: {
    ...extra.spec,
    task: { template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sh', '-c', script], env: [{ name: 'GREETING', value: 'hello' }] }], termination: 1 }, ...extra.task },
  },
});

describe('jobs and tasks', () => {
  let s: TestServer;
  const ns = uniq('jobs');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  const ended = (name: string, timeoutMs = 90_000) =>
    waitFor(() => s.client.task(ns, name), (t) => ['succeeded', 'failed', 'cancelled'].includes(t.status.state), `task ${name} ended`, timeoutMs);
  const containersOf = (task: Task) => docker(['ps', '-a', '--filter', `label=io.lastbackend.pod=${task.status.pod}`, '--format', '{{.Names}}']).trim();
  const logsOf = async (name: string) => {
    const out: string[] = [];
    for await (const l of s.client.taskLogs(ns, name)) out.push(l.line);
    return out;
  };

  it('lb job run with --env: the task succeeds; exit code, times and logs stay after its containers are gone', async () => {
    const r0 = await s.lb(['apply', '-n', ns, '-f', '-'], JSON.stringify(job('hello', 'echo "$GREETING $WHO"; exit 0')));
    expect(r0.code).toBe(0);
    const r = await s.lb(['job', 'run', 'hello', '-n', ns, '--env', 'WHO=world']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/succeeded/);
    const [t] = await s.client.tasks(ns, 'hello');
    expect(t.status).toMatchObject({ state: 'succeeded', attempt: 1, containers: [{ name: 'main', exit_code: 0 }] });
    expect(t.status.started && t.status.finished && t.status.containers[0].finished).toBeTruthy();
    await waitFor(async () => (await s.pods(ns)).some((p) => p.meta.task === t.meta.name), (x) => !x, 'the pod removed');
    await waitFor(async () => containersOf(t), (x) => x === '', 'the containers removed');
    expect(await logsOf(t.meta.name)).toEqual(['hello world']);
    const logs = await s.lb(['logs', `task/${t.meta.name}`, '-n', ns]);
    expect(logs.stdout).toContain('hello world');
    const listed = await s.lb(['get', 'tasks', '--job', 'hello', '-n', ns]);
    expect(listed.stdout).toMatch(new RegExp(`${t.meta.name}\\s+hello\\s+succeeded\\s+1\\s+0\\s`));
    expect((await s.client.get('job', ns, 'hello')).status).toEqual({ state: 'enabled', tasks: { succeeded: 1 } });
    const inspected = await s.lb(['inspect', `task/${t.meta.name}`, '-n', ns, '-o', 'json']);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ kind: 'Task', spec: { env: [{ name: 'WHO', value: 'world' }] }, status: { state: 'succeeded' } });
  });

  it('a failing task retries as configured, then fails with its exit code', async () => {
    await s.client.create('job', ns, job('flaky', 'echo try; exit 3', { task: { retries: 2, backoff: '1s' } }));
    const t = await s.client.runJob(ns, 'flaky');
    expect(t.status.state).toBe('queued');
    const done = await ended(t.meta.name);
    expect(done.status).toMatchObject({ state: 'failed', attempt: 3, message: 'container main exited with code 3', containers: [{ exit_code: 3 }] });
    expect(done.status.pods).toEqual([1, 2, 3].map((i) => `${t.meta.name}-${i}`));
    await waitFor(() => logsOf(t.meta.name), (l) => l.length === 3, 'the three attempts logged');
  });

  it('a deadline kills a long task and fails it', async () => {
    await s.client.create('job', ns, job('slow', 'sleep 600', { task: { deadline: '3s' } }));
    const t = await s.client.runJob(ns, 'slow');
    const done = await ended(t.meta.name);
    expect(done.status).toMatchObject({ state: 'failed', message: 'deadline 3s exceeded' });
    await waitFor(async () => containersOf(done), (x) => x === '', 'the container killed and removed');
  });

  it('concurrency 1: skip refuses a second run (409), queue runs it after the first; cancel ends a task', async () => {
    await s.client.create('job', ns, job('one', 'sleep 600', { spec: { concurrency: { limit: 1, strategy: 'skip' } } }));
    const first = await s.client.runJob(ns, 'one');
    const refused = await s.client.runJob(ns, 'one').catch((e: LbError) => e);
    expect(refused).toBeInstanceOf(LbError);
    expect((refused as LbError).status).toBe(409);
    expect((refused as LbError).message).toMatch(/its concurrency limit 1, and its strategy is skip/);
    expect((await s.client.tasks(ns, 'one')).length).toBe(1);

    const r = await s.lb(['job', 'cancel', first.meta.name, '-n', ns]);
    expect(r.code).toBe(0);
    expect((await ended(first.meta.name)).status.state).toBe('cancelled');

    await s.client.create('job', ns, job('queued', 'sleep 2', { spec: { concurrency: { limit: 1, strategy: 'queue' } } }));
    const a = await s.client.runJob(ns, 'queued');
    const b = await s.client.runJob(ns, 'queued');
    const bDone = await ended(b.meta.name);
    const aDone = await s.client.task(ns, a.meta.name);
    expect([aDone.status.state, bDone.status.state]).toEqual(['succeeded', 'succeeded']);
    // b started only after a finished.
    expect(Date.parse(bDone.status.started!)).toBeGreaterThanOrEqual(Date.parse(aDone.status.finished!));
  });
});
