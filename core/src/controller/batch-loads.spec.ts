import type { BoundPod, NodeTotals } from '../scheduler/scheduler';
import { BatchLoads } from './batch-loads';
import type { PodView } from './pod-index';

const pod = (service: string, node: string, cpu = 10, ram = 100): BoundPod => ({
  meta: { namespace: 'ns', service, node },
  spec: { resources: { cpu, ram }, destroy: false },
});

/** A committed state as the pod index keeps it (its version moves when a pod's share does). */
class FakeView implements PodView {
  readonly pods = new Map<string, BoundPod>();
  readonly byService = new Map<string, Map<string, BoundPod>>();
  version = 0;
  get totals(): Map<string, NodeTotals> {
    const t = new Map<string, NodeTotals>();
    for (const p of this.pods.values()) count(t, p, 1);
    return t;
  }
  commit(key: string, p: BoundPod | undefined): void {
    if (p) this.pods.set(key, p);
    else this.pods.delete(key);
    this.version++;
  }
}

function count(t: Map<string, NodeTotals>, p: BoundPod | undefined, sign: 1 | -1): void {
  if (!p?.meta.node) return;
  const o = t.get(p.meta.node) ?? { cpu: 0, ram: 0, pods: 0 };
  t.set(p.meta.node, { cpu: o.cpu + sign * p.spec.resources.cpu, ram: o.ram + sign * p.spec.resources.ram, pods: o.pods + sign });
}

/** The walk BatchLoads replaces: every write of the transaction against the committed state, but `own`. */
function naive(view: FakeView, writes: Map<string, BoundPod | undefined>, own: Set<string>): Map<string, NodeTotals> {
  const t = view.totals;
  writes.forEach((p, key) => {
    if (own.has(key)) return;
    count(t, view.pods.get(key), -1);
    count(t, p, 1);
  });
  return t;
}

/** Nodes with nothing on them are left out: both forms may keep a zero entry. */
const nonZero = (t: Map<string, NodeTotals>) => new Map([...t].filter(([, v]) => v.pods || v.cpu || v.ram));

describe('BatchLoads', () => {
  it('adds the transaction’s writes to the committed sums, leaving out the pass’s own', () => {
    const view = new FakeView();
    view.commit('a', pod('x', 'n1'));
    view.commit('b', pod('y', 'n2'));
    const loads = new BatchLoads();
    loads.wrote('c', pod('z', 'n1', 5, 50)); // a new pod on n1
    loads.wrote('b', pod('y', 'n1')); // moved from n2 to n1
    loads.wrote('a', undefined); // deleted
    expect(nonZero(loads.totals(view, []))).toEqual(new Map([['n1', { cpu: 15, ram: 150, pods: 2 }]]));
    // the pass that wrote c counts it itself
    expect(nonZero(loads.totals(view, ['c']))).toEqual(new Map([['n1', { cpu: 10, ram: 100, pods: 1 }]]));
  });

  it('takes a pod changed in place between two writes as last written', () => {
    const view = new FakeView();
    const loads = new BatchLoads();
    loads.totals(view, []);
    const p = pod('x', '');
    loads.wrote('p', p);
    p.meta.node = 'n3'; // placed: the same object, written again
    loads.wrote('p', p);
    expect(nonZero(loads.totals(view, []))).toEqual(new Map([['n3', { cpu: 10, ram: 100, pods: 1 }]]));
  });

  it('matches a walk over every write, through commits that move pods meanwhile', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 50; round++) {
      const view = new FakeView();
      for (let i = 0; i < 20; i++) view.commit(`k${i}`, pod(`s${rnd(4)}`, rnd(3) ? `n${rnd(5)}` : ''));
      const loads = new BatchLoads();
      const writes = new Map<string, BoundPod | undefined>();
      for (let step = 0; step < 60; step++) {
        const key = `k${rnd(30)}`;
        const r = rnd(10);
        if (r < 6) {
          const p = rnd(5) ? pod(`s${rnd(4)}`, rnd(4) ? `n${rnd(5)}` : '', 1 + rnd(20), 1 + rnd(200)) : undefined;
          loads.wrote(key, p);
          writes.set(key, p);
        } else if (r < 8) view.commit(key, rnd(4) ? pod(`s${rnd(4)}`, `n${rnd(5)}`, 1 + rnd(20)) : undefined);
        else {
          const own = new Set([...writes.keys()].filter(() => rnd(3) === 0));
          expect(nonZero(loads.totals(view, own))).toEqual(nonZero(naive(view, writes, own)));
        }
      }
    }
  });
});
