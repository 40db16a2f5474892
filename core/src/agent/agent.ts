// The node agent: receives its pods over the API's push stream (a snapshot, then changes), drives the
// CRI/CII drivers to match, and reports pod and node status back. It never opens the store.
import {
  LABEL_NAMESPACE,
  LABEL_NODE,
  LABEL_POD,
  type ContainerRuntime,
  type DriverState,
  type ExecResult,
  type KernelHooks,
  type LbClient,
  type NodeNetworkInfo,
  type NetworkDriver,
  type ProxyDriver,
  type ServiceTable,
  type VirtualService,
  ipv4,
  type Pod,
  type PodStatus,
  type PodStatusReport,
  LbError,
} from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { stableStringify } from '../state/hash';
import { containerName } from './container-spec';
import { hostAddresses, nodeReport } from './node-info';
import { PodRunner, type PodDrivers } from './pod-sync';
import { NodeDiscovery, dockerBridge, podNetworks, type DiscoveryConfig } from './discovery';
import { LogShipper, type FollowTarget } from '../logs/log-shipper';
import { TableGuard } from './table-guard';

export interface AgentOptions {
  node: string;
  labels: Record<string, string>;
  maxPods: number;
  version: string;
  /** Seconds between heartbeats (node status reports). */
  heartbeat: number;
  /** Seconds between full passes over all pods (behind the event-driven ones). */
  resync: number;
  /** URL of this agent's server for exec, when it runs apart from the API server. */
  endpoint?: string;
  dataDir: string;
  /** Underlay address to advertise first. */
  address?: string;
  discovery: DiscoveryConfig;
  /** The cluster's pod range (network.cluster_cidr): with a CNI driver, discovery answers it. */
  clusterCidr?: string;
}

export class Agent {
  private readonly runners = new Map<string, PodRunner>();
  private readonly reported = new Map<string, string>();
  private readonly pending = new Map<string, PodStatusReport>();
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private haveSnapshot = false;
  /** Overlay changes are applied one after another. */
  private network: Promise<void> = Promise.resolve();
  private shipTimer?: NodeJS.Timeout;
  /** With a CNI driver, pods start only once this node's bridge exists. */
  private networkReady = false;
  private proxy: Promise<void> = Promise.resolve();
  private lastTable?: ServiceTable;
  private lastNetwork?: NodeNetworkInfo[];
  private latestTable?: VirtualService[];
  /** A failed apply of the overlay or the service table is tried again on the next resync. */
  private networkFailed = false;
  private tableFailed = false;
  /** The heartbeat in flight: one at a time, and a stopping agent waits for it. */
  private beating?: Promise<void>;
  private readonly discovery: NodeDiscovery;
  private readonly shipper: LogShipper;
  /** Last status of every pod, for the log collector. */
  private readonly statuses = new Map<string, PodStatus>();
  private flushing?: Promise<void>;
  private loops: Promise<void>[] = [];
  /** Leaves bad entries of pushed tables out before a driver sees them, and reports them. */
  private readonly guard: TableGuard;

  constructor(
    private readonly client: LbClient,
    private readonly drivers: () => PodDrivers,
    private readonly driverStates: () => Promise<DriverState[]>,
    private readonly hooks: KernelHooks,
    private readonly log: Logger,
    private readonly opts: AgentOptions,
  ) {
    this.discovery = new NodeDiscovery(opts.discovery, log.child('discovery'));
    this.guard = new TableGuard(log);
    this.shipper = new LogShipper(client, () => this.drivers().cri, opts.node, opts.dataDir, log.child('logs'));
  }

