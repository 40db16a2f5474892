// The node agent: receives its pods over the API's push stream (a snapshot, then changes), drives the
// CRI/CII drivers to match, and reports pod and node status back. It never opens the store.
// This file is the composition: each job is its own part (pods, overlay, service table, status, logs,
// discovery DNS); here they are wired to the node stream and started and stopped in order.
import type { Duplex } from 'node:stream';
import type { AgentPodStats, DriverState, ExecResult, ExecSession, KernelHooks, LbClient, NetworkDriver, NodeStreamEvent, ProxyDriver } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LogShipper } from '../logs/log-shipper';
import type { DiscoveryConfig } from './discovery';
import { EventReporter } from './event-reporter';
import { NodeDns } from './node-dns';
import { DEFAULT_FENCE_AFTER, NodeHeartbeat } from './node-heartbeat';
import { hostAddresses } from './node-info';
import { NodePods, type ExecStreamRequest } from './node-pods';
import { followNodeStream } from './node-stream';
import { OverlayNetwork } from './overlay-network';
import { PodLogShipping } from './pod-log-shipping';
import { PodStats } from './pod-stats';
import { PodStatusReporter } from './pod-status-reporter';
import type { PodDrivers } from './pod-sync';
import { ServiceTableSync } from './service-table';
import { TableGuard } from './table-guard';

export interface AgentOptions {
  node: string;
  labels: Record<string, string>;
  maxPods: number;
  /** The pids limit every container gets (node.pids_limit); DEFAULT_PIDS_LIMIT when absent. */
  pidsLimit?: number;
  /** Containers created and started at the same time (node.parallel_starts). */
  parallelStarts: number;
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
  /**
   * Seconds without a heartbeat the server took before the agent stops its task pods by itself (the
   * server's controller.node_not_ready_after: it reruns them elsewhere only after the node is offline).
   */
  fenceAfter?: number;
}

export class Agent {
  private readonly abort = new AbortController();
  private readonly dns: NodeDns;
  private readonly heartbeat: NodeHeartbeat;
  private readonly status: PodStatusReporter;
  private readonly events: EventReporter;
  private readonly logs: PodLogShipping;
  private readonly overlay: OverlayNetwork;
  private readonly services: ServiceTableSync;
  private readonly pods: NodePods;
  private readonly podStats: PodStats;
  private resyncTimer?: NodeJS.Timeout;
  private fenceTimer?: NodeJS.Timeout;

  /** Self-fencing (NodePods.fenceTasks): cut off for longer than fenceAfter, task pods stop here. */
  private fence(): void {
    const after = this.opts.fenceAfter ?? DEFAULT_FENCE_AFTER;
    const cutOff = (Date.now() - this.heartbeat.lastOk) / 1000;
    if (cutOff <= after) return;
    const n = this.pods.fenceTasks();
    if (n) this.log.warn(`no heartbeat taken by the server for ${Math.round(cutOff)}s (more than ${after}s): stopped ${n} task pod(s), which the server reruns elsewhere once this node is offline`);
  }
  private stream?: Promise<void>;

  constructor(
    private readonly client: LbClient,
    private readonly drivers: () => PodDrivers,
    driverStates: () => Promise<DriverState[]>,
    hooks: KernelHooks,
    private readonly log: Logger,
    private readonly opts: AgentOptions,
  ) {
    const stopping = this.abort.signal;
    // Leaves bad entries of pushed tables out before a driver sees them, and reports them with the node.
    const guard = new TableGuard(log);
    this.dns = new NodeDns(opts.discovery, opts.clusterCidr, () => drivers().cri, log.child('discovery'));
    this.heartbeat = new NodeHeartbeat(client, driverStates, () => [this.dns.status()], guard, opts, log, stopping);
    this.status = new PodStatusReporter(client, opts.node, log, stopping);
    this.events = new EventReporter(client, opts.node, log, stopping);
    // The kernel's swaps and failures are the node's events (the kernel lives as long as its agent).
    const nodeEvent = (type: 'normal' | 'warning', reason: string, message: string) =>
      this.events.emit({ component: 'kernel', object: { kind: 'Node', name: opts.node }, type, reason, message });
    hooks.driverSwapped.tap('lb-events', (from, to) =>
      nodeEvent('normal', 'DriverSwapped', `${to.kind} driver swapped from ${from.package}${from.version ? `@${from.version}` : ''} to ${to.package}${to.version ? `@${to.version}` : ''}`),
    );
    hooks.driverFailed.tap('lb-events', (d, e) => nodeEvent('warning', 'DriverFailed', `${d.kind} driver ${d.package}: ${e.message}`));
    this.logs = new PodLogShipping(new LogShipper(client, () => drivers().cri, opts.node, opts.dataDir, log.child('logs')), stopping);
    this.overlay = new OverlayNetwork(opts.node, () => drivers().cni, guard, this.dns, () => this.pods.syncAll(), log);
    this.services = new ServiceTableSync(() => drivers().cpi, guard, this.dns, log);
    this.pods = new NodePods({
      node: opts.node,
      hostIp: () => opts.address ?? hostAddresses()[0] ?? '127.0.0.1',
      drivers,
      hooks,
      log,
      podsMayStart: () => this.overlay.podsMayStart,
      resolver: (ns) => this.dns.resolver(ns),
      refs: (kind, ns, name) => client.nodeRef(opts.node, kind, ns, name).then((r) => r.data),
      pidsLimit: opts.pidsLimit,
      parallelStarts: opts.parallelStarts,
      status: this.status,
      logs: this.logs,
      events: this.events.emit,
      stopping,
    });
    this.podStats = new PodStats(opts.node, (which) => this.pods.containersOf(which), () => drivers().cri);
  }

