// The triggers over a real (level) store with a clock the test moves: cron runs at the minute and across a
// restart (missed: skip / run-once), the HTTP provider's items as runs within the job's limit (a refused
// manifest audited and backed off), the hook told once per task end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobSpec, type AuditRecord, type Job, type Namespace, type Task } from '@lastbackend/sdk';
import type { EventInput } from '../events/recorder';
import type { EgressRequest, EgressResponse } from '../egress';
import { keys } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import { Store } from '../store/store';
import { JobTriggers, type JobTriggerState } from './job-triggers';
import { Tasks } from './tasks';
import type { Clock } from './triggers';

/** A clock the test moves; timers fire in order as it passes them. */
class TestClock implements Clock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private seq = 0;
  constructor(public t: number) {}
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  };
  clearTimeout = (h: unknown) => void this.timers.delete(h as number);
  async advanceTo(t: number): Promise<void> {
    await settle();
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= t).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
      await settle();
    }
    this.t = t;
    await settle();
  }
}
/** Real time for the store's writes and the triggers' async steps to finish. */
const settle = () => new Promise((r) => setTimeout(r, 80));
const at = (s: string) => Date.parse(`2026-03-01T${s}Z`);
const template = { containers: [{ name: 'main', image: { name: 'busybox' }, command: ['true'] }] };

