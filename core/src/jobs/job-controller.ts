// The job controller, on the leader beside the service controller: one pass per job reads the job, its
// tasks and their pods, asks lifecycle.ts what changes, and writes it in one transaction. It is the only
// writer of task status and of task pods (their placement included, by the same scheduler as services').
// Passes come from store changes, a tick while tasks wait on the clock (back-off, deadline, linger), and a
// periodic full pass, so a restart of the leader loses nothing.
import { JobSpec, type Job, type Namespace, type Node, type Pod, type Task } from '@lastbackend/sdk';
import { podResources } from '../controller/controller';
import type { EventSink } from '../events/recorder';
import type { Logger } from '../kernel/logger';
import type { Scheduler } from '../scheduler/scheduler';
import { keys, PREFIX, splitKey } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import type { Store, StoreEvent } from '../store/store';
import { planJob, type JobPlan } from './lifecycle';
import { taskPod } from './task-pod';

const ORIGIN = 'jobs';
const TICK_MS = 1000;

export interface JobControllerOptions {
  /** Seconds between full passes. */
  resyncInterval: number;
  /** The clock (tests). */
  now?: () => number;
}

export class JobController {
  private readonly queue = new Set<string>();
  /** Jobs with tasks that have not ended: passed every tick (back-off, deadline, linger are on the clock). */
  private readonly live = new Set<string>();
  private stopped = false;
  private unwatch?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private idle: Promise<void> = Promise.resolve();
  private wake?: () => void;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly scheduler: Scheduler,
    private readonly opts: JobControllerOptions,
    private readonly events: EventSink,
  ) {
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.unwatch = this.store.watch('', (ev) => this.onChange(ev));
    this.timers.push(setInterval(() => this.live.forEach((j) => this.enqueue(j)), TICK_MS));
    this.timers.push(setInterval(() => void this.resyncAll().catch((e: Error) => this.log.error(`resync failed: ${e.message}`)), this.opts.resyncInterval * 1000));
    for (const t of this.timers) t.unref();
    this.idle = this.loop();
    await this.resyncAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    for (const t of this.timers) clearInterval(t);
    this.wake?.();
    await this.idle;
  }

  private onChange(ev: StoreEvent): void {
    if (ev.origin === ORIGIN) return;
    const { kind, ns, name } = splitKey(ev.key);
    if (kind === 'job') this.enqueue(`${ns}/${name}`);
    else if (kind === 'task') {
      const t = (ev.value ?? ev.prev) as Task | undefined;
      if (t) this.enqueue(`${ns}/${t.meta.job}`);
    } else if (kind === 'pod') {
      const p = (ev.value ?? ev.prev) as Pod | undefined;
      if (p?.meta.task && p.meta.job) this.enqueue(`${ns}/${p.meta.job}`);
    } else if (kind === 'node') this.live.forEach((j) => this.enqueue(j));
  }

  private async resyncAll(): Promise<void> {
    if (this.stopped) return;
    for (const j of await this.store.list<Job>(PREFIX.jobs)) this.enqueue(`${j.meta.namespace}/${j.meta.name}`);
    for (const t of await this.store.list<Task>(PREFIX.tasks)) this.enqueue(`${t.meta.namespace}/${t.meta.job}`);
  }

  private enqueue(w: string): void {
    this.queue.add(w);
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const next = this.queue.values().next();
      if (next.done) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      this.queue.delete(next.value);
      const [ns, job] = next.value.split('/');
      try {
        await this.pass(ns, job);
      } catch (e) {
        this.log.error(`job ${next.value}: pass failed: ${(e as Error).message}`);
      }
    }
  }

  /** One job's pass, in one transaction. */
  async pass(ns: string, job: string): Promise<void> {
    let plan: JobPlan | undefined;
    await this.store.txn(async (tx) => {
      const j = await tx.get<Job>(keys.object('job', ns, job));
      const tasks = (await tx.list<Task>(keys.task(ns))).filter((t) => t.meta.job === job);
      const pods = new Map<string, Pod>();
      for (const t of tasks) for (const name of t.status.pods ?? []) {
        const p = await tx.get<Pod>(keys.pod(ns, name));
        if (p) pods.set(name, p);
      }
      // Task pods marked for deletion go once their agent reports them destroyed, or their node is gone.
      const nodes = new Map((await tx.list<Node>(PREFIX.nodes)).map((n) => [n.meta.name, n]));
      for (const p of [...pods.values()]) {
        if (p.spec.destroy && (!p.meta.node || !nodes.has(p.meta.node) || p.status.state === 'destroyed')) {
          tx.del(keys.pod(ns, p.meta.name));
          pods.delete(p.meta.name);
        }
      }
      const spec = j ? JobSpec.safeParse(j.spec) : undefined;
      plan = planJob({ job: spec?.success ? { spec: spec.data } : undefined, tasks, pods, now: this.now() });
      for (const t of plan.put) tx.put(keys.task(ns, t.meta.name), touch(t));
      for (const name of plan.remove) tx.del(keys.task(ns, name));
      for (const name of plan.destroy) {
        const p = pods.get(name);
        if (!p) continue;
        p.spec.destroy = true;
        p.status.state = 'destroying';
        tx.put(keys.pod(ns, name), touch(p));
      }
      const nsSpec = (await tx.get<Namespace>(keys.namespace(ns)))?.spec;
      const fresh: Pod[] = [];
      for (const t of plan.create) {
        const pod = taskPod(t, spec?.success ? spec.data : undefined, newMeta({ name: t.status.pod!, labels: t.meta.labels }), nsSpec, podResources);
        fresh.push(pod);
        pods.set(pod.meta.name, pod);
      }
      // Placement: a pod without a node (new, or not placed before) goes where the scheduler says.
      const pending = [...pods.values()].filter((p) => !p.meta.node && !p.spec.destroy);
      if (pending.length) {
        const bound = (await tx.list<Pod>(PREFIX.pods)).filter((p) => !p.spec.destroy || p.meta.node);
        const loads = this.scheduler.nodeLoads([...nodes.values()], [...bound, ...fresh]);
        for (const p of pending) {
          const r = this.scheduler.place(p, loads);
          if ('reason' in r) {
            // Still no node, for the same reason: nothing to write (passes come every second).
            if (p.status.message === r.reason && !fresh.includes(p)) continue;
            p.status.message = r.reason;
          } else {
            p.meta.node = r.node;
            p.status.message = '';
            p.status.state = 'provisioning';
          }
          tx.put(keys.pod(ns, p.meta.name), touch(p));
        }
      }
      // A task whose new pod found a node in this pass is scheduled now (the same transaction).
      for (const t of plan.create) {
        const p = pods.get(t.status.pod!);
        if (p?.meta.node) tx.put(keys.task(ns, t.meta.name), touch({ ...t, status: { ...t.status, state: 'scheduled', node: p.meta.node, message: '' } }));
        else if (p?.status.message) tx.put(keys.task(ns, t.meta.name), touch({ ...t, status: { ...t.status, message: p.status.message } }));
      }
      const running = tasks.filter((t) => !plan!.remove.includes(t.meta.name) && !['succeeded', 'failed', 'cancelled'].includes((plan!.put.find((x) => x.meta.name === t.meta.name) ?? t).status.state));
      const lingering = [...pods.values()].some((p) => !p.spec.destroy) || plan.destroy.length > 0 || running.length > 0;
      if (lingering) this.live.add(`${ns}/${job}`);
      else this.live.delete(`${ns}/${job}`);
    }, ORIGIN);
    for (const e of plan?.events ?? [])
      this.events.record({ object: { kind: 'Task', namespace: ns, name: e.task, job }, type: e.type, reason: e.reason, message: e.message, component: 'controller' });
  }
}