  async start(): Promise<void> {
    // With a CNI driver discovery moves to the node bridge once the overlay is set up.
    if (!this.drivers().cni) await this.dns.listenOnRuntimeNetwork();
    await this.heartbeat.start();
    this.resyncTimer = setInterval(() => this.resync(), this.opts.resync * 1000);
    this.fenceTimer = setInterval(() => this.fence(), 1000);
    this.pods.start();
    this.podStats.start();
    this.stream = followNodeStream(this.client, this.opts.node, this.abort.signal, this.log, (ev) => this.onStreamEvent(ev));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.podStats.stop();
    clearInterval(this.resyncTimer);
    clearInterval(this.fenceTimer);
    // What is in flight ends first; nothing new starts.
    await Promise.allSettled([this.stream, this.pods.stop(), this.heartbeat.stop(), this.overlay.stop(), this.services.stop()]);
    await this.status.stop().catch(() => undefined);
    await this.events.stop().catch(() => undefined);
    await this.logs.stop();
    await this.dns.close();
  }

  /** A CPI driver swapped in gets the whole table before it takes over. */
  resyncProxy(cpi: ProxyDriver): Promise<void> {
    return this.services.handOver(cpi);
  }

  /** A CNI driver swapped in gets the node and its remotes before it takes over. */
  resyncNetwork(cni: NetworkDriver): Promise<void> {
    return this.overlay.handOver(cni);
  }

  /** Runs a command in a container of a pod of this node (used by the API). */
  exec(ns: string, pod: string, command: string[], container?: string, timeoutSeconds?: number): Promise<ExecResult> {
    return this.pods.exec(ns, pod, command, container, timeoutSeconds);
  }

  /** CPU and memory of the running containers of these pods of this node (all of them when none are named). */
  stats(pods?: readonly { namespace: string; name: string }[]): Promise<AgentPodStats> {
    return this.podStats.stats(pods);
  }

  private onStreamEvent(ev: NodeStreamEvent): void {
    switch (ev.type) {
      case 'snapshot':
        return this.pods.onSnapshot(ev.pods);
      case 'upsert':
        return this.pods.upsert(ev.pod);
      case 'delete':
        return this.pods.forget(`${ev.namespace}/${ev.name}`);
      case 'network':
        return void this.overlay.onMap(ev.nodes);
      case 'services':
        return void this.services.onTable(ev.table);
      case 'volume-deleted':
        return void this.pods.removeVolume(ev.namespace, ev.name);
    }
  }

  /** The periodic pass: failed applies again (a newer map or table meanwhile still wins), every pod, orphans. */
  private resync(): void {
    this.overlay.retryIfFailed();
    this.services.retryIfFailed();
    this.pods.resync();
  }

  /** An interactive exec in a container of a pod of this node (used by the API). */
  execStream(ns: string, pod: string, command: string[], o: ExecStreamRequest): Promise<ExecSession> {
    return this.pods.execStream(ns, pod, command, o);
  }

  /** A TCP connection to a port of a pod of this node, on the pod's own address (used by the API). */
  portForward(ns: string, pod: string, port: number): Promise<Duplex> {
    return this.pods.portForward(ns, pod, port);
  }
}