let dir: string;
let store: Store;
let events: EventInput[];
let audit: AuditRecord[];
let calls: { url: string; req: EgressRequest }[];
let answers: (EgressResponse | Error)[];
let triggers: JobTriggers | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lb-triggers-'));
  store = new Store(dir);
  await store.open();
  events = [];
  audit = [];
  calls = [];
  answers = [];
  await store.txn(async (tx) => tx.put(keys.namespace('ns'), { kind: 'Namespace', version: 'v1', meta: newMeta({ name: 'ns' }), spec: { policy: 'baseline' }, status: { state: 'ready' } } as Namespace));
});
afterEach(async () => {
  await triggers?.stop();
  triggers = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(clock: TestClock): Promise<void> {
  triggers = new JobTriggers({
    store,
    tasks: new Tasks(store),
    egress: {
      fetch: async (_ns: string, url: string, req: EgressRequest = {}) => {
        calls.push({ url, req });
        const a = answers.shift() ?? { status: 204, headers: {}, body: Buffer.alloc(0) };
        if (a instanceof Error) throw a;
        return a;
      },
    },
    events: { record: (e) => events.push(e) },
    audit: { append: (r) => audit.push(r) },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => undefined } as never,
    server: 's1',
    clock,
    hook: { attempts: 2, baseDelayMs: 1000 },
  });
  return triggers.start();
}
const putJob = (name: string, spec: Record<string, unknown>) =>
  store.txn(async (tx) => tx.put(keys.object('job', 'ns', name), { kind: 'Job', version: 'v1', meta: { ...newMeta({ name }), namespace: 'ns' }, spec: JobSpec.parse({ task: { template }, ...spec }), status: { state: 'enabled' } } as Job));
const tasks = async () => (await store.list<Task>(keys.task('ns'))).sort((a, b) => a.meta.created.localeCompare(b.meta.created));
const lastScheduled = async (job: string) => (await store.get<JobTriggerState>(keys.jobTrigger('ns', job)))?.last_scheduled;
const json = (v: unknown): EgressResponse => ({ status: 200, headers: {}, body: Buffer.from(JSON.stringify(v)) });
const end = (t: Task, state: Task['status']['state'] = 'succeeded') =>
  store.txn(async (tx) => tx.put(keys.task('ns', t.meta.name), touch({ ...t, status: { ...t.status, state, containers: [{ name: 'main', exit_code: state === 'succeeded' ? 0 : 3 }] } })));

describe('cron', () => {
  it('runs at the minute, once, and stores the run decided with its task', async () => {
    const clock = new TestClock(at('10:00:30'));
    await start(clock);
    await putJob('tick', { provider: { cron: { schedule: '* * * * *' } } });
    await settle();
    expect(await tasks()).toHaveLength(0);
    expect(await lastScheduled('tick')).toBe(new Date(at('10:00:30')).toISOString());
    await clock.advanceTo(at('10:00:59'));
    expect(await tasks()).toHaveLength(0);
    await clock.advanceTo(at('10:01:00.5'));
    const [t] = await tasks();
    expect(t).toBeDefined();
    expect(await lastScheduled('tick')).toBe(new Date(at('10:01:00')).toISOString());
    expect(events.find((e) => e.reason === 'CronRun')?.message).toContain(t!.meta.name);
    // The next minute's run meets the limit (1, queue): it is queued behind the first.
    await clock.advanceTo(at('10:02:00.5'));
    expect(await tasks()).toHaveLength(2);
  });

  it.each([
    ['skip', 0],
    ['run-once', 1],
  ] as const)('runs missed while no server ran them: %s starts %i task', async (missed, n) => {
    const clock = new TestClock(at('10:00:30'));
    await start(clock);
    await putJob('hourly', { provider: { cron: { schedule: '0 * * * *', missed } } });
    await settle();
    await triggers!.stop();
    // Down from 10:00:30 to 12:30: the runs at 11:00 and 12:00 were missed.
    const later = new TestClock(at('12:30:00'));
    await start(later);
    await settle();
    expect(await tasks()).toHaveLength(n);
    expect(await lastScheduled('hourly')).toBe(new Date(at('12:00:00')).toISOString());
    if (missed === 'skip') expect(events.find((e) => e.reason === 'CronMissed')?.message).toMatch(/^2 runs missed/);
    else expect(events.find((e) => e.reason === 'CronRun')?.message).toMatch(/the run at 2026-03-01T12:00:00.000Z \(1 earlier run missed\)/);
    // And the schedule goes on at the next hour.
    await later.advanceTo(at('13:00:00.5'));
    expect(await tasks()).toHaveLength(n + 1);
  });

  it('a run the concurrency strategy skips is decided all the same (not run after a restart)', async () => {
    const clock = new TestClock(at('10:00:30'));
    await start(clock);
    await putJob('tick', { provider: { cron: { schedule: '* * * * *' } }, concurrency: { limit: 1, strategy: 'skip' } });
    await clock.advanceTo(at('10:01:00.5'));
    // Hold the slot: the task has a pod.
    const [t] = await tasks();
    await store.txn(async (tx) => tx.put(keys.task('ns', t!.meta.name), touch({ ...t!, status: { ...t!.status, state: 'running', pods: ['p'], pod: 'p' } })));
    await clock.advanceTo(at('10:02:00.5'));
    expect(await tasks()).toHaveLength(1);
    expect(events.find((e) => e.reason === 'CronRunRefused')?.message).toMatch(/10:02:00.*refuses a new run/);
    expect(await lastScheduled('tick')).toBe(new Date(at('10:02:00')).toISOString());
  });
});

describe('HTTP provider', () => {
  it("drains items into tasks within the job's limit, each audited as a call by the job", async () => {
    const clock = new TestClock(at('10:00:00'));
    answers = [json({ env: { ITEM: '1' } }), json({ env: [{ name: 'ITEM', value: '2' }] }), json({ env: { ITEM: '3' } })];
    await start(clock);
    await putJob('work', { provider: { http: { endpoint: 'http://queue.test/next', interval: '5s' } }, concurrency: { limit: 2 } });
    await clock.advanceTo(at('10:00:01'));
    let ts = await tasks();
    expect(ts.map((t) => t.spec.env)).toEqual([[{ name: 'ITEM', value: '1' }], [{ name: 'ITEM', value: '2' }]]);
    expect(calls).toHaveLength(2); // no poll while the job is at its limit
    expect(audit.map((r) => [r.who, r.status, r.route])).toEqual([
      ['job/ns/work', 201, '/namespace/:ns/job/:job/task'],
      ['job/ns/work', 201, '/namespace/:ns/job/:job/task'],
    ]);
    await end(ts[0]!);
    await clock.advanceTo(at('10:00:02'));
    ts = await tasks();
    expect(ts).toHaveLength(3);
    expect(ts[2]!.spec.env).toEqual([{ name: 'ITEM', value: '3' }]);
  });

  it("a manifest's template is held to the namespace's policy: refused, audited, and polled again after a back-off", async () => {
    const clock = new TestClock(at('10:00:00'));
    const privileged = { containers: [{ name: 'main', image: { name: 'busybox' }, security: { privileged: true } }] };
    answers = [json({ manifest: { spec: { template: privileged } } }), json({ manifest: { spec: { env: [{ name: 'A', value: 'b' }], template } } })];
    await start(clock);
    await putJob('work', { provider: { http: { endpoint: 'http://queue.test/next', interval: '5s' } } });
    await clock.advanceTo(at('10:00:01'));
    expect(await tasks()).toHaveLength(0);
    expect(audit[0]).toMatchObject({ who: 'job/ns/work', status: 403, reason: 'FORBIDDEN' });
    expect(events.find((e) => e.reason === 'ProviderFailed')?.message).toMatch(/manifest\.spec\.template/);
    await clock.advanceTo(at('10:00:09')); // the back-off after one failure: 2 × 5 s
    expect(await tasks()).toHaveLength(0);
    await clock.advanceTo(at('10:00:11'));
    const [t] = await tasks();
    expect(t?.spec).toMatchObject({ env: [{ name: 'A', value: 'b' }], template: { containers: [{ name: 'main' }] } });
  });
});

describe('hook', () => {
  it('is told once when a task ends, with its state and exit codes, and retried on a 5xx', async () => {
    const clock = new TestClock(at('10:00:00'));
    await start(clock);
    await putJob('work', { hook: { http: { endpoint: 'http://hooks.test/done' } } });
    const t = await new Tasks(store).run('ns', 'work', {});
    answers = [{ status: 503, headers: {}, body: Buffer.alloc(0) }, { status: 200, headers: {}, body: Buffer.alloc(0) }];
    await end(t, 'failed');
    await settle();
    expect(calls).toHaveLength(1);
    await clock.advanceTo(at('10:00:01.5'));
    expect(calls).toHaveLength(2);
    const body = JSON.parse(String(calls[1]!.req.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ job: 'work', task: t.meta.name, namespace: 'ns', state: 'failed', exit_codes: { main: 3 } });
    expect(calls[0]!.req.headers?.['x-lb-delivery']).toBe(calls[1]!.req.headers?.['x-lb-delivery']);
    expect(events.find((e) => e.reason === 'HookDelivered')?.object).toEqual({ kind: 'Task', namespace: 'ns', name: t.meta.name, job: 'work' });
    // A later write of the ended task tells nothing more.
    await end({ ...t, meta: { ...t.meta } }, 'failed');
    await settle();
    expect(calls).toHaveLength(2);
  });
});
