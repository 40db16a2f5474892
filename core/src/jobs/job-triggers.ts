// What starts a job's tasks besides manual runs, and who is told when they end: on the leader, beside the
// job controller, one cron schedule, one HTTP provider and the hook per job, kept in step with the stored
// jobs. Every outbound call goes through the namespace's egress guard. A provider's item becomes a task
// through Tasks.run (the job's concurrency, the namespace's quota and, for a template, its policy) and is
// audited as a call by "job/NS/NAME". The cron's last decided run is stored (keys.jobTrigger) in the same
// transaction as the task it started, so a restart or a new leader neither repeats nor loses a run.
import { LbError, parseOrThrow, ProviderTaskManifest, stableStringify, TASK_FINISHED, type Job, type Task } from '@lastbackend/sdk';
import type { AuditTrail } from '../audit/trail';
import type { EgressGuard } from '../egress/guard';
import type { EventSink } from '../events/recorder';
import type { Logger } from '../kernel/logger';
import { keys, PREFIX, splitKey } from '../store/keys';
import type { Store, StoreEvent, Txn } from '../store/store';
import type { RunOptions, Tasks } from './tasks';
import { CronScheduler, HttpHook, HttpProvider, systemClock, type Clock, type HookOutcome, type HookPayload, type ProviderItem } from './triggers';

/** What the triggers keep of a job (keys.jobTrigger): written here only. */
export interface JobTriggerState {
  meta: { revision: number };
  /** The scheduled time of the last cron run decided (run or skipped), RFC 3339. */
  last_scheduled?: string;
}

export interface JobTriggersOptions {
  store: Store;
  tasks: Pick<Tasks, 'run'>;
  egress: Pick<EgressGuard, 'fetch'>;
  events: EventSink;
  audit?: Pick<AuditTrail, 'append'>;
  log: Logger;
  /** This server's name, for audit records. */
  server: string;
  clock?: Clock;
  /** The hook's retries (tests shorten them). */
  hook?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

const ORIGIN = 'job-triggers';
const jobKey = (ns: string, job: string) => `${ns}/${job}`;
const split = (k: string): [string, string] => k.split('/') as [string, string];

export class JobTriggers {
  private readonly cron: CronScheduler;
  private readonly hook: HttpHook;
  private readonly providers = new Map<string, { spec: string; provider: HttpProvider }>();
  /** The cron spec each scheduled job was set with (to reschedule only on a change). */
  private readonly cronSpecs = new Map<string, string>();
  private readonly clock: Clock;
  private unwatch?: () => void;
  /** Store writes and task runs in flight (stop waits for them). */
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly o: JobTriggersOptions) {
    this.clock = o.clock ?? systemClock;
    this.cron = new CronScheduler({
      clock: this.clock,
      onDue: (k, at, skipped) => this.track(this.cronRun(k, at, skipped)),
      onSkipped: (k, n, last) => this.track(this.cronSkipped(k, n, last)),
      onError: (k, e) => o.log.error(`job ${k}: cron: ${(e as Error).message}`),
    });
    this.hook = new HttpHook({ egress: o.egress, clock: this.clock, ...o.hook, onOutcome: (p, out) => this.hookOutcome(p, out) });
  }

