// The state controller: level-triggered reconcile of service → deployments → pods (+ placement and
// endpoints). Each pass reads the desired state, compares it with what is stored and writes the
// difference in one transaction, so a crash at any point is repaired by the next pass.
import {
  type Deployment,
  type Endpoint,
  type Namespace,
  type NamespaceResources,
  type ObjectMeta,
  type Node,
  type Pod,
  type PodSecurityPolicy,
  type PodTemplate,
  type Service,
  type Task,
  type Volume,
  rollingBounds,
} from '@lastbackend/sdk';
import { keys, PREFIX, splitKey } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import type { Store, StoreEvent, Txn } from '../store/store';
import { currentVersion, newDeployment, nextVersion, versionHash } from '../state/versions';
import { podRequests } from '../state/quota';
import { defaultScheduler, type BoundPod, type NodeTotals, type Scheduler } from '../scheduler/scheduler';
import { serviceKey } from '../scheduler/loads';
import { PodIndex } from './pod-index';
import { BatchLoads } from './batch-loads';
import { rolloutVerdict } from './rollout';
import { rollingPlan } from './rolling';
import { evictedToStop } from '../cluster/drain';
import { dependencyWait, isReadyService, type DependencyWait, type JobTasks } from './depends-on';
import type { Logger } from '../kernel/logger';
import { since, type HistogramChild } from '../metrics/fast';
import { deployTrace } from '../util/deploy-trace';
import { randomHex } from '../util/random-hex';
import { deployDuration, onScrape, reconcileDuration, reconcileQueue, schedulerLatency, schedulerPlacements, serverRegistry } from '../metrics/metrics';
import { NO_EVENTS, type EventInput, type EventSink } from '../events/recorder';

export interface ControllerOptions {
  /** Superseded deployments kept for rollback. */
  history: number;
  /** Seconds without a heartbeat before a node is not-ready, then offline. */
  nodeNotReadyAfter: number;
  nodeOfflineAfter: number;
  /** Seconds between full passes (the safety net behind the watch). */
  resyncInterval: number;
  /** Queued services passed over in one transaction, at most (default: DEFAULT_BATCH for the store's backend). */
  batch?: number;
  /** Milliseconds a ready pod being stopped is out of the endpoint before it stops (default 2000). */
  endpointDrainMs?: number;
}

/**
 * Services per transaction. On the embedded store more is cheaper, up to a point: at 10,000 pods, 512 took
 * ~10% less server CPU than 256 and ~40% less than 64, while 1,024 converged slower (the API's writes,
 * the nodes' reports among them, wait behind a transaction's passes). etcd refuses a request over 1.5 MB
 * by default: 64 services of 10 pods stay under it.
 */
const DEFAULT_BATCH: Readonly<Record<Store['backend']['kind'], number>> = { level: 512, etcd: 64 };

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  history: 10,
  nodeNotReadyAfter: 20,
  nodeOfflineAfter: 60,
  resyncInterval: 10,
};

const ORIGIN = 'controller';

type Work = `svc:${string}/${string}` | `ns:${string}` | 'nodes';

