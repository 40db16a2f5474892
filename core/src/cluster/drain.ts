// What a drain does with each pod of the node, and how far it got: pure functions over stored pods and
// volumes, so ClusterState applies them in one transaction and the specs need no store.
import type { DrainPod, DrainReport, Node, Pod, Volume } from '@lastbackend/sdk';

/** Why a pod cannot leave the node whatever the other nodes offer, or undefined when it can. */
export function pinnedReason(node: string, p: Pod, volumes: ReadonlyMap<string, Volume>): string | undefined {
  if (p.spec.selector?.node === node) return `its selector names node ${node}`;
  for (const v of p.spec.template.volumes) {
    const name = v.volume?.name;
    if (!name) continue;
    const vol = volumes.get(`${p.meta.namespace}/${name}`);
    if (vol?.status.node === node) return `volume "${name}" is pinned to node ${node}`;
  }
  return undefined;
}

/** The pods of the node a drain marks for eviction now: a service's, not being stopped, not marked yet, free to move. */
export function podsToEvict(node: string, pods: readonly Pod[], volumes: ReadonlyMap<string, Volume>): Pod[] {
  return pods.filter((p) => p.meta.node === node && !p.meta.task && !p.spec.destroy && !p.spec.evict && !pinnedReason(node, p, volumes));
}

export const evictReason = (node: string): string => `node ${node} is draining`;

/**
 * Where the drain of `node` stands. `pods` are every pod of the cluster (a moving pod's replacements are
 * its deployment's pods elsewhere): a replacement that could not be placed says why the move waits.
 */
export function drainReport(n: Node, pods: readonly Pod[], volumes: ReadonlyMap<string, Volume>): DrainReport {
  const node = n.meta.name;
  const here = pods.filter((p) => p.meta.node === node);
  const unplaced = new Map<string, string>();
  for (const p of pods) if (!p.meta.node && !p.spec.destroy && p.status.message && p.meta.deployment) unplaced.set(`${p.meta.namespace}/${p.meta.deployment}`, p.status.message);
  const report = here
    .map((p): DrainPod => {
      const base = { namespace: p.meta.namespace, name: p.meta.name, owner: p.meta.task ? `job/${p.meta.job ?? ''}` : p.meta.service };
      if (p.spec.destroy) return { ...base, state: 'stopping', reason: 'replaced; its containers are being stopped', permanent: false };
      if (p.meta.task) return { ...base, state: 'waiting', reason: "a task's pod: left to finish on this node", permanent: false };
      const pinned = pinnedReason(node, p, volumes);
      if (pinned) return { ...base, state: 'blocked', reason: pinned, permanent: true };
      const why = unplaced.get(`${p.meta.namespace}/${p.meta.deployment}`);
      if (why) return { ...base, state: 'blocked', reason: why.replace(/^unschedulable: /, 'no other node fits: '), permanent: false };
      return { ...base, state: 'moving', reason: p.spec.evict ? 'its replacement is starting elsewhere' : 'to be replaced elsewhere', permanent: false };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { node, cordoned: n.spec.unschedulable, done: report.length === 0, pods: report };
}

/**
 * A deployment's evicted pods the controller stops now: as many as its ready pods that stay exceed what it
 * needs with them gone, so its ready count never drops below `desired` on their account (the oldest first).
 */
export function evictedToStop(desired: number, staying: readonly Pod[], evicted: readonly Pod[]): Pod[] {
  const ready = staying.filter((p) => p.meta.node && p.status.state === 'ready').length;
  const keep = Math.max(0, Math.min(evicted.length, desired - ready));
  // Not-ready evicted pods serve nobody: they go before ready ones.
  const rank = (p: Pod) => (p.status.state === 'ready' ? 1 : 0);
  return [...evicted].sort((a, b) => rank(a) - rank(b) || a.meta.created.localeCompare(b.meta.created)).slice(0, evicted.length - keep);
}
