import type { LbClient, NetworkDriver, ProxyDriver } from '@lastbackend/sdk';
import type { KernelConfig } from '../config/config';
import type { Kernel } from '../kernel/kernel';
import type { Logger } from '../kernel/logger';
import { VERSION } from '../version';
import { Agent } from './agent';
import { discoverySettings } from './discovery';

/** Starts a node agent on the kernel's CRI/CII drivers, talking to the API through `client`. */
export async function startNodeAgent(kernel: Kernel, client: LbClient, cfg: KernelConfig, log: Logger, endpoint?: string): Promise<Agent> {
  const agent = new Agent(
    client,
    () => ({
      cri: kernel.driver('cri'),
      cii: kernel.driver('cii'),
      ...(kernel.has('cni') ? { cni: kernel.driver('cni') } : {}),
      ...(kernel.has('cpi') ? { cpi: kernel.driver('cpi') } : {}),
      ...(kernel.has('csi') ? { csi: kernel.driver('csi') } : {}),
    }),
    () => kernel.states(),
    kernel.hooks,
    log,
    { node: cfg.node.name, labels: cfg.node.labels, maxPods: cfg.node.max_pods, pidsLimit: cfg.node.pids_limit, parallelStarts: cfg.node.parallel_starts, version: VERSION, heartbeat: cfg.node.heartbeat, resync: cfg.node.resync, endpoint, dataDir: cfg.data_dir, address: cfg.node.address, discovery: discoverySettings(cfg), clusterCidr: cfg.network.cluster_cidr, fenceAfter: cfg.controller.node_not_ready_after },
  );
  kernel.onSwap('cpi', (d) => agent.resyncProxy(d as ProxyDriver));
  kernel.onSwap('cni', (d) => agent.resyncNetwork(d as NetworkDriver));
  await agent.start();
  return agent;
}