export class Controller {
  private readonly queue = new Set<Work>();
  private stopped = false;
  private unwatch?: () => void;
  private timer?: NodeJS.Timeout;
  private idle: Promise<void> = Promise.resolve();
  private wake?: () => void;
  /**
   * Services whose rollout waits for a dependency, by the dependency ("ns/name" → names; a job's "job:ns/name"):
   * a pass that leaves the dependency ready queues them (its own writes start no pass), and so does a change
   * of a task of the job. Lost on a restart, as the resync covers.
   */
  private readonly waiters = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: ControllerOptions = DEFAULT_CONTROLLER_OPTIONS,
    /** Where pending pods go. */
    private readonly scheduler: Scheduler = defaultScheduler,
    /** Where the scheduler's, versions' and nodes' events go (written after the pass commits). */
    private readonly events: EventSink = NO_EVENTS,
  ) {}

  private txn<R>(fn: (tx: Txn) => Promise<R>): Promise<R> {
    return this.store.txn(fn, ORIGIN);
  }

  private unscrape?: () => void;

  /**
   * A pass that reports events: they are recorded once it committed, those of its last run only (a
   * transaction may run more than once), and never awaited.
   */
  private async txnWithEvents<R>(fn: (tx: Txn, emitted: EventInput[]) => Promise<R>): Promise<R> {
    let emitted: EventInput[] = [];
    const r = await this.txn((tx) => fn(tx, (emitted = [])));
    for (const e of emitted) this.events.record(e);
    return r;
  }

  async start(): Promise<void> {
    this.unscrape = onScrape(serverRegistry, () => reconcileQueue.set(this.queue.size));
    this.unwatch = this.store.watch('', (ev) => this.onChange(ev));
    this.timer = setInterval(() => this.resyncInBackground(), this.opts.resyncInterval * 1000);
    this.timer.unref();
    this.idle = this.loop();
    await this.resyncAll();
  }

  private index?: PodIndex;
  private podIndex(): PodIndex {
    return (this.index ??= new PodIndex(this.store));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unscrape?.();
    reconcileQueue.set(0);
    this.unwatch?.();
    this.index?.close();
    if (this.timer) clearInterval(this.timer);
    this.wake?.();
    await this.idle;
    // A resync still reading the store must finish before its owner closes the store.
    await Promise.all(this.resyncs);
  }

  private onChange(ev: StoreEvent): void {
    // A pass leaves its services converged (or re-queues them itself): its own writes need no pass.
    if (ev.origin === ORIGIN) return;
    const { kind, ns, name } = splitKey(ev.key);
    if (kind === 'service' || kind === 'deployment') {
      this.enqueue(`svc:${ns}/${name}`);
      // A service that did not exist: those waiting for it now wait for it to be ready, and say so.
      if (kind === 'service' && !ev.prev) {
        deployTrace('controller.watch', `${ns}/${name}`);
        this.wakeWaiters(ns, name);
      }
    }
    else if (kind === 'pod') {
      const pod = (ev.value ?? ev.prev) as Pod | undefined;
      // A task's pod is the job controller's (jobs/job-controller.ts).
      if (pod && !pod.meta.task) this.enqueue(`svc:${pod.meta.namespace}/${pod.meta.service}`);
    } else if (kind === 'namespace') this.enqueue(`ns:${ns}`);
    // A job depended on: a task of it changed (it may have succeeded), or the job appeared (the wait says so).
    else if (kind === 'task') {
      const t = (ev.value ?? ev.prev) as Task | undefined;
      if (t) this.wakeWaiters(ns, t.meta.job, 'job:');
    } else if (kind === 'job' && !ev.prev) this.wakeWaiters(ns, name, 'job:');
    else if (kind === 'node' && (!ev.prev || (ev.value as Node | undefined)?.status.state !== (ev.prev as Node).status.state)) {
      this.nodeCameBack(ev.value as Node | undefined, ev.prev as Node | undefined);
      // A node came, went or changed state: pending pods may now fit.
      this.resyncInBackground();
    }
  }

  /** A node's first heartbeat, or one after it was not ready or offline (its agent writes them). */
  private nodeCameBack(n: Node | undefined, prev: Node | undefined): void {
    if (n?.status.state !== 'ready') return;
    const object = { kind: 'Node' as const, name: n.meta.name };
    if (!prev) this.events.record({ object, type: 'normal', reason: 'NodeRegistered', message: `node ${n.meta.name} joined`, component: ORIGIN });
    else this.events.record({ object, type: 'normal', reason: 'NodeReady', message: `node ${n.meta.name} is ready (it was ${prev.status.state})`, component: ORIGIN });
  }

  private readonly resyncs = new Set<Promise<void>>();
  /** A resync nobody awaits: tracked so stop() can wait for it, its failure logged. */
  private resyncInBackground(): void {
    const p = this.resyncAll()
      .catch((e: Error) => this.log.error(`resync failed: ${e.message}`))
      .finally(() => this.resyncs.delete(p));
    this.resyncs.add(p);
  }

  /** Queues every service and namespace (and node liveness) for a pass. */
  async resyncAll(): Promise<void> {
    if (this.stopped) return;
    // Level-triggered through and through: the pod index is read afresh too (a change another server
    // made while it was being filled cannot stay wrong for longer than a resync).
    this.index?.reset();
    this.enqueue('nodes');
    for (const s of await this.store.list<Service>(PREFIX.services)) this.enqueue(`svc:${s.meta.namespace}/${s.meta.name}`);
    for (const d of await this.store.list<Deployment>(PREFIX.deployments)) this.enqueue(`svc:${d.meta.namespace}/${d.meta.service}`);
    for (const n of await this.store.list<Namespace>(keys.namespace())) this.enqueue(`ns:${n.meta.name}`);
  }

  private enqueue(w: Work): void {
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
      if (next.value.startsWith('svc:')) {
        const more = this.takeServices(this.opts.batch ?? DEFAULT_BATCH[this.store.backend.kind]);
        if (more.length) {
          await this.processBatch([next.value, ...more]);
          continue;
        }
      }
      await this.processOne(next.value);
    }
  }

  private async processOne(w: Work): Promise<void> {
    const timers = PASS[w === 'nodes' ? 'nodes' : w.startsWith('ns:') ? 'namespace' : 'service'];
    const t = performance.now();
    try {
      await this.process(w);
      timers.ok.observe(since(t));
      if (w.startsWith('svc:')) deployTrace('controller.reconciled', w.slice(4));
      this.log.debug(`reconciled ${w} in ${Math.round(performance.now() - t)} ms`);
    } catch (e) {
      timers.error.observe(since(t));
      this.log.error(`reconcile ${w} failed: ${(e as Error).message}`);
    }
  }

  /** Up to n-1 more queued services (taken off the queue), to pass over with the one at hand. */
  private takeServices(n: number): Work[] {
    const taken: Work[] = [];
    for (const w of this.queue) {
      if (taken.length >= n - 1) break;
      if (w.startsWith('svc:')) taken.push(w);
    }
    for (const w of taken) this.queue.delete(w);
    return taken;
  }

  /**
   * Services in one transaction; if it fails (one service's pass threw, or the store refused a transaction
   * that large), each is passed over on its own, so one service's error stays its own.
   */
  private async processBatch(list: Work[]): Promise<void> {
    const t = performance.now();
    try {
      await this.reconcileServices(list.map((w) => w.slice(4).split('/') as [string, string]));
      for (const w of list) deployTrace('controller.reconciled', w.slice(4));
      for (let i = 0; i < list.length; i++) PASS.service.ok.observe(since(t) / list.length);
      this.log.debug(`reconciled ${list.length} services in ${Math.round(performance.now() - t)} ms`);
    } catch (e) {
      this.log.debug(`a pass over ${list.length} services failed (${(e as Error).message}): each on its own`);
      for (const w of list) if (!this.stopped) await this.processOne(w);
    }
  }

  /**
   * A ready pod the controller stops (a rolling step, a scale-down, a drain's eviction, a superseded
   * version) leaves the endpoint first and stops DRAIN_MS later, once every node's CPI has had the table
   * without it (stopping at once refused the connections still routed to it). In memory only: after a
   * restart a pod is drained again, which is safe (it serves until then).
   */
  private readonly draining = new Map<string, Map<string, number>>();

  /** Of the pods to stop: not-ready ones now, ready ones once drained (queues a pass for that). */
  private drained(ns: string, name: string, mine: Pod[], stop: Pod[]): Pod[] {
    const key = `${ns}/${name}`;
    const d = this.draining.get(key) ?? new Map<string, number>();
    this.draining.set(key, d);
    const now = Date.now();
    const drain = this.opts.endpointDrainMs ?? DRAIN_MS;
    const out: Pod[] = [];
    for (const p of mine) {
      const since = d.get(p.meta.name);
      if (since === undefined && !stop.includes(p)) continue;
      if (since === undefined && p.status.state !== 'ready') {
        out.push(p);
        continue;
      }
      if (since === undefined) {
        d.set(p.meta.name, now);
        setTimeout(() => this.enqueue(`svc:${ns}/${name}`), drain + 10).unref();
      } else if (now - since >= drain) {
        d.delete(p.meta.name);
        out.push(p);
      }
    }
    if (!d.size) this.draining.delete(key);
    return out;
  }

  private process(w: Work): Promise<void> {
    if (w === 'nodes') return this.reconcileNodes();
    if (w.startsWith('ns:')) return this.reconcileNamespace(w.slice(3));
    const [ns, name] = w.slice(4).split('/');
    return this.reconcileService(ns, name);
  }

  // ---------------------------------------------------------------- nodes
  private reconcileNodes(): Promise<void> {
    return this.txnWithEvents(async (tx, emitted) => {
      const now = Date.now();
      for (const n of await tx.list<Node>(PREFIX.nodes)) {
        const age = (now - Date.parse(n.status.heartbeat)) / 1000;
        const state = age < this.opts.nodeNotReadyAfter ? 'ready' : age < this.opts.nodeOfflineAfter ? 'not-ready' : 'offline';
        if (state !== n.status.state) {
          this.log.warn(`node ${n.meta.name} is ${state} (last heartbeat ${Math.round(age)}s ago)`);
          n.status.state = state;
          n.status.online = state !== 'offline';
          emitted.push({
            object: { kind: 'Node', name: n.meta.name },
            type: state === 'ready' ? 'normal' : 'warning',
            reason: state === 'offline' ? 'NodeOffline' : state === 'not-ready' ? 'NodeNotReady' : 'NodeReady',
            message: `node ${n.meta.name} is ${state}: last heartbeat ${Math.round(age)}s ago${state === 'offline' ? '; its pods are placed elsewhere' : ''}`,
            component: ORIGIN,
          });
          tx.put(keys.node(n.meta.name), touch(n));
        }
        if (state === 'offline') await this.evict(tx, n, age);
      }
    });
  }

  /**
   * Forgets the pods of a node that is gone, so their services place replacements on nodes that work.
   * If the node comes back, its agent's snapshot no longer holds them and it removes their containers.
   * A task's pod is let go (and so rerun elsewhere) only once the node's agent, cut off, has stopped it by
   * itself: after the agent's reported fence_after (the server's node_not_ready_after for an agent that
   * reports none), a second for its check, and the pod's termination grace. Passes repeat while the node
   * is offline, so such a pod goes on a later one.
   */
  private async evict(tx: Txn, n: Node, age: number): Promise<void> {
    const node = n.meta.name;
    const fence = n.status.fence_after ?? this.opts.nodeNotReadyAfter;
    const fenced = (p: Pod) => age >= fence + 1 + p.spec.template.termination + 1;
    const lost = (await tx.list<Pod>(PREFIX.pods)).filter((p) => p.meta.node === node && (!p.meta.task || fenced(p)));
    for (const p of lost) {
      tx.del(keys.pod(p.meta.namespace, p.meta.name));
      if (!p.meta.task) this.enqueue(`svc:${p.meta.namespace}/${p.meta.service}`);
    }
    if (lost.length) this.log.warn(`node ${node} is offline: ${lost.length} pod(s) to be placed elsewhere`);
  }

  // ---------------------------------------------------------------- namespaces
  private reconcileNamespace(ns: string): Promise<void> {
    return this.txn(async (tx) => {
      const n = await tx.get<Namespace>(keys.namespace(ns));
      if (n?.status.state !== 'destroying') return;
      if ((await tx.list(keys.service(ns))).length || (await tx.list(keys.pod(ns))).length) return;
      tx.del(keys.namespace(ns));
      this.log.info(`namespace ${ns} deleted`);
    });
  }

  // ---------------------------------------------------------------- services
  private reconcileService(ns: string, name: string): Promise<void> {
    return this.reconcileServices([[ns, name]]);
  }

  /**
   * Passes over several services in one transaction (one synced write for all of them, rather than one
   * each: a burst of 1,000 services was 1,000 commits). What a pass observes once committed (a version
   * rolled out, the service ready) is acted on after the commit, for the last run of the transaction.
   */
  private async reconcileServices(list: [ns: string, name: string][]): Promise<void> {
    let outcomes: PassOutcome[] = [];
    await this.txnWithEvents(async (tx, emitted) => {
      const batch: Batch = { loads: new BatchLoads() };
      outcomes = [];
      for (const [ns, name] of list) outcomes.push({ ns, name, ...(await this.servicePass(tx, emitted, batch, ns, name)) });
    });
    for (const { ns, name, rolledOut, readyNow } of outcomes) {
      if (readyNow) this.wakeWaiters(ns, name);
      // apply → ready: from the moment the new version was stored to every replica of it ready.
      if (rolledOut) deployDuration.labels().observe(Math.max(0, (Date.now() - Date.parse(rolledOut.meta.created)) / 1000));
    }
  }

  /** One service's pass, in the batch's transaction. */
  private async servicePass(tx: Txn, emitted: EventInput[], batch: Batch, ns: string, name: string): Promise<{ rolledOut?: Deployment; readyNow: boolean }> {
    let rolledOut = undefined as Deployment | undefined;
    let readyNow = false;
    {
      const svc = await tx.get<Service>(keys.service(ns, name));
      const deps = (await tx.list<Deployment>(keys.deployment(ns, name))).sort((a, b) => a.spec.version - b.spec.version);
      // Only this service's pods are read (their names start with it), not every pod of the namespace.
      const pods = (await tx.list<Pod>(podPrefix(ns, name))).filter((p) => p.meta.service === name);
      const w = new Writer(tx, emitted, batch);
      const versionEvent = (reason: string, message: string) =>
        emitted.push({ object: { kind: 'Service', namespace: ns, name }, type: 'normal', reason, message, component: ORIGIN });
      // New pods carry the namespace's default request (a container that requests nothing reserves it, as
      // its quota counts it) and its security policy (what the agent requires of the runtime).
      const nsSpec = (await tx.get<Namespace>(keys.namespace(ns)))?.spec;
      const defaults = nsSpec?.resources?.defaults;
      const policy = nsSpec?.policy;

      if (!svc || svc.status.state === 'destroying') {
        await this.teardown(tx, w, ns, name, svc, deps, pods);
        return { readyNow };
      }
      const before = changeView(svc.status);

      const specBefore = changeView(svc.spec);
      // A template or selector change makes a new version; everything else scales in place (versions.ts).
      const hash = versionHash(svc.spec);
      let active = deps.find((d) => d.meta.name === svc.status.deployment);
      let latest = currentVersion(deps, active, hash);
      if (!latest) {
        const version = nextVersion(svc.status.generation, deps[deps.length - 1]);
        const earlier = deps.find((d) => d.spec.hash === hash);
        latest = newDeployment(svc, version, hash);
        versionEvent('NewVersion', `created ${latest.meta.name} (${svc.spec.replicas} replica${svc.spec.replicas === 1 ? '' : 's'})`);
        if (earlier) versionEvent('RolledBack', `${latest.meta.name} brings back the template of ${earlier.meta.name}`);
        deps.push(latest);
        svc.status.generation = version;
        w.put(keys.deployment(ns, name, latest.meta.name), latest, '');
        this.log.info(`service ${ns}/${name}: deployment ${latest.meta.name} created`);
      }

      // Start order: a version that does not serve yet makes no pods while a dependency is not ready.
      const gate = latest !== active ? await this.dependencyGate(tx, ns, name, svc.spec.depends_on) : undefined;
      // The newest version's rollout: failed when it cannot succeed, and with auto_rollback, undone.
      const prevRollout = svc.status.rollout;
      const verdict = rolloutVerdict({
        ...(gate ? { waiting: gate.message } : {}),
        now: Date.now(),
        strategy: svc.spec.strategy,
        target: latest,
        active,
        pods: pods.filter((p) => p.meta.deployment === latest!.meta.name && !p.spec.destroy),
        replicas: svc.spec.replicas,
        prev: svc.status.rollout,
      });
      svc.status.rollout = verdict.rollout;
      // One event per wait: when the stored rollout of this version did not say it already.
      if (gate && !verdict.rollback && !(prevRollout?.version === latest.spec.version && prevRollout.message.includes(gate.message)))
        emitted.push({ object: { kind: 'Service', namespace: ns, name }, type: 'normal', reason: 'WaitingForDependency', message: `${latest.meta.name}: ${gate.message}`, component: ORIGIN });
      if (verdict.rollback) {
        const { to } = verdict.rollback;
        this.log.warn(`service ${ns}/${name}: ${verdict.rollout.message}`);
        emitted.push({ object: { kind: 'Service', namespace: ns, name }, type: 'warning', reason: 'RolledBack', message: verdict.rollout.message, component: ORIGIN });
        // The serving template goes back into the service (never refused: it runs already), so no version
        // is issued for the failed one, whose pods go as a superseded version's do.
        svc.spec = { ...svc.spec, template: to.spec.template, ...(to.spec.selector ? { selector: to.spec.selector } : {}) };
        if (!to.spec.selector) delete svc.spec.selector;
        latest = to;
      }

      // Rolling: the newest version grows and the others shrink a few pods at a time (rolling.ts), within
      // the strategy's surge and unavailability; a version waiting for its dependencies stops nothing.
      const bounds = rollingBounds(svc.spec.strategy, svc.spec.replicas);
      const draining = this.draining.get(`${ns}/${name}`) ?? new Map<string, number>();
      const roll = bounds && !(gate && latest !== active) ? rollingPlan(pods, latest.meta.name, svc.spec.replicas, bounds, new Set(draining.keys())) : undefined;
      for (const d of deps) {
        const dBefore = changeView(d);
        const desired = d === latest || d === active ? svc.spec.replicas : 0;
        if (d.spec.replicas !== desired) versionEvent('ScaledVersion', `scaled ${d.meta.name} from ${d.spec.replicas} to ${desired}`);
        d.spec.replicas = desired;
        // A pod evicted by a drain (spec.evict) counts as gone: its replacement is made here, and it stops
        // only once enough of those that stay are ready (drain.ts), so the service never runs short.
        const kept = pods.filter((p) => p.meta.deployment === d.meta.name && !p.spec.destroy);
        const mine = kept.filter((p) => !p.spec.evict);
        const gated = !!gate && d === latest && d !== active;
        // Rolling: only the target makes pods; the others only shrink (unless the target waits for its
        // dependencies: the serving version then keeps its replicas, as blue/green's does).
        const making = d === latest ? (roll ? roll.fresh : desired) : bounds && !(gate && latest !== active) ? 0 : desired;
        for (let i = mine.length; !gated && i < making; i++) {
          const pod = newPod(svc, d, defaults, policy);
          pods.push(pod);
          mine.push(pod);
          w.put(keys.pod(ns, pod.meta.name), pod, '');
        }
        // What this pass stops: a rolling step's old pods or a scale-down's surplus (those already leaving
        // the endpoint first), and evicted pods once enough of those that stay are ready (drain.ts).
        const leaving = (p: Pod) => draining.has(p.meta.name);
        const wanted = roll && d !== latest ? roll.stop : pickSurplus(mine, mine.length - desired, leaving);
        const staying = mine.filter((p) => !wanted.includes(p) && !leaving(p));
        wanted.push(...evictedToStop(desired, staying, kept.filter((p) => p.spec.evict)));
        for (const p of this.drained(ns, name, kept, wanted)) {
          p.spec.destroy = true;
          p.status.state = 'destroying';
          w.put(keys.pod(ns, p.meta.name), p, '');
        }
        const live = pods.filter((p) => p.meta.deployment === d.meta.name && !p.spec.destroy);
        d.status.replicas = { desired, ready: live.filter((p) => p.status.state === 'ready').length, total: live.length };
        w.put(keys.deployment(ns, name, d.meta.name), d, dBefore);
      }

      // Blue/green: switch once every pod of the new version is ready; the old one then scales to zero.
      if (latest !== active && latest.status.replicas.ready >= latest.spec.replicas) {
        if (active) this.log.info(`service ${ns}/${name}: switched ${active.meta.name} → ${latest.meta.name}`);
        versionEvent('ActiveVersion', active ? `${latest.meta.name} serves now, replacing ${active.meta.name}` : `${latest.meta.name} serves now`);
        svc.status.deployment = latest.meta.name;
        rolledOut = latest;
        active = latest;
        // The versions it replaces shrink to zero in a pass of their own (their counts were set above); a
        // service's first version replaces none, and a pass more would change nothing.
        if (deps.length > 1) this.enqueue(`svc:${ns}/${name}`);
      }
      for (const d of deps) {
        const dBefore = changeView(d);
        d.status.state = d === active ? 'active' : d === latest ? (d.status.replicas.ready >= d.spec.replicas ? 'ready' : 'provisioning') : 'superseded';
        d.status.message = d === latest && d !== active ? (gate?.message ?? `${d.status.replicas.ready}/${d.spec.replicas} pods ready`) : '';
        w.put(keys.deployment(ns, name, d.meta.name), d, dBefore);
      }
      this.pruneHistory(w, ns, name, deps, pods, active, latest);

      await this.schedule(tx, w, pods);
      await this.reapPods(tx, w, pods);

      const leavingNow = this.draining.get(`${ns}/${name}`) ?? new Map<string, number>();
      // A pod deleted some other way (its node's, the service's) drains no more.
      if (leavingNow.size) {
        const live = new Set(pods.filter((p) => !p.spec.destroy).map((p) => p.meta.name));
        for (const n of leavingNow.keys()) if (!live.has(n)) leavingNow.delete(n);
        if (!leavingNow.size) this.draining.delete(`${ns}/${name}`);
      }
      // What serves: the active version's ready pods; rolling, every version's (old and new serve side by
      // side); never a pod leaving the endpoint.
      const ready = pods.filter(
        (p) => !p.spec.destroy && p.status.state === 'ready' && !leavingNow.has(p.meta.name) && (bounds ? !!active : p.meta.deployment === active?.meta.name),
      );
      svc.status.replicas = { desired: svc.spec.replicas, ready: ready.length };
      const unschedulable = pods.find((p) => !p.spec.destroy && !p.meta.node && p.status.message);
      const failing = pods.find((p) => !p.spec.destroy && p.status.state === 'error');
      svc.status.state =
        latest === active && ready.length >= svc.spec.replicas ? 'ready' : failing || unschedulable ? 'degraded' : 'provisioning';
      svc.status.message =
        unschedulable?.status.message ??
        failing?.status.message ??
        (latest !== active ? (svc.status.rollout?.state === 'failed' ? svc.status.rollout.message : `rolling out ${latest.meta.name}${gate ? `: ${gate.message}` : ''}`) : '');
      readyNow = isReadyService(svc);
      w.put(keys.service(ns, name), svc, before + specBefore, (s) => changeView(s.status) + changeView(s.spec));

      const ep = await tx.get<Endpoint>(keys.endpoint(ns, name));
      const endpoint: Endpoint = ep ?? {
        kind: 'Endpoint',
        version: 'v1',
        meta: { ...newMeta({ name }), namespace: ns },
        spec: { ports: [], upstreams: [] },
        status: {},
      };
      const epBefore = ep ? changeView(ep.spec) : '';
      endpoint.spec = {
        ip: svc.status.network.ip,
        ports: svc.spec.network?.ports ?? [],
        upstreams: ready.filter((p) => p.status.network.pod_ip).map((p) => ({ pod: p.meta.name, ip: p.status.network.pod_ip })),
      };
      w.put(keys.endpoint(ns, name), endpoint, epBefore, (e) => changeView(e.spec));
    }
    return { rolledOut, readyNow };
  }

  /**
   * What a new version of the service waits for (spec.depends_on), read in the pass's transaction; a wait
   * puts the service among its dependencies' waiters.
   */
  private async dependencyGate(tx: Txn, ns: string, name: string, dependsOn: Service['spec']['depends_on']): Promise<DependencyWait | undefined> {
    if (!dependsOn?.length) return undefined;
    const found = new Map<string, Service>();
    const jobs = new Map<string, JobTasks>();
    let tasks: Task[] | undefined;
    for (const d of dependsOn) {
      if ('job' in d) {
        if (!(await tx.get(keys.object('job', ns, d.job)))) continue;
        tasks ??= await tx.list<Task>(keys.task(ns));
        jobs.set(d.job, { tasks: tasks.filter((t) => t.meta.job === d.job) });
        continue;
      }
      const s = await tx.get<Service>(keys.service(ns, d.service));
      if (s) found.set(d.service, s);
    }
    const wait = dependencyWait(dependsOn, (n) => found.get(n), (j) => jobs.get(j));
    for (const key of [...(wait?.services ?? []).map((d) => `${ns}/${d}`), ...(wait?.jobs ?? []).map((j) => `job:${ns}/${j}`)])
      this.waiters.set(key, (this.waiters.get(key) ?? new Set()).add(name));
    return wait;
  }

  /** A service is ready (or a job's task changed: `job:`): the rollouts that wait for it go on. */
  private wakeWaiters(ns: string, name: string, kind: '' | 'job:' = ''): void {
    const key = `${kind}${ns}/${name}`;
    const waiting = this.waiters.get(key);
    if (!waiting) return;
    this.waiters.delete(key);
    for (const w of waiting) this.enqueue(`svc:${ns}/${w}`);
  }

  /** Deleting a service: stop every pod, and once none is left, drop deployments, endpoint and service. */
  private async teardown(tx: Txn, w: Writer, ns: string, name: string, svc: Service | undefined, deps: Deployment[], pods: Pod[]) {
    for (const p of pods) {
      if (p.spec.destroy) continue;
      p.spec.destroy = true;
      p.status.state = 'destroying';
      w.put(keys.pod(ns, p.meta.name), p, '');
    }
    await this.reapPods(tx, w, pods);
    if (pods.some((p) => !w.deleted.has(keys.pod(ns, p.meta.name)))) return;
    for (const d of deps) tx.del(keys.deployment(ns, name, d.meta.name));
    tx.del(keys.endpoint(ns, name));
    if (svc) {
      tx.del(keys.service(ns, name));
      this.log.info(`service ${ns}/${name} deleted`);
    }
    this.enqueue(`ns:${ns}`);
  }

  /** Drops superseded deployments without pods beyond the history limit, oldest first. */
  private pruneHistory(w: Writer, ns: string, name: string, deps: Deployment[], pods: Pod[], active?: Deployment, latest?: Deployment) {
    const old = deps.filter((d) => d !== active && d !== latest && !pods.some((p) => p.meta.deployment === d.meta.name));
    for (const d of old.slice(0, Math.max(0, old.length - this.opts.history))) {
      w.del(keys.deployment(ns, name, d.meta.name));
      w.emitted.push({
        object: { kind: 'Service', namespace: ns, name },
        type: 'normal',
        reason: 'RemovedVersion',
        message: `removed ${d.meta.name} (beyond the ${this.opts.history} kept for rollback)`,
        component: ORIGIN,
      });
    }
  }

  /** The nodes, read once per transaction (its passes do not change them). */
  private nodesOf(tx: Txn, batch: Batch): Promise<Node[]> {
    return (batch.nodes ??= tx.list<Node>(PREFIX.nodes));
  }

  private async nodeNames(tx: Txn, batch: Batch): Promise<Set<string>> {
    return new Set((await this.nodesOf(tx, batch)).map((n) => n.meta.name));
  }

  /** Places pods that have no node yet; explains in the pod's status why one cannot be placed. */
  private async schedule(tx: Txn, w: Writer, pods: Pod[]): Promise<void> {
    const pending = pods.filter((p) => !p.meta.node && !p.spec.destroy);
    if (!pending.length) return;
    // What every node carries: the committed pods as indexed, with the writes of this transaction's earlier
    // passes (not committed, so not indexed yet), and this pass's view of its own service's pods in place of
    // the index's. Only that service's replicas are counted per node (the spread of the pods placed here);
    // every other pod counts in the sums, so a pass is O(nodes + its pods).
    const view = await this.podIndex().read();
    const mine = new Map<string, BoundPod>(view.byService.get(serviceKey(pending[0])));
    const base = w.batch.loads.totals(view, w.podsWritten);
    for (const p of mine.values()) uncount(base, p);
    for (const p of pods) mine.set(keys.pod(p.meta.namespace, p.meta.name), p);
    const loads = this.scheduler.nodeLoads(await this.nodesOf(tx, w.batch), [...mine.values()].filter((p) => !p.spec.destroy || p.meta.node), base);
    for (const p of pending) {
      const before = w.before(keys.pod(p.meta.namespace, p.meta.name), p);
      const claim = await this.volumeClaim(tx, p);
      const t = performance.now();
      const r = 'reason' in claim ? claim : this.scheduler.place(claim.node ? { ...p, spec: { ...p.spec, selector: { ...p.spec.selector, node: claim.node } } } : p, loads);
      SCHEDULED.latency.observe(since(t));
      ('reason' in r ? SCHEDULED.unschedulable : SCHEDULED.placed).inc();
      if (!('reason' in r) && !('reason' in claim)) for (const v of claim.volumes ?? []) this.leaseVolume(w, v, r.node);
      const object = { kind: 'Pod' as const, namespace: p.meta.namespace, name: p.meta.name, service: p.meta.service };
      if ('reason' in r) {
        p.status.message = r.reason;
        w.emitted.push({ object, type: 'warning', reason: 'FailedScheduling', message: r.reason.replace(/^unschedulable: /, 'no node fits: '), component: 'scheduler' });
      } else {
        p.meta.node = r.node;
        p.status.message = '';
        p.status.state = 'provisioning';
        w.emitted.push({ object, type: 'normal', reason: 'Scheduled', message: `assigned ${p.meta.namespace}/${p.meta.name} to node ${r.node}`, component: 'scheduler' });
      }
      w.put(keys.pod(p.meta.namespace, p.meta.name), p, before);
    }
  }

  /**
   * Volumes a pod claims pin it to the node that holds them (a host directory lives on one node).
   * The first pod to run with a volume leases it to its node.
   */
  private async volumeClaim(tx: Txn, p: Pod): Promise<{ node?: string; volumes?: Volume[] } | { reason: string }> {
    const names = p.spec.template.volumes.flatMap((v) => (v.volume ? [v.volume.name] : []));
    if (!names.length) return {};
    const volumes: Volume[] = [];
    for (const n of names) {
      const v = await tx.get<Volume>(keys.object('volume', p.meta.namespace, n));
      if (!v) return { reason: `unschedulable: volume "${n}" not found in namespace "${p.meta.namespace}"` };
      volumes.push(v);
    }
    const nodes = [...new Set(volumes.map((v) => v.status.node).filter((n): n is string => !!n))];
    if (nodes.length > 1) return { reason: `unschedulable: its volumes are on different nodes (${nodes.join(', ')})` };
    if (nodes[0] && p.spec.selector?.node && p.spec.selector.node !== nodes[0])
      return { reason: `unschedulable: its volume is on node ${nodes[0]}, its selector names node ${p.spec.selector.node}` };
    return { node: nodes[0], volumes };
  }

  private leaseVolume(w: Writer, v: Volume, node: string): void {
    if (v.status.node === node) return;
    const before = changeView(v);
    v.status = { state: 'ready', node, message: '' };
    w.put(keys.object('volume', v.meta.namespace, v.meta.name), v, before);
  }

  /** Removes pods marked for deletion that no agent has to stop any more. */
  private async reapPods(tx: Txn, w: Writer, pods: Pod[]): Promise<void> {
    // The nodes are read only when a pod is to go: most passes have none.
    if (!pods.some((p) => p.spec.destroy)) return;
    const nodes = await this.nodeNames(tx, w.batch);
    for (const p of pods) {
      if (p.spec.destroy && (!p.meta.node || !nodes.has(p.meta.node) || p.status.state === 'destroyed'))
        w.del(keys.pod(p.meta.namespace, p.meta.name));
    }
  }
}

