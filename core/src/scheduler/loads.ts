// What each node already carries: the sum of the pods bound to it, per node, for the filters and the score.
import type { Node, Pod } from '@lastbackend/sdk';

export interface NodeLoad {
  node: Node;
  cpu: number;
  ram: number;
  pods: number;
  /** Pods per service ("ns/svc") already on the node, for spreading replicas. */
  services: Map<string, number>;
}

/** What placement needs of a pod already bound: where it runs and what it takes. */
export interface BoundPod {
  meta: Pick<Pod['meta'], 'namespace' | 'service' | 'node'>;
  spec: Pick<Pod['spec'], 'resources' | 'destroy'>;
}

/** What the pods bound to a node take, summed. */
export interface NodeTotals {
  cpu: number;
  ram: number;
  pods: number;
}

/**
 * Builds the load of every node from the pods bound to it. `base`: per node, what further pods take whose
 * replicas need not be counted per service (placement spreads only the replicas of the pods it places,
 * so the controller passes the pods of the service it places and the sums of all the others).
 */
export function nodeLoads(nodes: Node[], pods: Iterable<BoundPod>, base?: ReadonlyMap<string, NodeTotals>): Map<string, NodeLoad> {
  const loads = new Map<string, NodeLoad>(
    nodes.map((n) => {
      const b = base?.get(n.meta.name);
      return [n.meta.name, { node: n, cpu: b?.cpu ?? 0, ram: b?.ram ?? 0, pods: b?.pods ?? 0, services: new Map() }];
    }),
  );
  for (const p of pods) {
    const l = p.meta.node ? loads.get(p.meta.node) : undefined;
    if (l) addPod(l, p);
  }
  return loads;
}

/** The key spreading counts replicas by. */
export const serviceKey = (p: Pick<BoundPod, 'meta'>): string => `${p.meta.namespace}/${p.meta.service}`;

/** Counts the pod on the node. */
export function addPod(l: NodeLoad, p: BoundPod, svc = serviceKey(p)): void {
  l.cpu += p.spec.resources.cpu;
  l.ram += p.spec.resources.ram;
  l.pods += 1;
  l.services.set(svc, (l.services.get(svc) ?? 0) + 1);
}
