// The agent's one door to the node's discovery DNS: where it listens (the runtime's default network without
// a CNI driver, the node bridge's gateway with one), the records it serves, the resolver pods get, and its
// state for the node's status. Only this module knows how discovery is made, so a change to it stays here.
import { ipv4, type ContainerRuntime, type ContainerSpec, type PluginState, type ServiceTable } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { NodeDiscovery, podNetworks, type DiscoveryConfig } from './discovery';

export class NodeDns {
  private readonly discovery: NodeDiscovery;

  constructor(
    cfg: DiscoveryConfig,
    /** The cluster's pod range (network.cluster_cidr): with a CNI driver, discovery answers it. */
    private readonly clusterCidr: string | undefined,
    private readonly cri: () => ContainerRuntime,
    log: Logger,
  ) {
    this.discovery = new NodeDiscovery(cfg, log);
  }

  /** Without a CNI driver pods join the runtime's default network: discovery answers on its gateway, to it. */
  listenOnRuntimeNetwork(): Promise<void> {
    return this.discovery.listenOnRuntimeNetwork(this.cri);
  }

  /** With a CNI driver: on the node bridge's gateway, which every pod of this node reaches, for the pods only. */
  async listenOnNodeSubnet(subnet: string): Promise<void> {
    await this.discovery.listenOn(ipv4.formatIp(ipv4.gateway(ipv4.parseCidr(subnet))), podNetworks(subnet, this.clusterCidr));
  }

  setRecords(records: ServiceTable['dns']): void {
    this.discovery.setRecords(records);
  }

  /** The resolver a container of namespace `ns` gets, or none while discovery does not serve. */
  resolver(ns: string): ContainerSpec['dns'] | undefined {
    return this.discovery.resolver(ns);
  }

  /** Serving (and where), not serving and why, or disabled. */
  status(): PluginState {
    return this.discovery.status();
  }

  close(): Promise<void> {
    return this.discovery.close();
  }
}
