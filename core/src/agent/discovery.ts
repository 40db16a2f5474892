// The node's discovery DNS: the discovery plugin the config names (discovery.plugin), serving on an address
// every local pod reaches, fed from the service table on the node stream. Where it listens comes from the
// network side: the node bridge's gateway with a CNI driver, else the container runtime's default network
// (ContainerRuntime.defaultNetwork). It answers only the pods' networks (and loopback), which the agent
// names: it is no open resolver on the host. An address that cannot be bound yet (not configured on the
// host, runtime not answering) is tried again until it can; meanwhile status() says why.
import { ipv4, type ContainerRuntime, type ContainerSpec, type DiscoveryDns, type PluginState, type ServiceTable } from '@lastbackend/sdk';
import type { KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { configuredCapability, type LoadedCapability } from '../plugins/plugin-loader';

export interface DiscoveryConfig {
  enabled: boolean;
  port: number;
  suffix: string;
  /** The loaded plugin; absent when discovery is disabled. */
  plugin?: LoadedCapability<'discovery'>;
  /** The plugin's own settings (discovery.config). */
  config: Record<string, unknown>;
}

/** The discovery settings of the config, with its plugin loaded when discovery is on. */
export function discoverySettings(cfg: KernelConfig): DiscoveryConfig {
  const d = cfg.discovery;
  return { enabled: d.enabled, port: d.port, suffix: d.suffix, config: d.config, ...(d.enabled ? { plugin: configuredCapability(cfg, 'discovery') } : {}) };
}

/** Where to listen and whom to answer, or why that is not known yet. */
export interface ListenTarget {
  ip?: string;
  allowFrom: string[];
  /** Why there is no address yet. */
  why?: string;
}

/** Between attempts to bind while the address is not usable yet. */
export const RETRY_MS = 2000;

export class NodeDiscovery {
  private server?: DiscoveryDns;
  private address?: string;
  private records: ServiceTable['dns'] = { services: [], pods: [] };
  /** Where the agent wants discovery now; replaced by each listenOn*. */
  private target?: () => Promise<ListenTarget>;
  private state: PluginState;
  private retry?: NodeJS.Timeout;
  private attempts: Promise<void> = Promise.resolve();
  private closed = false;
  private lastWarning = '';

  constructor(
    private readonly cfg: DiscoveryConfig,
    private readonly log: Logger,
    private readonly retryMs = RETRY_MS,
  ) {
    const pkg = cfg.plugin?.package ?? '';
    this.state = cfg.enabled
      ? { capability: 'discovery', package: pkg, state: 'not-ready', message: 'waiting for the address pods reach this node at' }
      : { capability: 'discovery', package: pkg, state: 'disabled', message: 'discovery.enabled is false' };
  }

  /**
   * Serves on `ip` the hosts of `allowFrom` (the pods' networks) and loopback, moving from an earlier
   * address; tried again every few seconds until it binds. Resolves after the first attempt.
   */
  listenOn(ip: string | undefined, allowFrom: string[]): Promise<void> {
    return this.follow(async () => (ip ? { ip, allowFrom } : { allowFrom, why: 'no address to listen on' }));
  }

  /**
   * Without a CNI driver pods join the container runtime's default network: discovery serves on the host's
   * address there (its gateway), to that network. Asked of the runtime on each attempt until it binds.
   */
  listenOnRuntimeNetwork(cri: () => ContainerRuntime): Promise<void> {
    return this.follow(async () => {
      const runtime = cri();
      if (!runtime.defaultNetwork) return { allowFrom: [], why: `the CRI driver ${runtime.info().name} does not report its default network (ContainerRuntime.defaultNetwork)` };
      const net = await runtime.defaultNetwork();
      if (!net) return { allowFrom: [], why: `the CRI driver ${runtime.info().name} has no default network` };
      return { ip: net.gateway, allowFrom: [net.subnet] };
    });
  }

  /** Ready (and where), not ready and why, or disabled: for the node's status. */
  status(): PluginState {
    return { ...this.state };
  }

  setRecords(records: ServiceTable['dns']): void {
    this.records = records;
    this.server?.setRecords(records);
  }

  /** The resolver a container of namespace `ns` gets: this server, with the namespace's search path. */
  resolver(ns: string): ContainerSpec['dns'] | undefined {
    if (!this.address || this.cfg.port !== 53) return undefined;
    return { servers: [this.address], search: [`${ns}.${this.cfg.suffix}`, this.cfg.suffix] };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.target = undefined;
    clearTimeout(this.retry);
    await this.attempts.catch(() => undefined);
    await this.stopServer();
  }

  private follow(target: () => Promise<ListenTarget>): Promise<void> {
    if (!this.cfg.enabled || !this.cfg.plugin || this.closed) return Promise.resolve();
    this.target = target;
    return this.attempt();
  }

  /** One attempt at serving where the agent wants, serialised; a failure schedules the next. */
  private attempt(): Promise<void> {
    clearTimeout(this.retry);
    const run = async () => {
      const source = this.target;
      if (!source || this.closed) return;
      let t: ListenTarget;
      try {
        t = await source();
      } catch (e) {
        t = { allowFrom: [], why: (e as Error).message };
      }
      if (source !== this.target || this.closed) return;
      if (!t.ip) return this.notReady(t.why ?? 'no address to listen on');
      if (t.ip === this.address && this.server) {
        this.server.setAllowedSources(t.allowFrom);
        return this.ready(t.ip, t.allowFrom, false);
      }
      await this.stopServer();
      let server: DiscoveryDns | undefined;
      try {
        server = this.cfg.plugin!.create({ suffix: this.cfg.suffix, allowFrom: t.allowFrom, logger: this.log, config: this.cfg.config });
        await server.listen(t.ip, this.cfg.port);
      } catch (e) {
        await server?.close().catch(() => undefined);
        return this.notReady(`cannot listen on ${t.ip}:${this.cfg.port}: ${(e as Error).message}`);
      }
      if (source !== this.target || this.closed) {
        await server.close().catch(() => undefined);
        return;
      }
      server.setRecords(this.records);
      this.server = server;
      this.address = t.ip;
      this.ready(t.ip, t.allowFrom, true);
    };
    this.attempts = this.attempts.then(run, run);
    return this.attempts;
  }

  private ready(ip: string, allowFrom: string[], moved: boolean): void {
    this.state = { ...this.state, state: 'ready', message: '', address: ip };
    this.lastWarning = '';
    if (moved) this.log.info(`discovery DNS for *.${this.cfg.suffix} on ${ip}:${this.cfg.port}, answering ${[...allowFrom, 'loopback'].join(', ')}`);
  }

  /** Pods keep the runtime's resolver meanwhile; said once per distinct reason, and tried again. */
  private notReady(why: string): void {
    this.state = { capability: 'discovery', package: this.state.package, state: 'not-ready', message: `${why}; pods get the runtime's resolver until it serves (trying again)` };
    if (why !== this.lastWarning) this.log.warn(`discovery DNS not serving: ${why}; trying again every ${this.retryMs / 1000} s`);
    this.lastWarning = why;
    this.retry = setTimeout(() => void this.attempt(), this.retryMs);
    this.retry.unref();
  }

  private async stopServer(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.address = undefined;
    await s?.close();
  }
}

/** The first IPv4 "address/prefix" in `ip -j addr` output (tests read a bridge's address with it). */
export function firstIpv4(ipJson: string): string | undefined {
  const links = JSON.parse(ipJson) as { addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[];
  for (const l of links) for (const a of l.addr_info ?? []) if (a.family === 'inet' && a.local && a.prefixlen !== undefined) return `${a.local}/${a.prefixlen}`;
  return undefined;
}

/** "172.17.0.1/16" → "172.17.0.0/16". */
export function networkOf(hostCidr: string): string {
  const [ip, bits] = hostCidr.split('/');
  const prefix = Number(bits);
  return ipv4.formatCidr({ network: (ipv4.parseIp(ip) & ipv4.maskOf(prefix)) >>> 0, prefix });
}

/** With a CNI driver the pods are the node's subnet, inside the cluster's pod range. */
export function podNetworks(nodeSubnet: string, clusterCidr: string | undefined): string[] {
  return [...new Set([nodeSubnet, ...(clusterCidr ? [clusterCidr] : [])])];
}
