// The pods this node runs, as the node stream says: one PodRunner each (pod-sync.ts), synced one run at a
// time per pod, the newest spec winning, on every change, container event, probe verdict and resync. The
// results go to the status reporter and the log collector. Containers of this node that belong to no pod
// of it are removed, once the agent knows all of its pods (after a snapshot).
import {
  LABEL_CONTAINER,
  LABEL_NAMESPACE,
  LABEL_NODE,
  LABEL_POD,
  LbError,
  featureUnsupported,
  type ExecResult,
  type ExecSession,
  type KernelHooks,
  type Pod,
  type PodStatus,
  type ContainerSpec,
} from '@lastbackend/sdk';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../kernel/logger';
import { deployTrace } from '../util/deploy-trace';
import { LatestWinsByKey } from '../util/serial';
import { sleep } from '../util/sleep';
import { Slots } from '../util/slots';
import { containerName } from './container-spec';
import type { EmitEvent } from './event-reporter';
import { PodRunner, type PodDrivers } from './pod-sync';
import type { PodLogShipping } from './pod-log-shipping';
import { podKey, type PodStatusReporter } from './pod-status-reporter';

export interface NodePodsOptions {
  node: string;
  /** The host address pods report (where their ports are published), read as each pod arrives. */
  hostIp: () => string;
  drivers: () => PodDrivers;
  hooks: KernelHooks;
  log: Logger;
  /** Whether pods may start now (with a CNI driver, only once the overlay is set up; it calls syncAll then). */
  podsMayStart: () => boolean;
  /** The DNS a container of a namespace gets. */
  resolver: (ns: string) => ContainerSpec['dns'] | undefined;
  /** Secrets and configs the pods name, read through the API. */
  refs: (kind: 'secret' | 'config', ns: string, name: string) => Promise<Record<string, string>>;
  /** The pids limit every container gets. */
  pidsLimit?: number;
  /** Containers created and started at the same time (node.parallel_starts). */
  parallelStarts: number;
  status: PodStatusReporter;
  logs: PodLogShipping;
  /** Where the pods' events go. */
  events: EmitEvent;
  /** Aborted when the agent stops. */
  stopping: AbortSignal;
}

const PROBE_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

/** How an interactive exec is asked for (exec -i/-t). */
export interface ExecStreamRequest {
  container?: string;
  tty?: boolean;
  stdin?: boolean;
  size?: { cols: number; rows: number };
}

export class NodePods {
  private readonly runners = new Map<string, PodRunner>();
  private readonly syncs: LatestWinsByKey<string>;
  private readonly starts: Slots;
  private haveSnapshot = false;
  private probeTimer?: NodeJS.Timeout;
  private events?: Promise<void>;

  constructor(private readonly o: NodePodsOptions) {
    this.starts = new Slots(o.parallelStarts);
    this.syncs = new LatestWinsByKey(
      (key) => this.syncPod(key),
      (e, key) => this.o.log.error(`sync ${key}: ${e.message}`),
    );
  }

  /** Probes every second, and follows container events. */
  start(): void {
    this.probeTimer = setInterval(() => void this.probeAll(), PROBE_MS);
    this.events = this.watchEvents();
  }

  /** Waits for the syncs in flight (none starts afterwards), then releases what was published for pods. */
  async stop(): Promise<void> {
    clearInterval(this.probeTimer);
    await Promise.allSettled([this.events, this.syncs.stop()]);
    // Pinned volume paths and secret files are not left on a node without its agent; running containers keep
    // what they mounted, and the next start publishes again before it starts any container.
    await this.o.drivers().csi?.retain?.([]).catch((e: Error) => this.o.log.warn(`releasing pod volumes and files: ${e.message}`));
  }

  /** The node's whole set of pods: others are forgotten (their containers go as orphans). */
  onSnapshot(pods: Pod[]): void {
    const keep = new Set(pods.map(podKey));
    for (const k of [...this.runners.keys()]) if (!keep.has(k)) this.forget(k);
    for (const p of pods) this.upsert(p);
    this.haveSnapshot = true;
    void this.collectOrphans();
  }

  /** Task pods this agent stopped on its own while cut off from the server: they never start again here. */
  private readonly fenced = new Set<string>();

  /**
   * Self-fencing: cut off from the server for longer than the server waits before it calls the node not
   * ready, the agent stops its task pods itself, so that a task the server then reruns elsewhere never
   * runs twice. Answers how many it stopped.
   */
  fenceTasks(): number {
    let n = 0;
    for (const [key, r] of this.runners) {
      if (!r.pod.meta.task || r.pod.spec.destroy || this.fenced.has(key)) continue;
      this.fenced.add(key);
      r.pod = { ...r.pod, spec: { ...r.pod.spec, destroy: true } };
      this.schedule(key);
      n++;
    }
    return n;
  }