  async start(): Promise<void> {
    this.unwatch = this.o.store.watch('', (ev) => this.onChange(ev));
    for (const j of await this.o.store.list<Job>(PREFIX.jobs)) await this.sync(j.meta.namespace, j.meta.name);
    // Records of jobs deleted while no leader ran.
    for (const [k] of await this.o.store.entries<JobTriggerState>(PREFIX.jobTriggers)) {
      const { ns, name } = splitKey(k);
      if (!(await this.o.store.get(keys.object('job', ns, name)))) await this.o.store.txn(async (tx) => tx.del(k), ORIGIN);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.cron.stop();
    this.hook.stop();
    await Promise.all([...this.providers.values()].map((p) => p.provider.stop()));
    this.providers.clear();
    await Promise.allSettled([...this.pending]);
  }

  private track<T>(p: Promise<T>): void {
    this.pending.add(p);
    void p.catch((e: Error) => this.o.log.error(e.message)).finally(() => this.pending.delete(p));
  }

  private onChange(ev: StoreEvent): void {
    if (this.stopped) return;
    const { kind, ns, name } = splitKey(ev.key);
    if (kind === 'job') this.track(this.sync(ns, name));
    else if (kind === 'task') {
      const t = ev.value as Task | undefined;
      const before = ev.prev as Task | undefined;
      if (!t) return;
      const ended = TASK_FINISHED.has(t.status.state) && !(before && TASK_FINISHED.has(before.status.state));
      // A task ended or was taken off: the job may have room for the provider's next item.
      if (ended || !before) this.providers.get(jobKey(ns, t.meta.job))?.provider.wake();
      if (ended) this.track(this.taskEnded(t));
    }
  }

  /** Brings a job's cron and provider in step with its stored spec (gone or disabled: none). */
  private async sync(ns: string, name: string): Promise<void> {
    const k = jobKey(ns, name);
    const job = await this.o.store.get<Job>(keys.object('job', ns, name));
    const on = job && job.spec.enabled !== false;
    const cron = on ? job.spec.provider?.cron : undefined;
    if (!cron) {
      this.cron.delete(k);
      this.cronSpecs.delete(k);
      if (!job) await this.o.store.txn(async (tx) => tx.del(keys.jobTrigger(ns, name)), ORIGIN);
    } else if (this.cronSpecs.get(k) !== stableStringify(cron)) {
      const state = await this.o.store.get<JobTriggerState>(keys.jobTrigger(ns, name));
      let last = state?.last_scheduled ? new Date(state.last_scheduled) : undefined;
      if (!last) {
        // A new schedule starts now, stored so runs missed by a restart before its first run are counted.
        last = new Date(this.clock.now());
        await this.writeState(ns, name, last);
      }
      this.cronSpecs.set(k, stableStringify(cron));
      try {
        this.cron.set(k, cron, last);
      } catch (e) {
        this.cronSpecs.delete(k);
        this.warn(ns, name, 'CronInvalid', (e as Error).message);
      }
    }
    const http = on ? job.spec.provider?.http : undefined;
    const had = this.providers.get(k);
    if (had && (!http || had.spec !== stableStringify(http))) {
      this.providers.delete(k);
      await had.provider.stop();
    }
    if (http && !this.providers.has(k) && !this.stopped) {
      const provider = new HttpProvider({
        namespace: ns,
        job: name,
        spec: http,
        egress: this.o.egress,
        clock: this.clock,
        hasCapacity: () => this.hasCapacity(ns, name),
        onItem: (item) => this.providerRun(ns, name, http.endpoint, item),
        onError: (e, retry) => this.warn(ns, name, 'ProviderFailed', `${e.message}; next poll in ${Math.round(retry / 1000)}s`),
      });
      this.providers.set(k, { spec: stableStringify(http), provider });
      provider.start();
    }
  }

  private writeState(ns: string, name: string, last: Date, tx?: Txn): Promise<void> | void {
    const state: JobTriggerState = { meta: { revision: 0 }, last_scheduled: last.toISOString() };
    if (tx) return tx.put(keys.jobTrigger(ns, name), state);
    return this.o.store.txn(async (t) => t.put(keys.jobTrigger(ns, name), state), ORIGIN);
  }

  private async cronRun(k: string, at: Date, skipped: number): Promise<void> {
    const [ns, name] = split(k);
    const opts: RunOptions = { alsoWrite: (tx) => this.writeState(ns, name, at, tx) };
    try {
      const t = await this.o.tasks.run(ns, name, {}, opts);
      const more = skipped ? ` (${skipped} earlier run${skipped > 1 ? 's' : ''} missed)` : '';
      this.o.events.record({ object: { kind: 'Job', namespace: ns, name }, type: 'normal', reason: 'CronRun', message: `task ${t.meta.name} for the run at ${at.toISOString()}${more}`, component: 'controller' });
    } catch (e) {
      // Refused (the concurrency strategy skip, disabled, quota): the run was decided all the same.
      await this.writeState(ns, name, at);
      this.warn(ns, name, 'CronRunRefused', `the run at ${at.toISOString()}: ${(e as Error).message}`);
    }
  }

  private async cronSkipped(k: string, n: number, last: Date): Promise<void> {
    const [ns, name] = split(k);
    await this.writeState(ns, name, last);
    this.warn(ns, name, 'CronMissed', `${n} run${n > 1 ? 's' : ''} missed while no server ran the schedule, up to ${last.toISOString()}, skipped (missed: skip)`);
  }

  /** Whether the job may start another task now: fewer unfinished tasks than its concurrency limit. */
  private async hasCapacity(ns: string, name: string): Promise<boolean> {
    const job = await this.o.store.get<Job>(keys.object('job', ns, name));
    if (!job || job.spec.enabled === false) return false;
    const open = (await this.o.store.list<Task>(keys.task(ns))).filter((t) => t.meta.job === name && !TASK_FINISHED.has(t.status.state));
    return open.length < job.spec.concurrency.limit;
  }

  /** A provider's item as a run of the job, audited as a call by the job; a refusal is an error (back-off). */
  private async providerRun(ns: string, name: string, endpoint: string, item: ProviderItem): Promise<void> {
    const route = '/namespace/:ns/job/:job/task';
    const record = (status: number, task?: string, reason?: string) =>
      this.o.audit?.append({
        time: new Date(this.clock.now()).toISOString(),
        who: `job/${ns}/${name}`,
        from: endpoint,
        method: 'POST',
        route,
        path: `/namespace/${ns}/job/${name}/task`,
        namespace: ns,
        name: task ?? name,
        ...(task ? { objects: [`Task/${task}`] } : {}),
        status,
        ...(reason ? { reason } : {}),
        server: this.o.server,
      });
    try {
      let body: unknown = { spec: { env: 'env' in item ? item.env : [] } };
      const opts: RunOptions = {};
      if ('manifest' in item) {
        const m = parseOrThrow(ProviderTaskManifest, item.manifest, `job "${name}" provider answered an invalid manifest`, ['manifest']);
        body = { spec: { env: m.spec.env } };
        if (m.spec.template) Object.assign(opts, { template: m.spec.template, templateField: 'manifest.spec.template' });
      }
      const t = await this.o.tasks.run(ns, name, body, opts);
      record(201, t.meta.name);
      this.o.events.record({ object: { kind: 'Task', namespace: ns, name: t.meta.name, job: name }, type: 'normal', reason: 'ProviderItem', message: `queued from the job's HTTP provider`, component: 'controller' });
    } catch (e) {
      const err = e instanceof LbError ? e : undefined;
      record(err?.status ?? 500, undefined, err?.code ?? 'INTERNAL');
      throw e;
    }
  }

  private async taskEnded(t: Task): Promise<void> {
    const job = await this.o.store.get<Job>(keys.object('job', t.meta.namespace, t.meta.job));
    const spec = job?.spec.hook?.http;
    if (spec) await this.hook.notify(spec, t);
  }

  private hookOutcome(p: HookPayload, out: HookOutcome): void {
    const object = { kind: 'Task' as const, namespace: p.namespace, name: p.task, job: p.job };
    if (out.delivered)
      this.o.events.record({ object, type: 'normal', reason: 'HookDelivered', message: `hook told of ${p.state} (attempt ${out.attempts}, delivery ${out.delivery})`, component: 'controller' });
    else this.o.events.record({ object, type: 'warning', reason: 'HookFailed', message: `hook not told of ${p.state} after ${out.attempts} attempt(s): ${out.error ?? 'unknown'}`, component: 'controller' });
  }

  private warn(ns: string, name: string, reason: string, message: string): void {
    this.o.events.record({ object: { kind: 'Job', namespace: ns, name }, type: 'warning', reason, message, component: 'controller' });
  }
}