const pass = (kind: string): { ok: HistogramChild; error: HistogramChild } => ({ ok: reconcileDuration.labels(kind, 'ok'), error: reconcileDuration.labels(kind, 'error') });
const PASS = { nodes: pass('nodes'), namespace: pass('namespace'), service: pass('service') };
const SCHEDULED = { latency: schedulerLatency.labels(), placed: schedulerPlacements.labels('placed'), unschedulable: schedulerPlacements.labels('unschedulable') };

/**
 * What Writer.put compares before and after a pass: the object's JSON. A pass reads its objects parsed from
 * the store's JSON and changes them in place, which keeps their keys in order, so equal values give equal
 * text. A key a pass adds (or deletes and adds again) goes last: such an object is written once more than
 * needed, and the next pass reads it in that order. Not the SDK's stableStringify (sorted keys, for hashes
 * that must not depend on who wrote the object): sorting every object's keys on every pass made it the
 * largest allocator at 10,000 pods.
 */
const changeView = (v: unknown): string => JSON.stringify(v);

/** Writes an object only when it changed, so the controller's own writes settle instead of looping. */
class Writer {
  readonly deleted = new Set<string>();
  /** The pods this pass wrote. */
  readonly podsWritten = new Set<string>();
  constructor(
    private readonly tx: Txn,
    /** Events of the pass, recorded once it committed. */
    readonly emitted: EventInput[] = [],
    /** What the passes of the transaction share. */
    readonly batch: Batch = { loads: new BatchLoads() },
  ) {}
  /**
   * What put() compares a pod with once changed: nothing for a pod this transaction writes already (a pod
   * a pass just made, being placed), which is written again anyway, so it is not serialised to compare.
   */
  before(key: string, pod: Pod): string {
    return this.batch.loads.has(key) ? '' : changeView(pod);
  }
  put<T extends { meta: ObjectMeta }>(key: string, obj: T, before: string, view: (o: T) => string = changeView): void {
    if (this.deleted.has(key)) return;
    if (before && before === view(obj)) return;
    this.tx.put(key, touch(obj));
    if (key.startsWith(PREFIX.pods)) this.wrotePod(key, obj as unknown as Pod);
  }
  del(key: string): void {
    this.deleted.add(key);
    this.tx.del(key);
    if (key.startsWith(PREFIX.pods)) this.wrotePod(key, undefined);
  }
  private wrotePod(key: string, p: Pod | undefined): void {
    this.batch.loads.wrote(key, p);
    this.podsWritten.add(key);
  }
}