  upsert(given: Pod): void {
    const key = podKey(given);
    const pod = this.fenced.has(key) ? { ...given, spec: { ...given.spec, destroy: true } } : given;
    deployTrace('agent.pod', `${pod.meta.namespace}/${pod.meta.service}`);
    const r = this.runners.get(key);
    if (r) r.pod = pod;
    else {
      const o = this.o;
      // While a sync runs (an image is pulled), its interim status goes out too, as long as the pod is ours.
      const interim = (s: PodStatus) => {
        if (this.runners.get(key) === runner && !runner.pod.spec.destroy) o.status.report(runner.pod, s);
      };
      const runner = new PodRunner(pod, o.node, o.hostIp(), o.drivers, o.hooks, o.log.child(pod.meta.name), o.resolver, o.refs, o.pidsLimit, o.events, interim, this.starts);
      this.runners.set(key, runner);
    }
    this.schedule(key);
  }

  /** A pod no longer on this node (deleted or moved): it is not synced any more. */
  forget(key: string): void {
    this.fenced.delete(key);
    this.o.logs.forget(key);
    this.runners.delete(key);
    this.o.status.forget(key);
  }

  /** Every pod synced again (after the overlay came up, and on each resync pass). */
  syncAll(): void {
    for (const key of this.runners.keys()) this.schedule(key);
  }

  /** The full pass behind the event-driven syncs. */
  resync(): void {
    this.syncAll();
    void this.collectOrphans();
  }

  /** A deleted volume's data goes with it (the API refuses the delete while a service uses it). */
  async removeVolume(namespace: string, name: string): Promise<void> {
    try {
      await this.o.drivers().csi?.remove({ namespace, name });
      this.o.log.info(`volume ${namespace}/${name} removed`);
    } catch (e) {
      this.o.log.error(`removing volume ${namespace}/${name}: ${(e as Error).message}`);
    }
  }

  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult> {
    return this.o.drivers().cri.exec(this.containerOf(ns, pod, container), command, { timeoutSeconds });
  }

  /** The pods of this node (those asked for, or all but those being removed) and their containers' runtime names. */
  containersOf(pods?: readonly { namespace: string; name: string }[]): { namespace: string; name: string; containers: { name: string; id: string }[] }[] {
    const runners = pods ? pods.map((p) => this.runners.get(`${p.namespace}/${p.name}`)).filter((r) => r !== undefined) : [...this.runners.values()].filter((r) => !r.pod.spec.destroy);
    return runners.map(({ pod }) => ({
      namespace: pod.meta.namespace,
      name: pod.meta.name,
      containers: pod.spec.template.containers.map((c) => ({ name: c.name, id: containerName(pod.meta.namespace, pod.meta.name, c.name) })),
    }));
  }

  /** Runs a pod's sync; a request during a running sync runs once more after it. */
  private schedule(key: string): void {
    void this.syncs.request(key);
  }

  private async syncPod(key: string): Promise<void> {
    const r = this.runners.get(key);
    if (!r) return;
    const { log, status, logs } = this.o;
    log.debug(`sync ${key} (revision ${r.pod.meta.revision})`);
    if (r.pod.spec.destroy) {
      await r.destroy();
      logs.destroyed(r.pod);
      status.report(r.pod, { ...r.pod.status, state: 'destroyed', running: false, message: '', containers: [] });
      return;
    }
    if (!this.o.podsMayStart()) return; // the overlay set-up syncs it again
    deployTrace('agent.sync', `${r.pod.meta.namespace}/${r.pod.meta.service}`);
    const result = await r.sync();
    log.debug(`synced ${key}: ${result.state}`);
    if (this.runners.get(key) === r) logs.synced(r.pod, result);
    status.report(r.pod, result);
    deployTrace('agent.reported', `${r.pod.meta.namespace}/${r.pod.meta.service}`);
  }

  private async probeAll(): Promise<void> {
    for (const [key, r] of this.runners) {
      if (r.pod.spec.destroy) continue;
      try {
        if (await r.probe()) this.schedule(key);
      } catch (e) {
        this.o.log.warn(`probe ${key}: ${(e as Error).message}`);
      }
    }
  }

