// Starting runs through the API's domain on a real (level) store: the concurrency refusal, a disabled
// job, and the namespace quota counting a task's pod as any pod.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type Pod, type Task } from '@lastbackend/sdk';
import { WIRE_FIXTURES } from '@lastbackend/sdk/testing';
import { Store } from '../store/store';
import { Resources } from '../state/resources';
import { SecretBox } from '../state/secret-box';
import { pickTask, Tasks } from './tasks';

const job = (name: string, spec: Record<string, unknown> = {}) => ({
  kind: 'Job',
  meta: { name },
  spec: { ...spec, task: { template: { containers: [{ name: 'c', image: { name: 'img' }, resources: { requests: { cpu: '500m', ram: '64mib' } } }] } } },
});

describe('tasks: starting runs', () => {
  let dir: string;
  let store: Store;
  let r: Resources;
  let tasks: Tasks;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-tasks-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)));
    tasks = new Tasks(store, (ns, fn) => r.withinNamespaceQuota(ns, fn));
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'team' }, spec: { resources: { limits: { cpu: '1', pods: 10 } } } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: LbError) => e);

  it('a run is a queued task with the env overrides and the template copied from the job', async () => {
    await r.createObject('job', 'team', job('report'));
    const t = await tasks.run('team', 'report', { spec: { env: [{ name: 'DAY', value: 'monday' }] } });
    expect(t).toMatchObject({ kind: 'Task', meta: { namespace: 'team', job: 'report' }, spec: { env: [{ name: 'DAY', value: 'monday' }] }, status: { state: 'queued', attempt: 0 } });
    expect(t.meta.name).toMatch(/^report-[0-9a-f]{6}$/);
    expect(t.spec.template.containers[0].image.name).toBe('img');
    expect(await tasks.list('team', 'report')).toHaveLength(1);
  });

  it('skip at the limit answers 409 and stores nothing; a disabled job 412', async () => {
    await r.createObject('job', 'team', job('one', { concurrency: { limit: 1, strategy: 'skip' } }));
    await tasks.run('team', 'one', undefined);
    const e = await refusal(tasks.run('team', 'one', undefined));
    expect(e).toMatchObject({ code: 'CONFLICT', status: 409 });
    expect(await tasks.list('team', 'one')).toHaveLength(1);
    await r.createObject('job', 'team', job('off', { enabled: false }));
    expect(await refusal(tasks.run('team', 'off', undefined))).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/disabled/) });
  });

  it("a task that has not ended counts against the namespace's quota as a pod; an ended one does not", async () => {
    await r.createObject('job', 'team', job('big', { concurrency: { limit: 5 } }));
    const a = await tasks.run('team', 'big', undefined);
    await tasks.run('team', 'big', undefined);
    expect((await r.getNamespace('team')).status.resources?.used).toMatchObject({ cpu: 1000, pods: 2, services: 0 });
    expect(await refusal(tasks.run('team', 'big', undefined))).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/cpu/) });
    await store.txn(async (tx) => {
      const t = (await tx.get<Task>(`task/team/${a.meta.name}`))!;
      t.status.state = 'succeeded';
      tx.put(`task/team/${a.meta.name}`, t);
    });
    await tasks.run('team', 'big', undefined);
  });

  it("by its job's path (the original's): a task of another job is not found there", async () => {
    await r.createObject('job', 'team', job('a'));
    await r.createObject('job', 'team', job('b'));
    const t = await tasks.run('team', 'a', undefined);
    expect((await tasks.ofJob('team', 'a', t.meta.name)).meta.name).toBe(t.meta.name);
    expect(await refusal(tasks.ofJob('team', 'b', t.meta.name))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(tasks.ofJob('team', 'nope', t.meta.name))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/job "nope"/) });
  });

  it('remove takes an ended task whose pods are gone; one not ended, or with a pod left, is refused and kept', async () => {
    await r.createObject('job', 'team', job('a', { concurrency: { limit: 5 } }));
    const t = await tasks.run('team', 'a', undefined);
    expect(await refusal(tasks.remove('team', 'a', t.meta.name))).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is queued.*cancel it first/) });
    const pod = `${t.meta.name}-1`;
    await store.txn(async (tx) => {
      const ended: Task = { ...t, status: { ...t.status, state: 'failed', attempt: 1, pod, pods: [pod] } };
      tx.put(`task/team/${t.meta.name}`, ended);
      const left: Pod = { ...WIRE_FIXTURES.pod, meta: { ...WIRE_FIXTURES.pod.meta, name: pod, namespace: 'team' } };
      tx.put(`pod/team/${pod}`, left);
    });
    expect(await refusal(tasks.remove('team', 'a', t.meta.name))).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/pod .* is still being removed/) });
    await store.txn(async (tx) => tx.del(`pod/team/${pod}`));
    expect(await refusal(tasks.remove('team', 'b', t.meta.name))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await tasks.remove('team', 'a', t.meta.name)).status.state).toBe('failed');
    expect(await tasks.list('team', 'a')).toEqual([]);
  });
});

describe("pickTask: whose lines the original's job logs show", () => {
  const task = (name: string, state: Task['status']['state']) => ({ meta: { name }, status: { state } }) as Task;
  it('the newest running (or scheduled), else the newest queued, else the newest ended', () => {
    // oldest first, as Tasks.list answers
    expect(pickTask([task('r1', 'running'), task('s2', 'scheduled'), task('q', 'queued'), task('d', 'succeeded')])?.meta.name).toBe('s2');
    expect(pickTask([task('q1', 'queued'), task('q2', 'queued'), task('d', 'failed')])?.meta.name).toBe('q2');
    expect(pickTask([task('d1', 'failed'), task('d2', 'cancelled')])?.meta.name).toBe('d2');
    expect(pickTask([])).toBeUndefined();
  });
});
