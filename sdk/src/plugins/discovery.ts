// The discovery capability: a DNS server for `<service>.<namespace>.<suffix>` on every node. The agent
// picks the address (one every local pod reaches), feeds the records from the service table and names the
// networks that may ask; the plugin answers, and forwards other names to upstream resolvers.
import type { DriverLogger } from '../drivers/define';
import type { ServiceTable } from '../models/resources';

/** Services (VIP, ports) and their pods, as the node stream pushes them. */
export type DiscoveryRecords = ServiceTable['dns'];

export interface DiscoveryDnsOptions {
  /** Zone apex, e.g. 'lb.local'. */
  suffix: string;
  /** IPv4 networks whose hosts get answers besides loopback (the pods' networks); anyone else is refused. */
  allowFrom: string[];
  logger: DriverLogger;
  /** The plugin's own settings (`discovery.config` in the config); the plugin validates them. */
  config: Record<string, unknown>;
}

export interface DiscoveryDns {
  /**
   * Serves UDP and TCP DNS on host:port (port 0: one free port for both) and resolves once both are bound.
   * Rejects with the socket's error (e.g. EADDRNOTAVAIL while `host` is not configured on this machine):
   * the agent retries.
   */
  listen(host: string, port: number): Promise<{ port: number }>;
  /** Replaces the zone; the next query sees it. Bad entries are left out, never the whole table. */
  setRecords(records: DiscoveryRecords): void;
  /** Replaces the networks that get answers; throws on one that is not an IPv4 CIDR. */
  setAllowedSources(cidrs: string[]): void;
  /** Stops serving; safe to call twice or before listen. */
  close(): Promise<void>;
}

export type DiscoveryFactory = (opts: DiscoveryDnsOptions) => DiscoveryDns;