  /** Containers of this node whose pod is no longer ours are removed (after a full snapshot only). */
  private async collectOrphans(): Promise<void> {
    if (!this.haveSnapshot) return;
    const drivers = this.o.drivers; // read at each step: a driver may be swapped meanwhile
    try {
      for (const c of await drivers().cri.list({ labels: { [LABEL_NODE]: this.o.node }, all: true })) {
        const key = `${c.labels[LABEL_NAMESPACE]}/${c.labels[LABEL_POD]}`;
        if (this.runners.has(key)) continue;
        this.o.log.info(`removing orphan container ${c.name} (pod ${key} is not on this node)`);
        await drivers().cri.remove(c.id);
        await drivers().cni?.detach({ namespace: c.labels[LABEL_NAMESPACE], pod: c.labels[LABEL_POD], netns: '' });
      }
      // Volume paths and files of pods gone meanwhile (e.g. while the agent was down) are released.
      await drivers().csi?.retain?.([...this.runners.values()].map((r) => ({ namespace: r.pod.meta.namespace, pod: r.pod.meta.name })));
    } catch (e) {
      this.o.log.warn(`orphan collection: ${(e as Error).message}`);
    }
  }

  /**
   * Container events make restarts and status prompt instead of waiting for the next pass. A stream that
   * broke (an engine restarting closes it, then stops its containers) missed what happened meanwhile: once
   * the runtime answers again and a new stream is open, every pod is synced again, not at the next resync.
   */
  private async watchEvents(): Promise<void> {
    const signal = this.o.stopping;
    const mine = { labels: { [LABEL_NODE]: this.o.node } };
    let missed = false;
    while (!signal.aborted) {
      try {
        const cri = this.o.drivers().cri;
        if (!cri.capabilities.events) return;
        if (missed) await cri.list(mine); // throws while the runtime is still down
        const events = cri.events(mine, signal); // from now on: what changed before, the syncs below see
        if (missed) this.syncAll();
        missed = false;
        for await (const ev of events) {
          const key = `${ev.labels[LABEL_NAMESPACE]}/${ev.labels[LABEL_POD]}`;
          if (!this.runners.has(key)) continue;
          if (ev.action === 'oom')
            this.o.events({
              component: 'agent',
              object: { kind: 'Pod', namespace: ev.labels[LABEL_NAMESPACE], name: ev.labels[LABEL_POD] },
              type: 'warning',
              reason: 'OOMKilled',
              message: `container ${ev.labels[LABEL_CONTAINER] ?? ev.id} ran out of memory and was killed`,
            });
          if (ev.action === 'die' || ev.action === 'start' || ev.action === 'oom') this.schedule(key);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.o.log.warn(`container events: ${(e as Error).message}`);
      }
      missed = true;
      await sleep(1000, signal);
    }
  }

  /** The runtime's name of a container of a pod of this node (default: its first). */
  private containerOf(ns: string, pod: string, container?: string): string {
    const r = this.runnerOf(ns, pod);
    const c = container ?? r.pod.spec.template.containers[0].name;
    if (!r.pod.spec.template.containers.some((x) => x.name === c)) throw new LbError('NOT_FOUND', `pod "${pod}" has no container "${c}"`);
    return containerName(ns, pod, c);
  }

  private runnerOf(ns: string, pod: string): PodRunner {
    const r = this.runners.get(`${ns}/${pod}`);
    if (!r) throw new LbError('NOT_FOUND', `pod "${pod}" is not running on node ${this.o.node}`);
    return r;
  }

  /** An interactive exec (exec -i/-t); refused clearly by a runtime that cannot stream (driver API 2 execStream). */
  execStream(ns: string, pod: string, command: string[], o: ExecStreamRequest): Promise<ExecSession> {
    const name = this.containerOf(ns, pod, o.container);
    const cri = this.o.drivers().cri;
    if (!cri.execStream) throw featureUnsupported(cri.info().name, 'execStream');
    return cri.execStream(name, command, { tty: o.tty, stdin: o.stdin, ...(o.size ? { size: o.size } : {}) });
  }

  /** A TCP connection to `port` on the pod's own address, once it is connected. */
  async portForward(ns: string, pod: string, port: number): Promise<Socket> {
    const ip = await this.runnerOf(ns, pod).address();
    if (!ip) throw new LbError('FAILED_PRECONDITION', `pod "${pod}" has no address yet (is it running?)`);
    return new Promise((resolve, reject) => {
      const s = connect({ host: ip, port, timeout: CONNECT_TIMEOUT_MS });
      const fail = (why: string) => {
        s.destroy();
        reject(new LbError('UNAVAILABLE', `cannot connect to port ${port} of pod "${pod}" (${ip}): ${why}`));
      };
      s.once('timeout', () => fail('timed out'));
      s.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
      s.once('connect', () => {
        s.removeAllListeners('timeout');
        s.removeAllListeners('error');
        s.setTimeout(0);
        resolve(s);
      });
    });
  }
}
