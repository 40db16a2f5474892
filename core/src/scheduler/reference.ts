// The straightforward placement: look at every node, keep the best. It is the specification the indexed
// placement (ranked.ts) must agree with, node for node, and the peer the benchmark measures it against.
import type { Pod } from '@lastbackend/sdk';
import { fits, score, unfit } from './fit';
import { addPod, serviceKey, type NodeLoad } from './loads';

export type Placement = { node: string } | { reason: string };

/** The best node that fits (highest score, then the first name), or undefined when none fits. */
export function scanBest(pod: Pod, loads: Map<string, NodeLoad>): NodeLoad | undefined {
  let best: NodeLoad | undefined;
  let bestScore = -Infinity;
  const key = serviceKey(pod);
  const labels = Object.entries(pod.spec.selector?.labels ?? {});
  for (const l of loads.values()) {
    if (!fits(l, pod, labels)) continue;
    const s = score(l, pod, key);
    if (s > bestScore || (s === bestScore && best && l.node.meta.name < best.node.meta.name)) {
      best = l;
      bestScore = s;
    }
  }
  return best;
}

/** Every node's reason not to take the pod: what the pod's status and the FailedScheduling event say. */
export function explain(pod: Pod, loads: Map<string, NodeLoad>): { reason: string } {
  if (!loads.size) return { reason: 'unschedulable: no nodes in the cluster' };
  const reasons = [...loads.values()].map((l) => `node ${l.node.meta.name} ${unfit(l, pod)}`);
  return { reason: `unschedulable: ${reasons.join('; ')}` };
}

/** Reference place(): scans every node for every pod. */
export function scanPlace(pod: Pod, loads: Map<string, NodeLoad>): Placement {
  const best = scanBest(pod, loads);
  if (!best) return explain(pod, loads);
  addPod(best, pod);
  return { node: best.node.meta.name };
}
