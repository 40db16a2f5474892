// Every pod's placement and size, kept up to date from the store's events, so that placing a pod does
// not read and decode every pod of the cluster (that made a burst of new services O(pods²)).
import type { Pod } from '@lastbackend/sdk';
import type { BoundPod } from '../scheduler/scheduler';
import { PREFIX } from '../store/keys';
import type { Store } from '../store/store';

const slim = (p: Pod): BoundPod => ({
  meta: { namespace: p.meta.namespace, service: p.meta.service, node: p.meta.node },
  spec: { resources: p.spec.resources, destroy: p.spec.destroy },
});

export class PodIndex {
  private pods?: Map<string, BoundPod>;
  private readonly unwatch: () => void;

  constructor(private readonly store: Store) {
    // Until the first read fills it, events have nothing to update: that read sees them all.
    this.unwatch = store.watch(PREFIX.pods, (ev) => {
      if (!this.pods) return;
      if (ev.type === 'put' && ev.value) this.pods.set(ev.key, slim(ev.value as Pod));
      else this.pods.delete(ev.key);
    });
  }

  /**
   * The committed pods by key: read once from the store, then kept by events. Only the leader's
   * controller binds pods to nodes, and its own commits reach the index before its next transaction.
   */
  async all(): Promise<ReadonlyMap<string, BoundPod>> {
    this.pods ??= new Map((await this.store.entries<Pod>(PREFIX.pods)).map(([k, p]) => [k, slim(p)]));
    return this.pods;
  }

  /** Forgets what it holds; the next read fills it from the store again. */
  reset(): void {
    this.pods = undefined;
  }

  close(): void {
    this.unwatch();
  }
}
