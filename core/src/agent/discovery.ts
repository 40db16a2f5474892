// The node's discovery DNS: a DiscoveryServer on an address every local pod reaches (the node bridge's
// gateway with a CNI driver, else docker0's), fed from the service table on the node stream. It answers
// only the pods' networks (and loopback), which the agent names: it is no open resolver on the host.
import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { ipv4, type ContainerSpec, type ServiceTable } from '@lastbackend/sdk';
import { DiscoveryServer } from '@lastbackend/plugin-discovery';
import type { Logger } from '../kernel/logger';

export interface DiscoveryConfig {
  enabled: boolean;
  port: number;
  suffix: string;
}

export class NodeDiscovery {
  private server?: DiscoveryServer;
  private address?: string;
  private records: ServiceTable['dns'] = { services: [], pods: [] };

  constructor(
    private readonly cfg: DiscoveryConfig,
    private readonly log: Logger,
  ) {}

  /**
   * Serves on `ip` the hosts of `allowFrom` (the pods' networks) and loopback, moving from an earlier
   * address. A failure to bind leaves pods on the runtime's resolver.
   */
  async listenOn(ip: string | undefined, allowFrom: string[]): Promise<void> {
    if (!this.cfg.enabled || !ip) return;
    if (ip === this.address) {
      this.server?.setAllowedSources(allowFrom);
      return;
    }
    await this.close();
    const server = new DiscoveryServer({ suffix: this.cfg.suffix, logger: this.log, allowFrom });
    try {
      await server.listen(ip, this.cfg.port);
    } catch (e) {
      this.log.warn(`discovery DNS cannot listen on ${ip}:${this.cfg.port}: ${(e as Error).message}; pods keep the runtime's resolver`);
      await server.close().catch(() => undefined);
      return;
    }
    server.setRecords(this.records);
    this.server = server;
    this.address = ip;
    this.log.info(`discovery DNS for *.${this.cfg.suffix} on ${ip}:${this.cfg.port}, answering ${[...allowFrom, 'loopback'].join(', ')}`);
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
    const s = this.server;
    this.server = undefined;
    this.address = undefined;
    await s?.close();
  }
}

/**
 * docker0's IPv4 address, which containers on Docker's default bridge reach the host at, and its network.
 * Read with ip(8) first: node's networkInterfaces() leaves out a bridge without carrier, which docker0 is
 * until its first container starts (so discovery would never start on a node whose agent came up first).
 */
export function dockerBridge(): { address: string; network: string } | undefined {
  let cidr: string | undefined;
  try {
    cidr = firstIpv4(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', 'docker0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
  } catch {
    cidr = undefined; // no ip(8), or no docker0
  }
  cidr ??= networkInterfaces().docker0?.find((x) => x.family === 'IPv4')?.cidr ?? undefined;
  return cidr ? { address: cidr.split('/')[0], network: networkOf(cidr) } : undefined;
}

/** The first IPv4 "address/prefix" in `ip -j addr` output. */
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
