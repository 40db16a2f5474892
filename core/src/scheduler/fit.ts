// The filters (may the pod run on this node?) and the score (how good a home is it?), one node at a time.
import type { Pod } from '@lastbackend/sdk';
import { serviceKey, type NodeLoad } from './loads';

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

/** unfit() without the explanation: the hot path of the scan, one call per node per pod. */
export function fits(l: NodeLoad, pod: Pod, labels: [string, string][] = Object.entries(pod.spec.selector?.labels ?? {})): boolean {
  const n = l.node;
  if (n.status.state !== 'ready' || !n.status.online || n.spec.unschedulable) return false;
  const sel = pod.spec.selector;
  if (sel?.node && sel.node !== n.meta.name) return false;
  for (const [k, v] of labels) if (n.meta.labels[k] !== v) return false;
  return hasRoom(l, pod);
}

/** The resource filters alone (pods, cpu, ram): what changes as pods are placed. */
export function hasRoom(l: NodeLoad, pod: Pod): boolean {
  const cap = l.node.status.capacity;
  const r = pod.spec.resources;
  return !(cap.pods && l.pods + 1 > cap.pods) && !(r.cpu && l.cpu + r.cpu > cap.cpu) && !(r.ram && l.ram + r.ram > cap.ram);
}

/** The share of a resource left free once `used` is taken (0 when the node has none of it). */
export const free = (used: number, total: number): number => (total > 0 ? 1 - used / total : 0);

/** Higher is better: least allocated, minus a penalty per replica of the same service already there. */
export function score(l: NodeLoad, pod: Pod, svc = serviceKey(pod)): number {
  const cap = l.node.status.capacity;
  const leastAllocated = (free(l.cpu + pod.spec.resources.cpu, cap.cpu) + free(l.ram + pod.spec.resources.ram, cap.ram)) / 2;
  const sameService = l.services.get(svc) ?? 0;
  return leastAllocated * 10 - sameService * 100;
}

const mib = (b: number) => `${Math.round(b / 1024 / 1024)}MiB`;