/** What the passes of one transaction share. */
interface Batch {
  /** The pods written so far, for the placements of later passes. */
  loads: BatchLoads;
  /** The nodes, once read. */
  nodes?: Promise<Node[]>;
}

/** What a service's pass observed, acted on once its transaction committed. */
interface PassOutcome {
  ns: string;
  name: string;
  rolledOut?: Deployment;
  readyNow: boolean;
}

/** Takes a pod's share out of its node's sums (the pass counts it itself). */
function uncount(base: Map<string, NodeTotals>, p: BoundPod): void {
  const t = p.meta.node ? base.get(p.meta.node) : undefined;
  if (!t) return;
  t.cpu -= p.spec.resources.cpu;
  t.ram -= p.spec.resources.ram;
  t.pods -= 1;
}

/** Pods are named after their service: `<service, at most 52 chars>-<10 hex>`. */
const podNamePrefix = (service: string): string => `${service.slice(0, 52)}-`;
const podPrefix = (ns: string, service: string): string => keys.pod(ns, podNamePrefix(service));

function newPod(svc: Service, d: Deployment, defaults: NamespaceResources['defaults'], policy: PodSecurityPolicy | undefined): Pod {
  const name = podNamePrefix(svc.meta.name) + randomHex(5);
  return {
    kind: 'Pod',
    version: 'v1',
    meta: {
      ...newMeta({ name, labels: svc.meta.labels }),
      namespace: svc.meta.namespace,
      service: svc.meta.name,
      deployment: d.meta.name,
      node: '',
    },
    spec: { template: d.spec.template, selector: d.spec.selector, destroy: false, resources: podResources(d.spec.template, defaults), ...(policy ? { policy } : {}) },
    status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
  };
}

/**
 * cpu (millicores) and ram (bytes) a pod asks for, summed over containers: each container's request,
 * else its limit, else the namespace's default request (quota.ts counts it the same way).
 */
export function podResources(t: PodTemplate, defaults?: NamespaceResources['defaults']): { cpu: number; ram: number } {
  const { cpu, ram } = podRequests(t, defaults);
  return { cpu, ram };
}

/** How long a ready pod being stopped is out of the endpoint before it stops, by default. */
const DRAIN_MS = 2000;

/** The `n` pods a scale-down stops: those already leaving the endpoint, then unplaced, not ready, newest. */
function pickSurplus(pods: Pod[], n: number, leaving: (p: Pod) => boolean): Pod[] {
  if (n <= 0) return [];
  const rank = (p: Pod) => (leaving(p) ? -1 : !p.meta.node ? 0 : p.status.state !== 'ready' ? 1 : 2);
  return [...pods].sort((a, b) => rank(a) - rank(b) || b.meta.created.localeCompare(a.meta.created)).slice(0, n);
}
