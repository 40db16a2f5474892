// Every pod's placement and size, kept up to date from the store's events, so that placing a pod does
// not read and decode every pod of the cluster (that made a burst of new services O(pods²)). Alongside,
// what the bound pods take per node and the pods per service, both kept as events come: a pass placing
// one service's pods then costs O(nodes + its pods), not O(every pod).
import type { Pod } from '@lastbackend/sdk';
import type { BoundPod, NodeTotals } from '../scheduler/scheduler';
import { serviceKey } from '../scheduler/loads';
import { PREFIX } from '../store/keys';
import type { Store } from '../store/store';

const slim = (p: Pod): BoundPod => ({
  meta: { namespace: p.meta.namespace, service: p.meta.service, node: p.meta.node },
  spec: { resources: p.spec.resources, destroy: p.spec.destroy },
});

/** The committed pods, and their sums per node and per service. */
export interface PodView {
  readonly pods: ReadonlyMap<string, BoundPod>;
  /** What the pods bound to each node take (every pod with a node counts, as nodeLoads counts them). */
  readonly totals: ReadonlyMap<string, NodeTotals>;
  /** Pods by service ("ns/svc"), by key. */
  readonly byService: ReadonlyMap<string, ReadonlyMap<string, BoundPod>>;
  /** Bumped whenever a pod's part of the totals changes (a status change leaves it). */
  readonly version: number;
}

/** Whether two versions of a pod take the same from the same node. */
const sameLoad = (a: BoundPod, b: BoundPod): boolean =>
  a.meta.node === b.meta.node && a.spec.resources.cpu === b.spec.resources.cpu && a.spec.resources.ram === b.spec.resources.ram;

class View implements PodView {
  readonly pods = new Map<string, BoundPod>();
  readonly totals = new Map<string, NodeTotals>();
  readonly byService = new Map<string, Map<string, BoundPod>>();
  version = 0;

  set(key: string, p: BoundPod): void {
    const was = this.pods.get(key);
    if (was && was.meta.namespace === p.meta.namespace && was.meta.service === p.meta.service && sameLoad(was, p)) {
      this.pods.set(key, p);
      this.byService.get(serviceKey(p))?.set(key, p);
      return;
    }
    this.delete(key);
    this.pods.set(key, p);
    const svc = serviceKey(p);
    let s = this.byService.get(svc);
    if (!s) this.byService.set(svc, (s = new Map()));
    s.set(key, p);
    this.count(p, 1);
  }

  delete(key: string): void {
    const p = this.pods.get(key);
    if (!p) return;
    this.pods.delete(key);
    const svc = serviceKey(p);
    const s = this.byService.get(svc);
    s?.delete(key);
    if (s && !s.size) this.byService.delete(svc);
    this.count(p, -1);
  }

  private count(p: BoundPod, sign: 1 | -1): void {
    const node = p.meta.node;
    if (!node) return;
    this.version++;
    let t = this.totals.get(node);
    if (!t) this.totals.set(node, (t = { cpu: 0, ram: 0, pods: 0 }));
    t.cpu += sign * p.spec.resources.cpu;
    t.ram += sign * p.spec.resources.ram;
    t.pods += sign;
    if (!t.pods) this.totals.delete(node);
  }
}

export class PodIndex {
  private view?: View;
  private filling?: Promise<View>;
  private readonly unwatch: () => void;

  constructor(private readonly store: Store) {
    // Until the first read fills it, events have nothing to update: that read sees them all.
    this.unwatch = store.watch(PREFIX.pods, (ev) => {
      if (!this.view) return;
      if (ev.type === 'put' && ev.value) this.view.set(ev.key, slim(ev.value as Pod));
      else this.view.delete(ev.key);
    });
  }

  /**
   * The committed pods: read once from the store, then kept by events. Only the leader's controller binds
   * pods to nodes, and its own commits reach the index before its next transaction.
   */
  async read(): Promise<PodView> {
    if (this.view) return this.view;
    const filling = (this.filling ??= this.store.entries<Pod>(PREFIX.pods).then((entries) => {
      const v = new View();
      for (const [k, p] of entries) v.set(k, slim(p));
      return v;
    }));
    const v = await filling;
    // A reset while it was read: this read still answers, the next one reads again.
    if (this.filling === filling) {
      this.filling = undefined;
      this.view = v;
    }
    return v;
  }

  /** The committed pods by key. */
  async all(): Promise<ReadonlyMap<string, BoundPod>> {
    return (await this.read()).pods;
  }

  /** Forgets what it holds; the next read fills it from the store again. */
  reset(): void {
    this.view = undefined;
    this.filling = undefined;
  }

  close(): void {
    this.unwatch();
  }
}
