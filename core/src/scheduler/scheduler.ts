// Placement: filter the nodes a pod may run on, then score them. Pure functions over a snapshot,
// so the controller can place many pods in one pass and tests can check the logic without a cluster.
import type { Node, Pod } from '@lastbackend/sdk';

export interface NodeLoad {
  node: Node;
  cpu: number;
  ram: number;
  pods: number;
  /** Pods per service ("ns/svc") already on the node, for spreading replicas. */
  services: Map<string, number>;
}

export type Placement = { node: string } | { reason: string };

/** What placement needs of a pod already bound: where it runs and what it takes. */
export interface BoundPod {
  meta: Pick<Pod['meta'], 'namespace' | 'service' | 'node'>;
  spec: Pick<Pod['spec'], 'resources' | 'destroy'>;
}

/** Builds the load of every node from the pods bound to it. */
export function nodeLoads(nodes: Node[], pods: Iterable<BoundPod>): Map<string, NodeLoad> {
  const loads = new Map<string, NodeLoad>(nodes.map((n) => [n.meta.name, { node: n, cpu: 0, ram: 0, pods: 0, services: new Map() }]));
  for (const p of pods) {
    const l = p.meta.node ? loads.get(p.meta.node) : undefined;
    if (l) addPod(l, p);
  }
  return loads;
}

function addPod(l: NodeLoad, p: BoundPod): void {
  l.cpu += p.spec.resources.cpu;
  l.ram += p.spec.resources.ram;
  l.pods += 1;
  const svc = `${p.meta.namespace}/${p.meta.service}`;
  l.services.set(svc, (l.services.get(svc) ?? 0) + 1);
}

/** Why a node cannot take the pod, or undefined when it can. */
export function unfit(l: NodeLoad, pod: Pod): string | undefined {
  const n = l.node;
  if (n.status.state !== 'ready' || !n.status.online) return `is ${n.status.state}`;
  if (n.spec.unschedulable) return 'is cordoned';
  const sel = pod.spec.selector;
  if (sel?.node && sel.node !== n.meta.name) return `is not the selected node "${sel.node}"`;
  for (const [k, v] of Object.entries(sel?.labels ?? {})) {
    if (n.meta.labels[k] !== v) return `lacks label ${k}=${v}`;
  }
  const cap = n.status.capacity;
  if (cap.pods && l.pods + 1 > cap.pods) return `is full (${l.pods}/${cap.pods} pods)`;
  if (pod.spec.resources.cpu && l.cpu + pod.spec.resources.cpu > cap.cpu) return `has ${Math.max(0, cap.cpu - l.cpu)}m cpu free, needs ${pod.spec.resources.cpu}m`;
  if (pod.spec.resources.ram && l.ram + pod.spec.resources.ram > cap.ram)
    return `has ${mib(Math.max(0, cap.ram - l.ram))} ram free, needs ${mib(pod.spec.resources.ram)}`;
  return undefined;
}

/** unfit() without the explanation: the hot path of place(), one call per node per pod. */
export function fits(l: NodeLoad, pod: Pod, labels: [string, string][] = Object.entries(pod.spec.selector?.labels ?? {})): boolean {
  const n = l.node;
  if (n.status.state !== 'ready' || !n.status.online || n.spec.unschedulable) return false;
  const sel = pod.spec.selector;
  if (sel?.node && sel.node !== n.meta.name) return false;
  for (const [k, v] of labels) if (n.meta.labels[k] !== v) return false;
  const cap = n.status.capacity;
  const r = pod.spec.resources;
  return !(cap.pods && l.pods + 1 > cap.pods) && !(r.cpu && l.cpu + r.cpu > cap.cpu) && !(r.ram && l.ram + r.ram > cap.ram);
}

/** Higher is better: least allocated, minus a penalty per replica of the same service already there. */
export function score(l: NodeLoad, pod: Pod, serviceKey = `${pod.meta.namespace}/${pod.meta.service}`): number {
  const cap = l.node.status.capacity;
  const free = (used: number, total: number) => (total > 0 ? 1 - used / total : 0);
  const leastAllocated = (free(l.cpu + pod.spec.resources.cpu, cap.cpu) + free(l.ram + pod.spec.resources.ram, cap.ram)) / 2;
  const sameService = l.services.get(serviceKey) ?? 0;
  return leastAllocated * 10 - sameService * 100;
}

/** Chooses a node for the pod and records the placement in `loads`. Reasons are worked out only when none fits. */
export function place(pod: Pod, loads: Map<string, NodeLoad>): Placement {
  let best: NodeLoad | undefined;
  let bestScore = -Infinity;
  const key = `${pod.meta.namespace}/${pod.meta.service}`;
  const labels = Object.entries(pod.spec.selector?.labels ?? {});
  for (const l of loads.values()) {
    if (!fits(l, pod, labels)) continue;
    const s = score(l, pod, key);
    if (s > bestScore || (s === bestScore && best && l.node.meta.name < best.node.meta.name)) {
      best = l;
      bestScore = s;
    }
  }
  if (!best) {
    if (!loads.size) return { reason: 'unschedulable: no nodes in the cluster' };
    const reasons = [...loads.values()].map((l) => `node ${l.node.meta.name} ${unfit(l, pod)}`);
    return { reason: `unschedulable: ${reasons.join('; ')}` };
  }
  addPod(best, pod);
  return { node: best.node.meta.name };
}

const mib = (b: number) => `${Math.round(b / 1024 / 1024)}MiB`;

/** The placement policy the controller runs: the functions above, injected (SchedulerModule) so it is one seam. */
export interface Scheduler {
  nodeLoads(nodes: Node[], pods: Iterable<BoundPod>): Map<string, NodeLoad>;
  place(pod: Pod, loads: Map<string, NodeLoad>): Placement;
}

export const defaultScheduler: Scheduler = { nodeLoads, place };
