// The cluster's state as gauges, read from the store when /metrics is scraped: pods by phase, and each
// node's capacity and what the pods placed on it request (as the scheduler counts it).
import { POD_STATES, type Node, type Pod } from '@lastbackend/sdk';
import { nodeLoads } from '../scheduler/scheduler';
import { PREFIX } from '../store/keys';
import type { Store } from '../store/store';
import { nodeAllocated, nodeCapacity, podsByPhase } from './metrics';

export interface ClusterSnapshot {
  nodes: Node[];
  pods: Pod[];
}

/** Sets the gauges from a snapshot (a node gone since the last scrape is dropped). */
export function setClusterGauges({ nodes, pods }: ClusterSnapshot): void {
  podsByPhase.reset();
  // Every phase, so that one with no pod reads 0 rather than vanishing.
  for (const p of POD_STATES) podsByPhase.set({ phase: p }, 0);
  for (const p of pods) podsByPhase.inc({ phase: p.status.state });
  nodeCapacity.reset();
  nodeAllocated.reset();
  for (const [name, l] of nodeLoads(nodes, pods.filter((p) => !p.spec.destroy || p.meta.node))) {
    const cap = l.node.status.capacity;
    nodeCapacity.set({ node: name, resource: 'cpu_millicores' }, cap.cpu);
    nodeCapacity.set({ node: name, resource: 'memory_bytes' }, cap.ram);
    nodeCapacity.set({ node: name, resource: 'pods' }, cap.pods);
    nodeAllocated.set({ node: name, resource: 'cpu_millicores' }, l.cpu);
    nodeAllocated.set({ node: name, resource: 'memory_bytes' }, l.ram);
    nodeAllocated.set({ node: name, resource: 'pods' }, l.pods);
  }
}

export async function refreshClusterGauges(store: Store): Promise<void> {
  const [nodes, pods] = await Promise.all([store.list<Node>(PREFIX.nodes), store.list<Pod>(PREFIX.pods)]);
  setClusterGauges({ nodes, pods });
}