  async start(): Promise<void> {
    // Without a CNI driver pods sit on Docker's bridge: discovery answers on its gateway, to that bridge.
    if (!this.drivers().cni) {
      const bridge = dockerBridge();
      await this.discovery.listenOn(bridge?.address, bridge ? [bridge.network] : []);
    }
    await this.heartbeat();
    this.timers.push(setInterval(() => this.beat(), this.opts.heartbeat * 1000));
    this.timers.push(setInterval(() => void this.resync(), this.opts.resync * 1000));
    this.timers.push(setInterval(() => void this.probeAll(), 1000));
    this.loops = [this.watchPods(), this.watchEvents()];
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.shipTimer);
    await Promise.allSettled([...this.loops, ...this.syncing.values(), this.beating]);
    // Pinned volume paths and secret files are not left on a node without its agent; running containers keep
    // what they mounted, and the next start publishes again before it starts any container.
    await this.drivers().csi?.retain?.([]).catch((e: Error) => this.log.warn(`releasing pod volumes and files: ${e.message}`));
    await this.flush().catch(() => undefined);
    await this.shipper.stop();
    await this.discovery.close();
  }

  private get cri(): ContainerRuntime {
    return this.drivers().cri;
  }

  // ---------------------------------------------------------------- node
  /** A heartbeat unless one is still in flight (a slow server gets one at a time, not a pile). */
  private beat(): void {
    this.beating ??= this.heartbeat().finally(() => (this.beating = undefined));
  }

  private async heartbeat(): Promise<void> {
    try {
      const drivers = this.guard.annotate(await this.driverStates());
      await this.client.reportNode(this.opts.node, nodeReport({ labels: this.opts.labels, maxPods: this.opts.maxPods, version: this.opts.version, drivers, endpoint: this.opts.endpoint, dataDir: this.opts.dataDir, address: this.opts.address }));
    } catch (e) {
      if (!this.abort.signal.aborted) this.log.warn(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- desired state
  /** Follows the node's pod stream; reconnects with back-off and starts over from a snapshot. */
  private async watchPods(): Promise<void> {
    let delay = 250;
    let server = '';
    while (!this.abort.signal.aborted) {
      try {
        for await (const ev of this.client.watchNode(this.opts.node, this.abort.signal)) {
          delay = 250;
          // With several servers the client fails over: say where the stream comes from now.
          if (server !== this.client.server && this.client.servers.length > 1) this.log.info(`pod stream from ${(server = this.client.server)}`);
          if (ev.type === 'snapshot') this.onSnapshot(ev.pods);
          else if (ev.type === 'upsert') this.upsert(ev.pod);
          else if (ev.type === 'network') void this.onNetwork(ev.nodes);
          else if (ev.type === 'services') void this.onServices(ev.table);
          else if (ev.type === 'volume-deleted') void this.removeVolume(ev.namespace, ev.name);
          else this.forget(`${ev.namespace}/${ev.name}`);
        }
      } catch (e) {
        if (this.abort.signal.aborted) break;
        this.log.warn(`pod stream: ${(e as Error).message}; reconnecting`);
      }
      await sleep(delay, this.abort.signal);
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** The overlay: this node's bridge and tunnel, and a route to every other node's pod subnet. */
  private async onNetwork(map: NodeNetworkInfo[]): Promise<void> {
    const nodes = this.guard.networkMap(map);
    this.lastNetwork = nodes;
    const cni = this.drivers().cni;
    if (!cni) return;
    const self = nodes.find((n) => n.name === this.opts.node);
    if (!self) return;
    const run = async () => {
      try {
        await cni.setupNode({ subnet: self.subnet, address: self.address });
        // Discovery listens on the bridge's gateway, which every pod of this node reaches, for the pods only.
        await this.discovery.listenOn(ipv4.formatIp(ipv4.gateway(ipv4.parseCidr(self.subnet))), podNetworks(self.subnet, this.opts.clusterCidr));
        await cni.setRemotes(nodes.filter((n) => n.name !== this.opts.node).map((n) => ({ subnet: n.subnet, address: n.address })));
        this.networkReady = true;
        this.networkFailed = false;
        for (const key of this.runners.keys()) this.schedule(key);
      } catch (e) {
        this.networkFailed = true;
        this.log.error(`overlay setup failed (tried again on the next resync): ${(e as Error).message}`);
      }
    };
    this.network = this.network.then(run, run);
    await this.network;
  }

  /** A CPI driver swapped in gets the whole table before it takes over. */
  async resyncProxy(cpi: ProxyDriver): Promise<void> {
    await cpi.setTable(this.lastTable?.services ?? []);
  }

  /** A CNI driver swapped in gets the node and its remotes before it takes over. */
  async resyncNetwork(cni: NetworkDriver): Promise<void> {
    const self = this.lastNetwork?.find((n) => n.name === this.opts.node);
    if (!self) return;
    await cni.setupNode({ subnet: self.subnet, address: self.address });
    await cni.setRemotes(this.lastNetwork!.filter((n) => n.name !== this.opts.node).map((n) => ({ subnet: n.subnet, address: n.address })));
  }

  /** The service table: VIPs through the CPI driver, names through discovery. Latest table wins. */
  private async onServices(pushed: ServiceTable): Promise<void> {
    const table = this.guard.serviceTable(pushed);
    this.lastTable = table;
    this.discovery.setRecords(table.dns);
    const cpi = this.drivers().cpi;
    if (!cpi) return;
    this.latestTable = table.services;
    const run = async () => {
      const t = this.latestTable;
      if (!t) return;
      this.latestTable = undefined;
      try {
        await cpi.setTable(t);
        this.tableFailed = false;
      } catch (e) {
        this.tableFailed = true;
        this.log.error(`service table (tried again on the next resync): ${(e as Error).message}`);
      }
    };
    this.proxy = this.proxy.then(run, run);
    await this.proxy;
  }

  /** A deleted volume's data goes with it (the API refuses the delete while a service uses it). */
  private async removeVolume(namespace: string, name: string): Promise<void> {
    try {
      await this.drivers().csi?.remove({ namespace, name });
      this.log.info(`volume ${namespace}/${name} removed`);
    } catch (e) {
      this.log.error(`removing volume ${namespace}/${name}: ${(e as Error).message}`);
    }
  }

  private onSnapshot(pods: Pod[]): void {
    const keep = new Set(pods.map(podKey));
    for (const k of [...this.runners.keys()]) if (!keep.has(k)) this.forget(k);
    for (const p of pods) this.upsert(p);
    this.haveSnapshot = true;
    void this.collectOrphans();
  }

  private upsert(pod: Pod): void {
    const key = podKey(pod);
    const r = this.runners.get(key);
    if (r) r.pod = pod;
    else this.runners.set(key, new PodRunner(pod, this.opts.node, this.opts.address ?? hostAddresses()[0] ?? '127.0.0.1', this.drivers, this.hooks, this.log.child(pod.meta.name), (ns) => this.discovery.resolver(ns), (kind, ns, name) => this.client.nodeRef(this.opts.node, kind, ns, name).then((r) => r.data)));
    this.schedule(key);
  }

  /**
   * The log collector follows every container this node runs (or ran, to its last line). Pod syncs ask
   * for it often; the follow list is rebuilt once per short window, not once per pod (that was O(pods²)).
   */
  private shipLogsSoon(): void {
    if (this.shipTimer || this.abort.signal.aborted) return;
    this.shipTimer = setTimeout(() => {
      this.shipTimer = undefined;
      if (!this.abort.signal.aborted) this.shipLogs();
    }, 100);
  }

  private shipLogs(): void {
    const targets: FollowTarget[] = [];
    for (const [key, status] of this.statuses) {
      const r = this.runners.get(key);
      if (!r) continue;
      for (const c of status.containers) {
        if (!c.id) continue;
        targets.push({ id: containerName(r.pod.meta.namespace, r.pod.meta.name, c.name), namespace: r.pod.meta.namespace, service: r.pod.meta.service, pod: r.pod.meta.name, container: c.name });
      }
    }
    this.shipper.sync(targets);
  }

  private forget(key: string): void {
    this.statuses.delete(key);
    this.runners.delete(key);
    this.reported.delete(key);
  }

  // ---------------------------------------------------------------- work
  /** Runs a pod's sync; a request during a running sync runs once more after it. */
  private schedule(key: string): void {
    if (this.syncing.has(key)) {
      this.again.add(key);
      return;
    }
    const run = this.syncPod(key)
      .catch((e) => this.log.error(`sync ${key}: ${(e as Error).message}`))
      .finally(() => {
        this.syncing.delete(key);
        if (this.again.delete(key) && !this.abort.signal.aborted) this.schedule(key);
      });
    this.syncing.set(key, run);
  }

  private async syncPod(key: string): Promise<void> {
    const r = this.runners.get(key);
    if (!r) return;
    this.log.debug(`sync ${key} (revision ${r.pod.meta.revision})`);
    if (r.pod.spec.destroy) {
      await r.destroy();
      this.statuses.delete(key);
      this.shipLogsSoon();
      for (const c of r.pod.spec.template.containers) this.shipper.forget(containerName(r.pod.meta.namespace, r.pod.meta.name, c.name));
      this.report(r.pod, { ...r.pod.status, state: 'destroyed', running: false, message: '', containers: [] });
      return;
    }
    if (this.drivers().cni && !this.networkReady) return; // the overlay set-up schedules it again
    const status = await r.sync();
    this.log.debug(`synced ${key}: ${status.state}`);
    this.statuses.set(key, status);
    this.shipLogsSoon();
    this.report(r.pod, status);
  }

  private resync(): void {
    // A newer map or table arriving meanwhile is applied after this retry, so the newest still wins.
    if (this.networkFailed && this.lastNetwork) {
      this.networkFailed = false;
      void this.onNetwork(this.lastNetwork);
    }
    if (this.tableFailed && this.lastTable) {
      this.tableFailed = false;
      void this.onServices(this.lastTable);
    }
    for (const key of this.runners.keys()) this.schedule(key);
    void this.collectOrphans();
  }

  private async probeAll(): Promise<void> {
    for (const [key, r] of this.runners) {
      if (r.pod.spec.destroy) continue;
      try {
        if (await r.probe()) this.schedule(key);
      } catch (e) {
        this.log.warn(`probe ${key}: ${(e as Error).message}`);
      }
    }
  }

  /** Containers of this node whose pod is no longer ours are removed (after a full snapshot only). */
  private async collectOrphans(): Promise<void> {
    if (!this.haveSnapshot) return;
    try {
      for (const c of await this.cri.list({ labels: { [LABEL_NODE]: this.opts.node }, all: true })) {
        const key = `${c.labels[LABEL_NAMESPACE]}/${c.labels[LABEL_POD]}`;
        if (this.runners.has(key)) continue;
        this.log.info(`removing orphan container ${c.name} (pod ${key} is not on this node)`);
        await this.cri.remove(c.id);
        await this.drivers().cni?.detach({ namespace: c.labels[LABEL_NAMESPACE], pod: c.labels[LABEL_POD], netns: '' });
      }
      // Volume paths and files of pods gone meanwhile (e.g. while the agent was down) are released.
      await this.drivers().csi?.retain?.([...this.runners.values()].map((r) => ({ namespace: r.pod.meta.namespace, pod: r.pod.meta.name })));
    } catch (e) {
      this.log.warn(`orphan collection: ${(e as Error).message}`);
    }
  }

  /** Container events make restarts and status prompt instead of waiting for the next pass. */
  private async watchEvents(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        if (!this.cri.capabilities.events) return;
        for await (const ev of this.cri.events({ labels: { [LABEL_NODE]: this.opts.node } }, this.abort.signal)) {
          const key = `${ev.labels[LABEL_NAMESPACE]}/${ev.labels[LABEL_POD]}`;
          if (this.runners.has(key) && (ev.action === 'die' || ev.action === 'start' || ev.action === 'oom')) this.schedule(key);
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.log.warn(`container events: ${(e as Error).message}`);
      }
      await sleep(1000, this.abort.signal);
    }
  }

  // ---------------------------------------------------------------- status
  private report(pod: Pod, status: PodStatus): void {
    const key = podKey(pod);
    const view = stableStringify(status);
    if (this.reported.get(key) === view && pod.status.state === status.state) return;
    this.reported.set(key, view);
    this.pending.set(key, { namespace: pod.meta.namespace, name: pod.meta.name, status: { ...status, updated: new Date().toISOString() } });
    void this.flush();
  }

  /** Sends pending reports in one request; reports made meanwhile go in the next. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending.size ? this.flush() : undefined));
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (!batch.length) return Promise.resolve();
    this.flushing = this.client
      .reportPods(this.opts.node, batch)
      .catch((e) => {
        // Forget what was not delivered, so the next pass reports it again.
        for (const r of batch) this.reported.delete(`${r.namespace}/${r.name}`);
        if (!this.abort.signal.aborted) this.log.warn(`status report failed: ${(e as Error).message}`);
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  // ---------------------------------------------------------------- exec (used by the API)
  private runner(ns: string, pod: string): PodRunner {
    const r = this.runners.get(`${ns}/${pod}`);
    if (!r) throw new LbError('NOT_FOUND', `pod "${pod}" is not running on node ${this.opts.node}`);
    return r;
  }

  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult> {
    const r = this.runner(ns, pod);
    const c = container ?? r.pod.spec.template.containers[0].name;
    if (!r.pod.spec.template.containers.some((x) => x.name === c)) throw new LbError('NOT_FOUND', `pod "${pod}" has no container "${c}"`);
    return this.cri.exec(containerName(ns, pod, c), command, { timeoutSeconds });
  }
}

const podKey = (p: Pod) => `${p.meta.namespace}/${p.meta.name}`;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

