// Placement: filter the nodes a pod may run on, then score them. Pure functions over a snapshot (the loads
// map nodeLoads builds), so the controller can place many pods in one pass and tests can check the logic
// without a cluster. A map that places more than a few pods gets an index (ranked.ts) that chooses exactly
// what the reference scan (reference.ts) would, without looking at every node.
import type { Node, Pod } from '@lastbackend/sdk';
import { addPod, type BoundPod, type NodeLoad, type NodeTotals, nodeLoads } from './loads';
import { RankedNodes } from './ranked';
import { explain, type Placement, scanBest } from './reference';

export { fits, score, unfit } from './fit';
export { nodeLoads, type BoundPod, type NodeLoad, type NodeTotals } from './loads';
export { scanPlace, type Placement } from './reference';

/** Scans serve the first placements on a map: an index costs about as much as this many scans to build. */
const SCANS_BEFORE_INDEX = 8;

interface MapState {
  placements: number;
  size: number;
  index?: RankedNodes;
}

/** Per loads map (the controller builds one per pass): how often it placed, and its index once built. */
const states = new WeakMap<Map<string, NodeLoad>, MapState>();

/**
 * Chooses a node for the pod and records the placement in `loads`. Reasons are worked out only when none fits.
 * `loads` changes only through place() (a map whose size changed is indexed again).
 */
export function place(pod: Pod, loads: Map<string, NodeLoad>): Placement {
  let st = states.get(loads);
  if (!st || st.size !== loads.size) states.set(loads, (st = { placements: 0, size: loads.size }));
  st.placements++;
  if (!st.index && st.placements > SCANS_BEFORE_INDEX) st.index = RankedNodes.build(loads);
  const index = st.index?.sound ? st.index : undefined;
  const r = pod.spec.resources;
  // The index's bound holds for what a pod adds being ≥ 0; anything else is scanned (and the index told).
  if (index && r.cpu >= 0 && r.ram >= 0 && r.cpu !== Infinity && r.ram !== Infinity) {
    const node = index.place(pod);
    return node === undefined ? explain(pod, loads) : { node };
  }
  const best = scanBest(pod, loads);
  if (!best) return explain(pod, loads);
  addPodAndTell(best, pod, st.index);
  return { node: best.node.meta.name };
}

function addPodAndTell(l: NodeLoad, pod: Pod, index: RankedNodes | undefined): void {
  addPod(l, pod);
  index?.placed(l.node.meta.name, pod);
}

/** The placement policy the controller runs: the functions above, injected (SchedulerModule) so it is one seam. */
export interface Scheduler {
  /** base: per node, what pods take whose replicas are not counted per service (loads.ts). */
  nodeLoads(nodes: Node[], pods: Iterable<BoundPod>, base?: ReadonlyMap<string, NodeTotals>): Map<string, NodeLoad>;
  place(pod: Pod, loads: Map<string, NodeLoad>): Placement;
}

export const defaultScheduler: Scheduler = { nodeLoads, place };
